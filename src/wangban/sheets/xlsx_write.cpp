// .xlsx export through libxlsxwriter. Version 1.1.4 writes only to a named file, so each call
// writes a private temporary file, reads it back and removes it.
#include <fcntl.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>

#include "wangban/common/ids.hpp"
#include "wangban/sheets/internal/text.hpp"
#include "wangban/sheets/sheets.hpp"

namespace wangban::sheets {
namespace {

constexpr std::size_t kMaxCellUnits = 32'767;  // Excel's limit on a cell, in UTF-16 units
constexpr std::size_t kMaxSheetNameUnits = 31;
constexpr std::size_t kMinColumnWidth = 8;
constexpr std::size_t kMaxColumnWidth = 60;

Error BadSheet(std::string message) { return Error::BadRequest(std::move(message), "bad_sheet"); }

Error BadCell(std::string_view sheet, std::size_t row, std::size_t column, std::string_view what) {
  const std::string where =
      row < internal::kMaxXlsxRows && column < internal::kMaxXlsxColumns
          ? internal::CellName(static_cast<std::uint32_t>(row), static_cast<std::uint32_t>(column))
          : "row " + std::to_string(row + 1) + " column " + std::to_string(column + 1);
  return Error::BadRequest("cell " + where + " of sheet \"" + std::string(sheet) + "\" " + std::string(what),
                           "bad_cell");
}

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Refuses a sheet name that Excel would refuse (or silently change).
Result<void> CheckSheetName(std::string_view name) {
  const auto refuse = [&](std::string_view why) {
    return Fail(BadSheet("the sheet name \"" + std::string(name) + "\" " + std::string(why)));
  };
  if (internal::FindInvalidUtf8(name)) return refuse("is not valid UTF-8");
  if (internal::Utf16Length(name) > kMaxSheetNameUnits) return refuse("is longer than 31 characters");
  for (const char c : name) {
    if (std::strchr("[]:*?/\\", c) != nullptr && c != '\0') return refuse("contains one of []:*?/\\");
    if (static_cast<unsigned char>(c) < 0x20) return refuse("contains a control character");
  }
  if (name.front() == '\'' || name.back() == '\'') return refuse("starts or ends with an apostrophe");
  if (AsciiLower(name) == "history") return refuse("is reserved by Excel");
  return {};
}

// The names the sheets will have (an empty one becomes "Sheet<n>"), each checked.
Result<std::vector<std::string>> SheetNames(const std::vector<Sheet>& sheets) {
  if (sheets.empty()) return Fail(BadSheet("a workbook needs at least one sheet"));
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < sheets.size(); ++i) {
    std::string name = sheets[i].name.empty() ? "Sheet" + std::to_string(i + 1) : sheets[i].name;
    if (auto ok = CheckSheetName(name); !ok) return Fail(std::move(ok.error()));
    if (!seen.insert(AsciiLower(name)).second) {
      return Fail(BadSheet("two sheets are named \"" + name + "\" (Excel ignores case)"));
    }
    names.push_back(std::move(name));
  }
  return names;
}

// Refuses cells the format cannot hold, before anything is written.
Result<void> CheckCells(const Sheet& sheet, std::string_view name) {
  if (sheet.rows.size() > internal::kMaxXlsxRows) {
    return Fail(BadCell(name, sheet.rows.size() - 1, 0, "is past Excel's last row (1,048,576)"));
  }
  for (std::size_t r = 0; r < sheet.rows.size(); ++r) {
    const Row& row = sheet.rows[r];
    if (row.size() > internal::kMaxXlsxColumns) {
      return Fail(BadCell(name, r, row.size() - 1, "is past Excel's last column (XFD, 16,384)"));
    }
    for (std::size_t c = 0; c < row.size(); ++c) {
      const std::string& cell = row[c];
      if (cell.find('\0') != std::string::npos) return Fail(BadCell(name, r, c, "contains a NUL character"));
      if (internal::FindInvalidUtf8(cell)) return Fail(BadCell(name, r, c, "is not valid UTF-8"));
      if (internal::Utf16Length(cell) > kMaxCellUnits) {
        return Fail(BadCell(name, r, c, "is longer than Excel's 32,767 characters"));
      }
    }
  }
  return {};
}

// A file name no one else uses, created empty (0600) and removed when this object dies.
class TempFile {
 public:
  static Result<std::unique_ptr<TempFile>> Create() {
    std::error_code ec;
    const auto dir = std::filesystem::temp_directory_path(ec);
    if (ec) return Fail(Error::Internal("no temporary directory: " + ec.message()));
    auto path = dir / ("wangban-sheets-" + RandomHex(12) + ".xlsx");
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return Fail(Error::Internal("cannot create " + path.string() + ": " + std::strerror(errno)));
    ::close(fd);
    return std::unique_ptr<TempFile>(new TempFile(std::move(path)));
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  explicit TempFile(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

Result<std::string> ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return Fail(Error::Internal("cannot read back " + path.string()));
  return bytes;
}

struct Formats {
  lxw_format* header = nullptr;
  lxw_format* body = nullptr;
};

Formats AddFormats(lxw_workbook* workbook) {
  Formats formats{workbook_add_format(workbook), workbook_add_format(workbook)};
  for (lxw_format* format : {formats.header, formats.body}) {
    format_set_text_wrap(format);
    format_set_align(format, LXW_ALIGN_VERTICAL_TOP);
  }
  format_set_bold(formats.header);
  return formats;
}

// Column widths in characters from the content, between kMinColumnWidth and kMaxColumnWidth.
void SetColumnWidths(lxw_worksheet* worksheet, const Sheet& sheet) {
  std::vector<std::size_t> widths;
  for (const Row& row : sheet.rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (std::size_t c = 0; c < row.size(); ++c) {
      widths[c] = std::max(widths[c], internal::DisplayWidth(row[c], kMaxColumnWidth));
    }
  }
  for (std::size_t c = 0; c < widths.size(); ++c) {
    const std::size_t width = std::clamp(widths[c] + 2, kMinColumnWidth, kMaxColumnWidth);
    worksheet_set_column(worksheet, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c), static_cast<double>(width),
                         nullptr);
  }
}

Result<void> WriteSheet(lxw_worksheet* worksheet, const Sheet& sheet, std::string_view name, const Formats& formats) {
  for (std::size_t r = 0; r < sheet.rows.size(); ++r) {
    const Row& row = sheet.rows[r];
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (row[c].empty()) continue;
      const std::string text = internal::EscapeXstring(row[c]);
      const lxw_error error = worksheet_write_string(worksheet, static_cast<lxw_row_t>(r), static_cast<lxw_col_t>(c),
                                                     text.c_str(), r == 0 ? formats.header : formats.body);
      if (error != LXW_NO_ERROR)
        return Fail(BadCell(name, r, c, std::string("cannot be written: ") + lxw_strerror(error)));
    }
  }
  SetColumnWidths(worksheet, sheet);
  if (!sheet.rows.empty()) worksheet_freeze_panes(worksheet, 1, 0);
  return {};
}

struct WorkbookFree {
  void operator()(lxw_workbook* workbook) const { lxw_workbook_free(workbook); }
};

}  // namespace

