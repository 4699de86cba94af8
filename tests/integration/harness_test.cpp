// Tests of the integration-test harness itself (tests/testing): TempDir, HttpClient and
// RawConnection against a canned in-process HTTP server, ServerProcess and RunWangban against
// small shell scripts standing in for the wangban binary, and a real PostgreSQL cluster.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/http_client.hpp"
#include "tests/testing/postgres_cluster.hpp"
#include "tests/testing/server_process.hpp"
#include "tests/testing/temp_dir.hpp"

namespace wangban::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------
// TempDir

TEST(HarnessTempDirTest, CreatesFreshDirectoryAndRemovesEverythingInIt) {
  std::filesystem::path kept;
  {
    TempDir first("harness-selftest-");
    TempDir second("harness-selftest-");
    kept = first.path();
    ASSERT_TRUE(std::filesystem::is_directory(first.path()));
    EXPECT_NE(first.path(), second.path());
    EXPECT_TRUE(first.path().filename().string().starts_with("harness-selftest-"));
    std::filesystem::create_directories(first / "nested" / "deeper");
    std::ofstream(first / "nested" / "deeper" / "file.txt") << "content";
    ASSERT_TRUE(std::filesystem::exists(first / "nested" / "deeper" / "file.txt"));
  }
  EXPECT_FALSE(std::filesystem::exists(kept));
}

// ---------------------------------------------------------------------------------------------
// A canned HTTP server: one thread per connection, the reply chosen by the request target.

class CannedHttpServer {
 public:
  CannedHttpServer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(listen_fd_, 16) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      ADD_FAILURE() << "canned server: cannot listen: " << std::strerror(errno);
      return;
    }
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }

  ~CannedHttpServer() {
    // shutdown() on a listening socket makes a blocked accept() fail on Linux, and on
    // connections it ends a recv() that waits for a client that never closes.
    ::shutdown(listen_fd_, SHUT_RDWR);
    if (acceptor_.joinable()) acceptor_.join();
    {
      std::lock_guard lock(mutex_);
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (std::thread& worker : workers_) worker.join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
  }

  int port() const { return port_; }

  // Everything received so far, one string per request (head and body).
  std::vector<std::string> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void AcceptLoop() {
    while (true) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0 && errno == EINTR) continue;
      if (fd < 0) return;
      std::lock_guard lock(mutex_);
      open_fds_.insert(fd);
      workers_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  // Reads one request: the head, then as many body bytes as Content-Length says.
  static std::string ReadRequest(int fd) {
    std::string request;
    char chunk[4096];
    size_t needed = std::string::npos;
    while (request.size() < needed) {
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      request.append(chunk, static_cast<size_t>(n));
      const size_t head_end = request.find("\r\n\r\n");
      if (needed == std::string::npos && head_end != std::string::npos) {
        const size_t length_at = request.find("Content-Length: ");
        const size_t length = length_at < head_end ? std::stoul(request.substr(length_at + 16)) : 0;
        needed = head_end + 4 + length;
      }
    }
    return request;
  }

  static void SendAll(int fd, const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  }

  static std::string WithLength(const std::string& head, const std::string& body) {
    return head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  void Serve(int fd) {
    const std::string request = ReadRequest(fd);
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
    }
    const size_t target_start = request.find(' ') + 1;
    const std::string target =
        request.substr(target_start, request.find(' ', target_start) - target_start);
    const std::string body = request.substr(std::min(request.size(), request.find("\r\n\r\n") + 4));
    if (target == "/length") {
      SendAll(fd, WithLength("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             "X-Custom-Header:  spaced value \r\n",
                             R"({"hello":"世界"})"));
    } else if (target == "/chunked") {
      SendAll(fd,
              "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
              "5\r\nhello\r\n7;note=ext\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n");
    } else if (target == "/eof") {
      SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nread until the end");
    } else if (target == "/continue") {
      SendAll(fd, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n");
    } else if (target == "/not-json") {
      SendAll(fd, WithLength("HTTP/1.1 200 OK\r\n", "{not json"));
    } else if (target == "/echo") {
      SendAll(fd, WithLength("HTTP/1.1 200 OK\r\n", body));
    } else if (target == "/truncated") {
      SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this");
    } else if (target == "/garbage") {
      SendAll(fd, "SSH-2.0-OpenSSH_9.2\r\n\r\n");
    } else if (target == "/silent") {
      char byte;
      while (::recv(fd, &byte, 1, 0) > 0) {  // until the client goes away
      }
    }
    // "/close" and anything unknown: close without a word.
    std::lock_guard lock(mutex_);
    open_fds_.erase(fd);
    ::close(fd);
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::set<int> open_fds_;             // GUARDED_BY(mutex_)
  std::vector<std::thread> workers_;   // GUARDED_BY(mutex_) until acceptor_ is joined
  std::vector<std::string> requests_;  // GUARDED_BY(mutex_)
};

// A port with nothing listening on it.
int UnusedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), length);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

