// Database behaviour that every backend must share; runs on SQLite and on a throwaway PostgreSQL.
#include "wangban/storage/database.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <future>
#include <thread>

#include "tests/testing/postgres_cluster.hpp"
#include "tests/testing/temp_dir.hpp"
#include "wangban/storage/migrations.hpp"

namespace wangban::storage {
namespace {

class DatabaseTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      url_ = "sqlite:" + (dir_ / "test.db").string();
    } else {
      auto* cluster = testing::PostgresCluster::Shared();
      ASSERT_NE(cluster, nullptr);
      url_ = cluster->CreateDatabase();
      ASSERT_FALSE(url_.empty());
    }
    auto db = OpenDatabase(url_, DatabaseOptions{.pool_size = 4});
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
    auto r = db_->ExecScript(
        "CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT UNIQUE, score DOUBLE PRECISION, note TEXT);"
        "CREATE TABLE child (id BIGINT PRIMARY KEY, parent BIGINT NOT NULL REFERENCES t(id));");
    ASSERT_TRUE(r.has_value()) << r.error().message;
  }

  Result<void> Insert(std::int64_t id, std::string name) {
    return db_->Transact(kReadWrite, [&](Tx& tx) -> Result<void> {
      auto r = tx.Exec("INSERT INTO t (id, name, score, note) VALUES (:id, :name, :score, :note)",
                       {{"id", id}, {"name", name}, {"score", 1.5}, {"note", kNull}});
      if (!r) return std::unexpected(r.error());
      return {};
    });
  }

  std::int64_t Count() {
    auto n = db_->TransactValue<std::int64_t>(kReadOnly, [](Tx& tx) -> Result<std::int64_t> {
      auto row = tx.QueryOne("SELECT COUNT(*) AS n FROM t");
      if (!row) return std::unexpected(row.error());
      return (*row)->Int("n");
    });
    EXPECT_TRUE(n.has_value());
    return n.value_or(-1);
  }

  testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
};

TEST_P(DatabaseTest, ReportsItsBackend) {
  EXPECT_EQ(BackendName(db_->backend()), GetParam());
  EXPECT_TRUE(db_->Ping().has_value());
}

TEST_P(DatabaseTest, RoundTripsEveryValueKind) {
  ASSERT_TRUE(Insert(1, "甲 Alpha").has_value());
  auto rows = db_->TransactValue<Rows>(kReadOnly, [](Tx& tx) {
    return tx.Query("SELECT id, name, score, note FROM t WHERE id = :id", {{"id", std::int64_t{1}}});
  });
  ASSERT_TRUE(rows.has_value()) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);
  const Row& r = rows->front();
  EXPECT_EQ(r.Int("id"), 1);
  EXPECT_EQ(r.Text("name"), "甲 Alpha");
  EXPECT_DOUBLE_EQ(r.Real(2), 1.5);
  EXPECT_TRUE(r.IsNull("note"));
  EXPECT_EQ(r.OptText("note"), std::nullopt);
  EXPECT_EQ(r.OptInt("id"), 1);
}

TEST_P(DatabaseTest, KeepsSixtyFourBitIntegers) {
  const std::int64_t big = 1'763'700'000'123'456;  // a timestamp in microseconds
  ASSERT_TRUE(db_->Transact(kReadWrite,
                            [&](Tx& tx) -> Result<void> {
                              auto r = tx.Exec("INSERT INTO t (id, name) VALUES (:id, 'big')", {{"id", big}});
                              if (!r) return std::unexpected(r.error());
                              return {};
                            })
                  .has_value());
  auto v = db_->TransactValue<std::int64_t>(kReadOnly, [](Tx& tx) -> Result<std::int64_t> {
    auto row = tx.QueryOne("SELECT id FROM t WHERE name = 'big'");
    if (!row) return std::unexpected(row.error());
    return (*row)->Int(0);
  });
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(*v, big);
}

