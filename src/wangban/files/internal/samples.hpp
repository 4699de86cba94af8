// Crafted files for the tests of this module (header-only so that it stays out of the
// library): the smallest byte strings each sniffer accepts, and writers for ZIP archives and
// OLE2 compound files with chosen entries.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wangban::files::samples {

inline void PutU16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>(v >> 8));
}

inline void PutU32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

inline void SetU32(std::string& out, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

inline std::uint32_t Crc32(std::string_view data) {
  std::uint32_t crc = 0xFFFFFFFF;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

inline std::string Pdf(std::string_view body = "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n") {
  return "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n" + std::string(body) + "\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
}

inline std::string Jpeg(std::string_view comment = "") {
  std::string out("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 20);
  if (!comment.empty()) {
    out += "\xFF\xFE";
    const auto length = static_cast<std::uint16_t>(comment.size() + 2);
    out.push_back(static_cast<char>(length >> 8));
    out.push_back(static_cast<char>(length & 0xFF));
    out += comment;
  }
  out += std::string("\xFF\xDB\x00\x43\x00", 5) + std::string(64, '\x01') + "\xFF\xD9";
  return out;
}

inline std::string Png() {
  std::string out("\x89PNG\r\n\x1A\n", 8);
  out += std::string("\x00\x00\x00\x0DIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00", 21);
  out += std::string("\x1F\x15\xC4\x89", 4);
  out += std::string("\x00\x00\x00\x00IEND\xAE\x42\x60\x82", 12);
  return out;
}

struct ZipEntry {
  std::string name;
  std::string data;
};

struct ZipOptions {
  std::string comment;
  bool encrypted = false;
  std::string local_name_override;  // non-empty: the first local header names this instead
};

// A ZIP archive of stored (uncompressed) entries.
inline std::string Zip(const std::vector<ZipEntry>& entries, const ZipOptions& options = {}) {
  std::string out, central;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    const std::string local_name =
        i == 0 && !options.local_name_override.empty() ? options.local_name_override : e.name;
    const auto offset = static_cast<std::uint32_t>(out.size());
    const std::uint32_t crc = Crc32(e.data);
    const std::uint16_t flags = options.encrypted ? 1 : 0;
    out += std::string("PK\x03\x04", 4);
    PutU16(out, 20);
    PutU16(out, flags);
    PutU16(out, 0);  // stored
    PutU16(out, 0);
    PutU16(out, 0x21);
    PutU32(out, crc);
    PutU32(out, static_cast<std::uint32_t>(e.data.size()));
    PutU32(out, static_cast<std::uint32_t>(e.data.size()));
    PutU16(out, static_cast<std::uint16_t>(local_name.size()));
    PutU16(out, 0);
    out += local_name;
    out += e.data;

    central += std::string("PK\x01\x02", 4);
    PutU16(central, 20);
    PutU16(central, 20);
    PutU16(central, flags);
    PutU16(central, 0);
    PutU16(central, 0);
    PutU16(central, 0x21);
    PutU32(central, crc);
    PutU32(central, static_cast<std::uint32_t>(e.data.size()));
    PutU32(central, static_cast<std::uint32_t>(e.data.size()));
    PutU16(central, static_cast<std::uint16_t>(e.name.size()));
    PutU16(central, 0);
    PutU16(central, 0);
    PutU16(central, 0);
    PutU16(central, 0);
    PutU32(central, 0);
    PutU32(central, offset);
    central += e.name;
  }
  const auto cd_offset = static_cast<std::uint32_t>(out.size());
  out += central;
  out += std::string("PK\x05\x06", 4);
  PutU16(out, 0);
  PutU16(out, 0);
  PutU16(out, static_cast<std::uint16_t>(entries.size()));
  PutU16(out, static_cast<std::uint16_t>(entries.size()));
  PutU32(out, static_cast<std::uint32_t>(central.size()));
  PutU32(out, cd_offset);
  PutU16(out, static_cast<std::uint16_t>(options.comment.size()));
  out += options.comment;
  return out;
}

inline std::string Ofd() {
  return Zip({{"OFD.xml",
               "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:OFD xmlns:ofd=\"http://www.ofdspec.org/2016\""
               " Version=\"1.0\" DocType=\"OFD\"/>"},
              {"Doc_0/Document.xml", "<ofd:Document/>"},
              {"Doc_0/Pages/Page_0/Content.xml", "<ofd:Page/>"}});
}

inline std::string Docx() {
  return Zip({{"[Content_Types].xml", "<?xml version=\"1.0\"?><Types/>"},
              {"_rels/.rels", "<Relationships/>"},
              {"word/document.xml", "<w:document/>"}});
}

inline std::string Xlsx() {
  return Zip({{"[Content_Types].xml", "<?xml version=\"1.0\"?><Types/>"},
              {"_rels/.rels", "<Relationships/>"},
              {"xl/workbook.xml", "<workbook/>"},
              {"xl/worksheets/sheet1.xml", "<worksheet/>"}});
}

struct CfbOptions {
  int major = 3;                 // 3: 512-byte sectors; 4: 4096-byte sectors
  bool directory_loops = false;  // the directory chain points back at itself
  bool tree_loops = false;       // the last entry's right sibling is the first child again
};

// An OLE2 compound file whose root storage holds streams with these names (no data). Sector 0
// is the FAT; the directory follows in as many sectors as it needs, chained through the FAT.
inline std::string Cfb(const std::vector<std::string>& names, const CfbOptions& options = {}) {
  const std::size_t sector = options.major == 4 ? 4096 : 512;
  const std::size_t per_dir_sector = sector / 128;
  const std::size_t entries = names.size() + 1;
  const std::size_t dir_sectors = (entries + per_dir_sector - 1) / per_dir_sector;

  std::string header;
  header += std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
  header += std::string(16, '\0');  // CLSID
  PutU16(header, 0x3E);             // minor version
  PutU16(header, static_cast<std::uint16_t>(options.major));
  PutU16(header, 0xFFFE);                       // byte order
  PutU16(header, options.major == 4 ? 12 : 9);  // sector shift
  PutU16(header, 6);                            // mini sector shift
  header += std::string(6, '\0');
  PutU32(header, options.major == 4 ? static_cast<std::uint32_t>(dir_sectors) : 0);  // directory sectors
  PutU32(header, 1);                                                                 // FAT sectors
  PutU32(header, 1);                                                                 // first directory sector
  PutU32(header, 0);                                                                 // transaction signature
  PutU32(header, 4096);                                                              // mini stream cutoff
  PutU32(header, 0xFFFFFFFE);                                                        // first mini FAT sector
  PutU32(header, 0);                                                                 // mini FAT sectors
  PutU32(header, 0xFFFFFFFE);                                                        // first DIFAT sector
  PutU32(header, 0);                                                                 // DIFAT sectors
  PutU32(header, 0);                                                                 // DIFAT[0]: the FAT is sector 0
  for (int i = 1; i < 109; ++i) PutU32(header, 0xFFFFFFFF);
  header.resize(sector, '\0');

  std::string fat;
  PutU32(fat, 0xFFFFFFFD);  // sector 0: FAT
  for (std::size_t i = 0; i < dir_sectors; ++i) {
    const bool last = i + 1 == dir_sectors;
    std::uint32_t next = last ? 0xFFFFFFFE : static_cast<std::uint32_t>(i + 2);
    if (last && options.directory_loops) next = 1;
    PutU32(fat, next);
  }
  while (fat.size() < sector) PutU32(fat, 0xFFFFFFFF);

  auto entry = [](std::string_view name, std::uint8_t type, std::uint32_t left, std::uint32_t right,
                  std::uint32_t child) {
    std::string e;
    for (char c : name) PutU16(e, static_cast<unsigned char>(c));
    PutU16(e, 0);
    e.resize(64, '\0');
    PutU16(e, static_cast<std::uint16_t>((name.size() + 1) * 2));
    e.push_back(static_cast<char>(type));
    e.push_back('\x01');  // black
    PutU32(e, left);
    PutU32(e, right);
    PutU32(e, child);
    e.resize(128, '\0');
    return e;
  };
  std::string directory = entry("Root Entry", 5, 0xFFFFFFFF, 0xFFFFFFFF, names.empty() ? 0xFFFFFFFF : 1);
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::uint32_t right = i + 1 < names.size() ? static_cast<std::uint32_t>(i + 2) : 0xFFFFFFFF;
    if (i + 1 == names.size() && options.tree_loops) right = 1;
    directory += entry(names[i], 2, 0xFFFFFFFF, right, 0xFFFFFFFF);
  }
  directory.resize(dir_sectors * sector, '\0');
  return header + fat + directory;
}

inline std::string Doc() { return Cfb({"WordDocument", "1Table", "\x05SummaryInformation"}); }
inline std::string Xls() { return Cfb({"Workbook", "\x05SummaryInformation"}); }

}  // namespace wangban::files::samples
