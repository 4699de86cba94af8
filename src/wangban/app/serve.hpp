// `wangban serve`: opens the database, migrates, starts the job worker and the HTTP server,
// and runs until SIGTERM/SIGINT.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wangban::app {

struct ServeConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string db_url;  // empty: sqlite:<data_dir>/wangban.db
  std::filesystem::path data_dir = "var";
  std::optional<std::filesystem::path> web_root;  // default: web/dist if it exists
  std::optional<std::filesystem::path> port_file;
  int io_threads = 2;
  int worker_threads = 64;  // handlers block on the database: enough to fill a group commit
  // Database connections; 0: SQLite 32 (readers: a connection's page cache lives as long as it
  // is used alone), PostgreSQL 4 per CPU, at least 8 (DefaultDbPool).
  int db_pool = 0;
  std::size_t max_connections = 10000;
  int read_timeout_ms = 15000;
  int shutdown_grace_ms = 30000;
  bool access_log = true;
  bool jobs = true;  // run the background job worker in this process
  // Personal-data key: a file holding 128 hex characters, or the hex itself in WANGBAN_PII_KEY.
  // With SQLite and neither given, <data>/keys/pii.key is created on first start.
  std::optional<std::filesystem::path> pii_key_file;
  // The SM2 key (PEM) signing audit checkpoints; generated under the data directory for SQLite
  // and --demo, required with PostgreSQL.
  std::optional<std::filesystem::path> audit_key_file;
  bool demo = false;        // load demo data (accounts with published passwords)
  bool test_clock = false;  // run on a fake clock moved through /api/v1/test/clock
  bool secure_cookies = false;
  int session_idle_minutes = 30;
  int session_cache_seconds = 5;
  int session_absolute_hours = 12;
  std::string password_hash_cost = "interactive";  // interactive | moderate | minimum (tests)
};

struct StaffCommand {
  std::string account, name, department, region = "460100";
  std::vector<std::string> roles;
  bool password_stdin = false;
};

// `wangban admin create-staff`: creates a staff account; prints its id (and the generated
// password when none was given on stdin).
int CreateStaff(const ServeConfig& config, const StaffCommand& command);

// `wangban calendar load-year FILE`: stores a holiday-cn document in the database.
int LoadCalendarYear(const ServeConfig& config, const std::string& file);

// `wangban seed --demo`: loads the demo data; idempotent.
int SeedDemo(const ServeConfig& config);

// The database URL the config resolves to.
std::string ResolveDbUrl(const ServeConfig& config);

// The connection pool of `--db-pool 0` for a database URL on a machine with `cpus` CPUs.
int DefaultDbPool(std::string_view url, unsigned cpus);

// Runs the server; returns the exit status (0 after a graceful shutdown).
int Serve(const ServeConfig& config);

// Applies migrations and prints the report; returns the exit status.
int Migrate(const std::string& db_url);

}  // namespace wangban::app
