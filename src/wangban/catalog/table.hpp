// Items as spreadsheet rows with the standard Chinese column names (事项名称, 基本编码, 实施编码,
// 事项类型, ...), so that a department's existing spreadsheet loads and an export loads back
// unchanged. The file formats (CSV, xlsx) are the sheets module's; this is the mapping.
//
// Cells: code sets in Chinese (事项类型 行政许可, 行使层级 市级, 服务对象 自然人; the codes 01,
// 3, person are accepted too), yes/no as 是/否, lists one entry per line, and the structured
// elements (设定依据, 收费项目, 常见问题, 申请材料, 申请表单) as JSON. 设定依据 also accepts plain
// lines (one law per line, article left empty) and 收费项目 also "不收费" or empty for free
// items, as spreadsheets kept by hand have them. docs/catalog.md lists every column.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "wangban/catalog/item.hpp"
#include "wangban/common/error.hpp"

namespace wangban::catalog {

using TableRow = std::vector<std::string>;

// The header row, in export order.
const std::vector<std::string>& ItemColumns();

// One item as a row under ItemColumns(); `department_name` fills 实施主体 (informative: the
// importer reads 实施主体编码).
TableRow ItemToRow(const Item& item, const std::string& department_name);

struct TableItems {
  std::vector<Item> items;
  std::vector<std::size_t> row_numbers;  // the spreadsheet row of each item (the header is row 1)
  std::vector<std::string> ignored_columns;
};

// Reads `rows` (rows[0] the header; blank rows skipped). Every problem of every row is
// reported at once, kValidationFailed with fields "row 12.承诺办结时限" (or
// "row 12.申请材料[1].code" inside a structured cell) and "columns" for a missing required
// column; at most kMaxRowErrors of them.
inline constexpr std::size_t kMaxRowErrors = 500;
Result<TableItems> ItemsFromTable(const std::vector<TableRow>& rows);

// Maps an error whose fields are "items[i].path" (CatalogStore::Import) to "row N.列.path".
Error RowError(Error error, const TableItems& table);

}  // namespace wangban::catalog
