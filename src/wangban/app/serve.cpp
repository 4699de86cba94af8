#include "wangban/app/serve.hpp"

#include <csignal>
#include <cstdio>
#include <fstream>

#include "wangban/api/routes.hpp"
#include "wangban/common/log.hpp"
#include "wangban/common/version.hpp"
#include "wangban/http/server.hpp"
#include "wangban/storage/blob_store.hpp"
#include "wangban/storage/migrations.hpp"

namespace wangban::app {
namespace {

// Writes the port atomically so a reader never sees a partial number.
bool WritePortFile(const std::filesystem::path& path, std::uint16_t port) {
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << port << "\n";
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

}  // namespace

std::string ResolveDbUrl(const ServeConfig& config) {
  if (!config.db_url.empty()) return config.db_url;
  return "sqlite:" + (config.data_dir / "wangban.db").string();
}

int Serve(const ServeConfig& config) {
  std::signal(SIGPIPE, SIG_IGN);
  log::Init({.level = log::Level::kInfo, .async = true});
  const std::string url = ResolveDbUrl(config);
  auto db = storage::OpenDatabase(url, {.pool_size = config.db_pool});
  if (!db) {
    log::Error("startup_failed", {{"stage", "database"}, {"error", db.error().message}});
    log::Flush();
    return 1;
  }
  auto migrated = storage::Migrate(**db);
  if (!migrated) {
    log::Error("startup_failed", {{"stage", "migrate"}, {"error", migrated.error().message}});
    log::Flush();
    return 1;
  }
  if (!migrated->applied.empty()) {
    log::Info("migrated", {{"from", migrated->from_version}, {"to", migrated->to_version}});
  }
  auto blobs = storage::DirectoryBlobStore::Open(config.data_dir / "blobs");
  if (!blobs) {
    log::Error("startup_failed", {{"stage", "blobs"}, {"error", blobs.error().message}});
    log::Flush();
    return 1;
  }

  http::Metrics metrics;
  http::Router router;
  api::ApiContext context{.db = **db, .blobs = **blobs, .metrics = metrics, .clock = SystemClock::Instance()};
  api::RegisterRoutes(router, context);

  std::optional<std::filesystem::path> web_root = config.web_root;
  if (!web_root) {
    std::error_code ec;
    if (std::filesystem::is_regular_file("web/dist/index.html", ec)) web_root = "web/dist";
  }
  http::ServerOptions options{
      .host = config.host,
      .port = config.port,
      .io_threads = config.io_threads,
      .worker_threads = config.worker_threads,
      .max_connections = config.max_connections,
      .read_timeout = std::chrono::milliseconds(config.read_timeout_ms),
      .shutdown_grace = std::chrono::milliseconds(config.shutdown_grace_ms),
      .access_log = config.access_log,
      .web_root = web_root,
  };
  http::Server server(options, router, metrics);
  if (auto started = server.Start(); !started) {
    log::Error("startup_failed", {{"stage", "listen"}, {"error", started.error().message}});
    log::Flush();
    return 1;
  }
  if (config.port_file && !WritePortFile(*config.port_file, server.port())) {
    log::Error("startup_failed", {{"stage", "port_file"}, {"path", config.port_file->string()}});
    server.Shutdown();
    server.RunUntilStopped();
    log::Flush();
    return 1;
  }
  log::Info("listening", {{"host", config.host},
                          {"port", static_cast<int>(server.port())},
                          {"db", storage::BackendName((*db)->backend())},
                          {"db_url", (*db)->redacted_url()},
                          {"web", web_root ? web_root->string() : std::string("none")},
                          {"version", Version()}});
  server.RunUntilStopped();
  log::Info("stopped", {});
  log::Flush();
  return 0;
}

int Migrate(const std::string& db_url) {
  auto db = storage::OpenDatabase(db_url, {.pool_size = 1});
  if (!db) {
    std::fprintf(stderr, "wangban migrate: %s\n", db.error().message.c_str());
    return 1;
  }
  auto report = storage::Migrate(**db);
  if (!report) {
    std::fprintf(stderr, "wangban migrate: %s\n", report.error().message.c_str());
    return 1;
  }
  for (const auto& name : report->applied) std::printf("applied %s\n", name.c_str());
  std::printf("schema version %d (%s, was %d)\n", report->to_version,
              std::string(storage::BackendName((*db)->backend())).c_str(), report->from_version);
  return 0;
}

}  // namespace wangban::app