// Placeholders are `:name`; text in quotes, comments and `::` casts are not placeholders, and a
// name used twice is one value (PostgreSQL gets `$n` in their place).
TEST_P(DatabaseTest, BindsNamedPlaceholdersButNotQuotedTextOrCasts) {
  ASSERT_TRUE(Insert(7, "it's :name").has_value());
  auto rows = db_->TransactValue<Rows>(kReadOnly, [](Tx& tx) {
    return tx.Query(
        "SELECT id, name, ':id' AS quoted, CAST(:id AS BIGINT) + CAST(:id AS BIGINT) AS twice -- not :a placeholder\n"
        " FROM t WHERE id = :id AND name = 'it''s :name'",
        {{"id", std::int64_t{7}}, {"unused", std::string("ignored")}});
  });
  ASSERT_TRUE(rows.has_value()) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().Text("name"), "it's :name");
  EXPECT_EQ(rows->front().Text("quoted"), ":id");
  EXPECT_EQ(rows->front().Int("twice"), 14);
  if (GetParam() == "postgresql") {
    auto cast = db_->TransactValue<Rows>(kReadOnly, [](Tx& tx) {
      return tx.Query("SELECT :v::BIGINT * 2 AS doubled, (:t)::TEXT AS t", {{"v", std::string("21")}, {"t", kNull}});
    });
    ASSERT_TRUE(cast.has_value()) << cast.error().message;
    EXPECT_EQ(cast->front().Int("doubled"), 42);
    EXPECT_TRUE(cast->front().IsNull("t"));
  }
}

// Statements are prepared once per connection and run many times: the plan PostgreSQL keeps
// after the first executions (and SQLite's prepared statement) answers like the first; a failed
// statement leaves the connection and its statements usable.
TEST_P(DatabaseTest, ReusedStatementsAnswerLikeTheFirstRun) {
  for (std::int64_t id = 1; id <= 20; ++id) ASSERT_TRUE(Insert(id, "n" + std::to_string(id)).has_value());
  for (int round = 0; round < 3; ++round) {
    for (std::int64_t id = 1; id <= 20; ++id) {
      auto name = db_->TransactValue<std::string>(kReadOnly, [&](Tx& tx) -> Result<std::string> {
        auto row = tx.QueryOne("SELECT name FROM t WHERE id = :id", {{"id", id}});
        if (!row) return std::unexpected(row.error());
        if (!*row) return std::string("(none)");
        return (*row)->Text(0);
      });
      ASSERT_TRUE(name.has_value()) << name.error().message;
      EXPECT_EQ(*name, "n" + std::to_string(id));
    }
    auto dup = Insert(1, "again");
    ASSERT_FALSE(dup.has_value());
    EXPECT_EQ(dup.error().reason, "unique_violation");
  }
  EXPECT_EQ(Count(), 20);
}

// A value missing for a placeholder is an error on PostgreSQL, never a silent NULL.
TEST_P(DatabaseTest, AMissingValueIsAnErrorOnPostgres) {
  if (GetParam() != "postgresql") GTEST_SKIP() << "SQLite binds a missing value as NULL";
  auto r = db_->TransactValue<Rows>(kReadOnly, [](Tx& tx) { return tx.Query("SELECT name FROM t WHERE id = :id"); });
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find(":id"), std::string::npos) << r.error().message;
}

// Prepared statements that vanish from the connection (DEALLOCATE ALL, as a pooler may run) are
// prepared again: the first statement after fails, the next runs.
TEST_P(DatabaseTest, StatementsGoneFromTheConnectionArePreparedAgain) {
  if (GetParam() != "postgresql") GTEST_SKIP() << "PostgreSQL's server-side statements";
  auto small = OpenDatabase(url_, DatabaseOptions{.pool_size = 1});
  ASSERT_TRUE(small.has_value()) << small.error().message;
  auto& db = **small;
  auto count = [&]() {
    return db.TransactValue<std::int64_t>(kReadOnly, [](Tx& tx) -> Result<std::int64_t> {
      auto row = tx.QueryOne("SELECT COUNT(*) FROM t");
      if (!row) return std::unexpected(row.error());
      return (*row)->Int(0);
    });
  };
  ASSERT_TRUE(count().has_value());
  ASSERT_TRUE(db.ExecScript("DEALLOCATE ALL").has_value());
  bool ran = false;
  for (int attempt = 0; attempt < 2 && !ran; ++attempt) ran = count().has_value();
  EXPECT_TRUE(ran);
  auto again = count();
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(*again, 0);
}

