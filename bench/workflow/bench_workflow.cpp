// Instances per second of our workflow engine on bench/workflow/fork_join_xor.bpmn (a parallel
// fork/join and an exclusive gateway; four service tasks run per instance): in memory (the pure
// runtime, no storage) and durable (Engine::Start, one transaction per instance) on SQLite with
// synchronous=FULL and WAL, and on PostgreSQL when WANGBAN_BENCH_PG_URL names a database.
// bench/workflow/run.sh runs it next to the npm package bpmn-engine; see README.md.
//
// Output: a human-readable line per measurement on stderr, and on stdout, for run.sh, one
// tab-separated row per measurement and notes about the machine:
//   ROW  engine  mode  n  seconds  instances_per_second  cpu_microseconds_per_instance
//   NOTE  text
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "wangban/common/calendar.hpp"
#include "wangban/common/clock.hpp"
#include "wangban/common/error.hpp"
#include "wangban/storage/database.hpp"
#include "wangban/storage/migrations.hpp"
#include "wangban/workflow/bpmn_parser.hpp"
#include "wangban/workflow/definition.hpp"
#include "wangban/workflow/engine.hpp"
#include "wangban/workflow/runtime.hpp"
#include "wangban/workflow/validator.hpp"
#include "wangban/workflow/value.hpp"

#ifndef WANGBAN_SOURCE_DIR
#define WANGBAN_SOURCE_DIR "."
#endif

namespace {

namespace fs = std::filesystem;
using wangban::Result;
using wangban::workflow::Value;

constexpr std::string_view kProcessKey = "fork_join_xor";
constexpr std::string_view kHandler = "bench.step";
constexpr int kMemoryRuns = 5;

struct Options {
  long n = 10'000;
  long warmup = 200;  // instances run before each measurement, not counted
  std::string bpmn_path = std::string(WANGBAN_SOURCE_DIR) + "/bench/workflow/fork_join_xor.bpmn";
  std::string db_dir;  // empty: a fresh directory under $TMPDIR (or /tmp), removed at the end
  std::vector<std::string> modes = {"memory:1", "memory:2", "sqlite:1", "sqlite:2", "pg:1", "pg:2"};
  bool keep = false;
};

[[noreturn]] void Die(const std::string& message) {
  std::cerr << "bench_workflow: " << message << "\n";
  std::exit(1);
}

template <typename T>
T Must(Result<T> r, std::string_view what) {
  if (!r) Die(std::string(what) + ": " + r.error().message + " (" + std::string(r.error().StableCode()) + ")");
  return std::move(*r);
}

void Must(Result<void> r, std::string_view what) {
  if (!r) Die(std::string(what) + ": " + r.error().message + " (" + std::string(r.error().StableCode()) + ")");
}

long ParseCount(std::string_view text, std::string_view flag) {
  long v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || p != text.data() + text.size() || v < 0) Die("bad value for " + std::string(flag));
  return v;
}

