// Tests of the job table and worker on SQLite and PostgreSQL: outcomes, backoff, leases, and
// that concurrent workers on separate connection pools never run a job twice.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <iostream>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/fixtures.hpp"
#include "tests/testing/postgres_cluster.hpp"
#include "tests/testing/temp_dir.hpp"
#include "wangban/common/ids.hpp"
#include "wangban/jobs/jobs.hpp"
#include "wangban/jobs/worker.hpp"
#include "wangban/storage/migrations.hpp"

namespace wangban::jobs {
namespace {

using namespace std::chrono_literals;
using storage::Backend;
using storage::Database;
using storage::Tx;

// Opens `url` with a pool of its own and brings the schema up to date.
std::unique_ptr<Database> OpenMigrated(const std::string& url) {
  auto db = storage::OpenDatabase(url);
  if (!db) {
    ADD_FAILURE() << "OpenDatabase(" << url << "): " << db.error().message;
    return nullptr;
  }
  if (auto m = storage::Migrate(**db); !m) {
    ADD_FAILURE() << "Migrate: " << m.error().message;
    return nullptr;
  }
  return std::move(*db);
}

// A database URL for `backend`: a file in `dir` or a fresh PostgreSQL database.
std::string NewDatabaseUrl(Backend backend, const wangban::testing::TempDir& dir) {
  if (backend == Backend::kSqlite) return "sqlite:" + (dir / "t.db").string();
  auto* cluster = wangban::testing::PostgresCluster::Shared();
  return cluster ? cluster->CreateDatabase() : std::string();
}

std::string BackendParamName(const ::testing::TestParamInfo<Backend>& info) {
  return std::string(storage::BackendName(info.param));
}

class JobsTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    url_ = NewDatabaseUrl(GetParam(), dir_);
    ASSERT_FALSE(url_.empty()) << "no database for " << storage::BackendName(GetParam());
    db_ = OpenMigrated(url_);
    ASSERT_NE(db_, nullptr);
  }

  WorkerOptions Options(std::string id = "worker-1") {
    return WorkerOptions{.worker_id = std::move(id),
                         .batch_size = 16,
                         .lease = 300s,
                         .backoff_base = 1000ms,
                         .backoff_cap = 3600000ms,
                         .idle_poll = 1h};
  }

  std::string Sched(JobSpec spec) {
    auto id = Schedule(*db_, clock_, spec);
    EXPECT_TRUE(id.has_value()) << (id ? "" : id.error().message);
    return id.value_or("");
  }

  JobInfo Get(const std::string& id) {
    auto job = GetJob(*db_, id);
    EXPECT_TRUE(job.has_value()) << (job ? "" : job.error().message);
    if (!job || !*job) {
      ADD_FAILURE() << "no job " << id;
      return {};
    }
    return **job;
  }

  JobCounts Counts() {
    auto c = CountJobs(*db_);
    EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().message);
    return c.value_or(JobCounts{});
  }

  int Run(Worker& worker) {
    auto n = worker.RunOnce();
    EXPECT_TRUE(n.has_value()) << (n ? "" : n.error().message);
    return n.value_or(-1);
  }

  // Makes `id` look claimed by a worker that then died: running, leased until `until`.
  void ClaimAsGhost(const std::string& id, int attempts, Timestamp until) {
    auto r = db_->Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
      auto n = tx.Exec(
          "UPDATE jobs SET state = 'running', locked_by = 'ghost', locked_until = :until, attempts = :attempts"
          " WHERE id = :id",
          {{"until", ToMicros(until)}, {"attempts", attempts}, {"id", id}});
      if (!n) return std::unexpected(n.error());
      EXPECT_EQ(*n, 1);
      return {};
    });
    ASSERT_TRUE(r.has_value()) << r.error().message;
  }

  wangban::testing::TempDir dir_;
  std::string url_;
  FakeClock clock_{wangban::testing::TestEpoch()};
  std::unique_ptr<Database> db_;
  JobRegistry registry_;
};

INSTANTIATE_TEST_SUITE_P(Backends, JobsTest, ::testing::Values(Backend::kSqlite, Backend::kPostgresql),
                         BackendParamName);

