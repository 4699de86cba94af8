// Text helpers for the CSV and .xlsx code.
#include "wangban/sheets/internal/text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>

namespace wangban::sheets::internal {
namespace {

// Decodes the UTF-8 sequence at text[i]: its length (0 if malformed) and code point.
std::size_t DecodeUtf8At(std::string_view text, std::size_t i, char32_t& code_point) {
  const auto lead = static_cast<unsigned char>(text[i]);
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  }
  std::size_t length = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
  } else {
    return 0;
  }
  static constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};  // below: an overlong form
  const char32_t minimum = kMinimum[length];
  code_point = lead & (0x7F >> length);
  if (text.size() - i < length) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    const auto byte = static_cast<unsigned char>(text[i + k]);
    if ((byte & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte & 0x3F);
  }
  if (code_point < minimum || code_point > 0x10FFFF) return 0;
  if (code_point >= 0xD800 && code_point <= 0xDFFF) return 0;
  return length;
}

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool IsWide(char32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
         (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The UTF-16 unit of an escape "_xHHHH_" at text[i], if there is one.
std::optional<char32_t> EscapeAt(std::string_view text, std::size_t i) {
  if (text.size() - i < 7 || text[i] != '_' || text[i + 1] != 'x' || text[i + 6] != '_') return std::nullopt;
  char32_t unit = 0;
  for (std::size_t k = 2; k < 6; ++k) {
    const int digit = HexValue(text[i + k]);
    if (digit < 0) return std::nullopt;
    unit = unit * 16 + static_cast<char32_t>(digit);
  }
  return unit;
}

bool IsHighSurrogate(char32_t unit) { return unit >= 0xD800 && unit <= 0xDBFF; }
bool IsLowSurrogate(char32_t unit) { return unit >= 0xDC00 && unit <= 0xDFFF; }

// Characters that EscapeXstring writes as _xHHHH_: XML 1.0 cannot hold them (or, for CR, does
// not keep them: parsers turn CR into LF).
bool NeedsEscape(char32_t cp) { return (cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0xFFFE || cp == 0xFFFF; }

void AppendEscape(std::string& out, char32_t unit) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += "_x";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(unit >> shift) & 0xF];
  out += '_';
}

// True if text[i] is the "_" of "_xHHHH" whose next character will start with "_" once escaped,
// i.e. a "_" or a character that NeedsEscape: DecodeXstring would read an escape there.
bool StartsEscapeLookalike(std::string_view text, std::size_t i) {
  if (text.size() - i < 7 || text[i] != '_' || text[i + 1] != 'x') return false;
  for (std::size_t k = 2; k < 6; ++k) {
    if (HexValue(text[i + k]) < 0) return false;
  }
  char32_t next = 0;
  if (DecodeUtf8At(text, i + 6, next) == 0) return false;
  return next == '_' || NeedsEscape(next);
}

std::string_view TrimAscii(std::string_view text) {
  while (!text.empty() &&
         (text.front() == ' ' || text.front() == '\t' || text.front() == '\n' || text.front() == '\r')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

std::string ToChars(double value, std::chars_format format) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, format);
  return std::string(buffer, result.ptr);
}

}  // namespace

std::optional<std::size_t> FindInvalidUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    char32_t cp = 0;
    const std::size_t length = DecodeUtf8At(text, i, cp);
    if (length == 0) return i;
    i += length;
  }
  return std::nullopt;
}

std::size_t Utf16Length(std::string_view text) {
  std::size_t units = 0;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte & 0xC0) != 0x80) units += 1;  // a lead byte starts one character
    if ((byte & 0xF8) == 0xF0) units += 1;  // four-byte sequences are surrogate pairs
  }
  return units;
}

std::size_t DisplayWidth(std::string_view text, std::size_t cap) {
  std::size_t widest = 0;
  std::size_t line = 0;
  std::size_t i = 0;
  while (i < text.size() && widest < cap) {
    char32_t cp = 0;
    const std::size_t length = DecodeUtf8At(text, i, cp);
    i += length == 0 ? 1 : length;
    if (cp == '\n') {
      line = 0;
      continue;
    }
    line += IsWide(cp) ? 2 : 1;
    if (line > widest) widest = line;
  }
  return widest < cap ? widest : cap;
}