// Deferred writes (sent with the next statement on PostgreSQL) are seen by the statements after
// them and committed with the transaction.
TEST_P(DatabaseTest, DeferredWritesAreSeenByLaterStatementsAndCommitted) {
  auto seen = db_->TransactValue<std::int64_t>(kReadWrite, [](Tx& tx) -> Result<std::int64_t> {
    for (std::int64_t id = 1; id <= 3; ++id) {
      if (auto r = tx.Defer("INSERT INTO t (id, name) VALUES (:id, :name)",
                            {{"id", id}, {"name", "d" + std::to_string(id)}}, {.changes = 1});
          !r) {
        return std::unexpected(r.error());
      }
    }
    auto row = tx.QueryOne("SELECT COUNT(*) FROM t");
    if (!row) return std::unexpected(row.error());
    // Deferred to the COMMIT itself.
    if (auto r = tx.Defer("UPDATE t SET note = 'last' WHERE id = :id", {{"id", std::int64_t{3}}}, {.changes = 1}); !r) {
      return std::unexpected(r.error());
    }
    return (*row)->Int(0);
  });
  ASSERT_TRUE(seen.has_value()) << seen.error().message;
  EXPECT_EQ(*seen, 3);
  EXPECT_EQ(Count(), 3);
  auto note = db_->TransactValue<std::string>(kReadOnly, [](Tx& tx) -> Result<std::string> {
    auto row = tx.QueryOne("SELECT note FROM t WHERE id = 3");
    if (!row) return std::unexpected(row.error());
    return (*row)->Text(0);
  });
  ASSERT_TRUE(note.has_value());
  EXPECT_EQ(*note, "last");
}

// A deferred write that fails, or changes other than the rows it must, fails its transaction
// (with the error asked for) and nothing of the transaction stays.
TEST_P(DatabaseTest, AFailedDeferredWriteFailsItsTransaction) {
  ASSERT_TRUE(Insert(1, "a").has_value());
  auto dup = db_->Transact(kReadWrite, [](Tx& tx) -> Result<void> {
    if (auto r = tx.Exec("INSERT INTO t (id, name) VALUES (2, 'b')"); !r) return std::unexpected(r.error());
    return tx.Defer("INSERT INTO t (id, name) VALUES (:id, 'c')", {{"id", std::int64_t{1}}},
                    {.on_unique_violation = Error::Internal("id 1 taken")});
  });
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code, ErrorCode::kInternal);
  EXPECT_EQ(dup.error().message, "id 1 taken");
  EXPECT_EQ(Count(), 1);

  auto stale = db_->Transact(kReadWrite, [](Tx& tx) -> Result<void> {
    if (auto r = tx.Exec("INSERT INTO t (id, name) VALUES (3, 'c')"); !r) return std::unexpected(r.error());
    if (auto r = tx.Defer("UPDATE t SET note = 'x' WHERE id = :id", {{"id", std::int64_t{99}}},
                          {.changes = 1, .otherwise = Error::Conflict("row 99 changed", "stale")});
        !r) {
      return std::unexpected(r.error());
    }
    // The statement it goes with reports the failure (on SQLite, Defer itself did).
    auto after = tx.QueryOne("SELECT COUNT(*) FROM t");
    if (!after) return std::unexpected(after.error());
    return {};
  });
  ASSERT_FALSE(stale.has_value());
  EXPECT_EQ(stale.error().reason, "stale");
  EXPECT_EQ(Count(), 1);
  // The same as the transaction's last statement: the COMMIT must not go with it.
  auto last = db_->Transact(kReadWrite, [](Tx& tx) -> Result<void> {
    if (auto r = tx.Exec("INSERT INTO t (id, name) VALUES (3, 'c')"); !r) return std::unexpected(r.error());
    if (auto r = tx.Defer("INSERT INTO t (id, name) VALUES (5, 'e')", {}); !r) return std::unexpected(r.error());
    return tx.Defer("UPDATE t SET note = 'x' WHERE id = :id", {{"id", std::int64_t{99}}},
                    {.changes = 1, .otherwise = Error::Conflict("row 99 changed", "stale")});
  });
  ASSERT_FALSE(last.has_value());
  EXPECT_EQ(last.error().reason, "stale");
  EXPECT_EQ(Count(), 1);
  // The connection is fine afterwards.
  ASSERT_TRUE(Insert(4, "d").has_value());
  EXPECT_EQ(Count(), 2);
}