TEST_P(JobsTest, ScheduledJobRunsOnceAndIsKeptAsDone) {
  std::vector<JobContext> seen;
  registry_.Register("notify.sms", [&](const JobContext& ctx) -> Result<void> {
    seen.push_back(ctx);
    return {};
  });
  const Timestamp t0 = clock_.Now();
  const std::string id = Sched({.kind = "notify.sms", .payload = R"({"to":"13800000000"})"});
  ASSERT_TRUE(IsUuid(id));
  JobInfo before = Get(id);
  EXPECT_EQ(before.state, JobState::kQueued);
  EXPECT_EQ(before.attempts, 0);
  EXPECT_EQ(before.max_attempts, 10);
  EXPECT_EQ(before.run_at, t0);
  EXPECT_EQ(before.created_at, t0);
  EXPECT_EQ(Counts(), (JobCounts{.queued = 1}));

  Worker worker(*db_, clock_, registry_, Options());
  clock_.Advance(5s);
  EXPECT_EQ(Run(worker), 1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].id, id);
  EXPECT_EQ(seen[0].kind, "notify.sms");
  EXPECT_EQ(seen[0].payload, R"({"to":"13800000000"})");
  EXPECT_EQ(seen[0].attempt, 1);
  EXPECT_EQ(seen[0].max_attempts, 10);
  EXPECT_EQ(seen[0].scheduled_for, t0);

  JobInfo after = Get(id);
  EXPECT_EQ(after.state, JobState::kDone);
  EXPECT_EQ(after.attempts, 1);
  EXPECT_EQ(after.finished_at, clock_.Now());
  EXPECT_FALSE(after.locked_by.has_value());
  EXPECT_FALSE(after.locked_until.has_value());
  EXPECT_FALSE(after.last_error.has_value());
  EXPECT_EQ(Counts(), (JobCounts{.done = 1}));

  EXPECT_EQ(Run(worker), 0);
  EXPECT_EQ(seen.size(), 1u);
  EXPECT_EQ(worker.stats().claimed.load(), 1);
  EXPECT_EQ(worker.stats().succeeded.load(), 1);
  EXPECT_EQ(worker.stats().retried.load(), 0);
  EXPECT_EQ(worker.stats().dead.load(), 0);
}

TEST_P(JobsTest, FutureJobIsNotClaimedUntilItsTime) {
  int runs = 0;
  registry_.Register("k", [&](const JobContext&) -> Result<void> {
    ++runs;
    return {};
  });
  const Timestamp due = clock_.Now() + 1h;
  const std::string id = Sched({.kind = "k", .run_at = due});
  Worker worker(*db_, clock_, registry_, Options());
  EXPECT_EQ(Run(worker), 0);
  clock_.Set(due - 1us);
  EXPECT_EQ(Run(worker), 0);
  EXPECT_EQ(Get(id).state, JobState::kQueued);
  clock_.Set(due);
  EXPECT_EQ(Run(worker), 1);
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(Get(id).state, JobState::kDone);
}

TEST_P(JobsTest, DueJobsRunOldestFirstInBatches) {
  std::vector<std::string> order;
  registry_.Register("k", [&](const JobContext& ctx) -> Result<void> {
    order.push_back(ctx.payload);
    return {};
  });
  const Timestamp t0 = clock_.Now();
  for (int i = 4; i >= 0; --i) Sched({.kind = "k", .payload = std::to_string(i), .run_at = t0 - std::chrono::minutes(i)});
  WorkerOptions options = Options();
  options.batch_size = 2;
  Worker worker(*db_, clock_, registry_, options);
  EXPECT_EQ(Run(worker), 2);
  EXPECT_EQ(Run(worker), 2);
  EXPECT_EQ(Run(worker), 1);
  EXPECT_EQ(Run(worker), 0);
  EXPECT_EQ(order, (std::vector<std::string>{"4", "3", "2", "1", "0"}));
}

