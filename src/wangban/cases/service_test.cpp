// The case service on SQLite and PostgreSQL with a fake clock: the yellow and red warnings of the
// legal clock fire as durable jobs on time, once, and not while the clock is stopped.
#include "wangban/cases/service.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/testing/postgres_cluster.hpp"
#include "tests/testing/temp_dir.hpp"
#include "wangban/catalog/bundle.hpp"
#include "wangban/catalog/internal/demo_files.hpp"
#include "wangban/catalog/item.hpp"
#include "wangban/jobs/worker.hpp"
#include "wangban/storage/migrations.hpp"

namespace wangban::cases {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kHousing = "000707011000460100HKZJJ";           // promised 20 working days
constexpr const char* kNoCriminalRecord = "002001001000460100HKGAJ";  // 无犯罪记录证明, an e-license result

std::string ReadProcess(const std::string& name) {
  const char* root = std::getenv("WANGBAN_SOURCE_DIR");
  return catalog::internal::ReadText(std::filesystem::path(root ? root : ".") / "data" / "processes" / name);
}

identity::Principal Person() { return {.user_id = "u-person", .kind = identity::UserKind::kPerson, .name = "张三"}; }

identity::Principal Staff(std::string id, identity::Role role, std::string department) {
  return {.user_id = std::move(id),
          .kind = identity::UserKind::kStaff,
          .name = "staff",
          .roles = {role},
          .department = std::move(department),
          .region = "460100"};
}

class CaseServiceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string url = "sqlite:" + (dir_ / "cases.db").string();
    if (GetParam() == "postgresql") {
      auto* cluster = testing::PostgresCluster::Shared();
      ASSERT_NE(cluster, nullptr);
      url = cluster->CreateDatabase();
    }
    auto db = storage::OpenDatabase(url, {.pool_size = 4});
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
    ASSERT_TRUE(storage::Migrate(*db_).has_value());
    ASSERT_TRUE(LoadOfficialYears(calendar_).has_value());
    RegisterCaseHandlers(handlers_, clock_);
    engine_ = std::make_unique<workflow::Engine>(*db_, clock_, calendar_, handlers_);
    ASSERT_TRUE(engine_->Deploy(ReadProcess("supplement_loop.bpmn"), "test").has_value());
    catalog_ = std::make_unique<catalog::CatalogStore>(*db_, clock_);
    auto bundle = catalog::ParseCatalogBundle(catalog::internal::DemoCatalogBundleText());
    ASSERT_TRUE(bundle.has_value());
    ASSERT_TRUE(catalog::LoadCatalogBundle(*catalog_, *bundle, "test", "demo").has_value());
    service_ = std::make_unique<CaseService>(*db_, clock_, calendar_, *catalog_, *engine_, FileLookup(), AuditSink());
    ASSERT_TRUE(service_->SetWindowDepartment("460100", "HK-XZSP").has_value());
    service_->RegisterJobs(registry_);
    worker_ = std::make_unique<jobs::Worker>(*db_, clock_, registry_);
  }

  // A complete housing application form.
  static json HousingForm() {
    return {{"applicant_name", "张三"},
            {"id_number", "460100199001011230"},
            {"phone", "13800000001"},
            {"household_size", 3},
            {"monthly_income", 1800},
            {"current_housing_area", 9.5},
            {"hukou_type", "本市户籍"},
            {"address", {{"district", "龙华区"}, {"street", "金贸街道"}, {"detail", "国贸路1号1栋101"}}}};
  }

  std::string Submitted() {
    auto created = service_->Create(Person(), kHousing, HousingForm().dump());
    EXPECT_TRUE(created.has_value()) << (created ? "" : created.error().message);
    const std::string id = created->id;
    EXPECT_TRUE(service_->PutMaterial(Person(), id, "M01", {.license_id = "EL-1"}).has_value());
    EXPECT_TRUE(service_->PutMaterial(Person(), id, "M03", {.commitment = true}).has_value());
    auto submitted = service_->Submit(Person(), id, true);
    EXPECT_TRUE(submitted.has_value()) << (submitted ? "" : submitted.error().message);
    return id;
  }

  std::vector<std::string> EventTypes(const std::string& id) {
    auto c = service_->Get(Staff("u-window", identity::Role::kWindow, "HK-XZSP"), id);
    EXPECT_TRUE(c.has_value());
    std::vector<std::string> types;
    const json view = json::parse(c->view_json);
    for (const auto& e : view["timeline"]) types.push_back(e["type"]);
    return types;
  }

  int RunDueJobs() {
    int total = 0;
    for (;;) {
      auto n = worker_->RunOnce();
      EXPECT_TRUE(n.has_value());
      if (!n || *n == 0) return total;
      total += *n;
    }
  }

  void AdvanceTo(const char* rfc3339) { clock_.Set(*ParseRfc3339(rfc3339)); }

  // The case number claims ("<seq> <case id>", by seq).
  std::vector<std::string> Claims() {
    auto rows = db_->TransactValue<std::vector<storage::Row>>(storage::kReadOnly, [&](storage::Tx& tx) {
      return tx.Query("SELECT seq, case_id FROM case_number_claims ORDER BY seq", {});
    });
    EXPECT_TRUE(rows.has_value());
    std::vector<std::string> out;
    if (rows) {
      for (const auto& r : *rows) out.push_back(std::to_string(r.Int(0)) + " " + r.Text(1));
    }
    return out;
  }

  testing::TempDir dir_;
  FakeClock clock_{*ParseRfc3339("2026-03-04T10:00:00+08:00")};  // Wed
  WorkingCalendar calendar_;
  workflow::HandlerRegistry handlers_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<workflow::Engine> engine_;
  std::unique_ptr<catalog::CatalogStore> catalog_;
  std::unique_ptr<CaseService> service_;
  jobs::JobRegistry registry_;
  std::unique_ptr<jobs::Worker> worker_;
};

