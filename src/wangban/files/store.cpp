// FileStore (files.hpp): checks an upload, puts its bytes in the blob store and records it.
#include <openssl/evp.h>

#include "wangban/common/ids.hpp"
#include "wangban/files/files.hpp"

namespace wangban::files {
namespace {

constexpr const char* kColumns = "id, owner_id, uploaded_by, sha256, sm3, size, kind, media_type, name, created_at";

Result<StoredFile> ReadRow(const storage::Row& row) {
  StoredFile f;
  f.id = row.Text(0);
  f.owner_id = row.Text(1);
  f.uploaded_by = row.Text(2);
  f.sha256 = row.Text(3);
  f.sm3 = row.Text(4);
  f.size = row.Int(5);
  const auto kind = ParseKind(row.Text(6));
  if (!kind) return Fail(Error::Internal("file " + f.id + " has an unknown kind"));
  f.kind = *kind;
  f.media_type = row.Text(7);
  f.name = row.Text(8);
  f.created_at = FromMicros(row.Int(9));
  return f;
}

}  // namespace

std::string Sm3Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sm3(), nullptr) != 1 || length != 32) {
    return {};  // OpenSSL without SM3: Upload refuses below rather than store an empty digest
  }
  return ToHex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

FileStore::FileStore(storage::Database& db, storage::BlobStore& blobs, const Clock& clock, FileLimits limits)
    : db_(db), blobs_(blobs), clock_(clock), limits_(limits) {}

Result<StoredFile> FileStore::Upload(const UploadRequest& request) {
  if (request.bytes.empty()) {
    return Fail(Error::Validation({{"body", "required", "send the file's bytes as the request body"}}));
  }
  if (request.bytes.size() > limits_.max_bytes) {
    return Fail(Error{.code = ErrorCode::kPayloadTooLarge,
                      .message = "a file is at most " + std::to_string(limits_.max_bytes) + " bytes"});
  }
  const auto kind = SniffKind(request.bytes);
  if (!kind || !request.allowed.Contains(*kind)) {
    std::string message = kind ? "files of type " + std::string(KindName(*kind)) + " are not accepted here"
                               : "the content is not a supported file type";
    return Fail(Error{.code = ErrorCode::kUnsupportedMediaType,
                      .message = message + "; accepted: " + request.allowed.ToString(),
                      .reason = "unsupported_file_type"});
  }
  if (!DeclaredTypeFits(request.declared_type, *kind)) {
    return Fail(Error::Unprocessable(
        "the content is " + std::string(KindName(*kind)) + ", which does not match the declared Content-Type",
        "type_mismatch"));
  }

  StoredFile file;
  file.id = NewId(clock_);
  file.owner_id = std::string(request.owner_id);
  file.uploaded_by = std::string(request.uploaded_by);
  file.sm3 = Sm3Hex(request.bytes);
  if (file.sm3.empty()) return Fail(Error::Internal("SM3 is unavailable in OpenSSL"));
  file.size = static_cast<std::int64_t>(request.bytes.size());
  file.kind = *kind;
  file.media_type = std::string(MediaType(*kind));
  file.name = SanitizeFileName(request.declared_name, *kind);
  file.created_at = clock_.Now();

  // The blob first and outside the transaction (which may run more than once): identical bytes
  // are stored once and a retry finds them there.
  auto blob = blobs_.Put(request.bytes);
  if (!blob) return std::unexpected(std::move(blob.error()));
  file.sha256 = blob->sha256;

  auto inserted = db_.Transact(storage::kReadWrite, [&](storage::Tx& tx) -> Result<void> {
    auto r = tx.Exec(
        "INSERT INTO files (id, owner_id, uploaded_by, sha256, sm3, size, kind, media_type, name, created_at)"
        " VALUES (:id, :owner, :by, :sha256, :sm3, :size, :kind, :media_type, :name, :at)",
        {{"id", file.id},
         {"owner", file.owner_id},
         {"by", file.uploaded_by},
         {"sha256", file.sha256},
         {"sm3", file.sm3},
         {"size", file.size},
         {"kind", KindName(file.kind)},
         {"media_type", file.media_type},
         {"name", file.name},
         {"at", ToMicros(file.created_at)}});
    if (!r) return std::unexpected(std::move(r.error()));
    return {};
  });
  if (!inserted) return std::unexpected(std::move(inserted.error()));
  return file;
}

Result<StoredFile> FileStore::Get(storage::Tx& tx, std::string_view id) {
  if (!IsUuid(id)) return Fail(Error::NotFound("no such file"));
  auto row = tx.QueryOne(std::string("SELECT ") + kColumns + " FROM files WHERE id = :id", {{"id", id}});
  if (!row) return std::unexpected(std::move(row.error()));
  if (!*row) return Fail(Error::NotFound("no such file"));
  return ReadRow(**row);
}

Result<StoredFile> FileStore::Get(std::string_view id) {
  return db_.TransactValue<StoredFile>(storage::kReadOnly, [&](storage::Tx& tx) { return Get(tx, id); });
}

Result<std::string> FileStore::ReadBytes(const StoredFile& file) {
  auto bytes = blobs_.Get(file.sha256);
  if (!bytes) {
    if (bytes.error().code == ErrorCode::kUnavailable) return std::unexpected(std::move(bytes.error()));
    return Fail(Error::Internal("the blob of file " + file.id + " is missing: " + bytes.error().message));
  }
  // A stored blob is never changed; if the disk did, refuse to hand out other bytes.
  if (static_cast<std::int64_t>(bytes->size()) != file.size || storage::Sha256Hex(*bytes) != file.sha256) {
    return Fail(Error::Internal("the blob of file " + file.id + " does not match its SHA-256"));
  }
  return std::move(*bytes);
}

Result<FileContent> FileStore::Read(std::string_view id) {
  auto file = Get(id);
  if (!file) return std::unexpected(std::move(file.error()));
  auto bytes = ReadBytes(*file);
  if (!bytes) return std::unexpected(std::move(bytes.error()));
  return FileContent{.file = std::move(*file), .bytes = std::move(*bytes)};
}

}  // namespace wangban::files
