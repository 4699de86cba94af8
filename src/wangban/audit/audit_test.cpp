// The audit trail on SQLite and PostgreSQL: appends chain per stream, concurrent writers,
// checkpoints; then every kind of tampering, done with direct SQL as an intruder with database
// access would, and the first bad record Verify names for it.
#include "wangban/audit/audit.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <sstream>
#include <thread>

#include "tests/testing/fixtures.hpp"
#include "tests/testing/postgres_cluster.hpp"
#include "tests/testing/subprocess.hpp"
#include "tests/testing/temp_dir.hpp"
#include "wangban/audit/internal/encoding.hpp"
#include "wangban/storage/migrations.hpp"

namespace wangban::audit {
namespace {

using namespace std::chrono_literals;
using storage::Params;
using storage::Tx;

class AuditTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string url;
    if (GetParam() == "sqlite") {
      url = "sqlite:" + (dir_ / "audit.db").string();
    } else {
      auto* cluster = testing::PostgresCluster::Shared();
      ASSERT_NE(cluster, nullptr);
      url = cluster->CreateDatabase();
    }
    auto db = storage::OpenDatabase(url, {.pool_size = 8});
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
    auto migrated = storage::Migrate(*db_);
    ASSERT_TRUE(migrated.has_value()) << migrated.error().message;
    auto signer = AuditSigner::Generate();
    ASSERT_TRUE(signer.has_value());
    log_ = std::make_unique<AuditLog>(*db_, clock_, *signer);
  }

  AppendedRecord Add(const std::string& stream, const std::string& action = "case.updated",
                     const std::string& details = "{}") {
    auto r = db_->TransactValue<AppendedRecord>(storage::kReadWrite, [&](Tx& tx) {
      return Append(
          tx, clock_,
          {.stream = stream, .actor = "staff-7", .action = action, .subject = "HN-" + stream, .details_json = details});
    });
    EXPECT_TRUE(r.has_value()) << r.error().message;
    clock_.Advance(1ms);
    return r.value_or(AppendedRecord{});
  }

  void Sql(std::string_view sql, const Params& params = {}) {
    auto r = db_->Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
      auto n = tx.Exec(sql, params);
      if (!n) return std::unexpected(n.error());
      return {};
    });
    ASSERT_TRUE(r.has_value()) << sql << ": " << r.error().message;
  }

  std::string Text(std::string_view sql, const Params& params = {}) {
    auto r = db_->TransactValue<std::string>(storage::kReadOnly, [&](Tx& tx) -> Result<std::string> {
      auto row = tx.QueryOne(sql, params);
      if (!row) return std::unexpected(row.error());
      return *row ? (*row)->Text(0) : std::string("<none>");
    });
    EXPECT_TRUE(r.has_value()) << sql;
    return r.value_or("");
  }

  VerifyReport Check() {
    auto report = log_->Verify();
    EXPECT_TRUE(report.has_value()) << report.error().message;
    return report.value_or(VerifyReport{});
  }

  CheckpointInfo Checkpoint() {
    auto c = log_->Checkpoint();
    EXPECT_TRUE(c.has_value()) << c.error().message;
    return c.value_or(CheckpointInfo{});
  }

  // case-A: 5 records, case-B: 3, system: 2; then a checkpoint.
  void Seed() {
    for (int i = 0; i < 5; ++i) a_.push_back(Add("case-A", "case.step", R"({"step":)" + std::to_string(i + 1) + "}"));
    for (int i = 0; i < 3; ++i) b_.push_back(Add("case-B"));
    for (int i = 0; i < 2; ++i) Add("system", "system.started");
    auto c = Checkpoint();
    ASSERT_EQ(c.seq, 1);
    ASSERT_EQ(c.records, 10);
    ASSERT_TRUE(Check().ok);
  }

  // The chain hash a forger would compute for a record placed after `prev_hash_hex`.
  static std::string ForgedHash(const std::string& prev_hash_hex, const std::string& id, const std::string& stream,
                                std::int64_t seq, std::int64_t at, const std::string& actor, const std::string& action,
                                const std::string& subject, const std::string& details) {
    const auto prev = internal::HexDecode(prev_hash_hex);
    EXPECT_TRUE(prev.has_value());
    auto h = internal::ChainHash(*prev, {.id = id,
                                         .stream = stream,
                                         .seq = seq,
                                         .at_us = at,
                                         .actor = actor,
                                         .action = action,
                                         .subject = subject,
                                         .details = details});
    EXPECT_TRUE(h.has_value());
    return internal::HexEncode(*h);
  }

  // Recomputes every hash of `stream` from seq 1 as a forger would, and its head row.
  void RehashStream(const std::string& stream) {
    auto records = ListStream(*db_, stream);
    ASSERT_TRUE(records.has_value());
    std::string prev = internal::HexEncode(internal::GenesisHash());
    for (const auto& r : *records) {
      const auto hash =
          ForgedHash(prev, r.id, r.stream, r.seq, ToMicros(r.at), r.actor, r.action, r.subject, r.details_json);
      Sql("UPDATE audit_records SET hash = :hash WHERE stream = :stream AND seq = :seq",
          {{"hash", hash}, {"stream", stream}, {"seq", r.seq}});
      prev = hash;
    }
    Sql("UPDATE audit_streams SET head_seq = :seq, head_hash = :hash WHERE stream = :stream",
        {{"seq", records->back().seq}, {"hash", prev}, {"stream", stream}});
  }

  void ExpectFirstBad(const VerifyReport& report, std::string_view reason, std::string_view stream, std::int64_t seq,
                      std::string_view id) {
    EXPECT_FALSE(report.ok);
    ASSERT_TRUE(report.first_bad.has_value());
    EXPECT_EQ(report.first_bad->reason, reason) << report.first_bad->message;
    EXPECT_EQ(report.first_bad->stream, stream) << report.first_bad->message;
    EXPECT_EQ(report.first_bad->seq, seq) << report.first_bad->message;
    EXPECT_EQ(report.first_bad->id, id) << report.first_bad->message;
    EXPECT_FALSE(report.first_bad->message.empty());
  }

  testing::TempDir dir_;
  FakeClock clock_{testing::TestEpoch()};
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<AuditLog> log_;
  std::vector<AppendedRecord> a_, b_;
};