// license.issue requests the result of the item version the case was submitted under (named by
// the process variables, else read from the case), not the one the catalog publishes now.
TEST_P(CaseServiceTest, ALicenseRequestFollowsTheItemVersionOfTheCase) {
  const json form = {{"applicant_name", "张三"},
                     {"id_number", "460100199001011230"},
                     {"phone", "13800000001"},
                     {"purpose", "就业"},
                     {"receiving_unit", "海口示例科技有限公司"}};
  std::vector<std::string> ids;
  for (int i = 0; i < 2; ++i) {
    auto created = service_->Create(Person(), kNoCriminalRecord, form.dump());
    ASSERT_TRUE(created.has_value()) << created.error().message;
    ids.push_back(created->id);
  }
  // Version 2 of the item, with another result, published after the cases were made.
  auto stored = catalog_->GetPublished(kNoCriminalRecord);
  ASSERT_TRUE(stored.has_value());
  ASSERT_EQ(stored->version, 1);
  auto item = catalog::ItemFromJson(nlohmann::ordered_json::parse(stored->document));
  ASSERT_TRUE(item.has_value()) << item.error().message;
  item->result = {.name = "无犯罪记录证明（新式样）", .license_type = "无犯罪记录证明（新式样）"};
  ASSERT_TRUE(catalog_->SaveDraft(*item, "catalog", /*create=*/false).has_value());
  auto published = catalog_->Publish(kNoCriminalRecord, std::nullopt, "catalog");
  ASSERT_TRUE(published.has_value()) << published.error().message;
  ASSERT_EQ(published->version, 2);

  const workflow::ServiceHandler* issue = handlers_.Find("license.issue");
  ASSERT_NE(issue, nullptr);
  const workflow::Value::Object with_case{
      {"case", workflow::Value(workflow::Value::Object{{"item_code", workflow::Value(kNoCriminalRecord)},
                                                       {"item_version", workflow::Value(1)}})}};
  const workflow::Value::Object without_case;
  for (int i = 0; i < 2; ++i) {
    auto r = db_->Transact(storage::kReadWrite, [&](storage::Tx& tx) -> Result<void> {
      const workflow::ServiceCall call{.handler = "license.issue",
                                       .instance_id = "instance-" + std::to_string(i),
                                       .business_key = ids[i],
                                       .variables = i == 0 ? with_case : without_case,
                                       .tx = &tx};
      auto answer = (*issue)(call);
      if (!answer) return std::unexpected(answer.error());
      EXPECT_EQ(workflow::ValueToJson(*answer), json({{"requested", true}}));
      return {};
    });
    ASSERT_TRUE(r.has_value()) << r.error().message;
  }
  auto rows = db_->TransactValue<std::vector<storage::Row>>(storage::kReadOnly, [&](storage::Tx& tx) {
    return tx.Query("SELECT case_id, item_code, license_type, result_name, status FROM license_requests", {});
  });
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), 2u);
  for (const auto& row : *rows) {
    EXPECT_EQ(row.Text(1), kNoCriminalRecord);
    EXPECT_EQ(row.OptText(2), std::optional<std::string>("无犯罪记录证明")) << row.Text(0);
    EXPECT_EQ(row.Text(3), "无犯罪记录证明") << row.Text(0);
    EXPECT_EQ(row.Text(4), "pending");
  }
}

