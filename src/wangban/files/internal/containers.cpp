// ZIP and OLE2 directory readers for sniffing (containers.hpp). All integers are little-endian;
// every read goes through Reader, which answers nullopt past the end.
#include "wangban/files/internal/containers.hpp"

#include <algorithm>
#include <cstdint>
#include <set>

namespace wangban::files::internal {
namespace {

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  std::size_t size() const { return bytes_.size(); }

  bool Has(std::size_t offset, std::size_t length) const {
    return offset <= bytes_.size() && length <= bytes_.size() - offset;
  }
  std::optional<std::uint16_t> U16(std::size_t offset) const {
    if (!Has(offset, 2)) return std::nullopt;
    return static_cast<std::uint16_t>(Byte(offset) | (Byte(offset + 1) << 8));
  }
  std::optional<std::uint32_t> U32(std::size_t offset) const {
    if (!Has(offset, 4)) return std::nullopt;
    return static_cast<std::uint32_t>(Byte(offset)) | (static_cast<std::uint32_t>(Byte(offset + 1)) << 8) |
           (static_cast<std::uint32_t>(Byte(offset + 2)) << 16) | (static_cast<std::uint32_t>(Byte(offset + 3)) << 24);
  }
  std::optional<std::string_view> Slice(std::size_t offset, std::size_t length) const {
    if (!Has(offset, length)) return std::nullopt;
    return bytes_.substr(offset, length);
  }
  bool Matches(std::size_t offset, std::string_view expected) const {
    return Has(offset, expected.size()) && bytes_.substr(offset, expected.size()) == expected;
  }

 private:
  unsigned Byte(std::size_t offset) const { return static_cast<unsigned char>(bytes_[offset]); }

