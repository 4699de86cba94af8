// `wangban catalog import|export|report`: the catalog's spreadsheet exchange and its reports
// from the command line, for departments loading their lists and for operators.
#pragma once

#include <string>

#include "wangban/app/serve.hpp"

namespace wangban::app {

struct CatalogImportCommand {
  std::string file;  // .xlsx or .csv (UTF-8)
  bool publish = false;
  std::string batch;  // with --publish: the batch name ("第一批不见面事项")
  std::string actor = "cli";
};

// Validates every row first (exit 1 listing each bad row, nothing written), then writes all
// rows in one transaction, printing progress to stderr. Exit 0 with a summary.
int CatalogImport(const ServeConfig& config, const CatalogImportCommand& command);

// Writes every published item to `out` (.xlsx or .csv by `format`). Exit 0 with the count.
int CatalogExport(const ServeConfig& config, const std::string& format, const std::string& out);

// Prints the figures per level and department and the 四级四同 deviations; exit 0, or 3 when
// there are deviations (so scripts can alert on them).
int CatalogReport(const ServeConfig& config);

}  // namespace wangban::app