// CaseConfig::before_start sees the process's start variables once the checks pass and before
// the write (the case is still a draft then): where 秒批 registry lookups are made ahead.
TEST_P(CaseServiceTest, ASubmissionHandsItsProcessVariablesOverBeforeItsWrite) {
  std::vector<std::string> seen;
  CaseConfig config{.before_start = [&](const workflow::Value::Object& variables) {
    const workflow::Value& c = variables.at("case");
    const std::string id = c.Find("id")->as_string();
    auto status = db_->TransactValue<std::string>(storage::kReadOnly, [&](storage::Tx& tx) -> Result<std::string> {
      auto row = tx.QueryOne("SELECT status FROM cases WHERE id = :id", {{"id", id}});
      if (!row) return std::unexpected(row.error());
      return *row ? (*row)->Text(0) : std::string("missing");
    });
    seen.push_back(c.Find("item_code")->as_string() + " " + (status ? *status : status.error().message) + " " +
                   (variables.contains("form") ? "form" : "no form"));
  }};
  CaseService service(*db_, clock_, calendar_, *catalog_, *engine_, FileLookup(), AuditSink(), config);
  auto created = service.Create(Person(), kHousing, HousingForm().dump());
  ASSERT_TRUE(created.has_value()) << created.error().message;
  ASSERT_TRUE(service.PutMaterial(Person(), created->id, "M01", {.license_id = "EL-1"}).has_value());
  ASSERT_TRUE(service.PutMaterial(Person(), created->id, "M03", {.commitment = true}).has_value());
  // An incomplete submission is refused before: nothing is handed over.
  ASSERT_FALSE(service.Submit(Person(), created->id, /*commitment_signed=*/false).has_value());
  EXPECT_TRUE(seen.empty());
  auto submitted = service.Submit(Person(), created->id, true);
  ASSERT_TRUE(submitted.has_value()) << submitted.error().message;
  EXPECT_EQ(submitted->status, "submitted");
  EXPECT_EQ(seen, std::vector<std::string>{std::string(kHousing) + " draft form"});
}