// A callback that goes on past a failed statement and returns success: on PostgreSQL the
// failure aborted the transaction, whose COMMIT then rolls back, and Transact must say so; on
// SQLite only the failed statement is undone and the rest commits.
TEST_P(DatabaseTest, ACommitAfterAnIgnoredFailureIsNotReportedAsCommitted) {
  ASSERT_TRUE(Insert(1, "a").has_value());
  auto r = db_->Transact(kReadWrite, [](Tx& tx) -> Result<void> {
    if (auto ok = tx.Exec("INSERT INTO t (id, name) VALUES (2, 'b')"); !ok) return std::unexpected(ok.error());
    (void)tx.Exec("INSERT INTO t (id, name) VALUES (1, 'dup')");  // fails; the error is dropped
    return {};
  });
  if (GetParam() == "postgresql") {
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kInternal);
    EXPECT_EQ(Count(), 1);
  } else {
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(Count(), 2);
  }
  ASSERT_TRUE(Insert(3, "c").has_value());  // the connection is fine afterwards
}

TEST_P(DatabaseTest, ClassifiesConstraintViolations) {
  ASSERT_TRUE(Insert(1, "a").has_value());
  auto dup = Insert(2, "a");
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict);
  EXPECT_EQ(dup.error().reason, "unique_violation");
  auto fk = db_->Transact(kReadWrite, [](Tx& tx) -> Result<void> {
    auto r = tx.Exec("INSERT INTO child (id, parent) VALUES (1, 999)");
    if (!r) return std::unexpected(r.error());
    return {};
  });
  ASSERT_FALSE(fk.has_value());
  EXPECT_EQ(fk.error().reason, "foreign_key_violation");
}

TEST_P(DatabaseTest, RollsBackWhenTheCallbackFails) {
  auto r = db_->Transact(kReadWrite, [](Tx& tx) -> Result<void> {
    auto a = tx.Exec("INSERT INTO t (id, name) VALUES (1, 'kept?')");
    if (!a) return std::unexpected(a.error());
    return Fail(Error::Conflict("business rule says no"));
  });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "business rule says no");
  EXPECT_EQ(Count(), 0);
  // A failing statement in the middle leaves nothing half-written either.
  ASSERT_TRUE(Insert(5, "x").has_value());
  auto half = db_->Transact(kReadWrite, [](Tx& tx) -> Result<void> {
    if (auto a = tx.Exec("INSERT INTO t (id, name) VALUES (6, 'y')"); !a) return std::unexpected(a.error());
    if (auto b = tx.Exec("INSERT INTO t (id, name) VALUES (7, 'x')"); !b) return std::unexpected(b.error());
    return {};
  });
  ASSERT_FALSE(half.has_value());
  EXPECT_EQ(Count(), 1);
}

TEST_P(DatabaseTest, AutocommitWritesCommitEachStatementOnPostgresOnly) {
  ASSERT_TRUE(Insert(5, "x").has_value());
  auto r = db_->Transact({.write = true, .autocommit = true}, [](Tx& tx) -> Result<void> {
    if (auto a = tx.Exec("INSERT INTO t (id, name) VALUES (6, 'y')"); !a) return std::unexpected(a.error());
    if (auto b = tx.Exec("INSERT INTO t (id, name) VALUES (7, 'x')"); !b) return std::unexpected(b.error());
    return {};
  });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason, "unique_violation");
  // PostgreSQL committed the first statement on its own; SQLite ran one transaction.
  EXPECT_EQ(Count(), GetParam() == "postgresql" ? 2 : 1);
  // The connection is fit for the next transaction (no transaction left open on it).
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(Insert(100 + i, "n" + std::to_string(i)).has_value()) << i;
}

