// Running jobs: handlers registered by kind, and a Worker that claims due jobs from the table,
// runs them and records the outcome. Any number of workers, in one process or on many nodes,
// may share one database; a claimed job is leased to one worker at a time.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "wangban/common/clock.hpp"
#include "wangban/common/error.hpp"
#include "wangban/storage/database.hpp"

namespace wangban::jobs {

// What a handler learns about the job it runs.
struct JobContext {
  std::string id;
  std::string kind;
  std::string payload;      // the JSON text given to Schedule
  int attempt = 1;          // 1 on the first run; max_attempts on the last
  int max_attempts = 1;
  Timestamp scheduled_for;  // the run_at that made the job due
};

// Runs one job. An error (or an exception) fails the attempt: the job is retried with backoff,
// or goes dead after its last attempt. Handlers run outside any transaction, open their own,
// and must be idempotent (see jobs.hpp). A handler may run on several workers' threads at once
// (for different jobs), so it must be thread-safe.
using JobHandler = std::function<Result<void>(const JobContext&)>;

// Handlers by job kind. Fill it before workers start; afterwards it is only read, from any
// thread.
class JobRegistry {
 public:
  // Registers `handler` for `kind`, replacing any earlier one.
  void Register(std::string kind, JobHandler handler);
  // The handler for `kind`, or null if none is registered.
  const JobHandler* Find(std::string_view kind) const;

 private:
  std::map<std::string, JobHandler, std::less<>> handlers_;
};

struct WorkerOptions {
  // Recorded in jobs.locked_by; unique per worker. Empty: "<hostname>-<pid>-<random hex>".
  std::string worker_id;
  // Jobs claimed per RunOnce.
  int batch_size = 16;
  // How long a claim holds a job. Another worker takes over a running job whose lease expired
  // (its worker presumably died), so the lease must exceed the longest run of one job.
  std::chrono::seconds lease{300};
  // Retry delay after attempt n is about backoff_base * 2^(n-1), at most backoff_cap.
  std::chrono::milliseconds backoff_base{1000};
  std::chrono::milliseconds backoff_cap{3600000};
  // How long the background loop sleeps when it found nothing to do, unless woken.
  std::chrono::milliseconds idle_poll{1000};
};

// The delay before retrying a job whose attempt number `attempt` (1-based) failed:
// d = min(cap, base * 2^(attempt-1)), less a deterministic jitter of up to a quarter of d drawn
// from a hash of `job_id` and `attempt`, so a burst of jobs failing together (an outage) does
// not retry in lockstep. Always within [3d/4, d].
std::chrono::microseconds RetryDelay(std::string_view job_id, int attempt, std::chrono::milliseconds base,
                                     std::chrono::milliseconds cap);

// Counters since construction. Each is updated with relaxed atomics; read them for metrics and
// tests.
struct WorkerStats {
  std::atomic<std::int64_t> claimed{0};    // jobs claimed, including ones reclaimed after a lease expiry
  std::atomic<std::int64_t> succeeded{0};  // jobs this worker marked done
  std::atomic<std::int64_t> retried{0};    // failed attempts this worker put back in the queue
  std::atomic<std::int64_t> dead{0};       // jobs this worker marked dead (incl. unknown kinds)
  std::atomic<std::int64_t> lost{0};       // outcomes dropped: another worker had taken the job over
  std::atomic<std::int64_t> released{0};   // claimed jobs handed back unrun because Stop was called
  std::atomic<std::int64_t> errors{0};     // background rounds that failed (database errors)
  std::atomic<std::int64_t> idle{0};       // background rounds that found nothing to do
};

class Worker {
 public:
  // REQUIRES: db, clock and registry outlive the worker.
  Worker(storage::Database& db, const Clock& clock, const JobRegistry& registry, WorkerOptions options = {});
  // Stops the background thread if it runs.
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // This worker's id as stored in jobs.locked_by.
  const std::string& id() const { return options_.worker_id; }

  // One round (none while a stop is pending): marks dead the running jobs whose lease expired on their last attempt, claims up
  // to batch_size due jobs (expired leases first, then queued jobs by run_at), runs them one
  // after another and records each outcome. Returns how many jobs it ran (handlers called, or
  // unknown kinds sent dead); 0 when nothing was due.
  // Errors: the database error that prevented the claim or the recording of an outcome; jobs
  // whose outcome was not recorded run again when their lease expires.
  Result<int> RunOnce();

  // Runs RunOnce in a loop on a background thread. After a round that ran nothing (or failed),
  // waits up to idle_poll or until Wake(). REQUIRES: not started.
  void Start();
  // Makes the background loop look for jobs now (call it after committing a Schedule).
  void Wake();
  // Asks the worker to stop without waiting: the job running now finishes, the rest of its
  // batch goes back to the queue unrun, and RunOnce claims nothing until Stop() returns. Lets a
  // server signal all its workers before joining them.
  void RequestStop();
  // RequestStop(), then joins the background thread. Idempotent; Start may be called again
  // afterwards.
  void Stop();

  const WorkerStats& stats() const { return stats_; }

 private:
  struct Claimed;
  enum class Outcome;

  Result<std::vector<Claimed>> Claim();
  // Runs one claimed job and records its outcome. False if the job was not run because another
  // worker had taken it over.
  Result<bool> Process(const Claimed& job, Timestamp claimed_at);
  // Applies `outcome` to `job` if this worker still holds it; false if it no longer does.
  Result<bool> Record(const Claimed& job, Outcome outcome, const std::string& error);
  void Loop();

  storage::Database& db_;
  const Clock& clock_;
  const JobRegistry& registry_;
  WorkerOptions options_;
  WorkerStats stats_;

  std::atomic<bool> stop_requested_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
  bool wake_ = false;  // GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace wangban::jobs