// A submission is handled by the versions in force at its checks (the submission time): the
// process definition read there is the one started, even when a new version is deployed before
// its write, and what CaseConfig::pin_start records in the variables reaches the process.
TEST_P(CaseServiceTest, ASubmissionStartsTheProcessVersionOfItsChecks) {
  std::vector<std::string> pinned_for;
  CaseConfig config;
  config.pin_start = [&](storage::Tx&, const workflow::ProcessDefinition& process,
                         workflow::Value::Object& variables) -> Result<void> {
    pinned_for.push_back(process.key + " v" + std::to_string(process.version));
    variables.insert_or_assign("pinned", workflow::Value("at the checks"));
    return {};
  };
  config.before_start = [&](const workflow::Value::Object&) {
    std::string bpmn = ReadProcess("supplement_loop.bpmn");
    const std::string name = R"(name="补正循环")";
    bpmn.replace(bpmn.find(name), name.size(), R"(name="补正循环（第二版）")");
    auto deployed = engine_->Deploy(bpmn, "test");
    ASSERT_TRUE(deployed.has_value()) << deployed.error().message;
    EXPECT_EQ(deployed->version, 2);
  };
  CaseService service(*db_, clock_, calendar_, *catalog_, *engine_, FileLookup(), AuditSink(), config);
  auto created = service.Create(Person(), kHousing, HousingForm().dump());
  ASSERT_TRUE(created.has_value()) << created.error().message;
  ASSERT_TRUE(service.PutMaterial(Person(), created->id, "M01", {.license_id = "EL-1"}).has_value());
  ASSERT_TRUE(service.PutMaterial(Person(), created->id, "M03", {.commitment = true}).has_value());
  auto submitted = service.Submit(Person(), created->id, true);
  ASSERT_TRUE(submitted.has_value()) << submitted.error().message;
  EXPECT_EQ(pinned_for, std::vector<std::string>{"supplement_loop v1"});
  auto row = db_->TransactValue<std::optional<storage::Row>>(storage::kReadOnly, [&](storage::Tx& tx) {
    return tx.QueryOne("SELECT id, process_version FROM process_instances WHERE business_key = :k",
                       {{"k", created->id}});
  });
  ASSERT_TRUE(row.has_value() && row->has_value());
  EXPECT_EQ((*row)->Int(1), 1);
  auto instance = engine_->GetInstance((*row)->Text(0));
  ASSERT_TRUE(instance.has_value());
  EXPECT_EQ(instance->variables.at("pinned").as_string(), "at the checks");
  // The next submission starts version 2.
  auto next = service.Create(Person(), kHousing, HousingForm().dump());
  ASSERT_TRUE(next.has_value());
  ASSERT_TRUE(service.PutMaterial(Person(), next->id, "M01", {.license_id = "EL-1"}).has_value());
  ASSERT_TRUE(service.PutMaterial(Person(), next->id, "M03", {.commitment = true}).has_value());
  config.before_start = nullptr;
  CaseService plain(*db_, clock_, calendar_, *catalog_, *engine_, FileLookup(), AuditSink(), config);
  ASSERT_TRUE(plain.Submit(Person(), next->id, true).has_value());
  EXPECT_EQ(pinned_for.back(), "supplement_loop v2");
}

TEST_P(CaseServiceTest, YellowAndRedWarningsFireOnTimeAndOnce) {
  const std::string id = Submitted();
  // Due 2026-04-01 (20 working days). Yellow at 80%: the 16th working day, 2026-03-26.
  AdvanceTo("2026-03-25T23:59:00+08:00");
  RunDueJobs();
  auto types = EventTypes(id);
  EXPECT_EQ(std::count(types.begin(), types.end(), "warning_yellow"), 0);

  AdvanceTo("2026-03-26T00:00:01+08:00");
  EXPECT_GE(RunDueJobs(), 1);
  types = EventTypes(id);
  EXPECT_EQ(std::count(types.begin(), types.end(), "warning_yellow"), 1);
  EXPECT_EQ(std::count(types.begin(), types.end(), "warning_red"), 0);

  // Red from the day after the due date.
  AdvanceTo("2026-04-01T23:00:00+08:00");
  RunDueJobs();
  types = EventTypes(id);
  EXPECT_EQ(std::count(types.begin(), types.end(), "warning_red"), 0);
  AdvanceTo("2026-04-02T00:00:01+08:00");
  EXPECT_GE(RunDueJobs(), 1);
  types = EventTypes(id);
  EXPECT_EQ(std::count(types.begin(), types.end(), "warning_red"), 1);
  EXPECT_EQ(std::count(types.begin(), types.end(), "warning_yellow"), 1);

  // The department was told.
  auto notes = db_->TransactValue<storage::Rows>(storage::kReadOnly, [&](storage::Tx& tx) {
    return tx.Query("SELECT kind FROM notifications WHERE recipient = 'department:HK-ZJJ' ORDER BY id");
  });
  ASSERT_TRUE(notes.has_value());
  ASSERT_EQ(notes->size(), 2u);
  EXPECT_EQ((*notes)[0].Text(0), "clock.yellow");
  EXPECT_EQ((*notes)[1].Text(0), "clock.red");
}

