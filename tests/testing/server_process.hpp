// Starts the real `wangban serve` binary on port 0 for integration tests and stops it with
// SIGTERM. The binary's path comes from $WANGBAN_BINARY (set by CTest).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/http_client.hpp"
#include "tests/testing/temp_dir.hpp"

namespace wangban::testing {

// The personal-data key every test server gets unless the test sets WANGBAN_PII_KEY itself
// (PostgreSQL deployments must be given a key; SQLite ones would otherwise create one).
inline constexpr const char* kTestPiiKeyHex =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";

// `env` plus WANGBAN_PII_KEY=kTestPiiKeyHex when it does not set that variable.
std::vector<std::string> WithTestPiiKey(std::vector<std::string> env);

// The SM2 key (PEM) signing audit checkpoints of test servers (PostgreSQL deployments must be
// given one). A test value, never used outside tests.
inline constexpr const char* kTestAuditKeyPem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqBHM9VAYItBG0wawIBAQQgzqK5zCuFHjNxc0+n\n"
    "QcyZENfI9ZjNCU7oXlsDGAcNS4ahRANCAATZH2CAxp6uSgPhYCFjevNrYzWm2p2g\n"
    "hZdxMNmeeWi9iM/FsG94enq+tKxEh+ebiuZvdVN1/hMq55WX0bRqsal7\n"
    "-----END PRIVATE KEY-----\n";

struct ServerOptions {
  // "sqlite" for a fresh SQLite file in the temp dir, or a full database URL
  // (e.g. from PostgresCluster::CreateDatabase()).
  std::string db = "sqlite";
  // Extra command-line arguments after `serve --host 127.0.0.1 --port 0 --port-file F
  // --db URL --data DIR`.
  std::vector<std::string> extra_args;
  // Extra environment variables, "NAME=value".
  std::vector<std::string> env;
};

class ServerProcess {
 public:
  // Starts the server and waits (up to 30 s) until it reports the port it listens on: the
  // server writes the port to --port-file and logs a JSON line with "event":"listening".
  // On failure `ok()` is false and `output()` holds what the process printed.
  explicit ServerProcess(ServerOptions options = {});
  // Stops the server (SIGTERM, then SIGKILL after 15 s) if it still runs.
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  bool ok() const { return port_ > 0; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& db_url() const { return db_url_; }
  const std::filesystem::path& data_dir() const { return data_dir_.path(); }
  HttpClient client() const { return HttpClient(port_); }

  // Sends SIGTERM and waits for the exit; returns the exit status (128+signal if killed),
  // or -1 if it did not exit within `timeout`.
  int Stop(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  // Everything the process wrote to stdout and stderr so far.
  std::string output() const;

 private:
  void Drain(int fd);
  // Blocks in waitid() until the process exits, kills what it left in its process group, reaps
  // it and records the status, so Stop() can wait on `cv_` rather than poll.
  void AwaitExit();

  TempDir data_dir_{"wangban-server-"};
  std::string db_url_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::thread drain_thread_;
  std::thread wait_thread_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::string output_;    // GUARDED_BY(mutex_)
  bool eof_ = false;      // GUARDED_BY(mutex_); the output pipe reached EOF
  bool exited_ = false;   // GUARDED_BY(mutex_); the process has exited and been reaped
  int exit_status_ = -1;  // GUARDED_BY(mutex_); valid once exited_
};

// Runs the wangban binary with arguments to completion (for CLI tests); returns exit status
// and combined output. `stdin_text` is written to its standard input.
struct CommandResult {
  int exit_status = -1;
  std::string output;
};
CommandResult RunWangban(const std::vector<std::string>& args, const std::string& stdin_text = {},
                         const std::vector<std::string>& env = {});

}  // namespace wangban::testing
