// Child processes for the test harness: posix_spawn into a fresh process group with stdout and
// stderr merged on one pipe, so a test sees everything a process printed in order and can signal
// the process together with anything it started.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace wangban::testing {

struct SpawnOptions {
  // argv[0] is the program; searched in $PATH when it has no '/'.
  std::vector<std::string> argv;
  // "NAME=value" entries added to, or replacing those in, this process's environment.
  std::vector<std::string> env;
  // Working directory of the child; empty to inherit ours.
  std::filesystem::path cwd;
  // When false the child's stdin is /dev/null.
  bool pipe_stdin = false;
};

struct ChildProcess {
  pid_t pid = -1;
  int stdin_fd = -1;   // write end of the child's stdin, or -1 (O_CLOEXEC)
  int output_fd = -1;  // read end of the child's merged stdout and stderr (O_CLOEXEC)
};

// Starts a process as the leader of a new process group (so kill(-pid, ...) reaches its
// children too), with signal mask and dispositions reset. The caller owns both fds and must
// reap the pid. Fails with a readable message if the program cannot be started.
std::expected<ChildProcess, std::string> SpawnChild(const SpawnOptions& options);

// Decodes a waitpid() status: the exit code, or 128+signal if a signal ended the process.
int DecodeWaitStatus(int status);

// Blocks until `pid` exits, reaps it and returns DecodeWaitStatus(); -1 if it is not our child.
int WaitForExit(pid_t pid);

struct RunResult {
  int exit_status = -1;  // -1 if it could not be started
  std::string output;    // stdout and stderr, plus "[harness] ..." notes on failure
  bool timed_out = false;
};

// Runs a program to completion: writes `stdin_text` to its stdin, then closes it, while
// collecting output (both at once, so neither side can block the other on a full pipe). After
// `timeout` the whole process group is killed with SIGKILL and `timed_out` is set.
RunResult RunChild(const SpawnOptions& options, std::string_view stdin_text,
                   std::chrono::milliseconds timeout);

// "prog 'arg with space' ..." for error messages.
std::string DescribeCommand(const std::vector<std::string>& argv);

}  // namespace wangban::testing
