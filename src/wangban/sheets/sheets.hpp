// Spreadsheets as tables of text cells: RFC 4180 CSV and Office Open XML workbooks (.xlsx), for
// the service-item catalog's import and export. The readers treat their input as hostile.
//
// Every cell is UTF-8 text. Writers never interpret cells (a cell "=1+1" is the text "=1+1" in
// an .xlsx, never a formula); readers return what a person sees in Excel as text (see ReadXlsx
// for numbers, booleans and dates).
//
// Errors (all kBadRequest, told apart by Error::reason):
//   "bad_csv"       malformed CSV; the message names the 1-based line
//   "bad_encoding"  CSV that is not UTF-8 (usually GBK from older Excel); the message says how to
//                   save it as UTF-8
//   "bad_xlsx"      not an .xlsx, or a corrupt one
//   "too_large"     over a ReadLimits cap
//   "bad_cell"      WriteXlsx: a cell the format cannot hold (NUL, invalid UTF-8, > 32,767
//                   characters, too many rows or columns); the message names sheet and cell
//   "bad_sheet"     WriteXlsx: no sheets, or a sheet name Excel refuses
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "wangban/common/error.hpp"

namespace wangban::sheets {

// One row of cells; rows of one table may have different lengths (callers check).
using Row = std::vector<std::string>;

struct Sheet {
  std::string name;
  std::vector<Row> rows;  // rows[0] is usually the header

  bool operator==(const Sheet&) const = default;
};

// Caps on what a reader materializes, so that a small upload cannot take the server's memory.
// ReadXlsx honours all of them; ReadCsv honours max_total_bytes (the input size), max_rows,
// max_columns and max_cells. Going over a cap fails with reason "too_large".
struct ReadLimits {
  // The sum of the uncompressed sizes of the zip entries read (ReadCsv: the input size).
  std::size_t max_total_bytes = 64u << 20;
  // One zip entry, uncompressed. Checked against the declared size and again while inflating,
  // so a zip whose header understates a size cannot get past it.
  std::size_t max_entry_bytes = 32u << 20;
  // The number of the last non-empty row of a sheet (blank rows before it count).
  std::size_t max_rows = 200'000;
  // The number of the last non-empty column of a row; 16,384 (XFD) is Excel's own maximum.
  std::size_t max_columns = 16'384;
  // Cells plus rows materialized over all sheets, the "" that fill gaps and the empty rows
  // before a non-empty one included (an empty std::string costs 32 bytes, an empty Row 24: the
  // default is ~64 MiB before any text).
  std::size_t max_cells = 2'000'000;
};
// Peak memory of ReadXlsx: the inflated parts it holds (at most max_total_bytes), the XML tree
// of one part at a time (pugixml: a few times max_entry_bytes for a part of tiny elements) and
// the result.

// ---- CSV (RFC 4180, UTF-8) ----

// The rows as CSV: a UTF-8 BOM first (so that Excel on Windows reads Chinese correctly), CRLF
// after every row, fields separated by commas and quoted (inner quotes doubled) when they hold a
// comma, a quote, CR or LF, or begin or end with a space or tab. A row with one empty cell is
// written as `""` so that it differs from a row with no cells (an empty line). Cells are copied
// byte for byte: they should be UTF-8 without NUL, or ReadCsv will refuse the result.
// ReadCsv(WriteCsv(rows)) == rows, except that rows without cells at the end are dropped.
// Note: Excel evaluates a CSV cell that begins with = + - @ as a formula; exports meant to be
// opened in Excel are safer as .xlsx.
std::string WriteCsv(const std::vector<Row>& rows);

// Parses CSV text: an optional UTF-8 BOM; CRLF, LF or lone CR line ends (also mixed); quoted
// fields may hold commas, doubled quotes and line breaks (kept as they are, CRLF included). An
// empty line is a row with no cells; empty lines at the end are ignored. A quote inside an
// unquoted field is kept as text (as Excel does).
// Fails with "bad_csv" (message names the line) for a quote that is never closed or text after
// a closing quote, or when the bytes are an Excel workbook rather than CSV; "bad_encoding" for
// text that is not UTF-8 (GBK, UTF-16) or holds NUL bytes; "too_large" past `limits`.
Result<std::vector<Row>> ReadCsv(std::string_view text, const ReadLimits& limits = {});

// ---- .xlsx (Office Open XML, via libxlsxwriter) ----

// The sheets as an .xlsx file's bytes. Every non-empty cell is written as a string (no number
// or date guessing, so "007" stays "007" and "=1+1" is text); empty cells are left out. Row 0
// is bold and frozen as the header; column widths follow the content (CJK counts double, 8 to
// 60 characters); cells wrap text. A sheet with an empty name is named "Sheet<position from 1>".
// Control characters other than TAB and LF (CR included: XML turns a raw CR into LF), and
// U+FFFE/U+FFFF, are stored as the format's _xHHHH_ escapes, which Excel and ReadXlsx decode;
// text that itself looks like an escape ("_x0041_") is protected the way Excel does it. Some
// other readers (openpyxl) show the escapes as text. NUL cannot be stored.
// Fails with "bad_sheet" for no sheets or a name Excel refuses: longer than 31 characters, any
// of []:*?/\ or a control character, an apostrophe first or last, "History", or the same as
// another name ignoring ASCII case. Fails with "bad_cell" for NUL, invalid UTF-8, more than
// 32,767 UTF-16 units in a cell (Excel's limit), more than 1,048,576 rows or 16,384 columns.
// kInternal if the temporary file cannot be written; it is removed in every case.
// ReadXlsx(WriteXlsx(s)) == s up to trailing empty cells and rows (which ReadXlsx trims).
Result<std::string> WriteXlsx(const std::vector<Sheet>& sheets);

// Reads an .xlsx file's bytes: the worksheets in workbook order with their names, hidden ones
// included (chart sheets and other non-worksheets are skipped, so the result may be empty).
// Each cell becomes text:
//   strings (shared, inline, formula results)  the text, _xHHHH_ escapes decoded (so control
//                                              characters can come back), phonetic runs left
//                                              out, whitespace kept as stored (never trimmed)
//   numbers      as Excel shows them in the General format to 15 significant digits: "5" (never
//                "5.0"), "2.5", "0.3" for 0.30000000000000004, "0.0001", "1.23e+20";
//                dates are numbers too (days since 1900, e.g. "45292" for 2024-01-01): they
//                are not converted, because the cell's style is not read
//   booleans     "TRUE" or "FALSE"
//   errors       the error text, e.g. "#N/A"
//   formulas     their cached value (absent when the writing tool did not compute it)
// Cells are placed by their reference (r="B3"); omitted cells read as "". Trailing empty cells
// of each row and trailing empty rows are trimmed, so a row may be shorter than the header.
// Fails with "bad_xlsx" when the bytes are not a zip (an old .xls and a password-protected
// .xlsx get their own message), the zip holds no workbook, a part is not well-formed XML or is
// corrupt (CRC or size mismatch), or a cell has a bad reference, a missing shared string, NUL or
// invalid UTF-8; "too_large" past `limits`.
Result<std::vector<Sheet>> ReadXlsx(std::string_view bytes, const ReadLimits& limits = {});

// An upload of either kind: ReadXlsx when the bytes are a zip, else ReadCsv returned as one
// sheet with an empty name. Bytes of an old .xls (or a password-protected .xlsx) fail with
// "bad_xlsx" and a message that says to save it as .xlsx.
Result<std::vector<Sheet>> ReadTable(std::string_view bytes, const ReadLimits& limits = {});

}  // namespace wangban::sheets