  std::string_view bytes_;
};

// ---- ZIP (APPNOTE.TXT 6.3): only the central directory and the local headers it points to.

constexpr std::string_view kLocalHeader("PK\x03\x04", 4);
constexpr std::string_view kCentralHeader("PK\x01\x02", 4);
constexpr std::string_view kEndOfCentralDirectory("PK\x05\x06", 4);
constexpr std::string_view kZip64Locator("PK\x06\x07", 4);
constexpr std::size_t kEocdSize = 22;
constexpr std::size_t kCentralSize = 46;
constexpr std::size_t kLocalSize = 30;

// The offset of the end-of-central-directory record whose comment reaches exactly the end.
std::optional<std::size_t> FindEndOfCentralDirectory(const Reader& zip) {
  if (zip.size() < kEocdSize) return std::nullopt;
  const std::size_t last = zip.size() - kEocdSize;
  const std::size_t first = last > 0xFFFF ? last - 0xFFFF : 0;
  for (std::size_t pos = last + 1; pos-- > first;) {
    if (!zip.Matches(pos, kEndOfCentralDirectory)) continue;
    auto comment = zip.U16(pos + 20);
    if (comment && pos + kEocdSize + *comment == zip.size()) return pos;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::vector<std::string>> ZipEntryNames(std::string_view bytes) {
  const Reader zip(bytes);
  if (!zip.Matches(0, kLocalHeader)) return std::nullopt;
  const auto eocd = FindEndOfCentralDirectory(zip);
  if (!eocd) return std::nullopt;
  // A ZIP64 archive announces itself with a locator just before the record; our uploads are
  // far below 4 GiB and the writers we expect do not use it.
  if (*eocd >= 20 && zip.Matches(*eocd - 20, kZip64Locator)) return std::nullopt;
  const auto disk = zip.U16(*eocd + 4);
  const auto cd_disk = zip.U16(*eocd + 6);
  const auto entries_here = zip.U16(*eocd + 8);
  const auto entries = zip.U16(*eocd + 10);
  const auto cd_size = zip.U32(*eocd + 12);
  const auto cd_offset = zip.U32(*eocd + 16);
  if (!disk || !cd_disk || !entries_here || !entries || !cd_size || !cd_offset) return std::nullopt;
  if (*disk != 0 || *cd_disk != 0 || *entries_here != *entries) return std::nullopt;
  if (*entries == 0xFFFF || *cd_size == 0xFFFFFFFF || *cd_offset == 0xFFFFFFFF) return std::nullopt;
  if (*entries == 0 || *entries > kMaxZipEntries) return std::nullopt;
  // The central directory ends where the record starts: nothing hides between them.
  if (static_cast<std::uint64_t>(*cd_offset) + *cd_size != *eocd) return std::nullopt;

  std::vector<std::string> names;
  names.reserve(*entries);
  std::set<std::string_view> seen;
  bool starts_at_zero = false;
  std::size_t pos = *cd_offset;
  for (std::size_t i = 0; i < *entries; ++i) {
    if (!zip.Matches(pos, kCentralHeader) || !zip.Has(pos, kCentralSize)) return std::nullopt;
    const auto flags = zip.U16(pos + 8);
    const auto name_length = zip.U16(pos + 28);
    const auto extra_length = zip.U16(pos + 30);
    const auto comment_length = zip.U16(pos + 32);
    const auto local = zip.U32(pos + 42);
    if (!flags || !name_length || !extra_length || !comment_length || !local) return std::nullopt;
    if ((*flags & 0x0001) != 0) return std::nullopt;  // encrypted
    if (*local == 0xFFFFFFFF) return std::nullopt;    // ZIP64
    const auto name = zip.Slice(pos + kCentralSize, *name_length);
    if (!name || name->empty() || name->find('\0') != std::string_view::npos) return std::nullopt;
    // The local header the entry points to must lie before the central directory and carry
    // the same name (readers that trust one or the other would disagree otherwise).
    if (*local >= *cd_offset || !zip.Matches(*local, kLocalHeader)) return std::nullopt;
    const auto local_name_length = zip.U16(*local + 26);
    if (!local_name_length || *local + kLocalSize + *local_name_length > *cd_offset) return std::nullopt;
    if (zip.Slice(*local + kLocalSize, *local_name_length) != name) return std::nullopt;
    if (*local == 0) starts_at_zero = true;
    if (!seen.insert(*name).second) return std::nullopt;  // duplicate name
    names.emplace_back(*name);
    pos += kCentralSize + *name_length + *extra_length + *comment_length;
    if (pos > *eocd) return std::nullopt;
  }
  if (pos != *eocd || !starts_at_zero) return std::nullopt;
  return names;
}

// ---- OLE2 compound file (MS-CFB): the header, the FAT (through the DIFAT) and the directory.

namespace {

constexpr std::string_view kCfbSignature("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
constexpr std::uint32_t kMaxRegularSector = 0xFFFFFFFA;
constexpr std::uint32_t kEndOfChain = 0xFFFFFFFE;
constexpr std::uint32_t kNoStream = 0xFFFFFFFF;
constexpr std::size_t kHeaderDifatEntries = 109;
constexpr std::size_t kDirEntrySize = 128;

struct DirEntry {
  std::string name;
  std::uint8_t type = 0;  // 0 unused, 1 storage, 2 stream, 5 root
  std::uint32_t left = kNoStream;
  std::uint32_t right = kNoStream;
  std::uint32_t child = kNoStream;
};

class Cfb {
 public:
  explicit Cfb(std::string_view bytes) : file_(bytes) {}

  bool ReadHeader() {
    if (!file_.Matches(0, kCfbSignature) || file_.size() < 512) return false;
    const auto major = file_.U16(26);
    const auto byte_order = file_.U16(28);
    const auto shift = file_.U16(30);
    if (!major || !byte_order || !shift || *byte_order != 0xFFFE) return false;
    if (!((*major == 3 && *shift == 9) || (*major == 4 && *shift == 12))) return false;
    sector_size_ = std::size_t{1} << *shift;
    // Sector n starts at (n + 1) * sector_size; the last one may be cut short (reads past
    // the end fail anyway).
    sectors_ = file_.size() > sector_size_ ? (file_.size() - 1) / sector_size_ : 0;
    const auto fat_sectors = file_.U32(44);
    const auto first_dir = file_.U32(48);
    const auto first_difat = file_.U32(68);
    const auto difat_sectors = file_.U32(72);
    if (!fat_sectors || !first_dir || !first_difat || !difat_sectors) return false;
    if (*fat_sectors == 0 || *fat_sectors > sectors_) return false;
    first_dir_ = *first_dir;

    // The FAT's own sectors: 109 in the header, the rest in a chain of DIFAT sectors.
    for (std::size_t i = 0; i < kHeaderDifatEntries && fat_.size() < *fat_sectors; ++i) {
      fat_.push_back(*file_.U32(76 + 4 * i));
    }
    std::uint32_t difat = *first_difat;
    const std::size_t per_sector = sector_size_ / 4 - 1;
    for (std::uint32_t n = 0; fat_.size() < *fat_sectors; ++n) {
      if (n >= *difat_sectors || !IsWholeSector(difat)) return false;
      const std::size_t base = SectorOffset(difat);
      for (std::size_t i = 0; i < per_sector && fat_.size() < *fat_sectors; ++i) {
        const auto v = file_.U32(base + 4 * i);
        if (!v) return false;
        fat_.push_back(*v);
      }
      const auto next = file_.U32(base + 4 * per_sector);
      if (!next) return false;
      difat = *next;
    }
    return true;
  }

  // The entries of the directory chain, in order.
  std::optional<std::vector<DirEntry>> ReadDirectory() const {
    std::vector<DirEntry> entries;
    std::uint32_t sector = first_dir_;
    for (std::size_t steps = 0; sector != kEndOfChain; ++steps) {
      if (steps >= sectors_ || !IsWholeSector(sector)) return std::nullopt;
      const std::size_t base = SectorOffset(sector);
      for (std::size_t i = 0; i < sector_size_ / kDirEntrySize; ++i) {
        auto entry = ReadEntry(base + i * kDirEntrySize);
        if (!entry) return std::nullopt;
        entries.push_back(std::move(*entry));
      }
      const auto next = Next(sector);
      if (!next) return std::nullopt;
      sector = *next;
    }
    return entries;
  }

 private:
  std::size_t SectorOffset(std::uint32_t sector) const { return (static_cast<std::size_t>(sector) + 1) * sector_size_; }

  // The FAT, DIFAT and directory sectors we read must be there in full (a stream's last
  // sector may be cut short; those we never read).
  bool IsWholeSector(std::uint32_t sector) const {
    return sector <= kMaxRegularSector && sector < sectors_ && file_.Has(SectorOffset(sector), sector_size_);
  }

  std::optional<std::uint32_t> Next(std::uint32_t sector) const {
    const std::size_t per_sector = sector_size_ / 4;
    const std::size_t index = sector / per_sector;
    if (index >= fat_.size()) return std::nullopt;
    const std::uint32_t fat_sector = fat_[index];
    if (!IsWholeSector(fat_sector)) return std::nullopt;
    return file_.U32(SectorOffset(fat_sector) + 4 * (sector % per_sector));
  }

  std::optional<DirEntry> ReadEntry(std::size_t offset) const {
    const auto name_bytes = file_.U16(offset + 64);
    const auto type = file_.Slice(offset + 66, 1);
    const auto left = file_.U32(offset + 68);
    const auto right = file_.U32(offset + 72);
    const auto child = file_.U32(offset + 76);
    if (!name_bytes || !type || !left || !right || !child) return std::nullopt;
    DirEntry e{.type = static_cast<std::uint8_t>((*type)[0]), .left = *left, .right = *right, .child = *child};
    if (e.type == 0) return e;  // an unused slot
    if (*name_bytes < 2 || *name_bytes > 64 || *name_bytes % 2 != 0) return std::nullopt;
    for (std::size_t i = 0; i + 2 < *name_bytes; i += 2) {
      const std::uint16_t c = *file_.U16(offset + i);
      e.name.push_back(c >= 0x20 && c < 0x7F ? static_cast<char>(c) : '?');
    }
    return e;
  }

  Reader file_;
  std::size_t sector_size_ = 512;
  std::size_t sectors_ = 0;
  std::uint32_t first_dir_ = kEndOfChain;
  std::vector<std::uint32_t> fat_;  // the sector numbers holding the FAT
};

}  // namespace

std::optional<std::vector<std::string>> CfbRootNames(std::string_view bytes) {
  Cfb cfb(bytes);
  if (!cfb.ReadHeader()) return std::nullopt;
  const auto entries = cfb.ReadDirectory();
  if (!entries || entries->empty() || (*entries)[0].type != 5) return std::nullopt;
  // The root's children form a tree through the left and right links of its child.
  std::vector<std::string> names;
  std::vector<bool> visited(entries->size(), false);
  std::vector<std::uint32_t> pending = {(*entries)[0].child};
  while (!pending.empty()) {
    const std::uint32_t id = pending.back();
    pending.pop_back();
    if (id == kNoStream) continue;
    if (id == 0 || id >= entries->size() || visited[id]) return std::nullopt;
    visited[id] = true;
    const DirEntry& e = (*entries)[id];
    if (e.type != 1 && e.type != 2) return std::nullopt;
    names.push_back(e.name);
    pending.push_back(e.left);
    pending.push_back(e.right);
  }
  return names;
}

}  // namespace wangban::files::internal