Result<std::string> WriteXlsx(const std::vector<Sheet>& sheets) {
  auto names = SheetNames(sheets);
  if (!names) return Fail(std::move(names.error()));
  for (std::size_t i = 0; i < sheets.size(); ++i) {
    if (auto ok = CheckCells(sheets[i], (*names)[i]); !ok) return Fail(std::move(ok.error()));
  }
  auto file = TempFile::Create();
  if (!file) return Fail(std::move(file.error()));
  std::unique_ptr<lxw_workbook, WorkbookFree> workbook(workbook_new((*file)->path().c_str()));
  if (!workbook) return Fail(Error::Internal("libxlsxwriter could not create a workbook"));
  const Formats formats = AddFormats(workbook.get());
  for (std::size_t i = 0; i < sheets.size(); ++i) {
    lxw_worksheet* worksheet = workbook_add_worksheet(workbook.get(), (*names)[i].c_str());
    if (worksheet == nullptr) return Fail(BadSheet("libxlsxwriter refused the sheet name \"" + (*names)[i] + "\""));
    if (auto ok = WriteSheet(worksheet, sheets[i], (*names)[i], formats); !ok) return Fail(std::move(ok.error()));
  }
  // workbook_close frees the workbook whatever it returns.
  const lxw_error error = workbook_close(workbook.release());
  if (error != LXW_NO_ERROR)
    return Fail(Error::Internal(std::string("cannot write the .xlsx: ") + lxw_strerror(error)));
  return ReadWholeFile((*file)->path());
}

}  // namespace wangban::sheets