TEST_P(CaseServiceTest, NoWarningWhileTheApplicantHoldsTheCase) {
  const std::string id = Submitted();
  auto tasks = engine_->ListTasks({.groups = {{"window", "HK-XZSP"}}});
  ASSERT_TRUE(tasks.has_value());
  ASSERT_EQ(tasks->size(), 1u);
  auto asked =
      service_->Complete(Staff("u-window", identity::Role::kWindow, "HK-XZSP"), (*tasks)[0].id,
                         {.outcome = "request_supplement", .opinion = "请补正", .missing = {{"M02", "请提供户口簿"}}});
  ASSERT_TRUE(asked.has_value()) << asked.error().message;
  EXPECT_EQ(asked->status, "supplement_requested");
  // The old yellow date passes while the clock is stopped: the job finds no warning to give.
  AdvanceTo("2026-03-27T09:00:00+08:00");
  RunDueJobs();
  auto types = EventTypes(id);
  EXPECT_EQ(std::count(types.begin(), types.end(), "warning_yellow"), 0);
}

// Runs `before_next_write` (once) just before the next write transaction starts: a change that
// lands between a submission's checks and its write.
class InterposedDatabase final : public storage::Database {
 public:
  explicit InterposedDatabase(storage::Database& inner) : inner_(inner) {}
  std::function<void()> before_next_write;

  storage::Backend backend() const override { return inner_.backend(); }
  std::string redacted_url() const override { return inner_.redacted_url(); }
  Result<void> Transact(const storage::TxOptions& options,
                        const std::function<Result<void>(storage::Tx&)>& fn) override {
    if (options.write && before_next_write) {
      auto hook = std::move(before_next_write);
      before_next_write = nullptr;
      hook();
    }
    return inner_.Transact(options, fn);
  }
  Result<void> Ping() override { return inner_.Ping(); }
  Result<void> ExecScript(std::string_view sql) override { return inner_.ExecScript(sql); }

 private:
  storage::Database& inner_;
};