INSTANTIATE_TEST_SUITE_P(Backends, AuditTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& param_info) { return param_info.param; });

// ---- Appending

TEST_P(AuditTest, EachStreamIsAChainNumberedFromOne) {
  auto a1 = Add("case-A", "case.submitted", R"({"z": 1, "a": "申请"})");
  auto b1 = Add("case-B");
  auto a2 = Add("case-A", "case.opened");
  EXPECT_EQ(a1.seq, 1);
  EXPECT_EQ(b1.seq, 1);
  EXPECT_EQ(a2.seq, 2);
  EXPECT_EQ(a1.stream, "case-A");
  EXPECT_EQ(a1.hash.size(), 64u);

  auto records = ListStream(*db_, "case-A");
  ASSERT_TRUE(records.has_value());
  ASSERT_EQ(records->size(), 2u);
  const auto& first = (*records)[0];
  EXPECT_EQ(first.id, a1.id);
  EXPECT_EQ(first.actor, "staff-7");
  EXPECT_EQ(first.action, "case.submitted");
  EXPECT_EQ(first.subject, "HN-case-A");
  EXPECT_EQ(first.details_json, R"({"a":"申请","z":1})");  // canonical: compact, keys sorted
  EXPECT_EQ(first.at, testing::TestEpoch());
  // hash(1) = SM3(zeros || record 1); hash(2) = SM3(hash(1) || record 2).
  EXPECT_EQ(first.hash, ForgedHash(internal::HexEncode(internal::GenesisHash()), first.id, "case-A", 1,
                                   ToMicros(first.at), first.actor, first.action, first.subject, first.details_json));
  const auto& second = (*records)[1];
  EXPECT_EQ(second.hash, ForgedHash(first.hash, second.id, "case-A", 2, ToMicros(second.at), second.actor,
                                    second.action, second.subject, second.details_json));
  EXPECT_EQ(ListStream(*db_, "nothing")->size(), 0u);
  auto report = Check();
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.records, 3);
  EXPECT_EQ(report.streams, 2);
  EXPECT_EQ(report.unsigned_records, 3);
  EXPECT_FALSE(report.last_checkpoint.has_value());
}

TEST_P(AuditTest, InvalidRecordsAreRefusedAndWriteNothing) {
  const std::vector<Record> bad = {
      {.stream = "", .actor = "a", .action = "x.y"},
      {.stream = std::string(201, 's'), .actor = "a", .action = "x.y"},
      {.stream = "s\n1", .actor = "a", .action = "x.y"},
      {.stream = "s\xff", .actor = "a", .action = "x.y"},
      {.stream = "s\xe4\xb8", .actor = "a", .action = "x.y"},
      {.stream = "s\xc0\xaf", .actor = "a", .action = "x.y"},          // overlong '/'
      {.stream = "s\xed\xa0\x80", .actor = "a", .action = "x.y"},      // a surrogate
      {.stream = "s\xf4\x90\x80\x80", .actor = "a", .action = "x.y"},  // past U+10FFFF
      {.stream = "s", .actor = "", .action = "x.y"},
      {.stream = "s", .actor = "a", .action = "Case Opened"},
      {.stream = "s", .actor = "a", .action = ""},
      {.stream = "s", .actor = "a", .action = "x.y", .subject = "a\tb"},
      {.stream = "s", .actor = "a", .action = "x.y", .details_json = "[1]"},
      {.stream = "s", .actor = "a", .action = "x.y", .details_json = "{"},
      {.stream = "s", .actor = "a", .action = "x.y", .details_json = R"({"k":")" + std::string(9000, 'v') + "\"}"},
  };
  for (const auto& record : bad) {
    auto r =
        db_->TransactValue<AppendedRecord>(storage::kReadWrite, [&](Tx& tx) { return Append(tx, clock_, record); });
    ASSERT_FALSE(r.has_value()) << record.stream << " " << record.action;
    EXPECT_EQ(r.error().code, ErrorCode::kInternal);
  }
  // Chinese names are fine.
  auto ok = db_->TransactValue<AppendedRecord>(storage::kReadWrite, [&](Tx& tx) {
    return Append(
        tx, clock_,
        {.stream = "案件-1", .actor = "system", .action = "case.opened", .subject = "琼字第1号 \xf0\x9f\x98\x80"});
  });
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(Text("SELECT COUNT(*) FROM audit_records"), "1");
}