std::vector<std::string> SplitCommas(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const auto comma = s.find(',');
    if (comma != 0) out.emplace_back(s.substr(0, comma));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) Die("missing value after " + std::string(arg));
      return argv[++i];
    };
    if (arg == "--n") {
      o.n = ParseCount(value(), arg);
    } else if (arg == "--warmup") {
      o.warmup = ParseCount(value(), arg);
    } else if (arg == "--bpmn") {
      o.bpmn_path = value();
    } else if (arg == "--db-dir") {
      o.db_dir = value();
    } else if (arg == "--modes") {
      o.modes = SplitCommas(value());
    } else if (arg == "--keep") {
      o.keep = true;
    } else if (arg == "--help" || arg == "-h") {
      std::cout << "usage: wangban_bench_workflow [--n N] [--warmup N] [--bpmn FILE] [--db-dir DIR] [--keep]\n"
                   "                              [--modes MODE,...]\n"
                   "modes (default memory:1,memory:2,sqlite:1,sqlite:2,pg:1,pg:2), run in the order given:\n"
                   "  memory:T         StartInstance on the parsed definition, no storage, T threads (median of 5 runs "
                   "of N)\n"
                   "  sqlite:T         Engine::Start, one transaction each, SQLite synchronous=FULL, WAL, T threads\n"
                   "  sqlite-normal:T  the same with synchronous=NORMAL (no fsync at commit; a diagnostic)\n"
                   "  sqlite-nogroup:T the same with group commit off (each transaction syncs alone; a diagnostic)\n"
                   "  sqlite-batch:B   B instances per transaction (Engine::Start(tx, ...)), 1 thread\n"
                   "  pg:T, pg-batch:B the same on PostgreSQL at $WANGBAN_BENCH_PG_URL (skipped if unset)\n"
                   "Each SQLite measurement uses a fresh file in --db-dir (default: a new directory under\n"
                   "$TMPDIR or /tmp, removed at the end unless --keep).\n";
      std::exit(0);
    } else {
      Die("unknown argument " + std::string(arg) + " (try --help)");
    }
  }
  if (o.n == 0) Die("--n must be positive");
  return o;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Half the instances take each branch of the exclusive gateway.
double AmountOf(long i) { return i % 2 == 0 ? 50.0 : 150.0; }
std::string_view ExpectedResult(long i) { return i % 2 == 0 ? "small" : "large"; }

Value::Object VariablesOf(long i) {
  return Value::Object{{"form", Value(Value::Object{{"amount", Value(AmountOf(i))}})}};
}

// Wall-clock seconds and the CPU seconds this process used (all threads, user + system).
struct Timing {
  double wall = 0;
  double cpu = 0;
};

double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

class Stopwatch {
 public:
  Timing Elapsed() const {
    return {std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0_).count(),
            ProcessCpuSeconds() - cpu0_};
  }

 private:
  std::chrono::steady_clock::time_point wall0_ = std::chrono::steady_clock::now();
  double cpu0_ = ProcessCpuSeconds();
};

// Runs body(i) for i in [0, n) on `threads` threads (contiguous slices); the wall clock runs
// from the first start to the last finish.
Timing RunTimed(int threads, long n, long offset, const std::function<void(long)>& body) {
  const Stopwatch watch;
  if (threads <= 1) {
    for (long i = 0; i < n; ++i) body(offset + i);
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      const long begin = n * t / threads;
      const long end = n * (t + 1) / threads;
      pool.emplace_back([&body, begin, end, offset] {
        for (long i = begin; i < end; ++i) body(offset + i);
      });
    }
    for (auto& th : pool) th.join();
  }
  return watch.Elapsed();
}

// The last field of a row is this process's CPU time per instance in microseconds (for the
// durable modes: without the PostgreSQL server's).
void Report(std::string_view mode, long n, Timing t) {
  const double rate = static_cast<double>(n) / t.wall;
  const double cpu_us = t.cpu * 1e6 / static_cast<double>(n);
  std::fprintf(stderr, "wangban  %-34s N=%ld  %.3f s  %.0f instances/s  %.1f us CPU each\n", std::string(mode).c_str(),
               n, t.wall, rate, cpu_us);
  std::printf("ROW\twangban\t%s\t%ld\t%.6f\t%.1f\t%.2f\n", std::string(mode).c_str(), n, t.wall, rate, cpu_us);
  std::fflush(stdout);
}

// The first failure seen by any thread; the run is reported as failed if set.
class FirstError {
 public:
  void Set(std::string message) {
    std::lock_guard lock(mutex_);
    if (!message_) message_ = std::move(message);
    failed_.store(true, std::memory_order_relaxed);
  }
  bool failed() const { return failed_.load(std::memory_order_relaxed); }
  void DieIfSet(std::string_view what) {
    std::lock_guard lock(mutex_);
    if (message_) Die(std::string(what) + ": " + *message_);
  }

