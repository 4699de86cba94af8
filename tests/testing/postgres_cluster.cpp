// PostgresCluster: initdb + pg_ctl from the Debian postgresql-15 package, run through
// `runuser -u postgres` when the tests run as root (as in CI), directly otherwise.
#include "tests/testing/postgres_cluster.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

#include "tests/testing/subprocess.hpp"

namespace wangban::testing {
namespace {

constexpr char kBinDir[] = "/usr/lib/postgresql/15/bin";
// Another process may take the port between PickFreePort() and the postmaster's bind().
constexpr int kStartAttempts = 5;
// pg_ctl waits up to 60 s itself (-t 60); this only catches a tool that hangs outright.
constexpr std::chrono::seconds kToolTimeout{120};

// PostgreSQL refuses to run as root, so as root everything runs as the `postgres` user.
bool RunAsPostgresUser() { return ::geteuid() == 0; }

std::string RunuserPath() {
  for (const char* path : {"/usr/sbin/runuser", "/sbin/runuser"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return "runuser";
}

// Runs one of the PostgreSQL programs in `dir` (the postgres user may not be allowed into
// our working directory) and collects what it printed.
RunResult RunPgTool(const std::filesystem::path& dir, const std::string& tool,
                    const std::vector<std::string>& args) {
  SpawnOptions options;
  if (RunAsPostgresUser()) options.argv = {RunuserPath(), "-u", "postgres", "--"};
  options.argv.push_back(std::string(kBinDir) + "/" + tool);
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.cwd = dir;
  return RunChild(options, {}, kToolTimeout);
}

std::string DescribeFailure(const std::string& what, const RunResult& result) {
  return what + " (exit status " + std::to_string(result.exit_status) + "):\n" + result.output;
}

// A port nobody listens on right now: bind port 0, read what the kernel chose, let it go.
int PickFreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

// The last few KiB of the server log, from a line start, for error messages.
std::string LogTail(const std::filesystem::path& log) {
  constexpr std::streamoff kTail = 4096;
  std::ifstream file(log, std::ios::binary | std::ios::ate);
  if (!file) return "(no log at " + log.string() + ")\n";
  const std::streamoff size = file.tellg();
  const std::streamoff start = size > kTail ? size - kTail : 0;
  file.seekg(start);
  std::string text(static_cast<size_t>(size - start), '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(file.gcount()));
  if (start > 0) {
    const size_t line_start = text.find('\n');
    if (line_start != std::string::npos) text.erase(0, line_start + 1);
  }
  return text;
}

// pg_ctl hands its -o string to /bin/sh.
std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace

std::unique_ptr<PostgresCluster> PostgresCluster::Start(std::string* error) {
  auto fail = [error](std::string message) -> std::unique_ptr<PostgresCluster> {
    if (error != nullptr) *error = std::move(message);
    return nullptr;
  };
  const std::string initdb = std::string(kBinDir) + "/initdb";
  if (::access(initdb.c_str(), X_OK) != 0) {
    return fail(initdb + " is missing; install the postgresql-15 package");
  }
  uid_t postgres_uid = 0;
  gid_t postgres_gid = 0;
  if (RunAsPostgresUser()) {
    passwd entry{};
    passwd* found = nullptr;
    std::array<char, 4096> strings{};
    if (::getpwnam_r("postgres", &entry, strings.data(), strings.size(), &found) != 0 ||
        found == nullptr) {
      return fail(
          "running as root, which PostgreSQL refuses, and there is no `postgres` user "
          "to run it as");
    }
    postgres_uid = entry.pw_uid;
    postgres_gid = entry.pw_gid;
  }

  std::unique_ptr<PostgresCluster> cluster(new PostgresCluster());
  cluster->owner_pid_ = ::getpid();
  const char* tmpdir = std::getenv("TMPDIR");
  const std::filesystem::path root = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
  std::string pattern = (root / "wangban-pg-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return fail("mkdtemp(" + pattern + "): " + std::strerror(errno));
  }
  cluster->dir_ = pattern;  // from here on the destructor removes it
  if (RunAsPostgresUser() && ::chown(pattern.c_str(), postgres_uid, postgres_gid) != 0) {
    return fail("chown " + pattern + " to postgres: " + std::strerror(errno));
  }

  const std::string data = (cluster->dir_ / "data").string();
  const std::filesystem::path log = cluster->dir_ / "log";
  // --no-sync: nothing here needs to survive a crash of the machine.
  const RunResult init = RunPgTool(cluster->dir_, "initdb",
                                   {"-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
                                    "--locale=C.UTF-8", "--no-sync", "--no-instructions"});
  if (init.exit_status != 0) {
    std::string message = DescribeFailure("initdb failed", init);
    if (RunAsPostgresUser()) {
      message +=
          "(running as root, so PostgreSQL runs as `postgres`, which must be able to reach " +
          root.string() + "; set TMPDIR elsewhere if it cannot)\n";
    }
    return fail(message);
  }

  std::string attempts;
  for (int attempt = 1; attempt <= kStartAttempts; ++attempt) {
    const int port = PickFreePort();
    if (port == 0) {
      attempts +=
          "attempt " + std::to_string(attempt) + ": no free port: " + std::strerror(errno) + "\n";
      continue;
    }
    // fsync, full_page_writes and synchronous_commit are off because the cluster is thrown
    // away after the run: durability buys nothing here and costs seconds on slow CI disks.
    const std::string server_options =
        "-p " + std::to_string(port) + " -k " + ShellQuote(cluster->dir_.string()) +
        " -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        " -c synchronous_commit=off -c max_connections=200 -c shared_buffers=64MB";
    const RunResult start = RunPgTool(
        cluster->dir_, "pg_ctl",
        {"-D", data, "-w", "-t", "60", "-l", log.string(), "-o", server_options, "start"});
    if (start.exit_status == 0) {
      cluster->port_ = port;
      cluster->started_ = true;
      return cluster;
    }
    attempts += "attempt " + std::to_string(attempt) + " on port " + std::to_string(port) + ": " +
                DescribeFailure("pg_ctl start failed", start);
    // A postmaster still starting when pg_ctl gave up would hold the lock on the data dir.
    RunPgTool(cluster->dir_, "pg_ctl", {"-D", data, "-m", "immediate", "stop"});
  }
  return fail(attempts + "server log " + log.string() + ", last lines:\n" + LogTail(log));
}

PostgresCluster* PostgresCluster::Shared() {
  struct SharedCluster {
    std::unique_ptr<PostgresCluster> cluster;
    std::string error;
  };
  // Started once, even when tests run on several threads; static destruction at exit stops
  // the cluster and removes its files. A failure is remembered rather than retried, so a
  // missing PostgreSQL costs one attempt, not one per test.
  static const SharedCluster shared = [] {
    SharedCluster result;
    result.cluster = Start(&result.error);
    return result;
  }();
  if (shared.cluster == nullptr) {
    ADD_FAILURE() << "cannot start the shared PostgreSQL cluster: " << shared.error;
    return nullptr;
  }
  return shared.cluster.get();
}

PostgresCluster::~PostgresCluster() {
  // A forked child (a death test, say) that exits runs static destructors too; the cluster
  // belongs to the parent.
  if (owner_pid_ != ::getpid()) return;
  if (started_) {
    const std::filesystem::path data = dir_ / "data";
    // Immediate: no shutdown checkpoint, the data is deleted next anyway.
    const RunResult stop =
        RunPgTool(dir_, "pg_ctl", {"-D", data.string(), "-m", "immediate", "-w", "stop"});
    if (stop.exit_status != 0) {
      std::fprintf(stderr, "PostgresCluster: %s",
                   DescribeFailure("pg_ctl stop failed", stop).c_str());
      // Last resort, so that no postmaster outlives the tests: its pid is the first line of
      // postmaster.pid, and SIGQUIT is PostgreSQL's immediate shutdown.
      std::ifstream pid_file(data / "postmaster.pid");
      long postmaster = 0;
      if (pid_file >> postmaster && postmaster > 0) ::kill(static_cast<pid_t>(postmaster), SIGQUIT);
    }
  }
  if (!dir_.empty()) {
    std::error_code error;
    std::filesystem::remove_all(dir_, error);
    if (error) {
      std::fprintf(stderr, "PostgresCluster: cannot remove %s: %s\n", dir_.c_str(),
                   error.message().c_str());
    }
  }
}

std::string PostgresCluster::CreateDatabase() {
  const int number = std::atomic_ref<int>(next_db_).fetch_add(1) + 1;
  // The pid keeps names apart should two test processes ever share a cluster.
  const std::string name = "wbtest_" + std::to_string(::getpid()) + "_" + std::to_string(number);
  // sslmode=disable: a PGSSLMODE=require in the environment must not break the local cluster.
  const std::string conninfo = "host=127.0.0.1 port=" + std::to_string(port_) +
                               " user=postgres dbname=postgres sslmode=disable connect_timeout=30";
  std::unique_ptr<PGconn, decltype(&PQfinish)> connection(PQconnectdb(conninfo.c_str()), &PQfinish);
  if (PQstatus(connection.get()) != CONNECTION_OK) {
    ADD_FAILURE() << "cannot connect to the test PostgreSQL cluster (" << conninfo
                  << "): " << PQerrorMessage(connection.get()) << "server log, last lines:\n"
                  << LogTail(dir_ / "log");
    return "";
  }
  // CREATE DATABASE takes no bind parameters; the name is a fixed prefix and two numbers, so
  // splicing it into the statement is safe.
  const std::string statement = "CREATE DATABASE " + name;
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(connection.get(), statement.c_str()),
                                                       &PQclear);
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    ADD_FAILURE() << statement << " failed: " << PQerrorMessage(connection.get())
                  << "server log, last lines:\n"
                  << LogTail(dir_ / "log");
    return "";
  }
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + name;
}

std::string DatabaseFor(const std::string& backend) {
  if (backend != "postgresql") return "sqlite";
  auto* cluster = PostgresCluster::Shared();
  return cluster ? cluster->CreateDatabase() : "";
}

}  // namespace wangban::testing
