// posix_spawn rather than fork: the test binary runs threads (servers, drain threads), and
// between fork and exec only async-signal-safe calls are allowed; glibc's posix_spawn does that
// dance correctly and reports exec failures as a return value.
#include "tests/testing/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

extern char** environ;

namespace wangban::testing {
namespace {

using Clock = std::chrono::steady_clock;

int RemainingMs(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, INT_MAX));
}

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// This process's environment with `overrides` ("NAME=value") replacing same-named entries.
std::vector<std::string> MergedEnvironment(const std::vector<std::string>& overrides) {
  auto name_of = [](std::string_view entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> merged;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view name = name_of(*entry);
    const bool overridden = std::any_of(overrides.begin(), overrides.end(),
                                        [&](const std::string& o) { return name_of(o) == name; });
    if (!overridden) merged.emplace_back(*entry);
  }
  merged.insert(merged.end(), overrides.begin(), overrides.end());
  return merged;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

// Writing to a pipe whose reader has exited raises SIGPIPE, which would kill the test binary.
// Blocking it in this thread turns that into EPIPE; a SIGPIPE our writes left pending is
// consumed before the old mask returns, so nothing is delivered late.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigemptyset(&pipe_set_);
    sigaddset(&pipe_set_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set_, &old_mask_);
    was_pending_ = IsPending();
  }
  ~ScopedSigpipeBlock() {
    if (!was_pending_ && IsPending()) {
      const timespec no_wait{};
      while (sigtimedwait(&pipe_set_, nullptr, &no_wait) < 0 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;

 private:
  static bool IsPending() {
    sigset_t pending;
    sigpending(&pending);
    return sigismember(&pending, SIGPIPE) == 1;
  }

  sigset_t pipe_set_;
  sigset_t old_mask_;
  bool was_pending_ = false;
};

// Waits up to the deadline for `pid` to exit without reaping it; true if it exited. Uses a
// pidfd so there is no sleep loop; without pidfd support (old kernels) it just blocks.
bool WaitForExitUntil(pid_t pid, Clock::time_point deadline) {
  // The raw syscall: glibc 2.36's <sys/pidfd.h> declares pidfd_open without extern "C".
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) return true;  // the caller's blocking waitpid() does the waiting
  pollfd p{pidfd, POLLIN, 0};
  int ready;
  while ((ready = ::poll(&p, 1, RemainingMs(deadline))) < 0 && errno == EINTR) {
  }
  ::close(pidfd);
  return ready > 0;
}

}  // namespace

std::expected<ChildProcess, std::string> SpawnChild(const SpawnOptions& options) {
  if (options.argv.empty()) return std::unexpected(std::string("no program given"));
  std::vector<std::string> args = options.argv;
  std::vector<std::string> env = MergedEnvironment(options.env);
  std::vector<char*> argv = CStrings(args);
  std::vector<char*> envp = CStrings(env);

  // O_CLOEXEC from creation: another thread spawning at the same time must not inherit our
  // ends, or EOF on the output pipe would wait for that unrelated process.
  int output_pipe[2] = {-1, -1};
  int input_pipe[2] = {-1, -1};
  if (::pipe2(output_pipe, O_CLOEXEC) != 0) {
    return std::unexpected(std::string("pipe2: ") + std::strerror(errno));
  }
  if (options.pipe_stdin && ::pipe2(input_pipe, O_CLOEXEC) != 0) {
    const int saved = errno;
    CloseFd(output_pipe[0]);
    CloseFd(output_pipe[1]);
    return std::unexpected(std::string("pipe2: ") + std::strerror(saved));
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (options.pipe_stdin) {
    posix_spawn_file_actions_adddup2(&actions, input_pipe[0], STDIN_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&actions, output_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, output_pipe[1], STDERR_FILENO);
  if (!options.cwd.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());
  }

  // The child gets its own process group so that stopping it also reaches what it started
  // (a shell script's children, pg_ctl's postmaster), and a clean signal state: a test binary
  // may block or ignore signals (we block SIGPIPE while writing) and exec keeps both.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t empty_mask;
  sigemptyset(&empty_mask);
  posix_spawnattr_setsigmask(&attr, &empty_mask);
  sigset_t default_signals;
  sigemptyset(&default_signals);
  for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD}) {
    sigaddset(&default_signals, sig);
  }
  posix_spawnattr_setsigdefault(&attr, &default_signals);

  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  // The child's ends now live only in the child; closing ours lets EOF arrive when it exits.
  CloseFd(output_pipe[1]);
  CloseFd(input_pipe[0]);
  if (rc != 0) {
    CloseFd(output_pipe[0]);
    CloseFd(input_pipe[1]);
    return std::unexpected("cannot start " + DescribeCommand(options.argv) + ": " +
                           std::strerror(rc));
  }
  return ChildProcess{.pid = pid, .stdin_fd = input_pipe[1], .output_fd = output_pipe[0]};
}

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