TEST_P(CaseServiceTest, ASubmissionChecksAgainWhenTheCaseChangesAfterItsChecks) {
  InterposedDatabase interposed(*db_);
  CaseService service(interposed, clock_, calendar_, *catalog_, *engine_, FileLookup(), AuditSink());
  auto created = service.Create(Person(), kHousing, HousingForm().dump());
  ASSERT_TRUE(created.has_value()) << created.error().message;
  const std::string id = created->id;
  ASSERT_TRUE(service.PutMaterial(Person(), id, "M01", {.license_id = "EL-1"}).has_value());
  ASSERT_TRUE(service.PutMaterial(Person(), id, "M03", {.commitment = true}).has_value());
  // The checks pass on the complete draft; before the write, a required material disappears
  // (as another device's edit would, which also moves the case's version).
  interposed.before_next_write = [&] {
    auto removed = db_->Transact(storage::kReadWrite, [&](storage::Tx& tx) -> Result<void> {
      if (auto r = tx.Exec("DELETE FROM case_materials WHERE case_id = :c AND material_code = 'M01'", {{"c", id}});
          !r) {
        return std::unexpected(r.error());
      }
      if (auto r = tx.Exec("UPDATE cases SET version = version + 1 WHERE id = :c", {{"c", id}}); !r) {
        return std::unexpected(r.error());
      }
      return {};
    });
    ASSERT_TRUE(removed.has_value()) << removed.error().message;
  };
  auto submitted = service.Submit(Person(), id, true);
  ASSERT_FALSE(submitted.has_value());
  EXPECT_EQ(submitted.error().code, ErrorCode::kValidationFailed);
  ASSERT_EQ(submitted.error().field_errors.size(), 1u);
  EXPECT_EQ(submitted.error().field_errors[0].field, "materials.M01");
  // Nothing was written: still a draft without a number, no process, no number taken.
  auto row = db_->TransactValue<std::optional<storage::Row>>(storage::kReadOnly, [&](storage::Tx& tx) {
    return tx.QueryOne("SELECT status, number, instance_id FROM cases WHERE id = :c", {{"c", id}});
  });
  ASSERT_TRUE(row.has_value() && row->has_value());
  EXPECT_EQ((*row)->Text(0), "draft");
  EXPECT_TRUE((*row)->IsNull(1));
  EXPECT_TRUE((*row)->IsNull(2));
  // PostgreSQL claimed number 1 for the case before the write; SQLite takes numbers only
  // inside the write, and wrote nothing.
  EXPECT_EQ(Claims(), GetParam() == "postgresql" ? std::vector<std::string>{"1 " + id} : std::vector<std::string>{});
  // Checked now, number 1 is void on PostgreSQL (claimed by this case, on no case); SQLite
  // issued nothing.
  auto report = CheckNumbers(*db_, "2026-03-04");
  ASSERT_TRUE(report.has_value()) << report.error().message;
  if (GetParam() == "postgresql") {
    ASSERT_EQ(report->size(), 1u);
    EXPECT_EQ((*report)[0].last, 1);
    ASSERT_EQ((*report)[0].void_numbers.size(), 1u);
    EXPECT_EQ((*report)[0].void_numbers[0].case_id, id);
    EXPECT_TRUE((*report)[0].ok());
  } else {
    EXPECT_TRUE(report->empty());
  }
  // Put back, it goes through, numbered 000001: the abandoned attempt took no number (on
  // PostgreSQL the case's claim is used again).
  ASSERT_TRUE(service.PutMaterial(Person(), id, "M01", {.license_id = "EL-1"}).has_value());
  auto again = service.Submit(Person(), id, true);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->status, "submitted");
  ASSERT_TRUE(again->number.has_value());
  EXPECT_TRUE(again->number->ends_with("-000001")) << *again->number;
  EXPECT_EQ(json::parse(again->view_json)["status"], "submitted");
  EXPECT_EQ(Claims(), GetParam() == "postgresql" ? std::vector<std::string>{"1 " + id} : std::vector<std::string>{});
}