TEST_P(AuditTest, AnAppendRollsBackWithTheChangeItRecords) {
  Add("case-A");
  auto r = db_->Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
    auto appended = Append(tx, clock_, {.stream = "case-A", .actor = "a", .action = "case.updated"});
    if (!appended) return std::unexpected(appended.error());
    EXPECT_EQ(appended->seq, 2);
    return Fail(Error::Conflict("the change itself failed"));
  });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(Add("case-A").seq, 2);
  EXPECT_TRUE(Check().ok);
}

// Several appends in one transaction, after LockStream, chain from the head the transaction
// keeps (no read of their own); the kept head goes with a rolled-back write: writes that fail
// and writes that commit, concurrently on one stream (on SQLite several share a group commit),
// leave a chain without gaps.
TEST_P(AuditTest, AppendsAfterLockStreamChainAndFailedWritesLeaveNoTrace) {
  Add("case-L");
  auto two = db_->TransactValue<std::int64_t>(storage::kReadWrite, [&](Tx& tx) -> Result<std::int64_t> {
    if (auto locked = LockStream(tx, "case-L"); !locked) return std::unexpected(locked.error());
    auto first = Append(tx, clock_, {.stream = "case-L", .actor = "a", .action = "case.submitted"});
    if (!first) return std::unexpected(first.error());
    auto second = Append(tx, clock_, {.stream = "case-L", .actor = "system", .action = "case.decided"});
    if (!second) return std::unexpected(second.error());
    return second->seq;
  });
  ASSERT_TRUE(two.has_value()) << two.error().message;
  EXPECT_EQ(*two, 3);
  constexpr int kThreads = 8;
  constexpr int kEach = 20;
  std::vector<std::thread> threads;
  std::atomic<int> committed{0}, unexpected{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const bool fail = (t + i) % 2 == 0;
        auto r = db_->Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
          if (auto locked = LockStream(tx, "case-L"); !locked) return locked;
          auto appended = Append(tx, clock_, {.stream = "case-L", .actor = "a", .action = "case.updated"});
          if (!appended) return std::unexpected(appended.error());
          if (fail) return Fail(Error::Conflict("the change failed", "planned"));
          return {};
        });
        if (r) {
          committed.fetch_add(1);
        } else if (r.error().reason != "planned") {
          unexpected.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_EQ(committed.load(), kThreads * kEach / 2);
  auto report = Check();
  EXPECT_TRUE(report.ok) << (report.first_bad ? report.first_bad->message : "");
  EXPECT_EQ(report.records, 3 + kThreads * kEach / 2);
}

TEST_P(AuditTest, ConcurrentWritersOfDifferentStreams) {
  constexpr int kThreads = 8;
  constexpr int kEach = 40;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = db_->TransactValue<AppendedRecord>(storage::kReadWrite, [&](Tx& tx) {
          return Append(tx, clock_, {.stream = "case-" + std::to_string(t), .actor = "a", .action = "case.updated"});
        });
        if (!r || r->seq != i + 1) failures.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto report = Check();
  EXPECT_TRUE(report.ok) << (report.first_bad ? report.first_bad->message : "");
  EXPECT_EQ(report.records, kThreads * kEach);
  EXPECT_EQ(report.streams, kThreads);
  EXPECT_EQ(Checkpoint().records, kThreads * kEach);
  EXPECT_TRUE(Check().ok);
}