TEST_P(JobsTest, FailedAttemptsBackOffExponentiallyThenGoDead) {
  int calls = 0;
  registry_.Register("flaky", [&](const JobContext& ctx) -> Result<void> {
    ++calls;
    EXPECT_EQ(ctx.attempt, calls);
    return Fail(Error::Unavailable("gateway down"));
  });
  const std::string id = Sched({.kind = "flaky", .max_attempts = 3});
  Worker worker(*db_, clock_, registry_, Options());

  EXPECT_EQ(Run(worker), 1);
  JobInfo j = Get(id);
  EXPECT_EQ(j.state, JobState::kQueued);
  EXPECT_EQ(j.attempts, 1);
  EXPECT_EQ(j.last_error, "unavailable: gateway down");
  EXPECT_FALSE(j.locked_by.has_value());
  const auto first_delay = j.run_at - clock_.Now();
  EXPECT_EQ(first_delay, RetryDelay(id, 1, 1000ms, 3600000ms));
  EXPECT_GE(first_delay, 750ms);
  EXPECT_LE(first_delay, 1000ms);

  // Not due before its backoff has passed.
  clock_.Set(j.run_at - 1us);
  EXPECT_EQ(Run(worker), 0);
  clock_.Set(j.run_at);
  EXPECT_EQ(Run(worker), 1);
  j = Get(id);
  EXPECT_EQ(j.state, JobState::kQueued);
  EXPECT_EQ(j.attempts, 2);
  const auto second_delay = j.run_at - clock_.Now();
  EXPECT_EQ(second_delay, RetryDelay(id, 2, 1000ms, 3600000ms));
  EXPECT_GE(second_delay, 1500ms);
  EXPECT_LE(second_delay, 2000ms);

  clock_.Set(j.run_at);
  EXPECT_EQ(Run(worker), 1);
  j = Get(id);
  EXPECT_EQ(j.state, JobState::kDead);
  EXPECT_EQ(j.attempts, 3);
  EXPECT_EQ(j.finished_at, clock_.Now());
  EXPECT_EQ(j.last_error, "unavailable: gateway down");
  EXPECT_EQ(Counts(), (JobCounts{.dead = 1}));

  clock_.Advance(24h);
  EXPECT_EQ(Run(worker), 0);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(worker.stats().retried.load(), 2);
  EXPECT_EQ(worker.stats().dead.load(), 1);
  EXPECT_EQ(worker.stats().succeeded.load(), 0);
}

TEST_P(JobsTest, ExceptionInHandlerCountsAsFailure) {
  registry_.Register("throws", [](const JobContext&) -> Result<void> { throw std::runtime_error("kaboom"); });
  registry_.Register("throws.int", [](const JobContext&) -> Result<void> { throw 42; });
  const std::string a = Sched({.kind = "throws", .max_attempts = 2});
  const std::string b = Sched({.kind = "throws.int", .max_attempts = 1});
  Worker worker(*db_, clock_, registry_, Options());
  EXPECT_EQ(Run(worker), 2);
  JobInfo ja = Get(a);
  EXPECT_EQ(ja.state, JobState::kQueued);
  EXPECT_EQ(ja.last_error, "internal: exception: kaboom");
  JobInfo jb = Get(b);
  EXPECT_EQ(jb.state, JobState::kDead);
  EXPECT_EQ(jb.last_error, "internal: exception of unknown type");
  EXPECT_EQ(worker.stats().retried.load(), 1);
  EXPECT_EQ(worker.stats().dead.load(), 1);
}

TEST_P(JobsTest, UnknownKindGoesDeadAtOnce) {
  const std::string id = Sched({.kind = "no.such.kind", .max_attempts = 10});
  Worker worker(*db_, clock_, registry_, Options());
  EXPECT_EQ(Run(worker), 1);
  JobInfo j = Get(id);
  EXPECT_EQ(j.state, JobState::kDead);
  EXPECT_EQ(j.attempts, 1);
  EXPECT_EQ(j.last_error, "no handler for kind no.such.kind");
  EXPECT_EQ(worker.stats().dead.load(), 1);
}

TEST_P(JobsTest, DedupeKeyReturnsTheUnfinishedJob) {
  registry_.Register("remind", [](const JobContext&) -> Result<void> { return {}; });
  const std::string first = Sched({.kind = "remind", .dedupe_key = "case-1/remind"});
  EXPECT_EQ(Sched({.kind = "remind", .payload = R"({"other":true})", .dedupe_key = "case-1/remind"}), first);
  const std::string other = Sched({.kind = "remind", .dedupe_key = "case-2/remind"});
  EXPECT_NE(other, first);
  // Jobs without a key are never merged.
  EXPECT_NE(Sched({.kind = "remind"}), Sched({.kind = "remind"}));
  EXPECT_EQ(Counts().queued, 4);
  EXPECT_EQ(Get(first).payload, "{}");

  // Inside one transaction as well.
  auto same = db_->TransactValue<std::string>(storage::kReadWrite, [&](Tx& tx) -> Result<std::string> {
    auto a = Schedule(tx, clock_, {.kind = "remind", .dedupe_key = "case-3/remind"});
    if (!a) return a;
    auto b = Schedule(tx, clock_, {.kind = "remind", .dedupe_key = "case-3/remind"});
    if (!b) return b;
    EXPECT_EQ(*a, *b);
    return a;
  });
  ASSERT_TRUE(same.has_value()) << same.error().message;

  // Once the job finished, the key is free again.
  Worker worker(*db_, clock_, registry_, Options());
  EXPECT_EQ(Run(worker), 5);
  const std::string again = Sched({.kind = "remind", .dedupe_key = "case-1/remind"});
  EXPECT_NE(again, first);
  EXPECT_EQ(Get(first).state, JobState::kDone);
  EXPECT_EQ(Get(again).state, JobState::kQueued);
}

