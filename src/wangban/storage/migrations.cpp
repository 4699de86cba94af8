// Applies the embedded numbered migrations.
#include "wangban/storage/migrations.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include "wangban/storage/blob_store.hpp"
#include "wangban/storage/internal/embedded_migrations.hpp"

namespace wangban::storage {
namespace {

std::vector<Migration> LoadMigrations(std::string_view folder) {
  std::vector<Migration> out;
  for (const auto& file : internal::EmbeddedMigrationFiles()) {
    if (!file.path.starts_with(folder) || file.path.size() <= folder.size() ||
        file.path[folder.size()] != '/') {
      continue;
    }
    std::string_view name = file.path.substr(folder.size() + 1);
    if (name.ends_with(".sql")) name.remove_suffix(4);
    int version = 0;
    auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), version);
    if (ec != std::errc() || ptr == name.data()) continue;  // not a numbered migration
    out.push_back(Migration{.version = version, .name = std::string(name), .sql = std::string(file.text),
                            .checksum = Sha256Hex(file.text)});
  }
  std::sort(out.begin(), out.end(), [](const Migration& a, const Migration& b) { return a.version < b.version; });
  return out;
}

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version BIGINT PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " checksum TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL)";

struct Applied {
  std::string name;
  std::string checksum;
};

Result<std::map<int, Applied>> ReadApplied(Tx& tx) {
  auto rows = tx.Query("SELECT version, name, checksum FROM schema_migrations ORDER BY version");
  if (!rows) return std::unexpected(std::move(rows.error()));
  std::map<int, Applied> out;
  for (const Row& r : *rows) out[static_cast<int>(r.Int(0))] = Applied{r.Text(1), r.Text(2)};
  return out;
}

}  // namespace

const std::vector<Migration>& MigrationsFor(Backend backend) {
  static const std::vector<Migration> sqlite = LoadMigrations("sqlite");
  static const std::vector<Migration> postgresql = LoadMigrations("postgresql");
  return backend == Backend::kSqlite ? sqlite : postgresql;
}

Result<int> SchemaVersion(Database& db) {
  return db.TransactValue<int>(kReadOnly, [](Tx& tx) -> Result<int> {
    auto exists = tx.backend() == Backend::kSqlite
                      ? tx.QueryOne("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
                      // to_regclass is planned in microseconds; information_schema costs ~4x more.
                      : tx.QueryOne("SELECT 1 WHERE to_regclass('schema_migrations') IS NOT NULL");
    if (!exists) return std::unexpected(std::move(exists.error()));
    if (!*exists) return 0;
    auto row = tx.QueryOne("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (!row) return std::unexpected(std::move(row.error()));
    return static_cast<int>((*row)->Int(0));
  });
}

Result<MigrationReport> Migrate(Database& db, const Clock& clock) {
  if (auto r = db.ExecScript(kCreateTable); !r) return std::unexpected(std::move(r.error()));
  MigrationReport report;
  auto from = SchemaVersion(db);
  if (!from) return std::unexpected(std::move(from.error()));
  report.from_version = report.to_version = *from;

  const auto& migrations = MigrationsFor(db.backend());
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  for (const Migration& m : migrations) {
    bool applied_now = false;
    auto r = db.Transact(TxOptions{.write = true, .max_attempts = 3}, [&](Tx& tx) -> Result<void> {
      applied_now = false;
      if (tx.backend() == Backend::kPostgresql) {
        // Serializes concurrent migrators (several nodes starting at once).
        if (auto l = tx.Exec("LOCK TABLE schema_migrations IN EXCLUSIVE MODE"); !l) {
          return std::unexpected(std::move(l.error()));
        }
      }
      auto applied = ReadApplied(tx);
      if (!applied) return std::unexpected(std::move(applied.error()));
      if (!applied->empty() && applied->rbegin()->first > latest) {
        return Fail(Error::Conflict("the database schema (version " + std::to_string(applied->rbegin()->first) +
                                        ") is newer than this binary (version " + std::to_string(latest) + ")",
                                    "schema_drift"));
      }
      if (auto it = applied->find(m.version); it != applied->end()) {
        if (it->second.checksum != m.checksum) {
          return Fail(Error::Conflict("migration " + m.name + " changed after it was applied", "schema_drift"));
        }
        return {};
      }
      if (auto s = tx.ExecScript(m.sql); !s) {
        return Fail(Error::Internal("migration " + m.name + " failed: " + s.error().message));
      }
      auto ins = tx.Exec(
          "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (:v, :n, :c, :t)",
          {{"v", m.version}, {"n", m.name}, {"c", m.checksum}, {"t", ToMicros(clock.Now())}});
      if (!ins) return std::unexpected(std::move(ins.error()));
      applied_now = true;
      return {};
    });
    if (!r) return std::unexpected(std::move(r.error()));
    if (applied_now) {
      report.applied.push_back(m.name);
      report.to_version = m.version;
    }
  }
  auto to = SchemaVersion(db);
  if (!to) return std::unexpected(std::move(to.error()));
  report.to_version = *to;
  return report;
}

}  // namespace wangban::storage
