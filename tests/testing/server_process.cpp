// ServerProcess and RunWangban. Two threads per server: one drains the output pipe (a server
// that fills a 64 KiB pipe nobody reads would block in its logger), one waits for the exit;
// both report through `cv_`, so starting and stopping wait on events, never on sleeps.
#include "tests/testing/server_process.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string_view>

#include "tests/testing/subprocess.hpp"

namespace wangban::testing {

std::vector<std::string> WithTestPiiKey(std::vector<std::string> env) {
  for (const auto& e : env) {
    if (e.starts_with("WANGBAN_PII_KEY=")) return env;
  }
  env.push_back(std::string("WANGBAN_PII_KEY=") + kTestPiiKeyHex);
  return env;
}

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::seconds kStartupTimeout{30};
constexpr std::chrono::seconds kKillGrace{15};
// RunWangban has no timeout parameter; a hung CLI command should still fail on its own
// rather than when CTest kills the whole integration binary.
constexpr std::chrono::minutes kCommandTimeout{5};

const char* WangbanBinary() {
  const char* binary = std::getenv("WANGBAN_BINARY");
  return binary != nullptr && *binary != '\0' ? binary : nullptr;
}

constexpr std::string_view kNoBinary =
    "[harness] WANGBAN_BINARY is not set; CTest sets it to the built wangban binary\n";

// The port from the first complete log line after `*scanned` that is a JSON object with
// "event":"listening" and an integer "port"; 0 if there is none yet. Advances `*scanned` past
// complete lines so each line is parsed once.
int FindListeningPort(const std::string& output, size_t* scanned) {
  while (true) {
    const size_t line_end = output.find('\n', *scanned);
    if (line_end == std::string::npos) return 0;
    const std::string_view line(output.data() + *scanned, line_end - *scanned);
    *scanned = line_end + 1;
    const size_t object_start = line.find('{');
    if (line.find("\"listening\"") == std::string_view::npos ||
        object_start == std::string_view::npos) {
      continue;
    }
    const nlohmann::json entry =
        nlohmann::json::parse(line.substr(object_start), nullptr, /*allow_exceptions=*/false);
    if (!entry.is_object()) continue;
    // Checked by hand: json::value() throws when a field has an unexpected type.
    const auto event = entry.find("event");
    const auto port = entry.find("port");
    if (event == entry.end() || *event != "listening" || port == entry.end() ||
        !port->is_number_integer()) {
      continue;
    }
    const auto number = port->get<long long>();
    if (number > 0 && number <= 65535) return static_cast<int>(number);
  }
}

// The number in the port file, or 0 while it is absent or not a whole port number.
int ReadPortFile(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::string text(8, '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(file.gcount()));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  if (text.empty() || text.size() > 5 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return 0;
  }
  const int port = std::stoi(text);
  return port <= 65535 ? port : 0;
}

}  // namespace