TEST_P(JobsTest, ConcurrentSchedulesWithOneDedupeKeyMakeOneJob) {
  constexpr int kKeys = 200;
  auto opened_b = storage::OpenDatabase(url_);
  ASSERT_TRUE(opened_b.has_value()) << opened_b.error().message;
  std::unique_ptr<Database> db_b = std::move(*opened_b);
  std::vector<std::string> ids_a(kKeys);
  std::vector<std::string> ids_b(kKeys);
  auto schedule_all = [&](Database& db, std::vector<std::string>& ids) {
    for (int i = 0; i < kKeys; ++i) {
      auto id = Schedule(db, clock_, {.kind = "k", .dedupe_key = "key-" + std::to_string(i)});
      ids[i] = id ? *id : "error: " + id.error().message;
    }
  };
  std::thread a(schedule_all, std::ref(*db_), std::ref(ids_a));
  std::thread b(schedule_all, std::ref(*db_b), std::ref(ids_b));
  a.join();
  b.join();
  for (int i = 0; i < kKeys; ++i) {
    EXPECT_TRUE(IsUuid(ids_a[i])) << ids_a[i];
    EXPECT_EQ(ids_a[i], ids_b[i]) << "key-" << i;
  }
  EXPECT_EQ(Counts(), (JobCounts{.queued = kKeys}));
}

TEST_P(JobsTest, InvalidSpecsAreRejected) {
  auto kind = Schedule(*db_, clock_, {.kind = ""});
  ASSERT_FALSE(kind.has_value());
  EXPECT_EQ(kind.error().code, ErrorCode::kValidationFailed);
  auto payload = Schedule(*db_, clock_, {.kind = "k", .payload = "{not json"});
  ASSERT_FALSE(payload.has_value());
  ASSERT_EQ(payload.error().field_errors.size(), 1u);
  EXPECT_EQ(payload.error().field_errors[0].field, "payload");
  auto attempts = Schedule(*db_, clock_, {.kind = "k", .max_attempts = 0});
  ASSERT_FALSE(attempts.has_value());
  EXPECT_EQ(attempts.error().field_errors[0].field, "max_attempts");
  EXPECT_EQ(Counts(), JobCounts{});
}

TEST_P(JobsTest, ExpiredLeaseIsReclaimedByAnotherWorker) {
  std::vector<int> attempts;
  registry_.Register("k", [&](const JobContext& ctx) -> Result<void> {
    attempts.push_back(ctx.attempt);
    return {};
  });
  const std::string id = Sched({.kind = "k"});
  const Timestamp lease_end = clock_.Now() + 300s;
  ClaimAsGhost(id, 1, lease_end);

  Worker worker(*db_, clock_, registry_, Options());
  EXPECT_EQ(Run(worker), 0);  // the ghost still holds it
  clock_.Set(lease_end);
  EXPECT_EQ(Run(worker), 0);  // expires strictly after locked_until
  EXPECT_EQ(Get(id).locked_by, "ghost");
  clock_.Set(lease_end + 1us);
  EXPECT_EQ(Run(worker), 1);
  EXPECT_EQ(attempts, std::vector<int>{2});
  JobInfo j = Get(id);
  EXPECT_EQ(j.state, JobState::kDone);
  EXPECT_EQ(j.attempts, 2);
}

TEST_P(JobsTest, ExpiredLeaseOnFinalAttemptGoesDead) {
  int runs = 0;
  registry_.Register("k", [&](const JobContext&) -> Result<void> {
    ++runs;
    return {};
  });
  const std::string id = Sched({.kind = "k", .max_attempts = 2});
  ClaimAsGhost(id, 2, clock_.Now() + 300s);
  clock_.Advance(301s);
  Worker worker(*db_, clock_, registry_, Options());
  EXPECT_EQ(Run(worker), 0);
  EXPECT_EQ(runs, 0);
  JobInfo j = Get(id);
  EXPECT_EQ(j.state, JobState::kDead);
  ASSERT_TRUE(j.last_error.has_value());
  EXPECT_NE(j.last_error->find("lease expired"), std::string::npos) << *j.last_error;
  EXPECT_EQ(worker.stats().dead.load(), 1);
}

