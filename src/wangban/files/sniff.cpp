// File kinds and content sniffing (files.hpp): the type of an upload comes from its bytes.
#include <algorithm>
#include <array>
#include <cctype>

#include "wangban/files/files.hpp"
#include "wangban/files/internal/containers.hpp"

namespace wangban::files {
namespace {

struct KindInfo {
  FileKind kind;
  std::string_view name;
  std::string_view media_type;
  std::string_view extension;
  int family;  // kinds of one family may stand for each other in a declared Content-Type
};

constexpr std::array<KindInfo, kFileKindCount> kKinds = {{
    {FileKind::kPdf, "pdf", "application/pdf", "pdf", 0},
    {FileKind::kJpeg, "jpeg", "image/jpeg", "jpg", 1},
    {FileKind::kPng, "png", "image/png", "png", 1},
    {FileKind::kOfd, "ofd", "application/ofd", "ofd", 2},
    {FileKind::kDocx, "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", 3},
    {FileKind::kXlsx, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", 4},
    {FileKind::kDoc, "doc", "application/msword", "doc", 3},
    {FileKind::kXls, "xls", "application/vnd.ms-excel", "xls", 4},
}};

const KindInfo& Info(FileKind kind) { return kKinds[static_cast<std::size_t>(kind)]; }

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Markup at the start: the first character after a BOM and blanks (and the NULs of UTF-16) is
// '<'. None of the accepted kinds begins so; every HTML, SVG and XML document does.
bool StartsLikeMarkup(std::string_view bytes) {
  std::size_t i = 0;
  if (bytes.starts_with("\xEF\xBB\xBF")) {
    i = 3;
  } else if (bytes.starts_with("\xFE\xFF") || bytes.starts_with("\xFF\xFE")) {
    i = 2;
  }
  for (; i < bytes.size() && i < 4096; ++i) {
    const char c = bytes[i];
    if (IsBlank(c) || c == '\0') continue;
    return c == '<';
  }
  return false;
}

// An HTML tag in the window browsers sniff: "<" + a tag name + a delimiter, any case. The
// names are long enough (with the delimiter) that compressed or image data does not hit them
// by chance.
bool HasHtmlTagNearStart(std::string_view bytes) {
  static constexpr std::string_view kTags[] = {"!doctype", "html",     "head",   "body",  "script", "svg",
                                               "iframe",   "frameset", "object", "embed", "meta",   "style",
                                               "link",     "img",      "form",   "base"};
  const std::string window = LowerAscii(bytes.substr(0, 1024));
  for (std::size_t at = window.find('<'); at != std::string::npos; at = window.find('<', at + 1)) {
    const std::string_view rest = std::string_view(window).substr(at + 1);
    for (std::string_view tag : kTags) {
      if (rest.size() > tag.size() && rest.starts_with(tag)) {
        const char after = rest[tag.size()];
        if (IsBlank(after) || after == '>' || after == '/') return true;
      }
    }
  }
  return false;
}

bool LooksLikePdf(std::string_view bytes) {
  // "%PDF-1.7", "%PDF-2.0": the version is part of the signature we require at offset 0.
  if (bytes.size() < 16 || !bytes.starts_with("%PDF-")) return false;
  if ((bytes[5] != '1' && bytes[5] != '2') || bytes[6] != '.' || !IsDigit(bytes[7])) return false;
  // Readers accept the end-of-file marker anywhere in the last 1 KiB (trailing junk is common).
  const std::size_t tail = bytes.size() > 1024 ? bytes.size() - 1024 : 0;
  return bytes.find("%%EOF", tail) != std::string_view::npos;
}

bool LooksLikeJpeg(std::string_view bytes) {
  // SOI, then the first marker segment: APPn, DQT, SOFn, DHT, COM ...
  return bytes.size() >= 16 && bytes.starts_with("\xFF\xD8\xFF") && static_cast<unsigned char>(bytes[3]) >= 0xC0 &&
         static_cast<unsigned char>(bytes[3]) != 0xFF;
}

bool LooksLikePng(std::string_view bytes) {
  // The signature, then the IHDR chunk (length 13), which must come first.
  static constexpr std::string_view kHead("\x89PNG\r\n\x1A\n\x00\x00\x00\x0DIHDR", 16);
  return bytes.size() >= 33 && bytes.starts_with(kHead);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return Lower(x) == Lower(y); });
}

bool EndsWithIgnoreCase(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && EqualsIgnoreCase(s.substr(s.size() - suffix.size()), suffix);
}

// OFD (GB/T 33190): OFD.xml at the root. OOXML: [Content_Types].xml and the parts of exactly
// one application; PowerPoint and macro-enabled documents are refused.
std::optional<FileKind> SniffZip(std::string_view bytes) {
  const auto names = internal::ZipEntryNames(bytes);
  if (!names) return std::nullopt;
  bool ofd = false, content_types = false, word = false, excel = false, powerpoint = false;
  for (const auto& name : *names) {
    if (name == "OFD.xml") ofd = true;
    if (name == "[Content_Types].xml") content_types = true;
    if (name.starts_with("word/")) word = true;
    if (name.starts_with("xl/")) excel = true;
    if (name.starts_with("ppt/")) powerpoint = true;
    if (EndsWithIgnoreCase(name, "vbaProject.bin")) return std::nullopt;
  }
  if (ofd) return content_types ? std::nullopt : std::optional(FileKind::kOfd);
  if (!content_types || powerpoint || word == excel) return std::nullopt;
  return word ? FileKind::kDocx : FileKind::kXlsx;
}

// Word 97-2003 keeps its text in a WordDocument stream, Excel in Workbook (BIFF8) or Book
// (BIFF5). A file with both, with PowerPoint's stream or with a VBA storage is refused.
std::optional<FileKind> SniffCompoundFile(std::string_view bytes) {
  const auto names = internal::CfbRootNames(bytes);
  if (!names) return std::nullopt;
  bool word = false, excel = false;
  for (const auto& name : *names) {
    if (EqualsIgnoreCase(name, "WordDocument")) word = true;
    if (EqualsIgnoreCase(name, "Workbook") || EqualsIgnoreCase(name, "Book")) excel = true;
    if (EqualsIgnoreCase(name, "PowerPoint Document") || EqualsIgnoreCase(name, "Macros") ||
        EqualsIgnoreCase(name, "_VBA_PROJECT_CUR") || EqualsIgnoreCase(name, "VBA")) {
      return std::nullopt;
    }
  }
  if (word == excel) return std::nullopt;
  return word ? FileKind::kDoc : FileKind::kXls;
}

std::optional<FileKind> SniffContainerOrSignature(std::string_view bytes) {
  if (LooksLikePdf(bytes)) return FileKind::kPdf;
  if (LooksLikeJpeg(bytes)) return FileKind::kJpeg;
  if (LooksLikePng(bytes)) return FileKind::kPng;
  if (bytes.starts_with("PK\x03\x04")) return SniffZip(bytes);
  if (bytes.starts_with("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")) return SniffCompoundFile(bytes);
  return std::nullopt;
}

// The media type of a Content-Type header: lowercase, without parameters and blanks.
std::string BaseType(std::string_view content_type) {
  std::string_view base = content_type.substr(0, content_type.find(';'));
  while (!base.empty() && IsBlank(base.front())) base.remove_prefix(1);
  while (!base.empty() && IsBlank(base.back())) base.remove_suffix(1);
  return LowerAscii(base);
}

}  // namespace