TEST_P(CaseServiceTest, ConcurrentSubmissionsNumberEveryCaseOnceWithoutGaps) {
  // Sixteen drafts; each is submitted by two requests at once (two devices, a retry).
  std::vector<std::string> ids;
  for (int i = 0; i < 16; ++i) {
    auto created = service_->Create(Person(), kHousing, HousingForm().dump());
    ASSERT_TRUE(created.has_value()) << created.error().message;
    ASSERT_TRUE(service_->PutMaterial(Person(), created->id, "M01", {.license_id = "EL-1"}).has_value());
    ASSERT_TRUE(service_->PutMaterial(Person(), created->id, "M03", {.commitment = true}).has_value());
    ids.push_back(created->id);
  }
  std::mutex mutex;
  std::map<std::string, std::vector<std::string>> numbers;  // by case: the numbers answered
  std::vector<std::string> refusals;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < 4; ++k) {
        const std::string& id = ids[static_cast<std::size_t>((t % 4) * 4 + k)];  // threads t and t+4 share cases
        auto r = service_->Submit(Person(), id, true);
        std::lock_guard lock(mutex);
        if (r) {
          numbers[id].push_back(r->number.value_or("?"));
        } else {
          refusals.push_back(r.error().reason);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  // Every case submitted exactly once; the other request was told it already was.
  ASSERT_EQ(numbers.size(), ids.size());
  std::set<std::string> all;
  for (const auto& [id, got] : numbers) {
    ASSERT_EQ(got.size(), 1u) << id;
    all.insert(got[0]);
  }
  EXPECT_EQ(refusals, std::vector<std::string>(ids.size(), "already_submitted"));
  // Numbers 1..16 of the day, each on one case: none lost to the refused requests.
  std::set<std::string> expected;
  for (int i = 1; i <= 16; ++i)
    expected.insert("460100-20260304-" + std::string(i < 10 ? "00000" : "0000") + std::to_string(i));
  EXPECT_EQ(all, expected);
  // On PostgreSQL every number has its claim, naming the case that carries it.
  if (GetParam() == "postgresql") {
    std::vector<std::string> want;
    for (const auto& [id, got] : numbers) want.push_back(std::to_string(std::stoi(got[0].substr(16))) + " " + id);
    std::sort(want.begin(), want.end());
    auto have = Claims();
    std::sort(have.begin(), have.end());
    EXPECT_EQ(have, want);
  }
  auto report = CheckNumbers(*db_, "2026-03-04", "460100");
  ASSERT_TRUE(report.has_value()) << report.error().message;
  ASSERT_EQ(report->size(), 1u);
  EXPECT_EQ((*report)[0].last, 16);
  EXPECT_EQ((*report)[0].on_cases, 16);
  EXPECT_TRUE((*report)[0].void_numbers.empty());
  EXPECT_TRUE((*report)[0].ok());

  // Someone clears a case's number and its claim by hand: the number is unaccounted for.
  const std::string& victim = numbers.begin()->first;
  const std::int64_t victim_seq = std::stoll(numbers.begin()->second[0].substr(16));
  auto edited = db_->Transact(storage::kReadWrite, [&](storage::Tx& tx) -> Result<void> {
    if (auto r = tx.Exec("UPDATE cases SET number = NULL WHERE id = :c", {{"c", victim}}); !r) {
      return std::unexpected(r.error());
    }
    if (auto r = tx.Exec("DELETE FROM case_number_claims WHERE case_id = :c", {{"c", victim}}); !r) {
      return std::unexpected(r.error());
    }
    // And writes a number the counter never reached onto another case.
    if (auto r = tx.Exec("UPDATE cases SET number = '460100-20260304-000099' WHERE id = :c", {{"c", ids.back()}}); !r) {
      return std::unexpected(r.error());
    }
    return {};
  });
  ASSERT_TRUE(edited.has_value()) << edited.error().message;
  report = CheckNumbers(*db_, "2026-03-04");
  ASSERT_TRUE(report.has_value());
  ASSERT_EQ(report->size(), 1u);
  EXPECT_FALSE((*report)[0].ok());
  EXPECT_EQ((*report)[0].on_cases, 14);
  ASSERT_EQ((*report)[0].inconsistent.size(), 1u);
  EXPECT_NE((*report)[0].inconsistent[0].find("000099"), std::string::npos);
  // The case moved to 000099 left its own number: on PostgreSQL void (its claim stays), on
  // SQLite unaccounted.
  std::vector<std::int64_t> expected_unaccounted = {victim_seq};
  if (GetParam() == "sqlite") {
    expected_unaccounted.push_back(std::stoll(numbers.at(ids.back())[0].substr(16)));
    std::sort(expected_unaccounted.begin(), expected_unaccounted.end());
  } else {
    ASSERT_EQ((*report)[0].void_numbers.size(), 1u);
    EXPECT_EQ((*report)[0].void_numbers[0].case_id, ids.back());
  }
  EXPECT_EQ((*report)[0].unaccounted, expected_unaccounted);
  EXPECT_EQ(CheckNumbers(*db_, "4 March").error().code, ErrorCode::kValidationFailed);
}

INSTANTIATE_TEST_SUITE_P(Backends, CaseServiceTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace wangban::cases