 private:
  std::mutex mutex_;
  std::optional<std::string> message_;
  std::atomic<bool> failed_{false};
};

// --- in memory --------------------------------------------------------------------------------

void BenchMemory(const Options& o, const wangban::workflow::HandlerRegistry& handlers, const std::string& bpmn,
                 int threads) {
  using namespace wangban::workflow;
  // Parse and validate once, as Engine does on deployment (and caches per version).
  BpmnCheck check = CheckBpmn(bpmn, handlers);
  if (!check.ok()) {
    std::ostringstream ss;
    for (const auto& p : check.problems) ss << "\n  " << p;
    Die("the benchmark process is not valid:" + ss.str());
  }
  const ProcessDefinition definition = std::move(*check.definition);
  FirstError error;
  auto run_one = [&](long i) {
    if (error.failed()) return;
    const std::string instance_id = std::to_string(i);
    InstanceState state;
    Effects effects;
    RunContext run{handlers, instance_id, instance_id};
    if (auto r = StartInstance(definition, state, effects, run, VariablesOf(i)); !r) {
      error.Set(r.error().message);
      return;
    }
    if (!state.completed || state.result.value_or("") != ExpectedResult(i) || effects.service_calls.size() != 4) {
      error.Set("instance " + instance_id + " did not end as expected (result " + state.result.value_or("none") + ", " +
                std::to_string(effects.service_calls.size()) + " service calls)");
    }
  };
  RunTimed(threads, o.warmup, 0, run_one);
  error.DieIfSet("in-memory warm-up");
  // A run of N takes milliseconds, so one preemption on a shared machine moves it a lot: the
  // figure is the median of kMemoryRuns runs of N instances each.
  std::vector<Timing> runs;
  for (int r = 0; r < kMemoryRuns; ++r) {
    runs.push_back(RunTimed(threads, o.n, o.warmup + static_cast<long>(r) * o.n, run_one));
    error.DieIfSet("in-memory run");
  }
  std::sort(runs.begin(), runs.end(), [](const Timing& a, const Timing& b) { return a.wall < b.wall; });
  Report("memory, " + std::to_string(threads) + (threads == 1 ? " thread" : " threads") + ", median of " +
             std::to_string(kMemoryRuns) + " runs",
         o.n, runs[runs.size() / 2]);
}

// --- durable ----------------------------------------------------------------------------------

std::string FileSystemType(const fs::path& dir) {
  struct statfs s {};
  if (statfs(dir.c_str(), &s) != 0) return "unknown";
  switch (static_cast<unsigned long>(s.f_type)) {
    case 0xEF53UL:
      return "ext4";
    case 0x01021994UL:
      return "tmpfs";
    case 0x794C7630UL:
      return "overlayfs";
    case 0x58465342UL:
      return "xfs";
    case 0x9123683EUL:
      return "btrfs";
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "fs 0x%lx", static_cast<unsigned long>(s.f_type));
      return buf;
    }
  }
}

