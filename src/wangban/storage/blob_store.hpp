// Content-addressed storage for uploaded files and generated documents. Blobs are named by
// their SHA-256, written once and never changed; the same bytes are stored once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "wangban/common/error.hpp"

namespace wangban::storage {

struct BlobInfo {
  std::string sha256;  // lowercase hex
  std::int64_t size = 0;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // Stores `bytes` durably (on disk when it returns); idempotent for the same content.
  virtual Result<BlobInfo> Put(std::string_view bytes) = 0;
  // The bytes of a blob. kNotFound if absent; kBadRequest for a malformed hash.
  virtual Result<std::string> Get(std::string_view sha256) const = 0;
  virtual Result<bool> Exists(std::string_view sha256) const = 0;
};

// Blobs as files under `root`: root/ab/cd/abcd...; written to root/tmp, fsynced and renamed into
// place, so a crash never leaves a partial blob under its name.
class DirectoryBlobStore final : public BlobStore {
 public:
  // Creates the directories if needed. kUnavailable if the root cannot be created.
  static Result<std::unique_ptr<DirectoryBlobStore>> Open(const std::filesystem::path& root);

  Result<BlobInfo> Put(std::string_view bytes) override;
  Result<std::string> Get(std::string_view sha256) const override;
  Result<bool> Exists(std::string_view sha256) const override;

 private:
  explicit DirectoryBlobStore(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path PathFor(std::string_view sha256) const;

  std::filesystem::path root_;
};

// Lowercase hex SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

}  // namespace wangban::storage
