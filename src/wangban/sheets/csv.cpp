// RFC 4180 CSV in UTF-8, written for Excel and read from whatever users upload.
#include <algorithm>
#include <string>

#include "wangban/sheets/internal/text.hpp"
#include "wangban/sheets/sheets.hpp"

namespace wangban::sheets {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

bool NeedsQuotes(std::string_view cell) {
  if (cell.find_first_of(",\"\r\n") != std::string_view::npos) return true;
  const auto is_blank = [](char c) { return c == ' ' || c == '\t'; };
  return !cell.empty() && (is_blank(cell.front()) || is_blank(cell.back()));
}

void AppendField(std::string& out, std::string_view cell) {
  if (!NeedsQuotes(cell)) {
    out.append(cell);
    return;
  }
  out += '"';
  for (const char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

Error BadCsv(std::size_t line, std::string_view what) {
  return Error::BadRequest("CSV line " + std::to_string(line) + ": " + std::string(what), "bad_csv");
}

Error TooLarge(std::string message) { return Error::BadRequest(std::move(message), "too_large"); }

// Refuses bytes that are not UTF-8 text, saying what they probably are and how to fix it.
Result<void> CheckEncoding(std::string_view text) {
  if (internal::LooksLikeZip(text) || internal::LooksLikeOle2(text)) {
    return Fail(
        Error::BadRequest("this is an Excel workbook, not a CSV file: upload it as .xlsx, or save it as "
                          "\"CSV UTF-8 (逗号分隔)\"",
                          "bad_csv"));
  }
  if (text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF")) {
    return Fail(Error::BadRequest(
        "the file is UTF-16 text (Excel's \"Unicode text\"); save it as \"CSV UTF-8 (逗号分隔)\"", "bad_encoding"));
  }
  if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
    return Fail(Error::BadRequest("line " + std::to_string(internal::LineOf(text, nul)) +
                                      " holds a NUL byte: the file is binary or UTF-16, not UTF-8 text; save it "
                                      "as \"CSV UTF-8 (逗号分隔)\"",
                                  "bad_encoding"));
  }
  if (const auto bad = internal::FindInvalidUtf8(text)) {
    return Fail(Error::BadRequest("the file is not UTF-8 text (first bad byte on line " +
                                      std::to_string(internal::LineOf(text, *bad)) +
                                      "); older Excel saves CSV as GBK: in Excel choose \"CSV UTF-8 (逗号分隔)\" "
                                      "under Save As, or upload the .xlsx",
                                  "bad_encoding"));
  }
  return {};
}

// A cursor over CSV text that knows its line number.
class CsvParser {
 public:
  CsvParser(std::string_view text, const ReadLimits& limits) : text_(text), limits_(limits) {}

  Result<std::vector<Row>> Parse() {
    std::vector<Row> rows;
    while (pos_ < text_.size()) {
      const std::size_t first_line = line_;
      auto row = ParseRecord();
      if (!row) return Fail(std::move(row.error()));
      if (auto ok = Count(*row, rows.size() + 1, first_line); !ok) return Fail(std::move(ok.error()));
      rows.push_back(std::move(*row));
    }
    while (!rows.empty() && rows.back().empty()) rows.pop_back();
    return rows;
  }

 private:
  bool AtLineEnd() const { return pos_ < text_.size() && (text_[pos_] == '\r' || text_[pos_] == '\n'); }

  // Consumes CRLF, LF or CR at pos_, if any.
  void SkipLineEnd() {
    if (!AtLineEnd()) return;
    if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
  }

  // One record and its line end; an empty line is a row without cells.
  Result<Row> ParseRecord() {
    Row row;
    if (AtLineEnd()) {
      SkipLineEnd();
      return row;
    }
    while (true) {
      auto field = pos_ < text_.size() && text_[pos_] == '"' ? ParseQuoted() : ParseUnquoted();
      if (!field) return Fail(std::move(field.error()));
      row.push_back(std::move(*field));
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      SkipLineEnd();
      return row;
    }
  }

  Result<std::string> ParseUnquoted() {
    const std::size_t end = std::min(text_.find_first_of(",\r\n", pos_), text_.size());
    std::string field(text_.substr(pos_, end - pos_));
    pos_ = end;
    return field;
  }

  // REQUIRES: text_[pos_] == '"'.
  Result<std::string> ParseQuoted() {
    const std::size_t opened_on = line_;
    std::string field;
    ++pos_;
    while (true) {
      const std::size_t quote = text_.find('"', pos_);
      if (quote == std::string_view::npos) {
        return Fail(BadCsv(opened_on, "a quoted field starts here but its closing quote is missing"));
      }
      const std::string_view chunk = text_.substr(pos_, quote - pos_);
      // A chunk ends before a quote, so a CR at its end is a line end of its own, as LineOf counts it.
      line_ += internal::LineOf(chunk, chunk.size()) - 1;
      field.append(chunk);
      pos_ = quote + 1;
      if (pos_ < text_.size() && text_[pos_] == '"') {  // a doubled quote is one quote
        field += '"';
        ++pos_;
        continue;
      }
      break;
    }
    if (pos_ < text_.size() && text_[pos_] != ',' && !AtLineEnd()) {
      return Fail(BadCsv(line_,
                         "text after the closing quote of a field (a quote inside a quoted field must be "
                         "doubled: \"\")"));
    }
    return field;
  }

  // Charges a parsed row (the `row_number`th, starting on `line`) against the limits.
  Result<void> Count(const Row& row, std::size_t row_number, std::size_t line) {
    if (row_number > limits_.max_rows && !row.empty()) {
      return Fail(TooLarge("the CSV has more than " + std::to_string(limits_.max_rows) + " rows"));
    }
    if (row.size() > limits_.max_columns) {
      return Fail(TooLarge("CSV line " + std::to_string(line) + " has more than " +
                           std::to_string(limits_.max_columns) + " columns"));
    }
    cells_ += row.size() + 1;  // a row costs about as much as a cell, and a file of empty lines is all rows
    if (cells_ > limits_.max_cells) {
      return Fail(TooLarge("the CSV has more than " + std::to_string(limits_.max_cells) + " cells"));
    }
    return {};
  }

  std::string_view text_;
  const ReadLimits& limits_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::size_t cells_ = 0;
};

}  // namespace

std::string WriteCsv(const std::vector<Row>& rows) {
  std::string out(kUtf8Bom);
  for (const Row& row : rows) {
    if (row.size() == 1 && row[0].empty()) {
      out += "\"\"";  // not an empty line, which is a row without cells
    } else {
      for (std::size_t i = 0; i < row.size(); ++i) {
        if (i > 0) out += ',';
        AppendField(out, row[i]);
      }
    }
    out += "\r\n";
  }
  return out;
}

Result<std::vector<Row>> ReadCsv(std::string_view text, const ReadLimits& limits) {
  if (text.size() > limits.max_total_bytes) {
    return Fail(TooLarge("the CSV is larger than " + std::to_string(limits.max_total_bytes) + " bytes"));
  }
  if (text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());
  if (auto ok = CheckEncoding(text); !ok) return Fail(std::move(ok.error()));
  return CsvParser(text, limits).Parse();
}

}  // namespace wangban::sheets
