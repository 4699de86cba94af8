#include "wangban/app/catalog_cli.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "wangban/catalog/store.hpp"
#include "wangban/catalog/table.hpp"
#include "wangban/sheets/sheets.hpp"
#include "wangban/storage/migrations.hpp"

namespace wangban::app {
namespace {

Result<std::unique_ptr<storage::Database>> OpenMigrated(const ServeConfig& config) {
  auto db = storage::OpenDatabase(ResolveDbUrl(config), {.pool_size = 2});
  if (!db) return std::unexpected(db.error());
  if (auto m = storage::Migrate(**db); !m) return std::unexpected(m.error());
  return std::move(*db);
}

void PrintError(const char* command, const Error& e) {
  std::fprintf(stderr, "wangban catalog %s: %s\n", command, e.message.c_str());
  for (const auto& f : e.field_errors) {
    std::fprintf(stderr, "  %s: %s (%s)\n", f.field.c_str(), f.message.c_str(), f.code.c_str());
  }
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

std::string Pct(std::int64_t n, std::int64_t of) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%5.1f%%", of == 0 ? 0.0 : 100.0 * static_cast<double>(n) / static_cast<double>(of));
  return buf;
}

}  // namespace

int CatalogImport(const ServeConfig& config, const CatalogImportCommand& command) {
  const auto start = std::chrono::steady_clock::now();
  std::ifstream in(command.file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "wangban catalog import: cannot read %s\n", command.file.c_str());
    return 2;
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::fprintf(stderr, "reading %s (%zu bytes)\n", command.file.c_str(), bytes.size());
  // The command line is trusted with larger files than the HTTP upload.
  sheets::ReadLimits limits;
  limits.max_total_bytes = std::size_t{1} << 30;
  limits.max_entry_bytes = std::size_t{1} << 30;
  limits.max_cells = 20'000'000;
  auto sheets = sheets::ReadTable(bytes, limits);
  if (!sheets) {
    PrintError("import", sheets.error());
    return 1;
  }
  if (sheets->empty()) {
    std::fprintf(stderr, "wangban catalog import: the file holds no sheet\n");
    return 1;
  }
  std::fprintf(stderr, "checking %zu rows\n", sheets->front().rows.size() - (sheets->front().rows.empty() ? 0 : 1));
  auto table = catalog::ItemsFromTable(sheets->front().rows);
  if (!table) {
    PrintError("import", table.error());
    return 1;
  }
  for (const auto& c : table->ignored_columns) std::fprintf(stderr, "ignored column: %s\n", c.c_str());
  auto db = OpenMigrated(config);
  if (!db) {
    PrintError("import", db.error());
    return 1;
  }
  catalog::CatalogStore store(**db, SystemClock::Instance());
  catalog::ImportOptions options{.publish = command.publish};
  if (command.publish && !command.batch.empty()) options.batch = command.batch;
  options.progress = [](std::size_t done, std::size_t total) {
    std::fprintf(stderr, "\rwriting %zu/%zu", done, total);
    if (done == total) std::fprintf(stderr, "\n");
  };
  auto result = store.Import(table->items, command.actor, options);
  if (!result) {
    std::fprintf(stderr, "\n");
    PrintError("import", catalog::RowError(result.error(), *table));
    return 1;
  }
  std::printf("imported %zu rows in %.2f s: %zu created, %zu updated, %zu unchanged, %zu published\n",
              table->items.size(), Seconds(start), result->created, result->updated, result->unchanged,
              result->published);
  return 0;
}

int CatalogExport(const ServeConfig& config, const std::string& format, const std::string& out) {
  if (format != "csv" && format != "xlsx") {
    std::fprintf(stderr, "wangban catalog export: --format is csv or xlsx\n");
    return 2;
  }
  auto db = OpenMigrated(config);
  if (!db) {
    PrintError("export", db.error());
    return 1;
  }
  catalog::CatalogStore store(**db, SystemClock::Instance());
  auto all = store.AllPublished();
  if (!all) {
    PrintError("export", all.error());
    return 1;
  }
  std::vector<sheets::Row> rows = {catalog::ItemColumns()};
  for (const auto& stored : *all) {
    auto item = catalog::ItemFromText(stored.document, false);
    if (!item) {
      PrintError("export", item.error());
      return 1;
    }
    rows.push_back(catalog::ItemToRow(*item, stored.department_name));
  }
  std::string bytes;
  if (format == "csv") {
    bytes = sheets::WriteCsv(rows);
  } else {
    auto x = sheets::WriteXlsx({{"事项目录", std::move(rows)}});
    if (!x) {
      PrintError("export", x.error());
      return 1;
    }
    bytes = std::move(*x);
  }
  const std::string tmp = out + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!f.flush()) {
      std::fprintf(stderr, "wangban catalog export: cannot write %s\n", tmp.c_str());
      return 1;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, out, ec);
  if (ec) {
    std::fprintf(stderr, "wangban catalog export: cannot write %s: %s\n", out.c_str(), ec.message().c_str());
    return 1;
  }
  std::printf("exported %zu items to %s\n", all->size(), out.c_str());
  return 0;
}

int CatalogReport(const ServeConfig& config) {
  auto db = OpenMigrated(config);
  if (!db) {
    PrintError("report", db.error());
    return 1;
  }
  catalog::CatalogStore store(**db, SystemClock::Instance());
  auto figures = store.ComputeFigures();
  if (!figures) {
    PrintError("report", figures.error());
    return 1;
  }
  auto line = [](const std::string& label, const catalog::Shares& s) {
    std::printf("%-40s %6lld  %s  %s  %s\n", label.c_str(), static_cast<long long>(s.items),
                Pct(s.online, s.items).c_str(), Pct(s.instant, s.items).c_str(), Pct(s.promised_half, s.items).c_str());
  };
  std::printf("%-40s %6s  %6s  %6s  %6s\n", "", "items", "online", "instant", "<=50%");
  line("all", figures->overall);
  for (const auto& l : figures->by_level) line(std::string(catalog::LevelName(l.level)), l.shares);
  for (const auto& d : figures->by_department) line(d.department + " " + d.name, d.shares);
  auto deviations = store.Consistency();
  if (!deviations) {
    PrintError("report", deviations.error());
    return 1;
  }
  std::printf("\n四级四同 deviations: %zu\n", deviations->size());
  for (const auto& d : *deviations) {
    std::string fields;
    for (const auto& f : d.fields) fields += (fields.empty() ? "" : ", ") + f;
    std::printf("  %s differs in %s:\n", d.basic_code.c_str(), fields.c_str());
    for (const auto& i : d.items) {
      std::printf("    level %d %-14s %s (%s)\n", i.level, i.department.c_str(), i.name.c_str(), i.code.c_str());
    }
  }
  return deviations->empty() ? 0 : 3;
}

}  // namespace wangban::app
