// Reads entries of a zip archive held in memory (minizip over our own in-memory I/O), with caps
// on what inflating may produce.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "wangban/common/error.hpp"

namespace wangban::sheets::internal {

class ZipReader {
 public:
  // Opens the archive in `bytes`, which must outlive the reader. Entries read through it may
  // together inflate to at most `max_total_bytes`, each to at most `max_entry_bytes`.
  // Fails with "bad_xlsx" when `bytes` are not a zip archive.
  static Result<std::unique_ptr<ZipReader>> Open(std::string_view bytes, std::size_t max_total_bytes,
                                                 std::size_t max_entry_bytes);
  ~ZipReader();
  ZipReader(const ZipReader&) = delete;
  ZipReader& operator=(const ZipReader&) = delete;

  // The content of entry `name` (compared ignoring ASCII case, as OPC part names are), or
  // nullopt if there is none. Fails with "too_large" when the entry's declared or actual size is
  // over a cap, "bad_xlsx" when it is encrypted, uses an unsupported compression method, or is
  // corrupt (bad data, CRC or size mismatch).
  Result<std::optional<std::string>> Read(std::string_view name);

 private:
  struct Impl;
  explicit ZipReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wangban::sheets::internal
