// `wangban serve`: opens the database, migrates, starts the job worker and the HTTP server,
// and runs until SIGTERM/SIGINT.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace wangban::app {

struct ServeConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string db_url;  // empty: sqlite:<data_dir>/wangban.db
  std::filesystem::path data_dir = "var";
  std::optional<std::filesystem::path> web_root;  // default: web/dist if it exists
  std::optional<std::filesystem::path> port_file;
  int io_threads = 2;
  int worker_threads = 8;
  int db_pool = 8;
  std::size_t max_connections = 10000;
  int read_timeout_ms = 15000;
  int shutdown_grace_ms = 30000;
  bool access_log = true;
  bool jobs = true;  // run the background job worker in this process
};

// The database URL the config resolves to.
std::string ResolveDbUrl(const ServeConfig& config);

// Runs the server; returns the exit status (0 after a graceful shutdown).
int Serve(const ServeConfig& config);

// Applies migrations and prints the report; returns the exit status.
int Migrate(const std::string& db_url);

}  // namespace wangban::app
