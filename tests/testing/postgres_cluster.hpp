// A throwaway PostgreSQL 15 cluster for tests: initdb in a temp dir (as the `postgres` user
// when running as root, since PostgreSQL refuses root), a random TCP port on 127.0.0.1, the
// socket in the temp dir; stopped and removed on destruction.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>

namespace wangban::testing {

class PostgresCluster {
 public:
  // Starts a cluster. On failure the returned pointer is null and `error` says why.
  static std::unique_ptr<PostgresCluster> Start(std::string* error);

  // The process-wide shared cluster, started on first use and stopped at exit. Tests call
  // CreateDatabase() on it to get a fresh database each. Fails the calling test (ADD_FAILURE)
  // and returns null if it cannot start.
  static PostgresCluster* Shared();

  ~PostgresCluster();
  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;

  int port() const { return port_; }
  // The temp dir holding data/, log and the Unix socket.
  const std::filesystem::path& dir() const { return dir_; }
  // Creates an empty database with a unique name and returns its URL,
  // "postgresql://postgres@127.0.0.1:PORT/NAME". Empty string on failure.
  std::string CreateDatabase();

 private:
  PostgresCluster() = default;

  std::filesystem::path dir_;
  int port_ = 0;
  bool started_ = false;
  int next_db_ = 0;  // used through std::atomic_ref: tests may create databases concurrently
  // Only the process that started the cluster stops it, not a forked child that exits.
  pid_t owner_pid_ = 0;
};

// The --db value for a test parameterized by backend: "sqlite" (a fresh file the server harness
// makes) for "sqlite", and for "postgresql" a fresh database on the shared cluster — or "" when
// the cluster could not start (the test has already failed then).
std::string DatabaseFor(const std::string& backend);

}  // namespace wangban::testing