TEST_P(DatabaseTest, ReportsAffectedRows) {
  ASSERT_TRUE(Insert(1, "a").has_value());
  ASSERT_TRUE(Insert(2, "b").has_value());
  auto n = db_->TransactValue<std::int64_t>(kReadWrite, [](Tx& tx) {
    return tx.Exec("UPDATE t SET note = :n WHERE id >= :min", {{"n", "x"}, {"min", 1}});
  });
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 2);
}

TEST_P(DatabaseTest, QueryOneOnEmptyResultIsNullopt) {
  auto row = db_->TransactValue<std::optional<Row>>(kReadOnly, [](Tx& tx) {
    return tx.QueryOne("SELECT id FROM t WHERE id = :id", {{"id", 42}});
  });
  ASSERT_TRUE(row.has_value());
  EXPECT_FALSE(row->has_value());
}

TEST_P(DatabaseTest, ConcurrentWritersAllCommit) {
  constexpr int kThreads = 4;
  constexpr int kEach = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::int64_t id = t * 1000 + i;
        auto r = db_->Transact(kReadWrite, [&](Tx& tx) -> Result<void> {
          // read-check-write: count then insert
          auto c = tx.QueryOne("SELECT COUNT(*) FROM t");
          if (!c) return std::unexpected(c.error());
          auto w =
              tx.Exec("INSERT INTO t (id, name) VALUES (:id, :name)", {{"id", id}, {"name", "n" + std::to_string(id)}});
          if (!w) return std::unexpected(w.error());
          return {};
        });
        if (!r) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Count(), kThreads * kEach);
}

TEST_P(DatabaseTest, MigratesAndRefusesDrift) {
  auto report = Migrate(*db_);
  ASSERT_TRUE(report.has_value()) << report.error().message;
  const auto& all = MigrationsFor(db_->backend());
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(report->from_version, 0);
  EXPECT_EQ(report->to_version, all.back().version);
  EXPECT_EQ(report->applied.size(), all.size());
  // Idempotent.
  auto again = Migrate(*db_);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->applied.empty());
  EXPECT_EQ(SchemaVersion(*db_).value_or(-1), all.back().version);
  // A changed migration text is refused.
  ASSERT_TRUE(db_->Transact(kReadWrite,
                            [](Tx& tx) -> Result<void> {
                              auto r = tx.Exec("UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 1");
                              if (!r) return std::unexpected(r.error());
                              return {};
                            })
                  .has_value());
  auto drift = Migrate(*db_);
  ASSERT_FALSE(drift.has_value());
  EXPECT_EQ(drift.error().reason, "schema_drift");
}

TEST_P(DatabaseTest, RefusesASchemaNewerThanTheBinary) {
  ASSERT_TRUE(Migrate(*db_).has_value());
  ASSERT_TRUE(db_->Transact(kReadWrite,
                            [](Tx& tx) -> Result<void> {
                              auto r = tx.Exec(
                                  "INSERT INTO schema_migrations (version, name, checksum, applied_at)"
                                  " VALUES (9999, '9999_future', 'x', 0)");
                              if (!r) return std::unexpected(r.error());
                              return {};
                            })
                  .has_value());
  auto r = Migrate(*db_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason, "schema_drift");
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& param_info) { return param_info.param; });