// What one caller's durable commit costs the disk at least: the median of 200 rewrites of a
// 4 KiB block (one after another through a 1 MiB file, like a WAL being reused) each followed by
// fdatasync. SQLite with synchronous=FULL and WAL syncs the WAL once per commit (a group commit
// syncs once for all the transactions it holds).
void ProbeFsync(const fs::path& dir, std::string_view before) {
  const fs::path file = dir / "fsync-probe.bin";
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return;
  std::vector<char> block(4096, 'x');
  constexpr int kBlocks = 256;
  for (int b = 0; b < kBlocks; ++b) {
    if (::pwrite(fd, block.data(), block.size(), static_cast<off_t>(b) * 4096) < 0) break;
  }
  ::fsync(fd);
  std::vector<double> micros;
  for (int i = 0; i < 200; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    if (::pwrite(fd, block.data(), block.size(), static_cast<off_t>(i % kBlocks) * 4096) < 0) break;
    if (::fdatasync(fd) != 0) break;
    micros.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  ::close(fd);
  std::error_code ec;
  fs::remove(file, ec);
  if (micros.empty()) return;
  std::sort(micros.begin(), micros.end());
  const double median = micros[micros.size() / 2];
  const double p90 = micros[micros.size() * 9 / 10];
  std::fprintf(
      stderr, "         (fsync probe: 4 KiB write + fdatasync, median %.0f us, p90 %.0f us: at most ~%.0f commits/s)\n",
      median, p90, 1e6 / median);
  std::printf("NOTE\tfsync probe (%s, %s) before \"%s\": 4 KiB write + fdatasync, median %.0f us, p90 %.0f us\n",
              dir.c_str(), FileSystemType(dir).c_str(), std::string(before).c_str(), median, p90);
  std::fflush(stdout);
}

// One durable measurement: `threads` threads each calling Engine::Start in a transaction of its
// own, or (batch > 1) one thread starting `batch` instances per transaction.
struct DurableRun {
  std::string url;
  std::string label;  // "SQLite FULL+WAL"
  std::string tag;    // business-key prefix part: "sqlite"
  int threads = 1;
  int batch = 1;
  wangban::storage::DatabaseOptions options;
};

void BenchDurable(const Options& o, const wangban::workflow::HandlerRegistry& handlers,
                  const wangban::WorkingCalendar& calendar, const std::string& bpmn, DurableRun spec) {
  using namespace wangban;
  spec.options.pool_size = std::max(spec.options.pool_size, spec.threads + 1);
  std::string mode = spec.label + ", ";
  if (spec.batch > 1) {
    mode += std::to_string(spec.batch) + " per transaction";
  } else {
    mode += std::to_string(spec.threads) + (spec.threads == 1 ? " thread" : " threads");
  }
  // The disk's flush latency bounds every synced commit, and on a shared machine it changes
  // with what else writes: probe it before each SQLite measurement.
  if (spec.url.starts_with("sqlite:")) ProbeFsync(fs::path(spec.url.substr(7)).parent_path(), mode);
  auto db = Must(storage::OpenDatabase(spec.url, spec.options), "open " + spec.label);
  Must(storage::Migrate(*db), "migrate");
  if (db->backend() == storage::Backend::kSqlite) {
    auto pragmas =
        Must(db->TransactValue<std::string>(
                 storage::kReadOnly,
                 [](storage::Tx& tx) -> Result<std::string> {
                   auto sync = tx.QueryOne("PRAGMA synchronous");
                   if (!sync) return std::unexpected(sync.error());
                   auto journal = tx.QueryOne("PRAGMA journal_mode");
                   if (!journal) return std::unexpected(journal.error());
                   const std::int64_t v = *sync ? (*sync)->Int(0) : -1;
                   const std::string name = v == 1 ? "NORMAL" : v == 2 ? "FULL" : v == 3 ? "EXTRA" : std::to_string(v);
                   return "synchronous=" + name + " journal_mode=" + (*journal ? (*journal)->Text(0) : "?");
                 }),
             "read pragmas");
    std::cerr << "         (" << spec.label << ": " << pragmas << ")\n";
    const bool full = pragmas.find("synchronous=FULL") != std::string::npos;
    if (full != spec.options.sqlite_synchronous_full) Die("unexpected SQLite settings: " + pragmas);
  } else {
    auto sync =
        Must(db->TransactValue<std::string>(storage::kReadOnly,
                                            [](storage::Tx& tx) -> Result<std::string> {
                                              auto a = tx.QueryOne("SHOW synchronous_commit");
                                              if (!a) return std::unexpected(a.error());
                                              auto b = tx.QueryOne("SHOW fsync");
                                              if (!b) return std::unexpected(b.error());
                                              return "synchronous_commit=" + (*a)->Text(0) + " fsync=" + (*b)->Text(0);
                                            }),
             "read settings");
    std::cerr << "         (" << spec.label << ": " << sync << ")\n";
  }
  workflow::Engine engine(*db, SystemClock::Instance(), calendar, handlers);
  const auto deployment = Must(engine.Deploy(bpmn, "bench"), "deploy");
  if (deployment.key != kProcessKey) Die("the benchmark process key is " + deployment.key);

  // Each measurement adds its instances under its own business-key prefix, so that a reused
  // PostgreSQL database can be checked measurement by measurement.
  const std::string prefix = "bench-" + spec.tag + "-" + std::to_string(spec.threads) + "t" +
                             std::to_string(spec.batch) + "b-" +
                             std::to_string(ToMicros(SystemClock::Instance().Now())) + "-";
  FirstError error;
  auto check = [&](long i, const workflow::Transition& t) {
    if (!t.completed || t.result.value_or("") != ExpectedResult(i) || t.service_calls.size() != 4) {
      error.Set("instance " + t.instance_id + " did not end as expected");
    }
  };
  auto start_one = [&](long i) {
    if (error.failed()) return;
    auto t = engine.Start(kProcessKey, prefix + std::to_string(i), VariablesOf(i));
    if (!t) {
      error.Set(t.error().message + " (" + std::string(t.error().StableCode()) + ")");
      return;
    }
    check(i, *t);
  };
  // Batched: `batch` consecutive instances in one transaction (run on the batch's first index).
  auto start_batch = [&](long first, long count) {
    if (error.failed()) return;
    auto r = db->Transact(storage::kReadWrite, [&](storage::Tx& tx) -> Result<void> {
      for (long i = first; i < first + count; ++i) {
        auto t = engine.Start(tx, kProcessKey, prefix + std::to_string(i), VariablesOf(i));
        if (!t) return std::unexpected(t.error());
        check(i, *t);
      }
      return {};
    });
    if (!r) error.Set(r.error().message + " (" + std::string(r.error().StableCode()) + ")");
  };
  auto run = [&](long n, long offset) {
    if (spec.batch <= 1) return RunTimed(spec.threads, n, offset, start_one);
    const Stopwatch watch;
    for (long i = 0; i < n; i += spec.batch) start_batch(offset + i, std::min<long>(spec.batch, n - i));
    return watch.Elapsed();
  };
  run(o.warmup, 0);
  error.DieIfSet(spec.label + " warm-up");
  const Timing timing = run(o.n, o.warmup);
  error.DieIfSet(spec.label + " run");

  // Every instance is in the database, completed, with the result its amount calls for.
  const auto counts = Must(db->TransactValue<std::pair<std::int64_t, std::int64_t>>(
                               storage::kReadOnly,
                               [&](storage::Tx& tx) -> Result<std::pair<std::int64_t, std::int64_t>> {
                                 auto row = tx.QueryOne(
                                     "SELECT COUNT(*), SUM(CASE WHEN result = 'large' THEN 1 ELSE 0 END)"
                                     " FROM process_instances WHERE business_key LIKE :p AND state = 'completed'",
                                     {{"p", prefix + "%"}});
                                 if (!row) return std::unexpected(row.error());
                                 return std::pair{(*row)->Int(0), (*row)->Int(1)};
                               }),
                           "count instances");
  const long total = o.warmup + o.n;
  const long large = total / 2;  // odd indexes (see AmountOf)
  if (counts.first != total || counts.second != large) {
    Die(spec.label + ": expected " + std::to_string(total) + " completed instances (" + std::to_string(large) +
        " large), found " + std::to_string(counts.first) + " (" + std::to_string(counts.second) + " large)");
  }
  Report(mode, o.n, timing);
}

// A mode as given to --modes: KIND or KIND:N.
struct Mode {
  std::string kind;
  int n = 1;
};

Mode ParseMode(std::string_view text) {
  Mode m;
  const auto colon = text.find(':');
  m.kind = std::string(text.substr(0, colon));
  if (colon != std::string_view::npos) m.n = static_cast<int>(ParseCount(text.substr(colon + 1), "--modes"));
  static constexpr std::string_view kKinds[] = {"memory",       "sqlite", "sqlite-normal", "sqlite-nogroup",
                                                "sqlite-batch", "pg",     "pg-batch"};
  if (std::find(std::begin(kKinds), std::end(kKinds), m.kind) == std::end(kKinds) || m.n < 1) {
    Die("unknown mode " + std::string(text) + " (try --help)");
  }
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace wangban;
  const Options o = ParseArgs(argc, argv);
  const std::string bpmn = ReadFile(o.bpmn_path);

  workflow::HandlerRegistry handlers;
  // The trivial service: it reads nothing and returns null (no wb:resultVariable).
  handlers.Register(std::string(kHandler),
                    [](const workflow::ServiceCall&) -> Result<workflow::Value> { return workflow::Value(); });

  std::vector<Mode> modes;
  for (const std::string& text : o.modes) modes.push_back(ParseMode(text));
  std::cerr << "bench_workflow: " << o.bpmn_path << ", N=" << o.n << " (after " << o.warmup
            << " warm-up instances per measurement)\n";
  WorkingCalendar calendar;
  Must(LoadOfficialYears(calendar), "load the holiday calendar");
  fs::path dir;  // SQLite files, made on first use
  bool made_dir = false;
  std::vector<fs::path> files;
  int db_count = 0;
  const char* pg_url = std::getenv("WANGBAN_BENCH_PG_URL");
  bool pg_skip_noted = false;
  for (const Mode& m : modes) {
    if (m.kind == "memory") {
      BenchMemory(o, handlers, bpmn, m.n);
      continue;
    }
    DurableRun spec;
    if (m.kind.starts_with("sqlite")) {
      if (dir.empty()) {
        if (o.db_dir.empty()) {
          const char* tmp = std::getenv("TMPDIR");
          std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/wangban-bench-workflow.XXXXXX";
          if (mkdtemp(pattern.data()) == nullptr) Die("cannot create a temporary directory");
          dir = pattern;
          made_dir = true;
        } else {
          dir = o.db_dir;
          fs::create_directories(dir);
        }
        std::cerr << "         (SQLite files in " << dir.string() << ", " << FileSystemType(dir) << ")\n";
      }
      // A fresh database file per measurement.
      const fs::path file = dir / ("bench-" + std::to_string(++db_count) + ".db");
      files.push_back(file);
      spec.url = "sqlite:" + file.string();
      spec.tag = "sqlite";
      spec.label = "SQLite FULL+WAL";
      if (m.kind == "sqlite-nogroup") {
        // Diagnostic: every write transaction commits (and syncs) on its own.
        spec.options.sqlite_group_commit = false;
        spec.label = "SQLite FULL+WAL, no group commit";
      } else if (m.kind == "sqlite-normal") {
        // Diagnostic only: no fsync at commit, so not durable across a power loss.
        spec.options.sqlite_synchronous_full = false;
        spec.label = "SQLite NORMAL+WAL (no fsync)";
      }
    } else {
      if (pg_url == nullptr || *pg_url == '\0') {
        if (!pg_skip_noted) std::cerr << "         (PostgreSQL skipped: WANGBAN_BENCH_PG_URL is not set)\n";
        pg_skip_noted = true;
        continue;
      }
      spec.url = pg_url;
      spec.tag = "pg";
      spec.label = "PostgreSQL";
    }
    if (m.kind.ends_with("-batch")) {
      spec.batch = m.n;
    } else {
      spec.threads = m.n;
    }
    BenchDurable(o, handlers, calendar, bpmn, std::move(spec));
  }
  if (!o.keep) {
    std::error_code ec;
    if (made_dir) {
      fs::remove_all(dir, ec);
    } else {
      for (const auto& f : files) {
        for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(f.string() + suffix, ec);
      }
    }
  }
  return 0;
}