std::string_view KindName(FileKind kind) { return Info(kind).name; }

std::optional<FileKind> ParseKind(std::string_view name) {
  for (const auto& k : kKinds) {
    if (k.name == name) return k.kind;
  }
  return std::nullopt;
}

std::string_view MediaType(FileKind kind) { return Info(kind).media_type; }

std::string_view Extension(FileKind kind) { return Info(kind).extension; }

std::string KindSet::ToString() const {
  std::string out;
  for (const auto& k : kKinds) {
    if (!Contains(k.kind)) continue;
    if (!out.empty()) out += ", ";
    out += k.name;
  }
  return out;
}

Result<KindSet> ParseKindList(std::string_view list, std::string_view field) {
  KindSet set;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    while (!item.empty() && IsBlank(item.front())) item.remove_prefix(1);
    while (!item.empty() && IsBlank(item.back())) item.remove_suffix(1);
    if (item.empty()) continue;
    auto kind = ParseKind(item);
    if (!kind) {
      return Fail(Error::Validation(
          {{std::string(field), "enum",
            "unknown file kind '" + std::string(item.substr(0, 32)) + "'; one of " + kAllKinds.ToString()}}));
    }
    set.Add(*kind);
  }
  return set;
}

std::optional<FileKind> SniffKind(std::string_view bytes) {
  if (StartsLikeMarkup(bytes) || HasHtmlTagNearStart(bytes)) return std::nullopt;
  return SniffContainerOrSignature(bytes);
}

std::optional<FileKind> KindForMediaType(std::string_view content_type) {
  const std::string base = BaseType(content_type);
  for (const auto& k : kKinds) {
    if (k.media_type == base) return k.kind;
  }
  if (base == "application/x-pdf") return FileKind::kPdf;
  if (base == "image/jpg" || base == "image/pjpeg") return FileKind::kJpeg;
  if (base == "image/x-png") return FileKind::kPng;
  if (base == "application/x-ofd") return FileKind::kOfd;
  return std::nullopt;
}

bool DeclaredTypeFits(std::string_view content_type, FileKind sniffed) {
  const std::string base = BaseType(content_type);
  if (base.empty() || base == "application/octet-stream" || base == "binary/octet-stream") return true;
  if (base == "application/zip" || base == "application/x-zip-compressed") {
    return sniffed == FileKind::kOfd || sniffed == FileKind::kDocx || sniffed == FileKind::kXlsx;
  }
  const auto declared = KindForMediaType(base);
  return declared && Info(*declared).family == Info(sniffed).family;
}

}  // namespace wangban::files
