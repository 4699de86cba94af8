// Durable background jobs: one `jobs` table (migrations 0001_jobs.sql), scheduled inside the
// caller's transaction so that a job exists if and only if the domain change that needs it
// committed (the outbox pattern). Workers (worker.hpp) claim and run due jobs.
//
// A job runs at least once; it runs twice only if its worker dies (or exceeds its lease) after
// the handler's effects committed but before the outcome was recorded. Handlers must therefore
// be idempotent. Two live workers never hold the same job at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wangban/common/clock.hpp"
#include "wangban/common/error.hpp"
#include "wangban/storage/database.hpp"

namespace wangban::jobs {

// queued -> running -> done, or back to queued (retry), or dead (dead letter; see Requeue).
enum class JobState { kQueued, kRunning, kDone, kDead };

// "queued", "running", "done" or "dead": the value stored in jobs.state.
std::string_view JobStateName(JobState state);
// The state named `name`; nullopt for anything else.
std::optional<JobState> ParseJobState(std::string_view name);

struct JobSpec {
  // Selects the handler (JobRegistry). Required; at most 100 bytes.
  std::string kind;
  // JSON text handed to the handler as is. Must parse as JSON.
  std::string payload = "{}";
  // When the job becomes due; now if unset.
  std::optional<Timestamp> run_at;
  // Attempts before the job goes dead. At least 1.
  int max_attempts = 10;
  // Unique among unfinished (queued or running) jobs: scheduling again while one with this key
  // is unfinished returns the existing job's id and changes nothing. At most 200 bytes.
  std::optional<std::string> dedupe_key;
};

// Creates a queued job inside the caller's transaction and returns its id (a UUIDv7), or the id
// of the unfinished job with the same dedupe_key. The job is visible to workers only when `tx`
// commits, and vanishes with it on rollback.
// Errors: kValidationFailed for an empty or long kind, a payload that is not JSON, max_attempts
// below 1 or a long dedupe key; kUnavailable (reason "retry") when a concurrent transaction
// holding the same dedupe key rolled back between our insert and lookup, so that Transact runs
// the caller again; database errors as from Tx::Exec.
Result<std::string> Schedule(storage::Tx& tx, const Clock& clock, const JobSpec& spec);

// Convenience: Schedule in a transaction of its own, for jobs not tied to a domain change.
Result<std::string> Schedule(storage::Database& db, const Clock& clock, const JobSpec& spec);

// A job's row, for operators and tests.
struct JobInfo {
  std::string id;
  std::string kind;
  std::string payload;
  JobState state = JobState::kQueued;
  Timestamp run_at;  // when it is (or was last) due
  int attempts = 0;  // attempts started so far, the running one included
  int max_attempts = 0;
  std::optional<std::string> dedupe_key;
  std::optional<std::string> locked_by;     // the worker holding it (running jobs)
  std::optional<Timestamp> locked_until;    // the end of that worker's lease
  std::optional<std::string> last_error;    // the error of the latest failed attempt, if any
  Timestamp created_at;
  Timestamp updated_at;
  std::optional<Timestamp> finished_at;     // when it became done or dead
};

// The job with `id`, or nullopt if there is none. Errors: database errors only.
Result<std::optional<JobInfo>> GetJob(storage::Database& db, std::string_view id);

struct JobCounts {
  std::int64_t queued = 0;   // due or not yet due
  std::int64_t running = 0;  // claimed, including those whose lease expired
  std::int64_t done = 0;
  std::int64_t dead = 0;

  bool operator==(const JobCounts&) const = default;
};

// Jobs per state. queued and running are read from their small partial indexes; done and dead
// count finished rows and so take time in proportion to them (run it for dashboards, not per
// request). Errors: database errors only.
Result<JobCounts> CountJobs(storage::Database& db);

// Puts a dead job back in the queue, due now, with its attempts reset to 0 (last_error is kept
// until the next attempt replaces it).
// Errors: kNotFound if there is no such job; kConflict (reason "not_dead") if it is not dead;
// kConflict (reason "unique_violation") if an unfinished job holds the same dedupe key.
Result<void> Requeue(storage::Database& db, const Clock& clock, std::string_view id);

}  // namespace wangban::jobs