// ---------------------------------------------------------------------------------------------
// HttpClient

TEST(HarnessHttpClientTest, ReadsContentLengthBodyAndSendsHostLengthAndClose) {
  CannedHttpServer server;
  const HttpClient client(server.port());
  const HttpResponse response = client.Get("/length", {{"X-Request", "1"}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.Json(), nlohmann::json({{"hello", "世界"}}));
  EXPECT_EQ(response.Header("x-custom-header"), "spaced value");
  EXPECT_EQ(response.Header("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(response.Header("Absent"), "");

  const std::vector<std::string> requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(requests[0].starts_with("GET /length HTTP/1.1\r\n")) << requests[0];
  EXPECT_NE(requests[0].find("\r\nHost: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"),
            std::string::npos)
      << requests[0];
  EXPECT_NE(requests[0].find("\r\nX-Request: 1\r\n"), std::string::npos) << requests[0];
  EXPECT_NE(requests[0].find("\r\nContent-Length: 0\r\n"), std::string::npos) << requests[0];
  EXPECT_NE(requests[0].find("\r\nConnection: close\r\n"), std::string::npos) << requests[0];
}

TEST(HarnessHttpClientTest, ReadsChunkedBodyWithExtensionsAndTrailers) {
  CannedHttpServer server;
  const HttpResponse response = HttpClient(server.port()).Get("/chunked");
  EXPECT_EQ(response.status, 201) << response.body;
  EXPECT_EQ(response.body, "hello, world");
}

TEST(HarnessHttpClientTest, ReadsBodyWithoutLengthUntilEof) {
  CannedHttpServer server;
  const HttpResponse response = HttpClient(server.port()).Get("/eof");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "read until the end");
}

TEST(HarnessHttpClientTest, SkipsInterimResponses) {
  CannedHttpServer server;
  const HttpResponse response = HttpClient(server.port()).Get("/continue");
  EXPECT_EQ(response.status, 204);
  EXPECT_EQ(response.body, "");
}

TEST(HarnessHttpClientTest, PostJsonSendsTheBodyWithContentType) {
  CannedHttpServer server;
  const nlohmann::json payload = {{"name", "张三"}, {"items", {1, 2, 3}}};
  const HttpResponse response = HttpClient(server.port()).PostJson("/echo", payload);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.Json(), payload);
  const std::vector<std::string> requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(requests[0].starts_with("POST /echo HTTP/1.1\r\n")) << requests[0];
  EXPECT_NE(requests[0].find("\r\nContent-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(requests[0].find("\r\nContent-Length: " + std::to_string(payload.dump().size())),
            std::string::npos);
}

TEST(HarnessHttpClientTest, PutPatchAndDeleteUseTheirMethods) {
  CannedHttpServer server;
  const HttpClient client(server.port());
  EXPECT_EQ(client.PutJson("/echo", {{"a", 1}}).status, 200);
  EXPECT_EQ(client.PatchJson("/echo", {{"a", 2}}).status, 200);
  EXPECT_EQ(client.Delete("/echo").status, 200);
  const std::vector<std::string> requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_TRUE(requests[0].starts_with("PUT /echo ")) << requests[0];
  EXPECT_TRUE(requests[1].starts_with("PATCH /echo ")) << requests[1];
  EXPECT_TRUE(requests[2].starts_with("DELETE /echo ")) << requests[2];
}

TEST(HarnessHttpClientTest, JsonIsNullWhenTheBodyIsNotJson) {
  CannedHttpServer server;
  const HttpResponse response = HttpClient(server.port()).Get("/not-json");
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(response.Json().is_null());
}

TEST(HarnessHttpClientTest, StatusIsZeroWhenTheServerClosesWithoutAResponse) {
  CannedHttpServer server;
  EXPECT_EQ(HttpClient(server.port()).Get("/close").status, 0);
}

TEST(HarnessHttpClientTest, StatusIsZeroForTruncatedOrNonHttpResponses) {
  CannedHttpServer server;
  const HttpResponse truncated = HttpClient(server.port()).Get("/truncated");
  EXPECT_EQ(truncated.status, 0);
  // The raw bytes stay in the body so a failing test can show what did arrive.
  EXPECT_NE(truncated.body.find("only this"), std::string::npos);
  EXPECT_EQ(HttpClient(server.port()).Get("/garbage").status, 0);
}

TEST(HarnessHttpClientTest, StatusIsZeroWhenNothingListens) {
  EXPECT_EQ(HttpClient(UnusedPort()).Get("/").status, 0);
}

TEST(HarnessHttpClientTest, TimesOutOnASilentServer) {
  CannedHttpServer server;
  const Clock::time_point start = Clock::now();
  const HttpResponse response =
      HttpClient(server.port()).Send(HttpRequest{.target = "/silent"}, 200ms);
  const auto elapsed = Clock::now() - start;
  EXPECT_EQ(response.status, 0);
  EXPECT_GE(elapsed, 200ms);
  EXPECT_LT(elapsed, 10s);
}

// ---------------------------------------------------------------------------------------------
// RawConnection

TEST(HarnessRawConnectionTest, ReadsAResponseToBytesWrittenInPieces) {
  CannedHttpServer server;
  RawConnection connection(server.port());
  ASSERT_TRUE(connection.ok());
  ASSERT_TRUE(connection.Write("GET /chu"));
  ASSERT_TRUE(connection.Write("nked HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::optional<HttpResponse> response = connection.ReadResponse(10s);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, "hello, world");
  EXPECT_TRUE(connection.WaitForClose(10s));
}

TEST(HarnessRawConnectionTest, WaitForCloseSeesTheServerHangUp) {
  CannedHttpServer server;
  RawConnection connection(server.port());
  ASSERT_TRUE(connection.ok());
  ASSERT_TRUE(connection.Write("GET /close HTTP/1.1\r\n\r\n"));
  EXPECT_TRUE(connection.WaitForClose(10s));
}

TEST(HarnessRawConnectionTest, WaitForCloseTimesOutWhileTheServerKeepsTheConnection) {
  CannedHttpServer server;
  RawConnection connection(server.port());
  ASSERT_TRUE(connection.ok());
  ASSERT_TRUE(connection.Write("GET /silent HTTP/1.1\r\n\r\n"));
  EXPECT_FALSE(connection.WaitForClose(200ms));
}

TEST(HarnessRawConnectionTest, ReadResponseIsEmptyWhenTheServerClosesFirst) {
  CannedHttpServer server;
  RawConnection connection(server.port());
  ASSERT_TRUE(connection.ok());
  ASSERT_TRUE(connection.Write("GET /close HTTP/1.1\r\n\r\n"));
  EXPECT_FALSE(connection.ReadResponse(10s).has_value());
}

TEST(HarnessRawConnectionTest, NotOkWhenNothingListens) {
  RawConnection connection(UnusedPort());
  EXPECT_FALSE(connection.ok());
  EXPECT_FALSE(connection.Write("x"));
  EXPECT_FALSE(connection.WaitForClose(10ms));
}

// ---------------------------------------------------------------------------------------------
// ServerProcess and RunWangban against scripts standing in for the wangban binary.

// Sets an environment variable (or unsets it, for nullopt) for the scope; CTest points
// WANGBAN_BINARY at the real binary, which later tests need back.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// Writes an executable /bin/sh script and returns its path.
std::string WriteScript(const TempDir& dir, const std::string& name, const std::string& body) {
  const std::filesystem::path path = dir / name;
  std::ofstream(path) << "#!/bin/sh\n" << body;
  std::filesystem::permissions(path, std::filesystem::perms::owner_all |
                                         std::filesystem::perms::group_read |
                                         std::filesystem::perms::group_exec);
  return path.string();
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// True once `pid` is gone and reaped (kill fails with ESRCH), i.e. no zombie was left.
bool ProcessGone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

// Prints its arguments and environment, logs like wangban does, then waits for SIGTERM.
constexpr char kListeningScript[] = R"sh(trap 'echo "fake: got SIGTERM"; exit 0' TERM
echo "fake: args $*"
echo "fake: FAKE_MODE=$FAKE_MODE"
echo 'plain text noise with "listening" in it'
echo '{"level":"info","event":"migrated","port":1}'
echo '{"event":7,"port":"listening"}'
echo '{"level":"info","event":"listening","host":"127.0.0.1","port":4242}'
sleep 1000 &
wait $!
)sh";

TEST(HarnessServerProcessTest, StartsOnTheListeningLineAndStopsWithSigterm) {
  TempDir scripts;
  ScopedEnv binary("WANGBAN_BINARY", WriteScript(scripts, "fake-wangban", kListeningScript));
  std::filesystem::path data_dir;
  pid_t pid = -1;
  {
    ServerProcess server(
        ServerOptions{.extra_args = {"--extra", "flag"}, .env = {"FAKE_MODE=yes"}});
    ASSERT_TRUE(server.ok()) << server.output();
    EXPECT_EQ(server.port(), 4242);
    EXPECT_EQ(server.client().port(), 4242);
    pid = server.pid();
    data_dir = server.data_dir();
    EXPECT_TRUE(std::filesystem::is_directory(data_dir));
    EXPECT_EQ(server.db_url(), "sqlite:" + (data_dir / "wangban.db").string());

    EXPECT_EQ(server.Stop(), 0) << server.output();
    const std::string output = server.output();
    EXPECT_TRUE(Contains(output, "fake: args serve --host 127.0.0.1 --port 0 --port-file " +
                                     (data_dir / "port").string() + " --db " + server.db_url() +
                                     " --data " + data_dir.string() + " --extra flag"))
        << output;
    EXPECT_TRUE(Contains(output, "fake: FAKE_MODE=yes")) << output;
    EXPECT_TRUE(Contains(output, "fake: got SIGTERM")) << output;
    EXPECT_TRUE(ProcessGone(pid));
    EXPECT_EQ(server.Stop(), 0);  // again: nothing left to stop, same status
  }
  EXPECT_FALSE(std::filesystem::exists(data_dir));
}

TEST(HarnessServerProcessTest, PassesADatabaseUrlThrough) {
  TempDir scripts;
  ScopedEnv binary("WANGBAN_BINARY", WriteScript(scripts, "fake-wangban", kListeningScript));
  ServerProcess server(ServerOptions{.db = "postgresql://postgres@127.0.0.1:5/db"});
  ASSERT_TRUE(server.ok()) << server.output();
  EXPECT_EQ(server.db_url(), "postgresql://postgres@127.0.0.1:5/db");
}

TEST(HarnessServerProcessTest, DestructorStopsARunningServer) {
  TempDir scripts;
  ScopedEnv binary("WANGBAN_BINARY", WriteScript(scripts, "fake-wangban", kListeningScript));
  pid_t pid = -1;
  {
    ServerProcess server;
    ASSERT_TRUE(server.ok()) << server.output();
    pid = server.pid();
  }
  EXPECT_TRUE(ProcessGone(pid));
}

TEST(HarnessServerProcessTest, AcceptsThePortFileWithoutAJsonLogLine) {
  TempDir scripts;
  ScopedEnv binary("WANGBAN_BINARY", WriteScript(scripts, "fake-wangban", R"sh(
while [ $# -gt 0 ]; do
  if [ "$1" = --port-file ]; then port_file=$2; fi
  shift
done
echo 4343 > "$port_file"
echo "ready (text log)"
exec sleep 1000
)sh"));
  ServerProcess server;
  ASSERT_TRUE(server.ok()) << server.output();
  EXPECT_EQ(server.port(), 4343);
  // `exec sleep` dies of the SIGTERM itself: 128 + 15.
  EXPECT_EQ(server.Stop(), 143);
}

TEST(HarnessServerProcessTest, NotOkWhenTheProcessExitsBeforeListening) {
  TempDir scripts;
  ScopedEnv binary("WANGBAN_BINARY", WriteScript(scripts, "fake-wangban", R"sh(
echo "fake: starting"
echo "fake: cannot open database" >&2
exit 3
)sh"));
  ServerProcess server;
  EXPECT_FALSE(server.ok());
  EXPECT_EQ(server.port(), 0);
  const std::string output = server.output();
  EXPECT_TRUE(Contains(output, "fake: starting")) << output;
  EXPECT_TRUE(Contains(output, "fake: cannot open database")) << output;
  EXPECT_TRUE(Contains(output, "exited with status 3")) << output;
  EXPECT_EQ(server.Stop(), 3);
  EXPECT_TRUE(ProcessGone(server.pid()));
}

TEST(HarnessServerProcessTest, StopGivesUpOnAServerIgnoringSigterm) {
  TempDir scripts;
  ScopedEnv binary("WANGBAN_BINARY", WriteScript(scripts, "fake-wangban", R"sh(
trap '' TERM
echo '{"event":"listening","port":4545}'
sleep 1000 &
wait $!
)sh"));
  ServerProcess server;
  ASSERT_TRUE(server.ok()) << server.output();
  EXPECT_EQ(server.Stop(200ms), -1);
  // What the destructor does after its grace period, done here to keep the test fast. The
  // background `sleep` also ignores SIGTERM; Stop() returning shows it was cleaned up too
  // (it held the output pipe open).
  ASSERT_EQ(::kill(server.pid(), SIGKILL), 0);
  EXPECT_EQ(server.Stop(), 128 + SIGKILL);
}

TEST(HarnessServerProcessTest, NotOkWithoutWangbanBinary) {
  ScopedEnv binary("WANGBAN_BINARY", std::nullopt);
  ServerProcess server;
  EXPECT_FALSE(server.ok());
  EXPECT_TRUE(Contains(server.output(), "WANGBAN_BINARY")) << server.output();
  EXPECT_EQ(server.Stop(), -1);
  EXPECT_EQ(RunWangban({"version"}).exit_status, -1);
}

TEST(HarnessServerProcessTest, NotOkWhenTheBinaryCannotBeStarted) {
  ScopedEnv binary("WANGBAN_BINARY", "/nonexistent/wangban");
  ServerProcess server;
  EXPECT_FALSE(server.ok());
  EXPECT_TRUE(Contains(server.output(), "/nonexistent/wangban")) << server.output();
  const CommandResult result = RunWangban({"version"});
  EXPECT_EQ(result.exit_status, -1);
  EXPECT_TRUE(Contains(result.output, "/nonexistent/wangban")) << result.output;
}

TEST(HarnessRunWangbanTest, ReturnsExitStatusAndCombinedOutput) {
  TempDir scripts;
  ScopedEnv binary("WANGBAN_BINARY", WriteScript(scripts, "fake-wangban", R"sh(
echo "args: $*"
echo "X=$X"
cat
echo "to stderr" >&2
exit 5
)sh"));
  const CommandResult result =
      RunWangban({"migrate", "--db", "sqlite:x.db"}, "from stdin\n", {"X=1"});
  EXPECT_EQ(result.exit_status, 5);
  EXPECT_TRUE(Contains(result.output, "args: migrate --db sqlite:x.db\n")) << result.output;
  EXPECT_TRUE(Contains(result.output, "X=1\n")) << result.output;
  EXPECT_TRUE(Contains(result.output, "from stdin\n")) << result.output;
  EXPECT_TRUE(Contains(result.output, "to stderr\n")) << result.output;
}

TEST(HarnessRunWangbanTest, StreamsLargeInputAndOutputWithoutDeadlock) {
  TempDir scripts;
  ScopedEnv binary("WANGBAN_BINARY", WriteScript(scripts, "fake-wangban", "exec cat\n"));
  // Far more than a pipe holds in either direction.
  std::string input;
  for (int i = 0; input.size() < 4 * 1024 * 1024; ++i) input += "line " + std::to_string(i) + "\n";
  const CommandResult result = RunWangban({}, input);
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_TRUE(result.output == input) << "output size " << result.output.size();
}

TEST(HarnessRunWangbanTest, SurvivesAChildThatDoesNotReadItsInput) {
  TempDir scripts;
  ScopedEnv binary("WANGBAN_BINARY", WriteScript(scripts, "fake-wangban", "echo done\nexit 0\n"));
  // The child exits without reading: our writes fail with EPIPE, which must not kill us.
  const CommandResult result = RunWangban({}, std::string(4 * 1024 * 1024, 'x'));
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.output, "done\n");
}

TEST(HarnessRunWangbanTest, ReportsDeathBySignal) {
  TempDir scripts;
  ScopedEnv binary("WANGBAN_BINARY", WriteScript(scripts, "fake-wangban", "kill -9 $$\n"));
  EXPECT_EQ(RunWangban({}).exit_status, 128 + SIGKILL);
}

// ---------------------------------------------------------------------------------------------
// PostgresCluster

// Runs one query on `url` and returns the single value, or "ERROR: ..." text.
std::string QueryOne(const std::string& url, const char* sql) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> connection(PQconnectdb(url.c_str()), &PQfinish);
  if (PQstatus(connection.get()) != CONNECTION_OK) {
    return std::string("ERROR: connect: ") + PQerrorMessage(connection.get());
  }
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(connection.get(), sql), &PQclear);
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK || PQntuples(result.get()) != 1) {
    return std::string("ERROR: query: ") + PQerrorMessage(connection.get());
  }
  return PQgetvalue(result.get(), 0, 0);
}

TEST(HarnessPostgresClusterTest, SharedClusterCreatesSeparateDatabases) {
  const Clock::time_point start = Clock::now();
  PostgresCluster* cluster = PostgresCluster::Shared();
  ASSERT_NE(cluster, nullptr);
  std::printf(
      "[ harness  ] shared PostgreSQL cluster ready after %lld ms (port %d)\n",
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count()),
      cluster->port());
  EXPECT_EQ(PostgresCluster::Shared(), cluster);

  const Clock::time_point create_start = Clock::now();
  const std::string first = cluster->CreateDatabase();
  const std::string second = cluster->CreateDatabase();
  std::printf("[ harness  ] two CREATE DATABASE took %lld ms\n",
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - create_start)
                      .count()));
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(second.empty());
  EXPECT_NE(first, second);
  const std::string prefix = "postgresql://postgres@127.0.0.1:" + std::to_string(cluster->port()) +
                             "/wbtest_" + std::to_string(::getpid()) + "_";
  EXPECT_TRUE(first.starts_with(prefix)) << first;
  EXPECT_TRUE(second.starts_with(prefix)) << second;

  for (const std::string& url : {first, second}) {
    EXPECT_EQ(QueryOne(url, "SELECT 1"), "1") << url;
    EXPECT_EQ(QueryOne(url, "SELECT current_database()"), url.substr(url.rfind('/') + 1));
    EXPECT_EQ(QueryOne(url, "SHOW server_encoding"), "UTF8");
    EXPECT_EQ(QueryOne(url, "SHOW fsync"), "off");
  }
}

TEST(HarnessPostgresClusterTest, StoppedAndRemovedOnDestruction) {
  std::string error;
  std::unique_ptr<PostgresCluster> cluster = PostgresCluster::Start(&error);
  ASSERT_NE(cluster, nullptr) << error;
  const std::filesystem::path dir = cluster->dir();
  const int port = cluster->port();
  ASSERT_TRUE(std::filesystem::is_directory(dir / "data"));
  const std::string url = cluster->CreateDatabase();
  ASSERT_FALSE(url.empty());
  EXPECT_EQ(QueryOne(url, "SELECT 1"), "1");

  cluster.reset();
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_TRUE(QueryOne(url, "SELECT 1").starts_with("ERROR: connect")) << "port " << port;
}

}  // namespace
}  // namespace wangban::testing
