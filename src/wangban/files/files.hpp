// Uploaded files (申请材料): the type is sniffed from the bytes (never taken from the client),
// the display name is made by the server, the bytes live in the content-addressed blob store
// under their SHA-256 and every upload is one row with its own id, owner, SHA-256 and SM3.
// See docs/files.md.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "wangban/common/clock.hpp"
#include "wangban/common/error.hpp"
#include "wangban/storage/blob_store.hpp"
#include "wangban/storage/database.hpp"

namespace wangban::files {

// The only kinds of file wangban accepts. Everything else (HTML, SVG, XML, scripts,
// executables, archives, PPT/PPTX, macro-enabled documents, polyglots) is refused.
enum class FileKind { kPdf, kJpeg, kPng, kOfd, kDocx, kXlsx, kDoc, kXls };

inline constexpr int kFileKindCount = 8;

// "pdf", "jpeg", "png", "ofd", "docx", "xlsx", "doc", "xls".
std::string_view KindName(FileKind kind);
// The inverse of KindName (exact, lowercase); nullopt for anything else.
std::optional<FileKind> ParseKind(std::string_view name);
// The media type a file of this kind is served with: "application/pdf", "image/jpeg",
// "image/png", "application/ofd", the OOXML types, "application/msword",
// "application/vnd.ms-excel".
std::string_view MediaType(FileKind kind);
// The extension (without the dot) of the names the server gives: "pdf", "jpg", "png", "ofd",
// "docx", "xlsx", "doc", "xls".
std::string_view Extension(FileKind kind);

// A set of kinds, e.g. the formats a material of an item accepts.
class KindSet {
 public:
  constexpr KindSet() = default;
  constexpr KindSet(std::initializer_list<FileKind> kinds) {
    for (FileKind k : kinds) bits_ |= Bit(k);
  }
  static constexpr KindSet All() {
    KindSet s;
    s.bits_ = (1u << kFileKindCount) - 1;
    return s;
  }
  constexpr KindSet& Add(FileKind kind) {
    bits_ |= Bit(kind);
    return *this;
  }
  constexpr bool Contains(FileKind kind) const { return (bits_ & Bit(kind)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr bool operator==(const KindSet&) const = default;
  // The names joined by ", " in enum order, e.g. "pdf, jpeg, png, ofd".
  std::string ToString() const;

 private:
  static constexpr std::uint32_t Bit(FileKind kind) { return 1u << static_cast<int>(kind); }
  std::uint32_t bits_ = 0;
};

// What FileStore::Upload accepts unless the caller says otherwise: PDF, images and OFD. Office
// formats only where an item's material allows them.
inline constexpr KindSet kDefaultKinds{FileKind::kPdf, FileKind::kJpeg, FileKind::kPng, FileKind::kOfd};
inline constexpr KindSet kAllKinds = KindSet::All();

// "pdf,jpeg,docx" (commas, optional spaces) as a set. kValidationFailed (field `field`, code
// "enum") naming the first unknown kind; an empty list is an empty set.
Result<KindSet> ParseKindList(std::string_view list, std::string_view field = "kinds");

// The kind of `bytes` judged by their content alone, or nullopt when they are not exactly one
// of the supported kinds:
// - PDF: "%PDF-1.x" or "%PDF-2.x" at offset 0 and "%%EOF" in the last 1 KiB;
// - JPEG: FF D8 FF and a marker byte; PNG: the 8-byte signature followed by the IHDR chunk;
// - OFD, DOCX, XLSX: a well-formed ZIP starting at offset 0 with no bytes before or after
//   the archive, no duplicate names and no ZIP64; OFD has OFD.xml at the root; DOCX/XLSX
//   have [Content_Types].xml and word/ or xl/ parts and no vbaProject.bin (macros);
// - DOC, XLS: an OLE2 compound file whose root holds WordDocument, or Workbook/Book, and no
//   macro storage.
// Whatever else they hold, bytes that start like markup (their first character after an
// optional BOM and blanks is '<': HTML, SVG, XML) or that carry an HTML tag such as <html,
// <script or <svg in their first 1 KiB (where browsers sniff) are refused, as is a PDF
// signature anywhere but offset 0. Never reads outside `bytes`; linear in their size.
std::optional<FileKind> SniffKind(std::string_view bytes);

// The kind a declared Content-Type names (parameters and case ignored): "application/pdf",
// "image/jpeg" (also image/jpg, image/pjpeg), "image/png" (also image/x-png), "application/ofd",
// the OOXML and legacy Office types. nullopt for anything else.
std::optional<FileKind> KindForMediaType(std::string_view content_type);

// Whether a declared Content-Type is compatible with the sniffed kind. No hint ("",
// application/octet-stream, binary/octet-stream) fits everything and application/zip (or
// x-zip-compressed) fits the ZIP-based kinds; otherwise the declared kind must be in the same
// family as the sniffed one: {pdf}, {jpeg, png}, {ofd}, {doc, docx}, {xls, xlsx}. So a photo
// saved as .jpg that is really a PNG, or a .doc that is really DOCX, is accepted (and served as
// what it is), while a PDF declared as image/png, text/html or image/svg+xml is not.
bool DeclaredTypeFits(std::string_view content_type, FileKind sniffed);

// The display name the server gives an upload: `declared` is the X-File-Name header,
// percent-encoded UTF-8 (a malformed escape is taken literally). Everything up to the last
// '/' or '\' goes, as do control characters, bidirectional overrides and invalid UTF-8;
// Windows-reserved characters become '_'; leading dots and spaces and trailing dots and spaces
// are trimmed; a short extension (1-5 ASCII letters and digits, at least one letter) is
// replaced by Extension(kind); the base is cut to 80 bytes at a character boundary; device
// names (CON, NUL, COM1 ...) get a leading '_'; an empty base becomes "file".
// E.g. ("..%2F..%2Fetc%2Fpasswd", kPdf) -> "passwd.pdf"; ("营业执照.JPG", kPng) -> "营业执照.png".
std::string SanitizeFileName(std::string_view declared, FileKind kind);

// The Content-Disposition value for downloading `name` (a SanitizeFileName result):
// `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>` (RFC 6266,
// RFC 8187). The fallback keeps printable ASCII other than '"', '\', '%' and replaces the rest
// with '_'; when no letter or digit is left in the base it is "file.<ext>".
std::string AttachmentDisposition(std::string_view name);

// Lowercase hex SM3 (GB/T 32905) of `bytes`.
std::string Sm3Hex(std::string_view bytes);

struct FileLimits {
  // Larger uploads are refused (kPayloadTooLarge). The route's body limit is the same, so the
  // HTTP layer answers 413 before reading such a body.
  std::size_t max_bytes = std::size_t{20} << 20;
};

// One upload as stored.
struct StoredFile {
  std::string id;           // UUIDv7
  std::string owner_id;     // whose material it is (an agent uploads for the applicant)
  std::string uploaded_by;  // who sent it: the owner, or the agent or staff member
  std::string sha256;       // lowercase hex; also the blob's name
  std::string sm3;          // lowercase hex
  std::int64_t size = 0;
  FileKind kind = FileKind::kPdf;
  std::string media_type;  // MediaType(kind)
  std::string name;        // SanitizeFileName(...): for display and downloads only
  Timestamp created_at;
};

// A file's row and its bytes (checked against the row's size and SHA-256).
struct FileContent {
  StoredFile file;
  std::string bytes;
};

struct UploadRequest {
  std::string_view owner_id;       // REQUIRES: an existing user id
  std::string_view uploaded_by;    // REQUIRES: an existing user id (may equal owner_id)
  std::string_view declared_type;  // the Content-Type header: a hint, see DeclaredTypeFits
  std::string_view declared_name;  // the X-File-Name header, see SanitizeFileName
  std::string_view bytes;
  KindSet allowed = kDefaultKinds;
};

// Files on SQLite or PostgreSQL with the bytes in a BlobStore. Thread-safe.
class FileStore {
 public:
  // All references must outlive the store.
  FileStore(storage::Database& db, storage::BlobStore& blobs, const Clock& clock, FileLimits limits = {});

  const FileLimits& limits() const { return limits_; }

  // Stores the bytes (once per content: identical bytes share one blob) and records a new file
  // with its own id. Errors, checked in this order:
  // - kValidationFailed, field "body" code "required": no bytes;
  // - kPayloadTooLarge: more than limits().max_bytes;
  // - kUnsupportedMediaType, reason "unsupported_file_type": SniffKind finds no kind, or one
  //   outside `allowed`;
  // - kUnprocessable, reason "type_mismatch": the declared type does not fit (DeclaredTypeFits);
  // - kConflict, reason "foreign_key_violation": owner_id or uploaded_by is no user;
  // - kUnavailable / kInternal from the blob store or the database (a blob written before a
  //   failed insert stays, unreferenced: harmless, the same bytes reuse it).
  Result<StoredFile> Upload(const UploadRequest& request);

  // A file's row by id, with no ownership check (the caller authorizes: AuthorizeOwner for
  // applicants, the case for staff). kNotFound for unknown or malformed ids.
  Result<StoredFile> Get(std::string_view id);
  // The same inside a caller's transaction (a case attaching a material checks the file there).
  static Result<StoredFile> Get(storage::Tx& tx, std::string_view id);

  // The bytes of a stored file. kInternal if the blob is missing or does not match the row's
  // size and SHA-256 (the disk lost or changed it).
  Result<std::string> ReadBytes(const StoredFile& file);

  // Get + ReadBytes: a file's metadata and bytes by id, with no ownership check (for staff
  // reading case materials; the caller authorizes).
  Result<FileContent> Read(std::string_view id);

 private:
  storage::Database& db_;
  storage::BlobStore& blobs_;
  const Clock& clock_;
  FileLimits limits_;
};

}  // namespace wangban::files