TEST_P(JobsTest, StaleWorkerCannotOverwriteTheNewOwnersOutcome) {
  Worker slow(*db_, clock_, registry_, Options("slow"));
  Worker rescuer(*db_, clock_, registry_, Options("rescuer"));
  int calls = 0;
  Result<int> rescued = 0;
  registry_.Register("k", [&](const JobContext& ctx) -> Result<void> {
    if (++calls == 1) {
      // The slow worker overruns its lease; the rescuer takes the job over and finishes it.
      EXPECT_EQ(ctx.attempt, 1);
      clock_.Advance(301s);
      rescued = rescuer.RunOnce();
      return Fail(Error::Internal("too late"));
    }
    EXPECT_EQ(ctx.attempt, 2);
    return {};
  });
  const std::string id = Sched({.kind = "k"});
  EXPECT_EQ(Run(slow), 1);
  ASSERT_TRUE(rescued.has_value()) << rescued.error().message;
  EXPECT_EQ(*rescued, 1);
  EXPECT_EQ(calls, 2);
  JobInfo j = Get(id);
  EXPECT_EQ(j.state, JobState::kDone);
  EXPECT_EQ(j.attempts, 2);
  EXPECT_FALSE(j.last_error.has_value());  // the slow worker's failure was not recorded
  EXPECT_EQ(slow.stats().lost.load(), 1);
  EXPECT_EQ(slow.stats().retried.load(), 0);
  EXPECT_EQ(rescuer.stats().succeeded.load(), 1);
}

TEST_P(JobsTest, StaleOutcomeLeavesAJobThatIsRunningElsewhereAlone) {
  // While each handler runs, its lease expires and the job is claimed again, as a claim would:
  // by another worker, or by this worker's id in a later attempt. The late outcome must not
  // touch the new holder's job.
  registry_.Register("k", [&](const JobContext& ctx) -> Result<void> {
    clock_.Advance(301s);
    auto r = db_->Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
      auto n = tx.Exec("UPDATE jobs SET locked_by = :by, locked_until = :until, attempts = attempts + 1 WHERE id = :id",
                       {{"by", ctx.payload == R"("other")" ? "rescuer" : "worker-1"},
                        {"until", ToMicros(clock_.Now() + 300s)},
                        {"id", ctx.id}});
      if (!n) return std::unexpected(n.error());
      return {};
    });
    EXPECT_TRUE(r.has_value());
    return {};
  });
  const std::string other = Sched({.kind = "k", .payload = R"("other")"});
  const std::string self = Sched({.kind = "k", .payload = R"("self")"});
  Worker worker(*db_, clock_, registry_, Options("worker-1"));
  EXPECT_EQ(Run(worker), 2);
  JobInfo a = Get(other);
  EXPECT_EQ(a.state, JobState::kRunning);
  EXPECT_EQ(a.locked_by, "rescuer");
  EXPECT_EQ(a.attempts, 2);
  JobInfo b = Get(self);
  EXPECT_EQ(b.state, JobState::kRunning);
  EXPECT_EQ(b.locked_by, "worker-1");
  EXPECT_EQ(b.attempts, 2);
  EXPECT_EQ(worker.stats().lost.load(), 2);
  EXPECT_EQ(worker.stats().succeeded.load(), 0);
}

TEST_P(JobsTest, LeaseIsRenewedBeforeALateJobInABatchStarts) {
  // The first job takes 200 s of a 300 s lease; the second must get a fresh lease before it
  // starts, so that nobody else takes it over while it runs.
  std::vector<std::optional<Timestamp>> lease_seen;
  registry_.Register("k", [&](const JobContext& ctx) -> Result<void> {
    lease_seen.push_back(Get(ctx.id).locked_until);
    clock_.Advance(200s);
    return {};
  });
  const Timestamp t0 = clock_.Now();
  Sched({.kind = "k", .run_at = t0 - 1s});
  Sched({.kind = "k"});
  Worker worker(*db_, clock_, registry_, Options());
  EXPECT_EQ(Run(worker), 2);
  ASSERT_EQ(lease_seen.size(), 2u);
  EXPECT_EQ(lease_seen[0], t0 + 300s);
  EXPECT_EQ(lease_seen[1], t0 + 200s + 300s);
  EXPECT_EQ(worker.stats().succeeded.load(), 2);
}

