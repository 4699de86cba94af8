// Numbered schema migrations, one folder per backend (storage/migrations/sqlite and
// storage/migrations/postgresql), compiled into the binary and applied in order at start and by
// `wangban migrate`. Applied migrations are recorded with a checksum; a changed file is refused.
#pragma once

#include <string>
#include <vector>

#include "wangban/common/clock.hpp"
#include "wangban/common/error.hpp"
#include "wangban/storage/database.hpp"

namespace wangban::storage {

struct Migration {
  int version = 0;        // NNNN from the file name
  std::string name;       // the rest of the file name without ".sql"
  std::string sql;
  std::string checksum;   // SHA-256 hex of sql
};

// The embedded migrations for `backend`, sorted by version.
const std::vector<Migration>& MigrationsFor(Backend backend);

struct MigrationReport {
  int from_version = 0;
  int to_version = 0;
  std::vector<std::string> applied;  // "0001_jobs", ...
};

// Brings the schema up to date. Each migration runs in its own transaction together with its
// record, so a failure leaves the schema at the last good version. Safe when several processes
// migrate at once (PostgreSQL: table lock; SQLite: the write lock).
// Errors: kConflict (reason "schema_drift") if an applied migration's text changed or the
// database is newer than this binary; the failing statement's error otherwise.
Result<MigrationReport> Migrate(Database& db, const Clock& clock = SystemClock::Instance());

// The highest applied version (0 for an empty database).
Result<int> SchemaVersion(Database& db);

}  // namespace wangban::storage
