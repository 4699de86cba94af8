// The HTTP server: RESTinio on a few I/O threads, handlers on a worker pool, request ids,
// limits, problem+json errors, access log, metrics and graceful shutdown.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "wangban/common/error.hpp"
#include "wangban/http/metrics.hpp"
#include "wangban/http/router.hpp"

namespace wangban::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port (see Server::port())
  int io_threads = 2;
  int worker_threads = 8;
  // Requests waiting for a worker beyond this are refused with 503 and Retry-After.
  std::size_t max_queued = 4096;
  std::size_t max_connections = 10000;
  // Time allowed for a client to send the next request's headers and body once the server
  // waits for it (RESTinio 0.6 keeps one timer for both); slower clients are disconnected.
  std::chrono::milliseconds read_timeout{std::chrono::seconds(15)};
  std::chrono::milliseconds handle_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};
  // No route accepts a body above this.
  std::size_t max_body_bytes = 64u << 20;
  // On shutdown, in-flight requests get this long to finish.
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(30)};
  bool access_log = true;
  // Serves files from here for paths outside /api and /metrics, index.html for the rest.
  std::optional<std::filesystem::path> web_root;
};

class Server {
 public:
  Server(ServerOptions options, Router& router, Metrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving in background threads. kUnavailable if the address is taken.
  Result<void> Start();
  // The bound port (useful with port 0). REQUIRES: Start() succeeded.
  std::uint16_t port() const;
  // Blocks until SIGTERM or SIGINT arrives or Shutdown() is called, then shuts down
  // gracefully: stops accepting, lets in-flight requests finish (up to shutdown_grace) and
  // stops the threads.
  void RunUntilStopped();
  // Asks RunUntilStopped to return after a graceful shutdown. Thread-safe.
  void Shutdown();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wangban::http