int WaitForExit(pid_t pid) {
  int status = 0;
  pid_t reaped;
  while ((reaped = ::waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  return reaped == pid ? DecodeWaitStatus(status) : -1;
}

RunResult RunChild(const SpawnOptions& options, std::string_view stdin_text,
                   std::chrono::milliseconds timeout) {
  RunResult result;
  const Clock::time_point deadline = Clock::now() + timeout;
  SpawnOptions spawn_options = options;
  spawn_options.pipe_stdin = true;
  std::expected<ChildProcess, std::string> child = SpawnChild(spawn_options);
  if (!child) {
    result.output = "[harness] " + child.error() + "\n";
    return result;
  }

  ScopedSigpipeBlock sigpipe_block;
  int input_fd = child->stdin_fd;
  int output_fd = child->output_fd;
  if (stdin_text.empty()) {
    CloseFd(input_fd);
  } else {
    ::fcntl(input_fd, F_SETFL, ::fcntl(input_fd, F_GETFL) | O_NONBLOCK);
  }

  // Until the child closes its output: feed stdin as far as it reads, collect output.
  while (output_fd >= 0) {
    if (Clock::now() >= deadline) {
      result.timed_out = true;
      break;
    }
    pollfd fds[2] = {{output_fd, POLLIN, 0}, {input_fd, POLLOUT, 0}};
    const nfds_t count = input_fd >= 0 ? 2 : 1;
    const int ready = ::poll(fds, count, RemainingMs(deadline));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    if (fds[0].revents != 0) {
      char buffer[16384];
      const ssize_t n = ::read(output_fd, buffer, sizeof buffer);
      if (n > 0) {
        result.output.append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        CloseFd(output_fd);
      }
    }
    if (count == 2 && fds[1].revents != 0) {
      const ssize_t n = ::write(input_fd, stdin_text.data(), stdin_text.size());
      if (n > 0) {
        stdin_text.remove_prefix(static_cast<size_t>(n));
        if (stdin_text.empty()) CloseFd(input_fd);
      } else if (errno != EINTR && errno != EAGAIN) {
        CloseFd(input_fd);  // EPIPE: the child stopped reading; that is its business
      }
    }
  }
  CloseFd(input_fd);
  CloseFd(output_fd);
  if (!result.timed_out && !WaitForExitUntil(child->pid, deadline)) result.timed_out = true;
  // The leader is not reaped yet, so its pid (the group id) cannot have been reused.
  if (result.timed_out) ::kill(-child->pid, SIGKILL);
  result.exit_status = WaitForExit(child->pid);
  if (result.timed_out) {
    result.output += "[harness] killed " + DescribeCommand(options.argv) + " after " +
                     std::to_string(timeout.count()) + " ms\n";
  }
  return result;
}

std::string DescribeCommand(const std::vector<std::string>& argv) {
  std::string text;
  for (const std::string& arg : argv) {
    if (!text.empty()) text += ' ';
    const bool plain = !arg.empty() && arg.find_first_of(" \t\n'\"\\$") == std::string::npos;
    text += plain ? arg : "'" + arg + "'";
  }
  return text;
}

}  // namespace wangban::testing