TEST_P(JobsTest, RequeueRevivesADeadJob) {
  bool fail = true;
  registry_.Register("k", [&](const JobContext&) -> Result<void> {
    if (fail) return Fail(Error::Internal("bad"));
    return {};
  });
  const std::string id = Sched({.kind = "k", .max_attempts = 1});
  Worker worker(*db_, clock_, registry_, Options());
  EXPECT_EQ(Run(worker), 1);
  ASSERT_EQ(Get(id).state, JobState::kDead);

  clock_.Advance(1h);
  auto r = Requeue(*db_, clock_, id);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  JobInfo j = Get(id);
  EXPECT_EQ(j.state, JobState::kQueued);
  EXPECT_EQ(j.attempts, 0);
  EXPECT_EQ(j.run_at, clock_.Now());
  EXPECT_FALSE(j.finished_at.has_value());

  fail = false;
  EXPECT_EQ(Run(worker), 1);
  EXPECT_EQ(Get(id).state, JobState::kDone);

  auto not_dead = Requeue(*db_, clock_, id);
  ASSERT_FALSE(not_dead.has_value());
  EXPECT_EQ(not_dead.error().code, ErrorCode::kConflict);
  EXPECT_EQ(not_dead.error().reason, "not_dead");
  auto missing = Requeue(*db_, clock_, "0190b3a4-0000-7000-8000-000000000000");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_P(JobsTest, JobIsAtomicWithTheCallersTransaction) {
  ASSERT_TRUE(db_->ExecScript("CREATE TABLE demo_cases (id TEXT PRIMARY KEY)").has_value());
  auto insert_case_and_job = [&](const std::string& case_id, bool commit) -> Result<void> {
    return db_->Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
      auto c = tx.Exec("INSERT INTO demo_cases (id) VALUES (:id)", {{"id", case_id}});
      if (!c) return std::unexpected(c.error());
      auto job = Schedule(tx, clock_, {.kind = "case.accepted", .payload = R"({"case":")" + case_id + "\"}"});
      if (!job) return std::unexpected(job.error());
      if (!commit) return Fail(Error::Conflict("a later check failed"));
      return {};
    });
  };
  EXPECT_FALSE(insert_case_and_job("c-rolled-back", false).has_value());
  EXPECT_EQ(Counts(), JobCounts{});
  ASSERT_TRUE(insert_case_and_job("c-committed", true).has_value());
  EXPECT_EQ(Counts(), (JobCounts{.queued = 1}));

  std::vector<std::string> payloads;
  registry_.Register("case.accepted", [&](const JobContext& ctx) -> Result<void> {
    payloads.push_back(ctx.payload);
    return {};
  });
  Worker worker(*db_, clock_, registry_, Options());
  EXPECT_EQ(Run(worker), 1);
  EXPECT_EQ(payloads, std::vector<std::string>{R"({"case":"c-committed"})"});
}

TEST_P(JobsTest, GetJobOfUnknownIdIsEmpty) {
  auto j = GetJob(*db_, "0190b3a4-0000-7000-8000-000000000000");
  ASSERT_TRUE(j.has_value()) << j.error().message;
  EXPECT_FALSE(j->has_value());
}

TEST_P(JobsTest, BackgroundWorkerStartsWakesAndStops) {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::string> ran;  // GUARDED_BY(mutex)
  registry_.Register("k", [&](const JobContext& ctx) -> Result<void> {
    {
      std::lock_guard lock(mutex);
      ran.push_back(ctx.payload);
    }
    cv.notify_all();
    return {};
  });
  // idle_poll is an hour: anything picked up within the test's time was picked up by Wake().
  Worker worker(*db_, clock_, registry_, Options());
  worker.Start();
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (worker.stats().idle.load() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  ASSERT_GE(worker.stats().idle.load(), 1) << "the worker never went idle";

  const std::string id = Sched({.kind = "k", .payload = "1"});
  worker.Wake();
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(cv.wait_until(lock, deadline, [&] { return !ran.empty(); })) << "Wake() did not run the job";
  }
  worker.Stop();  // returns although idle_poll is an hour
  EXPECT_EQ(Get(id).state, JobState::kDone);
  EXPECT_EQ(worker.stats().succeeded.load(), 1);
  EXPECT_EQ(worker.stats().errors.load(), 0);
  worker.Stop();  // idempotent
}

