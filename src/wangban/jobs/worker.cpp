// The job worker: claim due jobs under a lease, run their handlers outside any transaction,
// record outcomes only while still holding the lease.
#include "wangban/jobs/worker.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <exception>
#include <optional>
#include <utility>
#include <vector>

#include "wangban/common/ids.hpp"
#include "wangban/common/thread_name.hpp"

namespace wangban::jobs {
namespace {

using storage::Backend;

constexpr std::size_t kMaxErrorBytes = 2000;

// Claim statements. A job is due when it is queued and run_at has come, or when it is running
// but its lease expired (its worker died or overran). Each statement walks one partial index
// (jobs_queued_run_at, jobs_running_locked_until) in order and stops after :limit rows.
//
// PostgreSQL: FOR UPDATE SKIP LOCKED makes concurrent claimers pass over rows another claimer
// has locked, and re-checks the conditions on the newest row version, so a row is claimed by
// one transaction only. A CTE with FOR UPDATE is never inlined, so the LIMIT applies once.
// SQLite: the claim runs in a write transaction (BEGIN IMMEDIATE), which serializes claimers.

// Running jobs whose lease expired on their final attempt go dead rather than run again: a job
// that kills its worker every time must not take workers down forever.
constexpr std::string_view kBuryExpiredPg =
    "WITH expired AS ("
    " SELECT id FROM jobs WHERE state = 'running' AND locked_until < :now AND attempts >= max_attempts"
    " ORDER BY locked_until LIMIT :limit FOR UPDATE SKIP LOCKED)"
    " UPDATE jobs SET state = 'dead', last_error = :error, finished_at = :now, updated_at = :now,"
    " locked_by = NULL, locked_until = NULL"
    " FROM expired WHERE jobs.id = expired.id";
constexpr std::string_view kBuryExpiredSqlite =
    "UPDATE jobs SET state = 'dead', last_error = :error, finished_at = :now, updated_at = :now,"
    " locked_by = NULL, locked_until = NULL"
    " WHERE id IN (SELECT id FROM jobs WHERE state = 'running' AND locked_until < :now"
    " AND attempts >= max_attempts ORDER BY locked_until LIMIT :limit)";

constexpr std::string_view kReclaimExpiredPg =
    "WITH expired AS ("
    " SELECT id FROM jobs WHERE state = 'running' AND locked_until < :now AND attempts < max_attempts"
    " ORDER BY locked_until LIMIT :limit FOR UPDATE SKIP LOCKED)"
    " UPDATE jobs SET locked_by = :worker, locked_until = :lease_until, attempts = jobs.attempts + 1,"
    " updated_at = :now"
    " FROM expired WHERE jobs.id = expired.id"
    " RETURNING jobs.id, jobs.kind, jobs.payload, jobs.attempts, jobs.max_attempts, jobs.run_at";
constexpr std::string_view kReclaimExpiredSqlite =
    "UPDATE jobs SET locked_by = :worker, locked_until = :lease_until, attempts = attempts + 1,"
    " updated_at = :now"
    " WHERE id IN (SELECT id FROM jobs WHERE state = 'running' AND locked_until < :now"
    " AND attempts < max_attempts ORDER BY locked_until LIMIT :limit)"
    " RETURNING id, kind, payload, attempts, max_attempts, run_at";

constexpr std::string_view kClaimQueuedPg =
    "WITH due AS ("
    " SELECT id FROM jobs WHERE state = 'queued' AND run_at <= :now"
    " ORDER BY run_at LIMIT :limit FOR UPDATE SKIP LOCKED)"
    " UPDATE jobs SET state = 'running', locked_by = :worker, locked_until = :lease_until,"
    " attempts = jobs.attempts + 1, updated_at = :now"
    " FROM due WHERE jobs.id = due.id"
    " RETURNING jobs.id, jobs.kind, jobs.payload, jobs.attempts, jobs.max_attempts, jobs.run_at";
constexpr std::string_view kClaimQueuedSqlite =
    "UPDATE jobs SET state = 'running', locked_by = :worker, locked_until = :lease_until,"
    " attempts = attempts + 1, updated_at = :now"
    " WHERE id IN (SELECT id FROM jobs WHERE state = 'queued' AND run_at <= :now"
    " ORDER BY run_at LIMIT :limit)"
    " RETURNING id, kind, payload, attempts, max_attempts, run_at";

// Outcome statements. Each applies only while this worker still holds this attempt: after a
// lease expiry another worker owns the job (locked_by differs) or a later attempt does
// (attempts differs), and a late outcome must not overwrite theirs.
constexpr std::string_view kHeld =
    " WHERE id = :id AND state = 'running' AND locked_by = :worker AND attempts = :attempt";

constexpr std::string_view kMarkDone =
    "UPDATE jobs SET state = 'done', finished_at = :now, updated_at = :now, locked_by = NULL,"
    " locked_until = NULL";
constexpr std::string_view kMarkRetry =
    "UPDATE jobs SET state = 'queued', run_at = :run_at, last_error = :error, updated_at = :now,"
    " locked_by = NULL, locked_until = NULL";
constexpr std::string_view kMarkDead =
    "UPDATE jobs SET state = 'dead', last_error = :error, finished_at = :now, updated_at = :now,"
    " locked_by = NULL, locked_until = NULL";
// Hands an unstarted job back: the attempt it was claimed for did not happen.
constexpr std::string_view kRelease =
    "UPDATE jobs SET state = 'queued', attempts = attempts - 1, updated_at = :now, locked_by = NULL,"
    " locked_until = NULL";
constexpr std::string_view kRenewLease = "UPDATE jobs SET locked_until = :lease_until, updated_at = :now";

constexpr std::string_view kLeaseExpiredOnLastAttempt =
    "the worker's lease expired during the final attempt (the worker died or the job ran longer than the lease)";

std::string DefaultWorkerId() {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  std::string name = host[0] != '\0' ? std::string(host.data()) : std::string("host");
  return name + "-" + std::to_string(getpid()) + "-" + RandomHex(4);
}

// Cuts `text` to at most kMaxErrorBytes without splitting a UTF-8 sequence (PostgreSQL rejects
// invalid UTF-8).
std::string Truncate(std::string text) {
  if (text.size() <= kMaxErrorBytes) return text;
  std::size_t end = kMaxErrorBytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text;
}

std::string Describe(const Error& e) { return std::string(ErrorCodeName(e.code)) + ": " + e.message; }

// FNV-1a, 64-bit: a hash that is the same on every platform and build, unlike std::hash.
std::uint64_t Fnv1a(std::string_view bytes, std::uint64_t h = 14695981039346656037ULL) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

// A job this worker holds: the columns the claim returned.
struct Worker::Claimed {
  std::string id;
  std::string kind;
  std::string payload;
  int attempt = 0;
  int max_attempts = 0;
  Timestamp run_at;
};

enum class Worker::Outcome { kDone, kRetry, kDead, kRelease, kRenew };

void JobRegistry::Register(std::string kind, JobHandler handler) {
  handlers_.insert_or_assign(std::move(kind), std::move(handler));
}

const JobHandler* JobRegistry::Find(std::string_view kind) const {
  auto it = handlers_.find(kind);
  return it == handlers_.end() ? nullptr : &it->second;
}

std::chrono::microseconds RetryDelay(std::string_view job_id, int attempt, std::chrono::milliseconds base,
                                     std::chrono::milliseconds cap) {
  using std::chrono::microseconds;
  const microseconds cap_us = std::max(cap, std::chrono::milliseconds(0));
  microseconds d = std::clamp(microseconds(base), microseconds(0), cap_us);
  // Doubling until the cap instead of shifting avoids overflow for any attempt number.
  for (int i = 1; i < attempt && d < cap_us; ++i) d = std::min(d * 2, cap_us);
  const std::string salt = std::to_string(attempt);
  const std::uint64_t h = Fnv1a(salt, Fnv1a(job_id));
  const auto jitter = d.count() / 4 * static_cast<std::int64_t>(h % 1024) / 1023;
  return d - microseconds(jitter);
}

Worker::Worker(storage::Database& db, const Clock& clock, const JobRegistry& registry, WorkerOptions options)
    : db_(db), clock_(clock), registry_(registry), options_(std::move(options)) {
  if (options_.worker_id.empty()) options_.worker_id = DefaultWorkerId();
  if (options_.batch_size < 1) options_.batch_size = 1;
}

Worker::~Worker() { Stop(); }

Result<std::vector<Worker::Claimed>> Worker::Claim() {
  const bool pg = db_.backend() == Backend::kPostgresql;
  std::vector<Claimed> claimed;
  std::int64_t buried = 0;
  auto r = db_.Transact(storage::kReadWrite, [&](storage::Tx& tx) -> Result<void> {
    claimed.clear();
    buried = 0;
    const Timestamp now = clock_.Now();
    const std::int64_t now_us = ToMicros(now);
    const std::int64_t lease_until = ToMicros(now + options_.lease);

    auto bury = tx.Exec(pg ? kBuryExpiredPg : kBuryExpiredSqlite,
                        {{"now", now_us},
                         {"limit", options_.batch_size},
                         {"error", std::string(kLeaseExpiredOnLastAttempt)}});
    if (!bury) return std::unexpected(std::move(bury.error()));
    buried = *bury;

    for (std::string_view sql : {pg ? kReclaimExpiredPg : kReclaimExpiredSqlite,
                                 pg ? kClaimQueuedPg : kClaimQueuedSqlite}) {
      const int limit = options_.batch_size - static_cast<int>(claimed.size());
      if (limit <= 0) break;
      auto rows = tx.Query(sql, {{"now", now_us},
                                 {"limit", limit},
                                 {"worker", options_.worker_id},
                                 {"lease_until", lease_until}});
      if (!rows) return std::unexpected(std::move(rows.error()));
      for (const storage::Row& row : *rows) {
        claimed.push_back(Claimed{.id = row.Text(0),
                                  .kind = row.Text(1),
                                  .payload = row.Text(2),
                                  .attempt = static_cast<int>(row.Int(3)),
                                  .max_attempts = static_cast<int>(row.Int(4)),
                                  .run_at = FromMicros(row.Int(5))});
      }
    }
    return {};
  });
  if (!r) return std::unexpected(std::move(r.error()));
  // RETURNING gives no order; run the longest-waiting first.
  std::stable_sort(claimed.begin(), claimed.end(),
                   [](const Claimed& a, const Claimed& b) { return a.run_at < b.run_at; });
  stats_.claimed.fetch_add(static_cast<std::int64_t>(claimed.size()), std::memory_order_relaxed);
  stats_.dead.fetch_add(buried, std::memory_order_relaxed);
  return claimed;
}

Result<bool> Worker::Record(const Claimed& job, Outcome outcome, const std::string& error) {
  const Timestamp now = clock_.Now();
  std::string sql;
  storage::Params params = {{"id", job.id},
                            {"worker", options_.worker_id},
                            {"attempt", job.attempt},
                            {"now", ToMicros(now)}};
  switch (outcome) {
    case Outcome::kDone:
      sql = kMarkDone;
      break;
    case Outcome::kRetry:
      sql = kMarkRetry;
      params.emplace_back(
          "run_at", ToMicros(now + RetryDelay(job.id, job.attempt, options_.backoff_base, options_.backoff_cap)));
      params.emplace_back("error", Truncate(error));
      break;
    case Outcome::kDead:
      sql = kMarkDead;
      params.emplace_back("error", Truncate(error));
      break;
    case Outcome::kRelease:
      sql = kRelease;
      break;
    case Outcome::kRenew:
      sql = kRenewLease;
      params.emplace_back("lease_until", ToMicros(now + options_.lease));
      break;
  }
  sql += kHeld;
  std::int64_t changed = 0;
  auto r = db_.Transact(storage::kReadWrite, [&](storage::Tx& tx) -> Result<void> {
    auto n = tx.Exec(sql, params);
    if (!n) return std::unexpected(std::move(n.error()));
    changed = *n;
    return {};
  });
  if (!r) return std::unexpected(std::move(r.error()));
  if (changed == 0) stats_.lost.fetch_add(1, std::memory_order_relaxed);
  return changed == 1;
}

Result<bool> Worker::Process(const Claimed& job, Timestamp claimed_at) {
  // A long batch may outlast half the lease before this job starts; renew it first so that the
  // job gets a whole lease to run in, or skip it if another worker has already taken it over.
  if (clock_.Now() >= claimed_at + std::chrono::duration_cast<std::chrono::microseconds>(options_.lease) / 2) {
    auto held = Record(job, Outcome::kRenew, {});
    if (!held) return std::unexpected(std::move(held.error()));
    if (!*held) return false;
  }

  const JobHandler* handler = registry_.Find(job.kind);
  if (handler == nullptr) {
    auto held = Record(job, Outcome::kDead, "no handler for kind " + job.kind);
    if (!held) return std::unexpected(std::move(held.error()));
    if (*held) stats_.dead.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  const JobContext context{.id = job.id,
                           .kind = job.kind,
                           .payload = job.payload,
                           .attempt = job.attempt,
                           .max_attempts = job.max_attempts,
                           .scheduled_for = job.run_at};
  Result<void> result;
  try {
    result = (*handler)(context);
  } catch (const std::exception& e) {
    result = Fail(Error::Internal(std::string("exception: ") + e.what()));
  } catch (...) {
    result = Fail(Error::Internal("exception of unknown type"));
  }

  Outcome outcome = Outcome::kDone;
  std::string error;
  if (!result) {
    outcome = job.attempt < job.max_attempts ? Outcome::kRetry : Outcome::kDead;
    error = Describe(result.error());
  }
  auto held = Record(job, outcome, error);
  if (!held) return std::unexpected(std::move(held.error()));
  if (*held) {
    auto& counter = outcome == Outcome::kDone    ? stats_.succeeded
                    : outcome == Outcome::kRetry ? stats_.retried
                                                 : stats_.dead;
    counter.fetch_add(1, std::memory_order_relaxed);
  }
  return true;
}

Result<int> Worker::RunOnce() {
  if (stop_requested_.load(std::memory_order_acquire)) return 0;
  const Timestamp claimed_at = clock_.Now();
  auto claimed = Claim();
  if (!claimed) return std::unexpected(std::move(claimed.error()));

  int ran = 0;
  std::optional<Error> first_error;
  for (std::size_t i = 0; i < claimed->size(); ++i) {
    const Claimed& job = (*claimed)[i];
    if (stop_requested_.load(std::memory_order_acquire)) {
      // Shutting down: hand back what has not started instead of holding it for a whole lease.
      auto held = Record(job, Outcome::kRelease, {});
      if (!held && !first_error) first_error = std::move(held.error());
      if (held && *held) stats_.released.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    auto r = Process(job, claimed_at);
    if (!r) {
      if (!first_error) first_error = std::move(r.error());
    } else if (*r) {
      ++ran;
    }
  }
  if (first_error) return Fail(std::move(*first_error));
  return ran;
}

void Worker::Start() {
  assert(!thread_.joinable() && "Worker::Start called twice without Stop");
  stop_requested_.store(false, std::memory_order_release);
  thread_ = std::thread([this] { Loop(); });
}

void Worker::Wake() {
  {
    std::lock_guard lock(mutex_);
    wake_ = true;
  }
  cv_.notify_one();
}

void Worker::RequestStop() {
  {
    // Under the mutex, so that the loop cannot miss it between its check and its wait.
    std::lock_guard lock(mutex_);
    stop_requested_.store(true, std::memory_order_release);
  }
  cv_.notify_one();
}

void Worker::Stop() {
  RequestStop();
  if (thread_.joinable()) thread_.join();
  // Lets RunOnce be called again (and Start), rather than releasing every job it claims.
  stop_requested_.store(false, std::memory_order_release);
}

void Worker::Loop() {
  SetThreadName("wb-jobs");
  while (!stop_requested_.load(std::memory_order_acquire)) {
    auto ran = RunOnce();
    if (!ran) stats_.errors.fetch_add(1, std::memory_order_relaxed);
    if (ran && *ran > 0) continue;  // there may be more due right away
    if (ran) stats_.idle.fetch_add(1, std::memory_order_relaxed);
    std::unique_lock lock(mutex_);
    // Real time, not clock_: this only bounds how long a job scheduled elsewhere (another node,
    // or without Wake) waits to be noticed.
    cv_.wait_for(lock, options_.idle_poll,
                 [this] { return wake_ || stop_requested_.load(std::memory_order_acquire); });
    wake_ = false;
  }
}

}  // namespace wangban::jobs
