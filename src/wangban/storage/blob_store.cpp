// Directory-backed content-addressed blob store.
#include "wangban/storage/blob_store.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "wangban/common/ids.hpp"

namespace wangban::storage {
namespace {

bool IsSha256Hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<void> FsyncPath(const std::filesystem::path& p, bool directory) {
  const int fd = ::open(p.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return Fail(Error::Unavailable("open " + p.string() + ": " + std::strerror(errno)));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Fail(Error::Unavailable("fsync " + p.string() + ": " + std::strerror(errno)));
  return {};
}

}  // namespace

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr);
  return ToHex(std::string_view(reinterpret_cast<const char*>(digest), len));
}

Result<std::unique_ptr<DirectoryBlobStore>> DirectoryBlobStore::Open(const std::filesystem::path& root) {
  std::error_code ec;
  std::filesystem::create_directories(root / "tmp", ec);
  if (ec) return Fail(Error::Unavailable("cannot create blob store " + root.string() + ": " + ec.message()));
  return std::unique_ptr<DirectoryBlobStore>(new DirectoryBlobStore(root));
}

std::filesystem::path DirectoryBlobStore::PathFor(std::string_view sha256) const {
  return root_ / std::string(sha256.substr(0, 2)) / std::string(sha256.substr(2, 2)) / std::string(sha256);
}

Result<BlobInfo> DirectoryBlobStore::Put(std::string_view bytes) {
  BlobInfo info{Sha256Hex(bytes), static_cast<std::int64_t>(bytes.size())};
  const auto final_path = PathFor(info.sha256);
  std::error_code ec;
  if (std::filesystem::exists(final_path, ec)) return info;
  std::filesystem::create_directories(final_path.parent_path(), ec);
  if (ec) return Fail(Error::Unavailable("cannot create " + final_path.parent_path().string() + ": " + ec.message()));
  const auto tmp = root_ / "tmp" / (info.sha256 + "." + RandomHex(8));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return Fail(Error::Unavailable("cannot write blob: " + std::string(std::strerror(errno))));
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string why = std::strerror(errno);
      ::close(fd);
      std::filesystem::remove(tmp, ec);
      return Fail(Error::Unavailable("cannot write blob: " + why));
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    std::filesystem::remove(tmp, ec);
    return Fail(Error::Unavailable("cannot sync blob: " + std::string(std::strerror(errno))));
  }
  std::filesystem::rename(tmp, final_path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return Fail(Error::Unavailable("cannot store blob: " + ec.message()));
  }
  if (auto r = FsyncPath(final_path.parent_path(), true); !r) return std::unexpected(std::move(r.error()));
  return info;
}

Result<std::string> DirectoryBlobStore::Get(std::string_view sha256) const {
  if (!IsSha256Hex(sha256)) return Fail(Error::BadRequest("malformed blob id"));
  std::ifstream in(PathFor(sha256), std::ios::binary);
  if (!in) return Fail(Error::NotFound("blob not found"));
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Result<bool> DirectoryBlobStore::Exists(std::string_view sha256) const {
  if (!IsSha256Hex(sha256)) return Fail(Error::BadRequest("malformed blob id"));
  std::error_code ec;
  return std::filesystem::exists(PathFor(sha256), ec);
}

}  // namespace wangban::storage