TEST_P(JobsTest, StopFinishesTheCurrentJobAndReleasesTheRestOfTheBatch) {
  std::mutex mutex;
  std::condition_variable cv;
  bool started = false;  // GUARDED_BY(mutex)
  bool go = false;       // GUARDED_BY(mutex)
  int runs = 0;          // GUARDED_BY(mutex)
  registry_.Register("k", [&](const JobContext&) -> Result<void> {
    std::unique_lock lock(mutex);
    ++runs;
    started = true;
    cv.notify_all();
    cv.wait(lock, [&] { return go; });
    return {};
  });
  const Timestamp t0 = clock_.Now();
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(Sched({.kind = "k", .run_at = t0 - std::chrono::seconds(10 - i)}));
  Worker worker(*db_, clock_, registry_, Options());
  worker.Start();
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(cv.wait_for(lock, 60s, [&] { return started; }));
  }
  worker.RequestStop();
  {
    std::lock_guard lock(mutex);
    go = true;
  }
  cv.notify_all();
  worker.Stop();

  EXPECT_EQ(runs, 1);
  EXPECT_EQ(Get(ids[0]).state, JobState::kDone);
  for (int i = 1; i < 4; ++i) {
    JobInfo j = Get(ids[i]);
    EXPECT_EQ(j.state, JobState::kQueued) << i;
    EXPECT_EQ(j.attempts, 0) << i;
    EXPECT_FALSE(j.locked_by.has_value()) << i;
  }
  EXPECT_EQ(worker.stats().released.load(), 3);

  // After Stop, RunOnce works again.
  {
    std::lock_guard lock(mutex);
    started = false;
  }
  EXPECT_EQ(Run(worker), 3);
  EXPECT_EQ(Counts(), (JobCounts{.done = 4}));
}

// THE property of the job table: workers with separate connection pools (as on separate nodes)
// draining one queue concurrently run every job exactly once.
TEST_P(JobsTest, TwoWorkersOnSeparatePoolsRunEveryJobExactlyOnce) {
  constexpr int kJobs = 2000;
  // Two pools of their own on the test's database, like two server processes.
  auto opened_a = storage::OpenDatabase(url_);
  ASSERT_TRUE(opened_a.has_value()) << opened_a.error().message;
  std::unique_ptr<Database> db_a = std::move(*opened_a);
  auto opened_b = storage::OpenDatabase(url_);
  ASSERT_TRUE(opened_b.has_value()) << opened_b.error().message;
  std::unique_ptr<Database> db_b = std::move(*opened_b);
  // No unique constraint: a duplicate run must show up as a second row, not as a failure.
  ASSERT_TRUE(db_a->ExecScript("CREATE TABLE job_test_runs (job_id TEXT NOT NULL)").has_value());

  ASSERT_TRUE(db_a->Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
                    for (int i = 0; i < kJobs; ++i) {
                      auto id = Schedule(tx, clock_, {.kind = "record", .payload = std::to_string(i)});
                      if (!id) return std::unexpected(id.error());
                    }
                    return {};
                  }).has_value());

  // Each worker's first job waits until the other worker has started one too, so that both
  // are certainly draining at the same time (SQLite's busy polling would otherwise let one
  // worker starve the other for a whole run).
  std::mutex rendezvous_mutex;
  std::condition_variable rendezvous;
  std::array<bool, 2> started = {false, false};  // GUARDED_BY(rendezvous_mutex)
  auto recorder = [&](Database& db, int self) {
    return [&db, &rendezvous_mutex, &rendezvous, &started, self](const JobContext& ctx) -> Result<void> {
      {
        std::unique_lock lock(rendezvous_mutex);
        if (!started[self]) {
          started[self] = true;
          rendezvous.notify_all();
          if (!rendezvous.wait_for(lock, 60s, [&] { return started[1 - self]; })) {
            return Fail(Error::Internal("the other worker never started a job"));
          }
        }
      }
      return db.Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
        auto n = tx.Exec("INSERT INTO job_test_runs (job_id) VALUES (:id)", {{"id", ctx.id}});
        if (!n) return std::unexpected(n.error());
        return {};
      });
    };
  };
  JobRegistry registry_a;
  JobRegistry registry_b;
  registry_a.Register("record", recorder(*db_a, 0));
  registry_b.Register("record", recorder(*db_b, 1));
  WorkerOptions options_a = Options("worker-a");
  WorkerOptions options_b = Options("worker-b");
  options_a.batch_size = options_b.batch_size = 8;
  Worker worker_a(*db_a, clock_, registry_a, options_a);
  Worker worker_b(*db_b, clock_, registry_b, options_b);

  std::mutex error_mutex;
  std::vector<std::string> errors;  // GUARDED_BY(error_mutex)
  auto drain = [&](Worker& worker) {
    while (true) {
      auto n = worker.RunOnce();
      if (!n) {
        std::lock_guard lock(error_mutex);
        errors.push_back(worker.id() + ": " + n.error().message);
        return;
      }
      if (*n == 0) return;  // nothing due that the other worker has not claimed
    }
  };
  const auto start = std::chrono::steady_clock::now();
  std::thread thread_a(drain, std::ref(worker_a));
  std::thread thread_b(drain, std::ref(worker_b));
  thread_a.join();
  thread_b.join();
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  std::cout << "[ timing ] " << storage::BackendName(GetParam()) << ": " << kJobs << " jobs by two workers in "
            << elapsed.count() << " ms (a: " << worker_a.stats().succeeded.load()
            << ", b: " << worker_b.stats().succeeded.load() << ")\n";
  RecordProperty("drain_ms", static_cast<int>(elapsed.count()));
  EXPECT_TRUE(errors.empty()) << errors.front();

  auto runs = db_a->TransactValue<std::pair<std::int64_t, std::int64_t>>(
      storage::kReadOnly, [](Tx& tx) -> Result<std::pair<std::int64_t, std::int64_t>> {
        auto row = tx.QueryOne("SELECT count(*), count(DISTINCT job_id) FROM job_test_runs");
        if (!row) return std::unexpected(row.error());
        return std::pair{(*row)->Int(0), (*row)->Int(1)};
      });
  ASSERT_TRUE(runs.has_value()) << runs.error().message;
  EXPECT_EQ(runs->first, kJobs) << "runs recorded";
  EXPECT_EQ(runs->second, kJobs) << "distinct jobs run";

  auto counts = CountJobs(*db_a);
  ASSERT_TRUE(counts.has_value()) << counts.error().message;
  EXPECT_EQ(*counts, (JobCounts{.done = kJobs}));
  auto first_attempts = db_a->TransactValue<std::int64_t>(storage::kReadOnly, [](Tx& tx) -> Result<std::int64_t> {
    auto row = tx.QueryOne("SELECT count(*) FROM jobs WHERE state = 'done' AND attempts = 1");
    if (!row) return std::unexpected(row.error());
    return (*row)->Int(0);
  });
  ASSERT_TRUE(first_attempts.has_value());
  EXPECT_EQ(*first_attempts, kJobs);

  EXPECT_GT(worker_a.stats().succeeded.load(), 0);
  EXPECT_GT(worker_b.stats().succeeded.load(), 0);
  EXPECT_EQ(worker_a.stats().succeeded.load() + worker_b.stats().succeeded.load(), kJobs);
  EXPECT_EQ(worker_a.stats().claimed.load() + worker_b.stats().claimed.load(), kJobs);
  EXPECT_EQ(worker_a.stats().lost.load() + worker_b.stats().lost.load(), 0);
}

