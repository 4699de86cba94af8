#include "wangban/app/app.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>

#include "wangban/app/serve.hpp"
#include "wangban/common/version.hpp"

namespace wangban::app {

int Main(int argc, char** argv) {
  CLI::App cli{"wangban (网办): fully online government services"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", std::string(Version()));

  ServeConfig serve;
  std::string web_root, port_file;
  auto* serve_cmd = cli.add_subcommand("serve", "serve the API and the web UI");
  serve_cmd->add_option("--host", serve.host, "address to listen on")->envname("WANGBAN_HOST")->capture_default_str();
  serve_cmd->add_option("--port", serve.port, "TCP port; 0 picks a free one")
      ->envname("WANGBAN_PORT")
      ->capture_default_str();
  serve_cmd->add_option("--db", serve.db_url, "sqlite:PATH or postgresql://user:pass@host:port/db")
      ->envname("WANGBAN_DB");
  serve_cmd->add_option("--data", serve.data_dir, "data directory (SQLite file, blobs)")
      ->envname("WANGBAN_DATA")
      ->capture_default_str();
  serve_cmd->add_option("--web", web_root, "built web front end (default web/dist)")->envname("WANGBAN_WEB");
  serve_cmd->add_option("--port-file", port_file, "write the bound port to this file once listening");
  serve_cmd->add_option("--io-threads", serve.io_threads, "HTTP I/O threads")->check(CLI::Range(1, 64))->capture_default_str();
  serve_cmd->add_option("--workers", serve.worker_threads, "handler threads")->check(CLI::Range(1, 512))->capture_default_str();
  serve_cmd->add_option("--db-pool", serve.db_pool, "database connections")->check(CLI::Range(1, 512))->capture_default_str();
  serve_cmd->add_option("--max-connections", serve.max_connections, "concurrent connections")->capture_default_str();
  serve_cmd->add_option("--read-timeout-ms", serve.read_timeout_ms, "time a client has to send a request")
      ->check(CLI::Range(100, 3600000))
      ->capture_default_str();
  serve_cmd->add_option("--shutdown-grace-ms", serve.shutdown_grace_ms, "time in-flight requests get on SIGTERM")
      ->capture_default_str();
  serve_cmd->add_flag("!--no-access-log", serve.access_log, "do not log each request");

  std::string migrate_db;
  std::string migrate_data = "var";
  auto* migrate_cmd = cli.add_subcommand("migrate", "bring the database schema up to date and exit");
  migrate_cmd->add_option("--db", migrate_db, "database URL")->envname("WANGBAN_DB");
  migrate_cmd->add_option("--data", migrate_data, "data directory for the default SQLite file")
      ->envname("WANGBAN_DATA");

  auto* version_cmd = cli.add_subcommand("version", "print the version");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }

  if (*serve_cmd) {
    if (!web_root.empty()) serve.web_root = web_root;
    if (!port_file.empty()) serve.port_file = port_file;
    return Serve(serve);
  }
  if (*migrate_cmd) {
    ServeConfig c;
    c.db_url = migrate_db;
    c.data_dir = migrate_data;
    return Migrate(ResolveDbUrl(c));
  }
  if (*version_cmd) {
    std::printf("wangban %s (%s)\n", std::string(Version()).c_str(), std::string(GitCommit()).c_str());
    return 0;
  }
  return 1;
}

}  // namespace wangban::app
