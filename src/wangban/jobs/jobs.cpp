// Scheduling and inspecting jobs. The SQL is the same on both backends.
#include "wangban/jobs/jobs.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <utility>

#include "wangban/common/ids.hpp"

namespace wangban::jobs {
namespace {

constexpr std::size_t kMaxKindBytes = 100;
constexpr std::size_t kMaxDedupeKeyBytes = 200;

// ON CONFLICT names the predicate of the partial unique index jobs_dedupe_key, so only a
// dedupe clash is absorbed; any other constraint failure still fails the insert. Rows without
// a dedupe key never clash.
constexpr std::string_view kInsertJob =
    "INSERT INTO jobs (id, kind, payload, state, run_at, attempts, max_attempts, dedupe_key,"
    " created_at, updated_at)"
    " VALUES (:id, :kind, :payload, 'queued', :run_at, 0, :max_attempts, :dedupe_key, :now, :now)"
    " ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'running')"
    " DO NOTHING";

constexpr std::string_view kFindUnfinishedByDedupeKey =
    "SELECT id FROM jobs WHERE dedupe_key = :dedupe_key AND state IN ('queued', 'running')";

constexpr std::string_view kSelectJob =
    "SELECT id, kind, payload, state, run_at, attempts, max_attempts, dedupe_key, locked_by,"
    " locked_until, last_error, created_at, updated_at, finished_at FROM jobs WHERE id = :id";

// One query per state, so that each is answered from a partial index. SQLite uses a partial
// index only when the query repeats its predicate, hence the redundant IN for done and dead.
constexpr std::array<std::string_view, 4> kCountByState = {
    "SELECT count(*) FROM jobs WHERE state = 'queued'",
    "SELECT count(*) FROM jobs WHERE state = 'running'",
    "SELECT count(*) FROM jobs WHERE state IN ('done', 'dead') AND state = 'done'",
    "SELECT count(*) FROM jobs WHERE state IN ('done', 'dead') AND state = 'dead'",
};

constexpr std::string_view kRequeue =
    "UPDATE jobs SET state = 'queued', run_at = :now, attempts = 0, locked_by = NULL,"
    " locked_until = NULL, finished_at = NULL, updated_at = :now"
    " WHERE id = :id AND state = 'dead'";

constexpr std::string_view kSelectState = "SELECT state FROM jobs WHERE id = :id";

Result<void> Validate(const JobSpec& spec) {
  FieldErrors errors;
  if (spec.kind.empty()) {
    errors.Add("kind", "required", "a job needs a kind");
  } else if (spec.kind.size() > kMaxKindBytes) {
    errors.Add("kind", "too_long", "a job kind has at most 100 bytes");
  }
  if (!nlohmann::json::accept(spec.payload)) {
    errors.Add("payload", "format", "the payload must be JSON text");
  }
  if (spec.max_attempts < 1) errors.Add("max_attempts", "range", "max_attempts must be at least 1");
  if (spec.dedupe_key) {
    if (spec.dedupe_key->empty()) {
      errors.Add("dedupe_key", "required", "a dedupe key, when given, must not be empty");
    } else if (spec.dedupe_key->size() > kMaxDedupeKeyBytes) {
      errors.Add("dedupe_key", "too_long", "a dedupe key has at most 200 bytes");
    }
  }
  return errors.Finish();
}

std::optional<Timestamp> OptTime(const storage::Row& row, std::size_t i) {
  auto v = row.OptInt(i);
  if (!v) return std::nullopt;
  return FromMicros(*v);
}

}  // namespace

std::string_view JobStateName(JobState state) {
  switch (state) {
    case JobState::kQueued:
      return "queued";
    case JobState::kRunning:
      return "running";
    case JobState::kDone:
      return "done";
    case JobState::kDead:
      return "dead";
  }
  return "queued";  // unreachable: every enumerator is handled above
}

std::optional<JobState> ParseJobState(std::string_view name) {
  for (JobState s : {JobState::kQueued, JobState::kRunning, JobState::kDone, JobState::kDead}) {
    if (JobStateName(s) == name) return s;
  }
  return std::nullopt;
}

Result<std::string> Schedule(storage::Tx& tx, const Clock& clock, const JobSpec& spec) {
  if (auto v = Validate(spec); !v) return std::unexpected(std::move(v.error()));
  const Timestamp now = clock.Now();
  std::string id = NewId(clock);
  auto inserted = tx.Exec(kInsertJob, {{"id", id},
                                       {"kind", spec.kind},
                                       {"payload", spec.payload},
                                       {"run_at", ToMicros(spec.run_at.value_or(now))},
                                       {"max_attempts", spec.max_attempts},
                                       {"dedupe_key", spec.dedupe_key},
                                       {"now", ToMicros(now)}});
  if (!inserted) return std::unexpected(std::move(inserted.error()));
  if (*inserted == 1) return id;

  // The key is taken by an unfinished job: return that one.
  auto existing = tx.QueryOne(kFindUnfinishedByDedupeKey, {{"dedupe_key", *spec.dedupe_key}});
  if (!existing) return std::unexpected(std::move(existing.error()));
  if (!*existing) {
    // PostgreSQL: the clashing row belonged to a transaction that has since rolled back, or
    // finished the job. Running the caller's transaction again will insert ours.
    return Fail(Error::Unavailable("the job with dedupe key " + *spec.dedupe_key + " changed concurrently",
                                   "retry"));
  }
  return (*existing)->Text(0);
}

Result<std::string> Schedule(storage::Database& db, const Clock& clock, const JobSpec& spec) {
  return db.TransactValue<std::string>(storage::kReadWrite,
                                       [&](storage::Tx& tx) { return Schedule(tx, clock, spec); });
}

Result<std::optional<JobInfo>> GetJob(storage::Database& db, std::string_view id) {
  return db.TransactValue<std::optional<JobInfo>>(
      storage::kReadOnly, [&](storage::Tx& tx) -> Result<std::optional<JobInfo>> {
        auto row = tx.QueryOne(kSelectJob, {{"id", id}});
        if (!row) return std::unexpected(std::move(row.error()));
        if (!*row) return std::optional<JobInfo>{};
        const storage::Row& r = **row;
        auto state = ParseJobState(r.Text(3));
        if (!state) return Fail(Error::Internal("job " + r.Text(0) + " has unknown state " + r.Text(3)));
        return std::optional<JobInfo>{JobInfo{
            .id = r.Text(0),
            .kind = r.Text(1),
            .payload = r.Text(2),
            .state = *state,
            .run_at = FromMicros(r.Int(4)),
            .attempts = static_cast<int>(r.Int(5)),
            .max_attempts = static_cast<int>(r.Int(6)),
            .dedupe_key = r.OptText(7),
            .locked_by = r.OptText(8),
            .locked_until = OptTime(r, 9),
            .last_error = r.OptText(10),
            .created_at = FromMicros(r.Int(11)),
            .updated_at = FromMicros(r.Int(12)),
            .finished_at = OptTime(r, 13),
        }};
      });
}

Result<JobCounts> CountJobs(storage::Database& db) {
  return db.TransactValue<JobCounts>(storage::kReadOnly, [&](storage::Tx& tx) -> Result<JobCounts> {
    std::array<std::int64_t, 4> n{};
    for (std::size_t i = 0; i < kCountByState.size(); ++i) {
      auto row = tx.QueryOne(kCountByState[i]);
      if (!row) return std::unexpected(std::move(row.error()));
      n[i] = *row ? (*row)->Int(0) : 0;
    }
    return JobCounts{.queued = n[0], .running = n[1], .done = n[2], .dead = n[3]};
  });
}

Result<void> Requeue(storage::Database& db, const Clock& clock, std::string_view id) {
  return db.Transact(storage::kReadWrite, [&](storage::Tx& tx) -> Result<void> {
    auto changed = tx.Exec(kRequeue, {{"id", id}, {"now", ToMicros(clock.Now())}});
    if (!changed) return std::unexpected(std::move(changed.error()));
    if (*changed == 1) return {};
    auto row = tx.QueryOne(kSelectState, {{"id", id}});
    if (!row) return std::unexpected(std::move(row.error()));
    if (!*row) return Fail(Error::NotFound("no job " + std::string(id)));
    return Fail(Error::Conflict("job " + std::string(id) + " is " + (*row)->Text(0) + ", not dead", "not_dead"));
  });
}

}  // namespace wangban::jobs