TEST(RetryDelayTest, DoublesFromTheBaseUpToTheCapLessAtMostAQuarter) {
  const std::string id = "0190b3a4-1111-7000-8000-000000000001";
  for (int attempt = 1; attempt <= 8; ++attempt) {
    const std::chrono::microseconds d = std::min<std::chrono::microseconds>(1000ms * (1 << (attempt - 1)), 20s);
    const auto delay = RetryDelay(id, attempt, 1000ms, 20s);
    EXPECT_LE(delay, d) << attempt;
    EXPECT_GE(delay, d * 3 / 4) << attempt;
    EXPECT_EQ(delay, RetryDelay(id, attempt, 1000ms, 20s)) << "deterministic";
  }
  EXPECT_LE(RetryDelay(id, 1000000, 1000ms, 20s), 20s);  // no overflow for absurd attempts
  EXPECT_GE(RetryDelay(id, 1000000, 1000ms, 20s), 15s);
  EXPECT_EQ(RetryDelay(id, 3, 0ms, 20s), 0us);
}

TEST(RetryDelayTest, JitterSpreadsJobsThatFailedTogether) {
  std::set<std::int64_t> delays;
  for (int i = 0; i < 50; ++i) delays.insert(RetryDelay("job-" + std::to_string(i), 1, 1000ms, 3600s).count());
  EXPECT_GT(delays.size(), 40u);
}

TEST(JobStateTest, NamesRoundTrip) {
  for (JobState s : {JobState::kQueued, JobState::kRunning, JobState::kDone, JobState::kDead}) {
    EXPECT_EQ(ParseJobState(JobStateName(s)), s);
  }
  EXPECT_FALSE(ParseJobState("finished").has_value());
}

TEST(JobRegistryTest, FindsRegisteredKindsOnly) {
  JobRegistry registry;
  EXPECT_EQ(registry.Find("a"), nullptr);
  registry.Register("a", [](const JobContext&) -> Result<void> { return Fail(Error::Internal("first")); });
  registry.Register("a", [](const JobContext&) -> Result<void> { return {}; });
  const JobHandler* h = registry.Find("a");
  ASSERT_NE(h, nullptr);
  EXPECT_TRUE((*h)(JobContext{}).has_value());  // the later registration replaced the first
  EXPECT_EQ(registry.Find("b"), nullptr);
}

}  // namespace
}  // namespace wangban::jobs
