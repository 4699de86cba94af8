// Text helpers shared by the CSV and .xlsx code: UTF-8 checks, the OOXML _xHHHH_ escapes, number
// formatting, cell references and file signatures.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wangban::sheets::internal {

// The offset of the first byte that is not part of well-formed UTF-8 (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF), or nullopt if all of `text` is well-formed.
std::optional<std::size_t> FindInvalidUtf8(std::string_view text);

// The number of UTF-16 code units of well-formed UTF-8 `text` (Excel's measure of length).
std::size_t Utf16Length(std::string_view text);

// The number of columns `text` takes on screen in its widest line (lines split at LF): East
// Asian wide characters count 2, others 1. Stops counting at `cap`.
// REQUIRES: `text` is well-formed UTF-8.
std::size_t DisplayWidth(std::string_view text, std::size_t cap);

// The 1-based line that byte `offset` of `text` is on; CRLF, LF and lone CR end lines.
std::size_t LineOf(std::string_view text, std::size_t offset);

// Decodes the ST_Xstring escapes of ECMA-376 (Part 1, 22.9.2.19): "_x000D_" is CR, "_x005F_" is
// "_", a high and a low surrogate escape together are one character. Other text, and an escape
// of a lone surrogate, is kept as it is.
std::string DecodeXstring(std::string_view text);

// Prepares a cell for libxlsxwriter so that DecodeXstring (and Excel) give `text` back:
// text that looks like an escape gets its "_" escaped as "_x005F_", and U+FFFE and U+FFFF (not
// allowed in XML) are escaped. Control characters are left to libxlsxwriter, which escapes them.
std::string EscapeXstring(std::string_view text);

// A <v> number as Excel's General format shows it, to 15 significant digits: integers without a
// fraction ("5", "-12"), others in plain decimal when 1e-9 <= |x| < 1e15 ("2.5", "0.0001"),
// else in shortest scientific form ("1.23e+20"). nullopt if `text` is not a finite number.
std::optional<std::string> FormatNumber(std::string_view text);

// A cell position, 0-based.
struct CellRef {
  std::uint32_t row = 0;
  std::uint32_t column = 0;
};

constexpr std::uint32_t kMaxXlsxRows = 1'048'576;
constexpr std::uint32_t kMaxXlsxColumns = 16'384;

// Parses "B3" (letters then digits, within XFD1048576); nullopt if malformed or out of range.
std::optional<CellRef> ParseCellRef(std::string_view text);

// Parses a 1-based row number "3" within 1..1048576 and returns it 0-based.
std::optional<std::uint32_t> ParseRowNumber(std::string_view text);

// "B3" for {row 2, column 1}.
std::string CellName(std::uint32_t row, std::uint32_t column);

// True if `bytes` begin like a zip archive ("PK\3\4", or "PK\5\6" for an empty one).
bool LooksLikeZip(std::string_view bytes);

// True if `bytes` begin like an OLE2 compound file: an old .xls, a WPS .et, or an encrypted .xlsx.
bool LooksLikeOle2(std::string_view bytes);

}  // namespace wangban::sheets::internal