std::size_t LineOf(std::string_view text, std::size_t offset) {
  std::size_t line = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n'))) ++line;
  }
  return line;
}

std::string DecodeXstring(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t at = text.find("_x", i);
    if (at == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, at - i));
    const auto unit = EscapeAt(text, at);
    if (!unit) {
      out += '_';
      i = at + 1;
      continue;
    }
    if (IsHighSurrogate(*unit)) {
      const auto low = EscapeAt(text, at + 7);
      if (low && IsLowSurrogate(*low)) {
        AppendUtf8(out, 0x10000 + ((*unit - 0xD800) << 10) + (*low - 0xDC00));
        i = at + 14;
        continue;
      }
    }
    if (IsHighSurrogate(*unit) || IsLowSurrogate(*unit)) {
      out.append(text.substr(at, 7));  // a lone surrogate is no character: keep the text
    } else {
      AppendUtf8(out, *unit);
    }
    i = at + 7;
  }
  return out;
}

std::string EscapeXstring(std::string_view text) {
  const bool plain = std::none_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte == '_' || byte == 0xEF || (byte < 0x20 && byte != '\t' && byte != '\n');  // 0xEF leads U+FFFE
  });
  if (plain) return std::string(text);
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    char32_t cp = 0;
    std::size_t length = DecodeUtf8At(text, i, cp);
    if (length == 0) {  // not ours to judge here: WriteXlsx refuses invalid UTF-8 before
      out += text[i++];
      continue;
    }
    if (cp == '_' && StartsEscapeLookalike(text, i)) {
      out += "_x005F_";
    } else if (NeedsEscape(cp)) {
      AppendEscape(out, cp);
    } else {
      out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
}

std::optional<std::string> FormatNumber(std::string_view text) {
  text = TrimAscii(text);
  double value = 0;
  const auto parsed = std::from_chars(text.data(), text.data() + text.size(), value);
  if (parsed.ec != std::errc() || parsed.ptr != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  // Round to the 15 significant digits Excel shows, then print that value in the shortest form.
  char buffer[64];
  const auto printed = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general, 15);
  std::from_chars(buffer, printed.ptr, value);
  const double magnitude = std::fabs(value);
  if (magnitude == 0) return "0";
  if (magnitude < 1e15 && value == std::trunc(value)) {
    const auto integer = std::to_chars(buffer, buffer + sizeof buffer, static_cast<long long>(value));
    return std::string(buffer, integer.ptr);
  }
  if (magnitude >= 1e-9 && magnitude < 1e15) return ToChars(value, std::chars_format::fixed);
  return ToChars(value, std::chars_format::scientific);
}

std::optional<CellRef> ParseCellRef(std::string_view text) {
  std::size_t letters = 0;
  std::uint32_t column = 0;
  while (letters < text.size() && letters < 4) {
    char c = text[letters];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c < 'A' || c > 'Z') break;
    column = column * 26 + static_cast<std::uint32_t>(c - 'A' + 1);
    ++letters;
  }
  if (letters == 0 || letters > 3 || column > kMaxXlsxColumns) return std::nullopt;
  const auto row = ParseRowNumber(text.substr(letters));
  if (!row) return std::nullopt;
  return CellRef{*row, column - 1};
}

std::optional<std::uint32_t> ParseRowNumber(std::string_view text) {
  if (text.empty() || text.size() > 7) return std::nullopt;
  std::uint32_t row = 0;
  const auto parsed = std::from_chars(text.data(), text.data() + text.size(), row);
  if (parsed.ec != std::errc() || parsed.ptr != text.data() + text.size()) return std::nullopt;
  if (row < 1 || row > kMaxXlsxRows) return std::nullopt;
  return row - 1;
}

std::string CellName(std::uint32_t row, std::uint32_t column) {
  std::string letters;
  for (std::uint32_t n = column + 1; n > 0; n = (n - 1) / 26) {
    letters.insert(letters.begin(), static_cast<char>('A' + (n - 1) % 26));
  }
  return letters + std::to_string(row + 1);
}

bool LooksLikeZip(std::string_view bytes) {
  return bytes.starts_with(std::string_view("PK\x03\x04", 4)) || bytes.starts_with(std::string_view("PK\x05\x06", 4));
}

bool LooksLikeOle2(std::string_view bytes) {
  return bytes.starts_with(std::string_view("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8));
}

}  // namespace wangban::sheets::internal