TEST(SqliteTest, BusyIsRetryableAndRetriesSucceedOnceTheLockIsFree) {
  testing::TempDir dir;
  const std::string url = "sqlite:" + (dir / "lock.db").string();
  // Two Database objects stand for two processes: the in-process writer lock does not help.
  auto a = OpenDatabase(url, DatabaseOptions{.pool_size = 1, .sqlite_busy_timeout_ms = 1});
  auto b = OpenDatabase(url, DatabaseOptions{.pool_size = 1, .sqlite_busy_timeout_ms = 1});
  ASSERT_TRUE(a && b);
  ASSERT_TRUE((*a)->ExecScript("CREATE TABLE k (v BIGINT)").has_value());
  std::mutex m;
  std::condition_variable cv;
  bool holding = false, release = false;
  std::thread holder([&] {
    auto r = (*a)->Transact(kReadWrite, [&](Tx& tx) -> Result<void> {
      if (auto e = tx.Exec("INSERT INTO k (v) VALUES (1)"); !e) return std::unexpected(e.error());
      std::unique_lock lock(m);
      holding = true;
      cv.notify_all();
      cv.wait(lock, [&] { return release; });
      return {};
    });
    EXPECT_TRUE(r.has_value());
  });
  {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return holding; });
  }
  auto insert = [](Tx& tx) -> Result<void> {
    if (auto e = tx.Exec("INSERT INTO k (v) VALUES (2)"); !e) return std::unexpected(e.error());
    return {};
  };
  // While the other "process" holds the write lock, the attempt fails as retryable.
  auto busy = (*b)->Transact(TxOptions{.write = true, .max_attempts = 2}, insert);
  ASSERT_FALSE(busy.has_value());
  EXPECT_EQ(busy.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(busy.error().reason, "retry");
  // A transaction that keeps retrying gets through once the lock is released.
  auto retried = std::async(std::launch::async,
                            [&] { return (*b)->Transact(TxOptions{.write = true, .max_attempts = 1000}, insert); });
  {
    std::lock_guard lock(m);
    release = true;
    cv.notify_all();
  }
  holder.join();
  auto r = retried.get();
  ASSERT_TRUE(r.has_value()) << r.error().message;
}

TEST(SqliteTest, GroupCommitKeepsEachTransactionAllOrNothing) {
  testing::TempDir dir;
  auto db = OpenDatabase("sqlite:" + (dir / "group.db").string(), DatabaseOptions{.pool_size = 4});
  ASSERT_TRUE(db.has_value());
  ASSERT_TRUE((*db)->ExecScript("CREATE TABLE g (id BIGINT PRIMARY KEY, v TEXT NOT NULL)").has_value());
  constexpr int kThreads = 16, kEach = 40;
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::int64_t id = t * 1000 + i;
        auto r = (*db)->Transact(kReadWrite, [&](Tx& tx) -> Result<void> {
          // Two rows per transaction; every 5th transaction fails after its first row.
          if (auto e = tx.Exec("INSERT INTO g (id, v) VALUES (:id, 'a')", {{"id", id}}); !e)
            return std::unexpected(e.error());
          if (i % 5 == 4) return Fail(Error::Conflict("refused by the caller"));
          if (auto e = tx.Exec("INSERT INTO g (id, v) VALUES (:id, 'b')", {{"id", id + 500}}); !e) {
            return std::unexpected(e.error());
          }
          return {};
        });
        (r ? ok : failed) += 1;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kThreads * kEach * 4 / 5);
  EXPECT_EQ(failed.load(), kThreads * kEach / 5);
  auto n = (*db)->TransactValue<std::int64_t>(kReadOnly, [](Tx& tx) -> Result<std::int64_t> {
    auto row = tx.QueryOne("SELECT COUNT(*) FROM g");
    if (!row) return std::unexpected(row.error());
    return (*row)->Int(0);
  });
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 2 * ok.load());  // both rows of every success, neither row of any failure
  // A constraint error in one transaction of a batch fails only that one.
  auto dup = (*db)->Transact(kReadWrite, [](Tx& tx) -> Result<void> {
    auto e = tx.Exec("INSERT INTO g (id, v) VALUES (0, 'dup')");
    if (!e) return std::unexpected(e.error());
    return {};
  });
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().reason, "unique_violation");
}

