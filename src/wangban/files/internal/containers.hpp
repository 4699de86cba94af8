// Minimal readers of the two containers office files come in: the ZIP central directory (OFD,
// DOCX, XLSX) and the OLE2 compound file directory (DOC, XLS). They read names only, never
// decompress, check every offset against the buffer and bound every loop, so any bytes give
// an answer or nullopt.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wangban::files::internal {

inline constexpr std::size_t kMaxZipEntries = 10000;

// The entry names of a ZIP archive that is all of `bytes`: a local file header at offset 0,
// the end-of-central-directory record ending exactly at the end (after its comment), the
// central directory directly before it. nullopt when the archive is malformed, spans disks,
// uses ZIP64, has encrypted entries, names with NUL, a central name that differs from its
// local header's, duplicate names or more than kMaxZipEntries entries.
std::optional<std::vector<std::string>> ZipEntryNames(std::string_view bytes);

// The names of the root storage's children in an OLE2 compound file (MS-CFB), as ASCII with
// any other character as '?'. nullopt when the signature, header, FAT chain or directory tree
// is malformed (out of range, looping or truncated).
std::optional<std::vector<std::string>> CfbRootNames(std::string_view bytes);

}  // namespace wangban::files::internal