ServerProcess::ServerProcess(ServerOptions options) {
  const std::filesystem::path port_file = data_dir_ / "port";
  db_url_ = options.db == "sqlite" ? "sqlite:" + (data_dir_ / "wangban.db").string() : options.db;
  const char* binary = WangbanBinary();
  if (binary == nullptr) {
    output_ = kNoBinary;
    return;
  }
  std::vector<std::string> env = WithTestPiiKey(std::move(options.env));
  if (std::none_of(env.begin(), env.end(), [](const std::string& e) { return e.starts_with("WANGBAN_AUDIT_KEY_FILE="); })) {
    const std::filesystem::path key = data_dir_ / "audit-test-key.pem";
    std::ofstream(key) << kTestAuditKeyPem;
    std::filesystem::permissions(key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    env.push_back("WANGBAN_AUDIT_KEY_FILE=" + key.string());
  }
  SpawnOptions spawn{
      .argv = {binary, "serve", "--host", "127.0.0.1", "--port", "0", "--port-file",
               port_file.string(), "--db", db_url_, "--data", data_dir_.path().string()},
      .env = std::move(env)};
  spawn.argv.insert(spawn.argv.end(), options.extra_args.begin(), options.extra_args.end());
  std::expected<ChildProcess, std::string> child = SpawnChild(spawn);
  if (!child) {
    output_ = "[harness] " + child.error() + "\n";
    return;
  }
  pid_ = child->pid;
  drain_thread_ = std::thread(&ServerProcess::Drain, this, child->output_fd);
  wait_thread_ = std::thread(&ServerProcess::AwaitExit, this);

  // The log line is the primary signal. The port file is looked at on the same wake-ups (each
  // burst of output), which covers a server that logs in another format.
  const Clock::time_point deadline = Clock::now() + kStartupTimeout;
  std::unique_lock lock(mutex_);
  size_t scanned = 0;
  int port = 0;
  bool timed_out = false;
  while (true) {
    port = FindListeningPort(output_, &scanned);
    if (port == 0) port = ReadPortFile(port_file);
    if (port > 0 || exited_ || timed_out) break;
    timed_out = cv_.wait_until(lock, deadline) == std::cv_status::timeout;
  }
  if (exited_) {
    // Let the drain thread collect the last words; the waiter has killed anything left in the
    // process group, so EOF follows promptly.
    cv_.wait_until(lock, deadline, [this] { return eof_; });
    output_ += "[harness] " + DescribeCommand(spawn.argv) + " exited with status " +
               std::to_string(exit_status_) + " before it was ready\n";
  } else if (port == 0) {
    output_ += "[harness] no \"event\":\"listening\" log line and no port file after " +
               std::to_string(kStartupTimeout.count()) + " s from " + DescribeCommand(spawn.argv) +
               "\n";
  } else {
    port_ = port;
  }
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    bool stopped_here;
    {
      std::lock_guard lock(mutex_);
      stopped_here = !exited_;
    }
    const int status = Stop(kKillGrace);
    if (status < 0) {
      std::unique_lock lock(mutex_);
      if (!exited_) ::kill(-pid_, SIGKILL);
      cv_.wait(lock, [this] { return exited_; });
    } else if (stopped_here && status != 0) {
      // Not a test failure (a test may have made the server misbehave on purpose), but a
      // crash or sanitizer report at shutdown must not vanish silently.
      const std::string text = output();
      const size_t tail = text.size() > 4096 ? text.size() - 4096 : 0;
      std::fprintf(stderr, "[harness] wangban (pid %d) exited with status %d on SIGTERM:\n%s\n",
                   static_cast<int>(pid_), status, text.c_str() + tail);
    }
  }
  if (wait_thread_.joinable()) wait_thread_.join();
  if (drain_thread_.joinable()) drain_thread_.join();
}

int ServerProcess::Stop(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (pid_ <= 0) return -1;
  // Safe against pid reuse: until AwaitExit reaps it (under this mutex, setting exited_), the
  // pid still belongs to our child, if only as a zombie.
  if (!exited_) ::kill(pid_, SIGTERM);
  // EOF too, so that output() is complete when Stop() returns.
  cv_.wait_until(lock, Clock::now() + timeout, [this] { return exited_ && eof_; });
  return exited_ ? exit_status_ : -1;
}

std::string ServerProcess::output() const {
  std::lock_guard lock(mutex_);
  return output_;
}

void ServerProcess::Drain(int fd) {
  char buffer[16384];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    std::lock_guard lock(mutex_);
    output_.append(buffer, static_cast<size_t>(n));
    cv_.notify_all();
  }
  ::close(fd);
  std::lock_guard lock(mutex_);
  eof_ = true;
  cv_.notify_all();
}

void ServerProcess::AwaitExit() {
  // WNOWAIT leaves the exited process a zombie, so its pid, which is also its process group
  // id, cannot be reused while we still signal it.
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
  }
  // Children it left behind would keep the output pipe open and Drain() waiting.
  ::kill(-pid_, SIGKILL);
  std::lock_guard lock(mutex_);
  exit_status_ = WaitForExit(pid_);
  exited_ = true;
  cv_.notify_all();
}

CommandResult RunWangban(const std::vector<std::string>& args, const std::string& stdin_text,
                         const std::vector<std::string>& env) {
  const char* binary = WangbanBinary();
  if (binary == nullptr) return CommandResult{.exit_status = -1, .output = std::string(kNoBinary)};
  SpawnOptions spawn{.argv = {binary}, .env = WithTestPiiKey(env)};
  spawn.argv.insert(spawn.argv.end(), args.begin(), args.end());
  RunResult result = RunChild(spawn, stdin_text, kCommandTimeout);
  return CommandResult{.exit_status = result.exit_status, .output = std::move(result.output)};
}

}  // namespace wangban::testing