// No connection checkpoints inside its commit (the writer would stall every write behind it):
// the background checkpointer copies the WAL back, and a closing database leaves it empty.
TEST(SqliteTest, TheWalStaysBoundedUnderSteadyWritesAndAClosedDatabaseKeepsEverything) {
  testing::TempDir dir;
  const auto path = dir / "wal.db";
  const auto wal = std::filesystem::path(path.string() + "-wal");
  {
    auto db = OpenDatabase("sqlite:" + path.string(), DatabaseOptions{.pool_size = 2});
    ASSERT_TRUE(db.has_value());
    ASSERT_TRUE((*db)->ExecScript("CREATE TABLE w (id BIGINT PRIMARY KEY, v TEXT NOT NULL)").has_value());
    auto autocheckpoint = (*db)->TransactValue<std::int64_t>(kReadOnly, [](Tx& tx) -> Result<std::int64_t> {
      auto row = tx.QueryOne("PRAGMA wal_autocheckpoint");
      if (!row) return std::unexpected(row.error());
      return (*row)->Int(0);
    });
    ASSERT_TRUE(autocheckpoint.has_value());
    EXPECT_EQ(*autocheckpoint, 0);
    // ~60 MB in 2,000 transactions (~15,000 pages), far past the 1,000 pages that wake the
    // checkpointer and the 4,000 at which the writer checkpoints itself: the WAL starts over
    // instead of growing with every write.
    const std::string payload(30000, 'x');
    std::uintmax_t largest = 0;
    for (int i = 0; i < 2000; ++i) {
      auto r = (*db)->Transact(kReadWrite, [&](Tx& tx) -> Result<void> {
        auto e = tx.Exec("INSERT INTO w (id, v) VALUES (:id, :v)", {{"id", i}, {"v", payload}});
        if (!e) return std::unexpected(e.error());
        return {};
      });
      ASSERT_TRUE(r.has_value()) << r.error().message;
      if (i % 100 == 99) largest = std::max(largest, std::filesystem::file_size(wal));
    }
    // 4,000 pages of 4 KiB with their frame headers, and the pages of the transactions that
    // committed while the checkpointer held the checkpoint lock (the writer's own checkpoint
    // then does nothing until its next commit): a few, more on a loaded machine (4,128 pages
    // once under a parallel build). Unbounded, the WAL would pass 15,000 pages.
    EXPECT_LT(largest, 5000u * (4096 + 24)) << "the WAL grew to " << largest << " bytes";
  }
  // Closed: the last checkpoint truncated the WAL, and everything is in the database file.
  EXPECT_TRUE(!std::filesystem::exists(wal) || std::filesystem::file_size(wal) == 0);
  auto again = OpenDatabase("sqlite:" + path.string(), DatabaseOptions{.pool_size = 1});
  ASSERT_TRUE(again.has_value());
  auto n = (*again)->TransactValue<std::int64_t>(kReadOnly, [](Tx& tx) -> Result<std::int64_t> {
    auto row = tx.QueryOne("SELECT COUNT(*) FROM w");
    if (!row) return std::unexpected(row.error());
    return (*row)->Int(0);
  });
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 2000);
}

TEST(PostgresUrlTest, ConvertsToKeywordValue) {
  EXPECT_EQ(PostgresUrlToConnString("postgresql://wb:p%40ss@db.example:5433/wangban?sslmode=require").value(),
            "user='wb' password='p@ss' host='db.example' port='5433' dbname='wangban' sslmode='require'");
  EXPECT_EQ(PostgresUrlToConnString("postgres://u@[::1]:5432/d").value(), "user='u' host='::1' port='5432' dbname='d'");
  EXPECT_EQ(PostgresUrlToConnString("postgresql:///d?host=/tmp/sock").value(), "dbname='d' host='/tmp/sock'");
  EXPECT_EQ(PostgresUrlToConnString("postgresql://u:it's@h/d").value(),
            "user='u' password='it\\'s' host='h' dbname='d'");
  EXPECT_FALSE(PostgresUrlToConnString("postgresql://u:%zz@h/d").has_value());
}

TEST(OpenDatabaseTest, RejectsUnknownSchemes) {
  auto r = OpenDatabase("mysql://x");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kBadRequest);
  EXPECT_FALSE(OpenDatabase("sqlite:").has_value());
}

TEST(OpenDatabaseTest, UnreachablePostgresIsUnavailableAndRedacted) {
  auto r = OpenDatabase("postgresql://u:secret@127.0.0.1:1/none?connect_timeout=2");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().message.find("secret"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace wangban::storage
