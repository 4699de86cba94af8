// Server-made file names and the Content-Disposition of downloads (files.hpp). The name is for
// people only: blobs are stored under their hash, so no name ever reaches a file system path.
#include <cstdint>
#include <string_view>
#include <vector>

#include "wangban/common/utf8.hpp"
#include "wangban/files/files.hpp"

namespace wangban::files {
namespace {

constexpr std::size_t kMaxBaseBytes = 80;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX escapes become bytes; anything else, a malformed escape included, stays as it is ('+' too:
// this is not a form).
std::string PercentDecodeLenient(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int hi = HexValue(text[i + 1]);
      const int lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

// The code points of `text`; invalid UTF-8 (bad sequences, overlong forms, surrogates, beyond
// U+10FFFF) is skipped a byte at a time.
std::vector<char32_t> DecodeUtf8(std::string_view text) {
  std::vector<char32_t> out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (auto c = DecodeUtf8At(text, i)) {
      out.push_back(c->code_point);
      i += c->length;
    } else {
      ++i;
    }
  }
  return out;
}

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Characters that never belong in a name: controls (C0, DEL, C1), the bidirectional controls
// that make "invoice\u202Efdp.exe" display as "invoiceexe.pdf", zero-width and line-separating
// characters, BOMs and noncharacters.
bool Dropped(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x061C || c == 0x180E || (c >= 0x200B && c <= 0x200F) ||
         (c >= 0x2028 && c <= 0x202E) || (c >= 0x2060 && c <= 0x206F) || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFB) ||
         (c & 0xFFFE) == 0xFFFE || (c >= 0xFDD0 && c <= 0xFDEF);
}

// Characters Windows refuses in names, and look-alikes of the path separators.
bool Replaced(char32_t c) {
  static constexpr std::u32string_view kReplaced = U"<>:\"|?*\u2044\u2215\u29F8\u29F9\uFF0F\uFF3C";
  return kReplaced.find(c) != std::u32string_view::npos;
}

bool IsAsciiAlnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

void TrimDotsAndSpaces(std::string& s, bool leading) {
  if (leading) {
    std::size_t i = 0;
    while (i < s.size() && (s[i] == '.' || s[i] == ' ')) ++i;
    s.erase(0, i);
  }
  while (!s.empty() && (s.back() == '.' || s.back() == ' ')) s.pop_back();
}

// A user's own extension: 1-5 ASCII letters and digits with at least one letter ("JPG",
// "docx", "mp4"), so that "版本1.5" keeps its number.
bool IsExtension(std::string_view ext) {
  if (ext.empty() || ext.size() > 5) return false;
  bool letter = false;
  for (char c : ext) {
    if (!IsAsciiAlnum(c)) return false;
    letter = letter || IsAsciiAlpha(c);
  }
  return letter;
}

// The longest prefix of `s` of at most `max` bytes that ends at a character boundary.
void TruncateUtf8(std::string& s, std::size_t max) {
  if (s.size() <= max) return;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
}

// CON, PRN, AUX, NUL, COM0-9, LPT0-9, before any dot, in any case: Windows opens the device.
bool IsDeviceName(std::string_view base) {
  std::string stem(base.substr(0, base.find('.')));
  while (!stem.empty() && stem.back() == ' ') stem.pop_back();
  for (char& c : stem) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  if (stem == "CON" || stem == "PRN" || stem == "AUX" || stem == "NUL") return true;
  return stem.size() == 4 && (stem.starts_with("COM") || stem.starts_with("LPT")) && stem[3] >= '0' && stem[3] <= '9';
}

// RFC 8187 attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`"
// / "|" / "~".
bool IsAttrChar(unsigned char c) {
  static constexpr std::string_view kMarks = "!#$&+-.^_`|~";
  return IsAsciiAlnum(static_cast<char>(c)) || kMarks.find(static_cast<char>(c)) != std::string_view::npos;
}

}  // namespace

std::string SanitizeFileName(std::string_view declared, FileKind kind) {
  const std::vector<char32_t> chars = DecodeUtf8(PercentDecodeLenient(declared));
  // Only the last path component counts: "../../etc/passwd" and "..\\..\\x.pdf" lose their
  // directories (after decoding, so %2F and %5C do too).
  std::size_t start = 0;
  for (std::size_t i = 0; i < chars.size(); ++i) {
    if (chars[i] == '/' || chars[i] == '\\') start = i + 1;
  }
  std::string name;
  for (std::size_t i = start; i < chars.size(); ++i) {
    const char32_t c = chars[i];
    if (Dropped(c)) continue;
    AppendUtf8(name, Replaced(c) ? U'_' : c);
  }
  TrimDotsAndSpaces(name, /*leading=*/true);
  if (const std::size_t dot = name.rfind('.'); dot != std::string::npos && IsExtension(name.substr(dot + 1))) {
    name.resize(dot);
    TrimDotsAndSpaces(name, /*leading=*/false);
  }
  TruncateUtf8(name, kMaxBaseBytes);
  TrimDotsAndSpaces(name, /*leading=*/false);
  if (name.empty()) name = "file";
  if (IsDeviceName(name)) name.insert(0, "_");
  name += '.';
  name += Extension(kind);
  return name;
}

std::string AttachmentDisposition(std::string_view name) {
  // The ASCII fallback for old clients: one '_' per character it cannot carry.
  std::string fallback;
  for (char32_t c : DecodeUtf8(name)) {
    const bool keep = c >= 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '%';
    fallback.push_back(keep ? static_cast<char>(c) : '_');
  }
  const std::size_t dot = fallback.rfind('.');
  const std::string_view base = std::string_view(fallback).substr(0, dot);
  bool meaningful = false;
  for (char c : base) meaningful = meaningful || IsAsciiAlnum(c);
  if (!meaningful) fallback = "file" + (dot == std::string::npos ? std::string() : fallback.substr(dot));

  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (unsigned char c : name) {
    if (IsAttrChar(c)) {
      encoded.push_back(static_cast<char>(c));
    } else {
      encoded.push_back('%');
      encoded.push_back(kHex[c >> 4]);
      encoded.push_back(kHex[c & 15]);
    }
  }
  return "attachment; filename=\"" + fallback + "\"; filename*=UTF-8''" + encoded;
}

}  // namespace wangban::files