TEST_P(AuditTest, ConcurrentWritersOfOneNewStreamQueueOnItsHead) {
  // All threads start the same, not yet existing stream: the first to insert its head wins, the
  // others retry; afterwards they queue on the head row. No seq is lost or doubled.
  constexpr int kThreads = 6;
  constexpr int kEach = 30;
  std::vector<std::thread> threads;
  std::mutex mutex;
  std::vector<std::int64_t> seqs;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        auto r = db_->TransactValue<AppendedRecord>(storage::kReadWrite, [&](Tx& tx) {
          return Append(tx, clock_, {.stream = "system", .actor = "system", .action = "system.tick"});
        });
        if (!r) {
          failures.fetch_add(1);
          continue;
        }
        std::lock_guard lock(mutex);
        seqs.push_back(r->seq);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  std::sort(seqs.begin(), seqs.end());
  ASSERT_EQ(seqs.size(), static_cast<std::size_t>(kThreads * kEach));
  for (std::size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], static_cast<std::int64_t>(i + 1));
  auto report = Check();
  EXPECT_TRUE(report.ok) << (report.first_bad ? report.first_bad->message : "");
  EXPECT_EQ(report.records, kThreads * kEach);
}

TEST_P(AuditTest, VerifySeesOneConsistentSnapshotWhileOthersWrite) {
  // Appends and checkpoints go on while Verify walks: every report must be clean (a checkpoint,
  // its entries and the heads it marked signed are seen together or not at all).
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; !stop.load(); ++i) {
        auto r = db_->TransactValue<AppendedRecord>(storage::kReadWrite, [&](Tx& tx) {
          return Append(tx, clock_,
                        {.stream = "case-" + std::to_string((t * 7 + i) % 10), .actor = "a", .action = "case.updated"});
        });
        if (!r) failures.fetch_add(1);
      }
    });
  }
  std::thread checkpointer([&] {
    while (!stop.load()) {
      if (!log_->Checkpoint()) failures.fetch_add(1);
    }
  });
  int clean = 0;
  for (int i = 0; i < 10; ++i) {
    auto report = log_->Verify();
    ASSERT_TRUE(report.has_value()) << report.error().message;
    EXPECT_TRUE(report->ok) << report->first_bad->reason << ": " << report->first_bad->message;
    if (report->ok) ++clean;
  }
  stop.store(true);
  for (auto& w : writers) w.join();
  checkpointer.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(clean, 10);
  EXPECT_TRUE(Check().ok);
}

// ---- Checkpoints

TEST_P(AuditTest, CheckpointsSignTheStreamsThatChangedAndChain) {
  EXPECT_EQ(Checkpoint().seq, 0);  // nothing to sign yet
  Seed();
  auto again = Checkpoint();
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.seq, 1);
  EXPECT_EQ(Text("SELECT COUNT(*) FROM audit_checkpoints"), "1");
  EXPECT_EQ(Text("SELECT COUNT(*) FROM audit_checkpoint_entries WHERE checkpoint = 1"), "3");

  Add("case-A");
  Add("case-A");
  auto report = Check();
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.unsigned_records, 2);
  auto second = Checkpoint();
  EXPECT_TRUE(second.created);
  EXPECT_EQ(second.seq, 2);
  EXPECT_EQ(second.streams, 1);
  EXPECT_EQ(second.records, 12);
  auto first_sig = Text("SELECT signature FROM audit_checkpoints WHERE seq = 1");
  EXPECT_TRUE(second.statement.ends_with("\nprevious_signature: " + first_sig)) << second.statement;
  EXPECT_TRUE(second.statement.starts_with("wangban audit checkpoint v1\nseq: 2\n")) << second.statement;
  EXPECT_EQ(Text("SELECT seq FROM audit_checkpoint_entries WHERE checkpoint = 2 AND stream = 'case-A'"), "7");

  report = Check();
  EXPECT_TRUE(report.ok) << report.first_bad->message;
  EXPECT_EQ(report.checkpoints, 2);
  EXPECT_EQ(report.records, 12);
  EXPECT_EQ(report.streams, 3);
  EXPECT_EQ(report.unsigned_records, 0);
  ASSERT_TRUE(report.last_checkpoint.has_value());
  EXPECT_EQ(report.last_checkpoint->seq, 2);
  EXPECT_EQ(report.last_checkpoint->records, 12);
}

TEST_P(AuditTest, ConcurrentCheckpointsMakeOneChain) {
  for (int i = 0; i < 20; ++i) Add("case-" + std::to_string(i % 5));
  std::vector<std::thread> threads;
  std::atomic<int> created{0};
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      auto c = log_->Checkpoint();
      if (!c) {
        failures.fetch_add(1);
      } else if (c->created) {
        created.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(created.load(), 1);
  auto report = Check();
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.checkpoints, 1);
  EXPECT_EQ(report.unsigned_records, 0);
}

TEST_P(AuditTest, CheckpointSignatureVerifiesWithOpenSslAndTheStandardId) {
  Seed();
  auto c = Checkpoint();  // the existing one
  ASSERT_EQ(c.seq, 1);
  auto sig = internal::Base64Decode(c.signature_base64);
  ASSERT_TRUE(sig.has_value());

  BIO* bio = BIO_new_mem_buf(c.public_key_pem.data(), static_cast<int>(c.public_key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(c.public_key_pem, log_->signer().public_key_pem());
  for (const bool with_id : {true, false}) {
    EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new(key, nullptr);
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    if (with_id) {
      EXPECT_EQ(EVP_PKEY_CTX_set1_id(pctx, "1234567812345678", 16), 1);
    }
    EVP_MD_CTX_set_pkey_ctx(md, pctx);
    EXPECT_EQ(EVP_DigestVerifyInit(md, nullptr, EVP_sm3(), nullptr, key), 1);
    const int rc = EVP_DigestVerify(md, reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                                    reinterpret_cast<const unsigned char*>(c.statement.data()), c.statement.size());
    EXPECT_EQ(rc == 1, with_id) << "with the standard ID: " << with_id;
    EVP_MD_CTX_free(md);
    EVP_PKEY_CTX_free(pctx);
  }
  EVP_PKEY_free(key);

  // The exported files verify with the openssl CLI, as docs/audit.md tells operators.
  auto files = ExportCheckpoint(*db_, std::nullopt, dir_ / "export");
  ASSERT_TRUE(files.has_value()) << files.error().message;
  EXPECT_EQ(files->seq, 1);
  EXPECT_FALSE(ExportCheckpoint(*db_, 9, dir_ / "none").has_value());
  std::ostringstream out, err;
  EXPECT_EQ(RunAuditExportCheckpoint(*db_, 1, dir_ / "export", out, err), 0);
  EXPECT_NE(out.str().find("distid:1234567812345678"), std::string::npos);
  if (!std::filesystem::exists("/usr/bin/openssl")) GTEST_SKIP() << "no /usr/bin/openssl";
  auto cli = testing::RunChild(
      {.argv = {"/usr/bin/openssl", "dgst", "-sm3", "-verify", files->public_key.string(), "-sigopt",
                "distid:1234567812345678", "-signature", files->signature.string(), files->statement.string()}},
      "", 30s);
  EXPECT_EQ(cli.exit_status, 0) << cli.output;
  EXPECT_NE(cli.output.find("Verified OK"), std::string::npos) << cli.output;
}

// ---- Tampering with records

TEST_P(AuditTest, AnEditedFieldIsAHashMismatchAtThatRecord) {
  Seed();
  const auto& victim = a_[2];  // case-A seq 3
  struct Edit {
    const char* column;
    const char* change;
    const char* restore;
  };
  const Edit edits[] = {
      {"actor", "UPDATE audit_records SET actor = 'staff-8' WHERE id = :id",
       "UPDATE audit_records SET actor = 'staff-7' WHERE id = :id"},
      {"action", "UPDATE audit_records SET action = 'case.approved' WHERE id = :id",
       "UPDATE audit_records SET action = 'case.step' WHERE id = :id"},
      {"subject", "UPDATE audit_records SET subject = 'HN-other' WHERE id = :id",
       "UPDATE audit_records SET subject = 'HN-case-A' WHERE id = :id"},
      {"details", R"(UPDATE audit_records SET details = '{"step":9}' WHERE id = :id)",
       R"(UPDATE audit_records SET details = '{"step":3}' WHERE id = :id)"},
      {"at", "UPDATE audit_records SET at = at + 1 WHERE id = :id",
       "UPDATE audit_records SET at = at - 1 WHERE id = :id"},
  };
  for (const auto& e : edits) {
    SCOPED_TRACE(e.column);
    Sql(e.change, {{"id", victim.id}});
    ExpectFirstBad(Check(), "hash_mismatch", "case-A", 3, victim.id);
    Sql(e.restore, {{"id", victim.id}});
    EXPECT_TRUE(Check().ok);
  }
  // The id is covered too.
  Sql("UPDATE audit_records SET id = 'forged' WHERE stream = 'case-A' AND seq = 3");
  ExpectFirstBad(Check(), "hash_mismatch", "case-A", 3, "forged");
}

TEST_P(AuditTest, ARecordWhoseHashWasRecomputedBreaksTheNextOne) {
  Seed();
  Sql("UPDATE audit_records SET subject = 'HN-other' WHERE id = :id", {{"id", a_[2].id}});
  const auto hash = ForgedHash(a_[1].hash, a_[2].id, "case-A", 3, ToMicros(a_[2].at), "staff-7", "case.step",
                               "HN-other", R"({"step":3})");
  Sql("UPDATE audit_records SET hash = :hash WHERE id = :id", {{"hash", hash}, {"id", a_[2].id}});
  ExpectFirstBad(Check(), "hash_mismatch", "case-A", 4, a_[3].id);
}

TEST_P(AuditTest, ADeletedRecordIsASeqGap) {
  Seed();
  Sql("DELETE FROM audit_records WHERE id = :id", {{"id", a_[2].id}});
  auto report = Check();
  ExpectFirstBad(report, "seq_gap", "case-A", 4, a_[3].id);
  EXPECT_EQ(report.problems, 1);
}

TEST_P(AuditTest, SwappedRecordsAreDetected) {
  Seed();
  // Records 2 and 3 trade places (through a free seq, since (stream, seq) is unique).
  Sql("UPDATE audit_records SET seq = 100 WHERE id = :id", {{"id", a_[1].id}});
  Sql("UPDATE audit_records SET seq = 2 WHERE id = :id", {{"id", a_[2].id}});
  Sql("UPDATE audit_records SET seq = 3 WHERE id = :id", {{"id", a_[1].id}});
  ExpectFirstBad(Check(), "hash_mismatch", "case-A", 2, a_[2].id);
}

TEST_P(AuditTest, AnInsertedRecordIsDetected) {
  Seed();
  // Make room after seq 2 and slip in a record that chains correctly onto seq 2.
  Sql("UPDATE audit_records SET seq = seq + 100 WHERE stream = 'case-A' AND seq >= 3");
  Sql("UPDATE audit_records SET seq = seq - 99 WHERE stream = 'case-A' AND seq >= 100");
  const std::int64_t at = ToMicros(a_[1].at) + 1;
  const auto hash = ForgedHash(a_[1].hash, "forged-1", "case-A", 3, at, "staff-7", "case.approved", "HN-case-A", "{}");
  Sql("INSERT INTO audit_records (stream, seq, id, at, actor, action, subject, details, hash)"
      " VALUES ('case-A', 3, 'forged-1', :at, 'staff-7', 'case.approved', 'HN-case-A', '{}', :hash)",
      {{"at", at}, {"hash", hash}});
  // The forged record fits, but the one it displaced no longer does.
  ExpectFirstBad(Check(), "hash_mismatch", "case-A", 4, a_[2].id);
}

TEST_P(AuditTest, ARewrittenChainIsCaughtByTheCheckpoint) {
  Seed();
  // The intruder inserts a record and recomputes every hash after it, and the head row: the
  // chain is consistent again, but not what checkpoint 1 signed.
  Sql("UPDATE audit_records SET seq = seq + 100 WHERE stream = 'case-A' AND seq >= 3");
  Sql("UPDATE audit_records SET seq = seq - 99 WHERE stream = 'case-A' AND seq >= 100");
  Sql("INSERT INTO audit_records (stream, seq, id, at, actor, action, subject, details, hash)"
      " VALUES ('case-A', 3, 'forged-1', 1, 'staff-7', 'case.approved', 'HN-case-A', '{}', 'x')");
  RehashStream("case-A");
  auto report = Check();
  ExpectFirstBad(report, "checkpoint_mismatch", "case-A", 5, a_[3].id);
  EXPECT_EQ(report.problems, 1);
}

TEST_P(AuditTest, ADeletionHiddenByARewrittenChainIsCaughtByTheCheckpoint) {
  Seed();
  Sql("DELETE FROM audit_records WHERE id = :id", {{"id", a_[1].id}});
  Sql("UPDATE audit_records SET seq = seq + 100 WHERE stream = 'case-A' AND seq >= 3");
  Sql("UPDATE audit_records SET seq = seq - 101 WHERE stream = 'case-A' AND seq >= 100");
  RehashStream("case-A");
  Sql("UPDATE audit_streams SET signed_seq = 4 WHERE stream = 'case-A'");
  ExpectFirstBad(Check(), "truncated", "case-A", 5, "");
}

TEST_P(AuditTest, AForgedRecordAppendedAtTheEndIsDetected) {
  Seed();
  const std::int64_t at = ToMicros(a_[4].at) + 1;
  const auto hash = ForgedHash(a_[4].hash, "forged-6", "case-A", 6, at, "staff-7", "case.approved", "HN-case-A", "{}");
  Sql("INSERT INTO audit_records (stream, seq, id, at, actor, action, subject, details, hash)"
      " VALUES ('case-A', 6, 'forged-6', :at, 'staff-7', 'case.approved', 'HN-case-A', '{}', :hash)",
      {{"at", at}, {"hash", hash}});
  ExpectFirstBad(Check(), "head_mismatch", "case-A", 6, "forged-6");
  // A forged record with a wrong hash is a mismatch by itself.
  Sql("UPDATE audit_records SET hash = :hash WHERE id = 'forged-6'", {{"hash", std::string(64, '0')}});
  ExpectFirstBad(Check(), "hash_mismatch", "case-A", 6, "forged-6");
}

TEST_P(AuditTest, ATruncatedTailIsDetected) {
  Seed();
  // A careful intruder also rewinds the head row; the checkpoint still knows seq 5.
  Sql("DELETE FROM audit_records WHERE stream = 'case-A' AND seq >= 4");
  Sql("UPDATE audit_streams SET head_seq = 3, head_hash = :hash, signed_seq = 3 WHERE stream = 'case-A'",
      {{"hash", a_[2].hash}});
  auto report = Check();
  ExpectFirstBad(report, "truncated", "case-A", 5, "");
  EXPECT_EQ(report.records, 8);
}

TEST_P(AuditTest, ADeletedStreamIsDetected) {
  Seed();
  Sql("DELETE FROM audit_records WHERE stream = 'case-B'");
  Sql("DELETE FROM audit_streams WHERE stream = 'case-B'");
  auto report = Check();
  ExpectFirstBad(report, "missing_stream", "case-B", 3, "");
  EXPECT_EQ(report.streams, 2);
  // A stream that no checkpoint signed yet is still missed through its head row.
  Add("case-C");
  Sql("DELETE FROM audit_records WHERE stream = 'case-C'");
  report = Check();
  EXPECT_EQ(report.problems, 2);
}

TEST_P(AuditTest, AnEditedHeadRowIsDetected) {
  Seed();
  Sql("UPDATE audit_streams SET head_hash = :hash WHERE stream = 'system'", {{"hash", std::string(64, 'a')}});
  auto records = ListStream(*db_, "system");
  ASSERT_TRUE(records.has_value());
  ExpectFirstBad(Check(), "head_mismatch", "system", 2, records->back().id);
  Sql("UPDATE audit_streams SET head_hash = :hash WHERE stream = 'system'", {{"hash", records->back().hash}});
  EXPECT_TRUE(Check().ok);
  // Hiding a stream from the next checkpoint by marking it signed is visible too.
  Add("system");
  Sql("UPDATE audit_streams SET signed_seq = head_seq WHERE stream = 'system'");
  ExpectFirstBad(Check(), "head_mismatch", "system", 3, ListStream(*db_, "system")->back().id);
}

// The documented limit: what was appended after the last checkpoint is only as safe as the
// database. Cutting it off, head row included, goes unnoticed; the checkpoint job keeps that
// window short.
TEST_P(AuditTest, TruncationAfterTheLastCheckpointIsTheDocumentedLimit) {
  Seed();
  Add("case-A");  // seq 6, not checkpointed
  auto report = Check();
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.unsigned_records, 1);
  Sql("DELETE FROM audit_records WHERE stream = 'case-A' AND seq = 6");
  ExpectFirstBad(Check(), "truncated", "case-A", 6, "");  // the head row still counts it
  Sql("UPDATE audit_streams SET head_seq = 5, head_hash = :hash WHERE stream = 'case-A'", {{"hash", a_[4].hash}});
  EXPECT_TRUE(Check().ok);  // undetectable: it was never signed
}

// ---- Tampering with checkpoints

TEST_P(AuditTest, AnEditedCheckpointIsDetected) {
  Seed();
  Add("case-B");
  ASSERT_EQ(Checkpoint().seq, 2);
  ASSERT_TRUE(Check().ok);
  const auto cp1_id = Text("SELECT id FROM audit_checkpoints WHERE seq = 1");
  const auto cp2_id = Text("SELECT id FROM audit_checkpoints WHERE seq = 2");

  // A column of the row that its statement states.
  Sql("UPDATE audit_checkpoints SET records = 99 WHERE seq = 1");
  ExpectFirstBad(Check(), "bad_checkpoint", "", 1, cp1_id);
  Sql("UPDATE audit_checkpoints SET records = 10 WHERE seq = 1");

  // What it signed for a stream.
  const auto hash = Text("SELECT hash FROM audit_checkpoint_entries WHERE checkpoint = 1 AND stream = 'case-A'");
  Sql("UPDATE audit_checkpoint_entries SET hash = :hash WHERE checkpoint = 1 AND stream = 'case-A'",
      {{"hash", a_[3].hash}});
  ExpectFirstBad(Check(), "bad_checkpoint", "", 1, cp1_id);
  Sql("UPDATE audit_checkpoint_entries SET hash = :hash WHERE checkpoint = 1 AND stream = 'case-A'", {{"hash", hash}});
  ASSERT_TRUE(Check().ok);

  // The statement itself (its signature then fails).
  const auto statement = Text("SELECT statement FROM audit_checkpoints WHERE seq = 2");
  Sql("UPDATE audit_checkpoints SET statement = :s, records = 12 WHERE seq = 2",
      {{"s", statement.substr(0, statement.find("records: ")) + "records: 12" +
                 statement.substr(statement.find("\nstreams: "))}});
  ExpectFirstBad(Check(), "bad_checkpoint_signature", "", 2, cp2_id);
  Sql("UPDATE audit_checkpoints SET statement = :s, records = 11 WHERE seq = 2", {{"s", statement}});
  ASSERT_TRUE(Check().ok);

  // A real signature by the right key, of something else.
  auto other_sig = log_->signer().Sign("something else");
  ASSERT_TRUE(other_sig.has_value());
  const auto signature = Text("SELECT signature FROM audit_checkpoints WHERE seq = 2");
  Sql("UPDATE audit_checkpoints SET signature = :sig WHERE seq = 2", {{"sig", internal::Base64Encode(*other_sig)}});
  ExpectFirstBad(Check(), "bad_checkpoint_signature", "", 2, cp2_id);
  Sql("UPDATE audit_checkpoints SET signature = 'not base64!' WHERE seq = 2");
  ExpectFirstBad(Check(), "bad_checkpoint_signature", "", 2, cp2_id);
  Sql("UPDATE audit_checkpoints SET signature = :sig WHERE seq = 2", {{"sig", signature}});
  ASSERT_TRUE(Check().ok);
}

TEST_P(AuditTest, ACheckpointResignedWithAnotherKeyIsUntrusted) {
  Seed();
  // The intruder rewrites case-A and re-signs checkpoint 1 with a key of his own.
  Sql("UPDATE audit_records SET subject = 'HN-other' WHERE stream = 'case-A' AND seq = 2");
  RehashStream("case-A");
  auto intruder = AuditSigner::Generate();
  ASSERT_TRUE(intruder.has_value());
  AuditLog intruder_log(*db_, clock_, *intruder);
  // His own verification passes (he trusts his key) once he rebuilds checkpoint 1 ...
  Sql("DELETE FROM audit_checkpoint_entries");
  Sql("DELETE FROM audit_checkpoints");
  Sql("UPDATE audit_streams SET signed_seq = 0");
  auto forged = intruder_log.Checkpoint();
  ASSERT_TRUE(forged.has_value());
  ASSERT_EQ(forged->seq, 1);
  EXPECT_TRUE(intruder_log.Verify()->ok);
  // ... and so does a check without a trusted key, which is why the command warns about it ...
  EXPECT_TRUE(VerifyAuditTrail(*db_, {})->ok);
  // ... but not ours.
  ExpectFirstBad(Check(), "untrusted_checkpoint_key", "", 1, forged->id);
  // A retired key of ours is still trusted.
  AuditLog rotated(*db_, clock_, *AuditSigner::Generate(), {intruder->public_key_pem()});
  EXPECT_TRUE(rotated.Verify()->ok);
}

TEST_P(AuditTest, ADeletedCheckpointIsDetected) {
  Seed();
  Add("case-A");
  Checkpoint();
  Add("case-B");
  Checkpoint();
  ASSERT_TRUE(Check().ok);
  const auto cp3_id = Text("SELECT id FROM audit_checkpoints WHERE seq = 3");
  Sql("DELETE FROM audit_checkpoint_entries WHERE checkpoint = 2");
  Sql("DELETE FROM audit_checkpoints WHERE seq = 2");
  auto report = Check();
  ExpectFirstBad(report, "checkpoint_gap", "", 3, cp3_id);
  EXPECT_EQ(report.checkpoints, 2);
  // Renumbering 3 as 2 does not help: it names checkpoint 2's signature.
  Sql("INSERT INTO audit_checkpoints (seq, id, at, records, streams, streams_sm3, statement, signature, public_key)"
      " SELECT 2, id, at, records, streams, streams_sm3, statement, signature, public_key FROM audit_checkpoints"
      " WHERE seq = 3");
  Sql("UPDATE audit_checkpoint_entries SET checkpoint = 2 WHERE checkpoint = 3");
  Sql("DELETE FROM audit_checkpoints WHERE seq = 3");
  ExpectFirstBad(Check(), "bad_checkpoint", "", 2, cp3_id);
}

// ---- The command

TEST_P(AuditTest, VerifyCommandReportsAndExits) {
  std::ostringstream out, err;
  EXPECT_EQ(RunAuditVerify(*db_, out, err, {.trusted_public_keys = {log_->signer().public_key_pem()}}), 0);
  EXPECT_NE(out.str().find("audit trail intact: 0 records"), std::string::npos) << out.str();
  Seed();
  out.str("");
  EXPECT_EQ(RunAuditVerify(*db_, out, err, {.trusted_public_keys = {log_->signer().public_key_pem()}}), 0);
  EXPECT_EQ(out.str(), "audit trail intact: 10 records in 3 streams, 1 checkpoints (last 1 at " +
                           FormatRfc3339(testing::TestEpoch() + 10ms) + "; 0 records since)\n");
  EXPECT_EQ(err.str(), "");
  out.str("");
  EXPECT_EQ(RunAuditVerify(*db_, out, err), 0);
  EXPECT_NE(err.str().find("warning"), std::string::npos);

  Sql("DELETE FROM audit_records WHERE id = :id", {{"id", b_[1].id}});
  out.str("");
  EXPECT_EQ(RunAuditVerify(*db_, out, err), 1);
  EXPECT_EQ(out.str(), "audit trail DAMAGED: seq_gap at stream case-B seq 3 (id " + b_[2].id +
                           "): record 2 is missing\n1 problem in 9 records in 3 streams, 1 checkpoints\n");
}

}  // namespace
}  // namespace wangban::audit
