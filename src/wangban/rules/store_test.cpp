// The rule store on SQLite and PostgreSQL: versions, unchanged puts, invalid rule sets, the
// demo files, and 秒批 end to end: auto_approval.bpmn started on the durable engine with the
// "rules.evaluate" handler.
#include "wangban/rules/store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/testing/fixtures.hpp"
#include "tests/testing/postgres_cluster.hpp"
#include "tests/testing/temp_dir.hpp"
#include "wangban/common/calendar.hpp"
#include "wangban/rules/internal/demo_data.hpp"
#include "wangban/rules/service.hpp"
#include "wangban/storage/migrations.hpp"
#include "wangban/workflow/bpmn_parser.hpp"
#include "wangban/workflow/engine.hpp"

namespace wangban::rules {
namespace {

using workflow::Value;
using Object = Value::Object;

constexpr std::string_view kItem = "002001001000460100HKGAJ";  // 无犯罪记录证明

constexpr std::string_view kRulesV1 =
    R"({"conditions": [{"id": "age_16", "label": "申请人年满16周岁", "expr": {">=": [{"age": {"var": "form.id_number"}}, 16]}}]})";
constexpr std::string_view kRulesV2 =
    R"({"conditions": [{"id": "age_18", "label": "申请人年满18周岁", "expr": {">=": [{"age": {"var": "form.id_number"}}, 18]}}]})";

class RuleStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string url;
    if (GetParam() == "sqlite") {
      url = "sqlite:" + (dir_ / "rules.db").string();
    } else {
      auto* cluster = testing::PostgresCluster::Shared();
      ASSERT_NE(cluster, nullptr);
      url = cluster->CreateDatabase();
    }
    auto db = storage::OpenDatabase(url, {.pool_size = 4});
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
    auto migrated = storage::Migrate(*db_);
    ASSERT_TRUE(migrated.has_value()) << migrated.error().message;
    store_ = std::make_unique<RuleStore>(*db_, clock_);
    AddDemoRecords(registry_, ChinaDate(clock_.Now()));
  }

  Object Case(std::string_view item, const DemoPerson& p) {
    return {{"case", Value(Object{{"id", Value("c-1")},
                                  {"number", Value("HK20261120000001")},
                                  {"item_code", Value(item)},
                                  {"item_version", Value(1)},
                                  {"department", Value("HK-GAJ")}})},
            {"form", Value(Object{{"applicant_name", Value(p.name)},
                                  {"id_number", Value(p.id_number)},
                                  {"phone", Value("13800000001")},
                                  {"purpose", Value("就业")},
                                  {"receiving_unit", Value("海口示例科技有限公司")}})},
            {"applicant", Value(Object{{"id", Value("u-1")}, {"kind", Value("person")}})}};
  }

  testing::TempDir dir_;
  FakeClock clock_{testing::TestEpoch()};
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<RuleStore> store_;
  FakeRegistry registry_;
};

TEST_P(RuleStoreTest, PutWritesTheNextVersionAndKeepsTheOldOnes) {
  auto v1 = store_->Put(kItem, kRulesV1, "admin-1");
  ASSERT_TRUE(v1.has_value()) << v1.error().message;
  EXPECT_EQ(v1->version, 1);
  EXPECT_TRUE(v1->created);
  // The same rules again, keys reordered and re-spaced: nothing written.
  auto same = store_->Put(
      kItem,
      R"({ "conditions": [ {"expr": {">=": [{"age": {"var": "form.id_number"}}, 16]}, "id": "age_16", "label": "申请人年满16周岁"} ] })",
      "admin-2");
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(same->version, 1);
  EXPECT_FALSE(same->created);

  clock_.Advance(std::chrono::hours(1));
  auto v2 = store_->Put(kItem, kRulesV2, "admin-2");
  ASSERT_TRUE(v2.has_value());
  EXPECT_EQ(v2->version, 2);

  auto current = store_->Get(kItem);
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->version, 2);
  EXPECT_EQ(current->latest_version, 2);
  EXPECT_EQ(current->created_by, "admin-2");
  EXPECT_EQ(current->created_at, testing::TestEpoch() + std::chrono::hours(1));
  EXPECT_NE(current->document.find("age_18"), std::string::npos);
  auto first = store_->Get(kItem, 1);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->version, 1);
  EXPECT_EQ(first->latest_version, 2);
  EXPECT_EQ(first->created_by, "admin-1");
  EXPECT_NE(first->document.find("age_16"), std::string::npos);
  // Going back to the first rules is a new version, not a rewrite of history.
  auto v3 = store_->Put(kItem, kRulesV1, "admin-1");
  ASSERT_TRUE(v3.has_value());
  EXPECT_EQ(v3->version, 3);
  EXPECT_TRUE(v3->created);

  EXPECT_EQ(store_->Get(kItem, 4).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->Get("NO-SUCH-ITEM").error().code, ErrorCode::kNotFound);

  auto compiled = store_->Compiled(nullptr, kItem, 2);
  ASSERT_TRUE(compiled.has_value());
  EXPECT_EQ((*compiled)->rules.Conditions().at(0).id, "age_18");
  EXPECT_EQ(store_->Compiled(nullptr, kItem, 4).error().code, ErrorCode::kNotFound);
  auto now = store_->Current(nullptr, kItem);
  ASSERT_TRUE(now.has_value() && *now != nullptr);
  EXPECT_EQ((*now)->version, 3);
  auto none = store_->Current(nullptr, "NO-SUCH-ITEM");
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(*none, nullptr);
}

TEST_P(RuleStoreTest, InvalidRuleSetsAreRefusedWithTheirFields) {
  auto bad = store_->Put(kItem, R"({"conditions": [{"id": "a", "label": "甲", "expr": {"~": [1, 2]}}]})", "admin");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kValidationFailed);
  ASSERT_EQ(bad.error().field_errors.size(), 1u);
  EXPECT_EQ(bad.error().field_errors[0].field, "conditions[0].expr");
  EXPECT_EQ(bad.error().field_errors[0].code, "unknown_operator");
  // With the item's form, variables must name its fields.
  auto unknown_field =
      store_->Put(kItem, R"({"conditions": [{"id": "a", "label": "甲", "expr": {"exists": {"var": "form.age"}}}]})",
                  "admin", {.form_schema = R"({"type": "object", "properties": {"id_number": {"type": "string"}}})"});
  ASSERT_FALSE(unknown_field.has_value());
  EXPECT_EQ(unknown_field.error().field_errors.at(0).code, "unknown_form_field");
  auto bad_code = store_->Put("bad code!", kRulesV1, "admin");
  ASSERT_FALSE(bad_code.has_value());
  EXPECT_EQ(bad_code.error().field_errors.at(0).field, "item_code");
  EXPECT_EQ(store_->Get(kItem).error().code, ErrorCode::kNotFound);  // nothing was written
}

TEST_P(RuleStoreTest, ConcurrentPutsTakeDistinctVersions) {
  constexpr int kWriters = 4;
  std::vector<std::thread> threads;
  std::vector<Result<PutResult>> results(kWriters, Fail(Error::Internal("not run")));
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      const std::string doc =
          R"({"conditions": [{"id": "c", "label": "x", "expr": {"==": [1, )" + std::to_string(i) + "]}}]}";
      results[static_cast<std::size_t>(i)] = store_->Put(kItem, doc, "admin");
    });
  }
  for (auto& t : threads) t.join();
  std::set<int> versions;
  for (const auto& r : results) {
    ASSERT_TRUE(r.has_value()) << r.error().message;
    versions.insert(r->version);
  }
  EXPECT_EQ(versions, (std::set<int>{1, 2, 3, 4}));
}

TEST_P(RuleStoreTest, DemoRuleFilesLoadOnce) {
  const auto files = internal::DemoRuleFiles();
  ASSERT_EQ(files.size(), 9u);
  auto loaded = LoadRuleFiles(*store_, files);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  EXPECT_EQ(*loaded, 9);
  auto again = LoadRuleFiles(*store_, files);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, 0);
  auto broken =
      LoadRuleFiles(*store_, {{"X1", R"({"conditions": [{"id": "a", "label": "甲", "expr": {"var": "x"}}]})"}});
  ASSERT_FALSE(broken.has_value());
  EXPECT_EQ(broken.error().field_errors.at(0).field, "X1.conditions[0].expr.var");
}

TEST_P(RuleStoreTest, DecideCaseUsesTheCurrentVersionAndReplaysOnIt) {
  const auto& zhang = DemoPersons()[0];
  // No rules yet: a person decides.
  auto none = DecideCase(*store_, registry_, clock_, nullptr, Case(kItem, zhang));
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->Find("reason")->as_string(), "no_rules");
  auto nothing = ReplayDecision(*store_, *none);
  ASSERT_FALSE(nothing.has_value());
  EXPECT_EQ(nothing.error().code, ErrorCode::kValidationFailed);

  ASSERT_TRUE(store_->Put(kItem, kRulesV1, "admin").has_value());
  auto first = DecideCase(*store_, registry_, clock_, nullptr, Case(kItem, zhang));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->Find("decision")->as_string(), "approve");
  EXPECT_EQ(first->Find("rule_set_version")->as_number(), 1);

  // 王小明 is 14: not by version 1 (16), and a later version does not change that record.
  const auto& minor = DemoPersons()[2];
  auto young = DecideCase(*store_, registry_, clock_, nullptr, Case(kItem, minor));
  ASSERT_TRUE(young.has_value());
  EXPECT_EQ(young->Find("reason")->as_string(), "condition_false");
  ASSERT_TRUE(store_
                  ->Put(kItem, R"({"conditions": [{"id": "age_12", "label": "年满12周岁",
      "expr": {">=": [{"age": {"var": "form.id_number"}}, 12]}}]})",
                        "admin")
                  .has_value());
  auto later = DecideCase(*store_, registry_, clock_, nullptr, Case(kItem, minor));
  ASSERT_TRUE(later.has_value());
  EXPECT_EQ(later->Find("decision")->as_string(), "approve");
  EXPECT_EQ(later->Find("rule_set_version")->as_number(), 2);
  auto replayed = ReplayDecision(*store_, *young);
  ASSERT_TRUE(replayed.has_value()) << replayed.error().message;
  EXPECT_EQ(*replayed, *young);
  replayed = ReplayDecision(*store_, *later);
  ASSERT_TRUE(replayed.has_value());
  EXPECT_EQ(*replayed, *later);

  // Without an item code there is nothing to evaluate.
  Object vars = Case(kItem, zhang);
  vars.erase("case");
  auto no_item = DecideCase(*store_, registry_, clock_, nullptr, vars);
  ASSERT_TRUE(no_item.has_value());
  EXPECT_EQ(no_item->Find("reason")->as_string(), "no_rules");
}

// A process of the demo: "auto_approval" runs rules.evaluate, "standard_approval" does not.
std::shared_ptr<const workflow::ProcessDefinition> DemoProcess(std::string_view name) {
  auto parsed = workflow::ParseBpmn(
      internal::ReadText(internal::SourceDir() / ("data/processes/" + std::string(name) + ".bpmn")));
  EXPECT_TRUE(parsed.has_value()) << name;
  return parsed ? std::make_shared<const workflow::ProcessDefinition>(std::move(*parsed)) : nullptr;
}

// The rule set version a submission pins in its variables, or -1 for none.
int PinnedVersion(const Object& vars) {
  const Value* v = vars.at("case").Find("rule_set_version");
  return v == nullptr ? -1 : static_cast<int>(v->as_number());
}

// A submission pins the version current at its checks (PinRuleSet); the decision in its write
// uses that version, even when a newer one was put in between, and asks nothing to find it.
TEST_P(RuleStoreTest, TheDecisionUsesTheVersionPinnedAtSubmission) {
  const auto deciding = DemoProcess("auto_approval");
  const auto manual = DemoProcess("standard_approval");
  ASSERT_TRUE(deciding && manual);
  ASSERT_TRUE(deciding->CallsHandler("rules.evaluate"));
  ASSERT_FALSE(manual->CallsHandler("rules.evaluate"));
  auto pin = [&](const workflow::ProcessDefinition& process, Object& vars) {
    return db_->Transact(storage::kReadOnly, [&](storage::Tx& tx) { return PinRuleSet(*store_, tx, process, vars); });
  };

  // No rules yet, or a process that decides nothing: nothing is pinned.
  Object vars = Case(kItem, DemoPersons()[2]);  // 王小明, 14
  ASSERT_TRUE(pin(*deciding, vars).has_value());
  EXPECT_EQ(PinnedVersion(vars), -1);
  ASSERT_TRUE(store_->Put(kItem, kRulesV1, "admin").has_value());  // 16 and over
  ASSERT_TRUE(pin(*manual, vars).has_value());
  EXPECT_EQ(PinnedVersion(vars), -1);

  ASSERT_TRUE(pin(*deciding, vars).has_value());
  EXPECT_EQ(PinnedVersion(vars), 1);
  EXPECT_EQ(vars.at("case").Find("item_code")->as_string(), kItem);  // the rest of `case` kept
  // Version 2 (18 and over) is put between the checks and the write; then a version whose
  // condition would approve 王小明 (12 and over).
  ASSERT_TRUE(store_->Put(kItem, kRulesV2, "admin").has_value());
  ASSERT_TRUE(store_
                  ->Put(kItem, R"({"conditions": [{"id": "age_12", "label": "年满12周岁",
      "expr": {">=": [{"age": {"var": "form.id_number"}}, 12]}}]})",
                        "admin")
                  .has_value());
  auto decided = db_->TransactValue<Value>(
      storage::kReadOnly, [&](storage::Tx& tx) { return DecideCase(*store_, registry_, clock_, &tx, vars); });
  ASSERT_TRUE(decided.has_value()) << decided.error().message;
  EXPECT_EQ(decided->Find("rule_set_version")->as_number(), 1);
  EXPECT_EQ(decided->Find("reason")->as_string(), "condition_false");
  // Unpinned (an instance started before versions were pinned), the current version decides.
  auto current = DecideCase(*store_, registry_, clock_, nullptr, Case(kItem, DemoPersons()[2]));
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->Find("rule_set_version")->as_number(), 3);
  EXPECT_EQ(current->Find("decision")->as_string(), "approve");

  // A pinned version that does not exist is the database's answer, not a decision.
  Object bad = vars;
  Object case_vars = bad.at("case").as_object();
  case_vars["rule_set_version"] = Value(9);
  bad["case"] = Value(std::move(case_vars));
  auto missing = DecideCase(*store_, registry_, clock_, nullptr, bad);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

// A submission asks the registries during its checks (PrefetchLookups through a
// CachingRegistry); the decision in its write then asks nothing and decides the same.
TEST_P(RuleStoreTest, PrefetchedLookupsLeaveTheDecisionNothingToAsk) {
  ASSERT_TRUE(LoadRuleFiles(*store_, internal::DemoRuleFiles()).has_value());
  const auto deciding = DemoProcess("auto_approval");
  ASSERT_NE(deciding, nullptr);
  CachingRegistry cached(registry_, clock_, std::chrono::seconds(30));
  Object vars = Case(kItem, DemoPersons()[0]);
  // Nothing pinned: nothing to ask ahead.
  PrefetchLookups(*store_, cached, clock_, vars);
  EXPECT_EQ(registry_.lookups(), 0);
  ASSERT_TRUE(
      db_->Transact(storage::kReadOnly, [&](storage::Tx& tx) { return PinRuleSet(*store_, tx, *deciding, vars); })
          .has_value());
  PrefetchLookups(*store_, cached, clock_, vars);
  const auto asked = registry_.lookups();
  EXPECT_GE(asked, 2);  // the demo rules of 无犯罪记录证明 look up identity and criminal records
  auto decided = DecideCase(*store_, cached, clock_, nullptr, vars);
  ASSERT_TRUE(decided.has_value()) << decided.error().message;
  EXPECT_EQ(decided->Find("decision")->as_string(), "approve");
  EXPECT_EQ(registry_.lookups(), asked);  // every answer came from the prefetch
  auto direct = DecideCase(*store_, registry_, clock_, nullptr, vars);
  ASSERT_TRUE(direct.has_value());
  EXPECT_EQ(*decided, *direct);
}

TEST(CachingRegistryTest, KeepsEveryAnswerForItsTimeThenAsksAgain) {
  FakeRegistry inner;
  inner.Put("persons", "k1", Value(Object{{"name", Value("张三")}}));
  FakeClock clock{testing::TestEpoch()};
  CachingRegistry cached(inner, clock, std::chrono::seconds(30), /*max_entries=*/3);
  auto record = cached.Lookup("persons", "k1");
  ASSERT_TRUE(record.has_value());
  EXPECT_TRUE(record->has_value());
  auto none = cached.Lookup("persons", "k2");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
  inner.SetAvailable("criminal", false);
  EXPECT_FALSE(cached.Lookup("criminal", "k1").has_value());
  EXPECT_EQ(inner.lookups(), 3);

  // Within the time the same answers, the failure included, and nothing is asked.
  inner.SetAvailable("criminal", true);
  inner.Remove("persons", "k1");
  auto again = cached.Lookup("persons", "k1");
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->has_value());
  EXPECT_FALSE(cached.Lookup("criminal", "k1").has_value());
  EXPECT_EQ(inner.lookups(), 3);

  // Then the registry is asked again.
  clock.Advance(std::chrono::seconds(30));
  again = cached.Lookup("persons", "k1");
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->has_value());
  EXPECT_TRUE(cached.Lookup("criminal", "k1").has_value());
  EXPECT_EQ(inner.lookups(), 5);

  // Never more than its bound.
  for (int i = 0; i < 10; ++i) (void)cached.Lookup("persons", "other-" + std::to_string(i));
  EXPECT_LE(cached.size(), 3u);
}

TEST_P(RuleStoreTest, AutoApprovalProcessRoutesOnTheDecision) {
  ASSERT_TRUE(LoadRuleFiles(*store_, internal::DemoRuleFiles()).has_value());
  WorkingCalendar calendar;
  ASSERT_TRUE(LoadOfficialYears(calendar).has_value());
  workflow::HandlerRegistry handlers;
  RegisterRuleHandlers(handlers, *store_, registry_, clock_);
  int licenses = 0;
  handlers.Register("license.issue", [&licenses](const workflow::ServiceCall&) -> Result<Value> {
    ++licenses;
    return Value(Object{});
  });
  workflow::Engine engine(*db_, clock_, calendar, handlers);
  auto deployed =
      engine.Deploy(internal::ReadText(internal::SourceDir() / "data/processes/auto_approval.bpmn"), "test");
  ASSERT_TRUE(deployed.has_value()) << deployed.error().message;

  // 张三: approved at once, the license issued, the decision kept in the variable `rules`.
  auto approved = engine.Start("auto_approval", "case-1", Case(kItem, DemoPersons()[0]));
  ASSERT_TRUE(approved.has_value()) << approved.error().message;
  EXPECT_TRUE(approved->completed);
  EXPECT_EQ(approved->result, "approved");
  EXPECT_TRUE(approved->opened_tasks.empty());
  EXPECT_EQ(licenses, 1);
  auto instance = engine.GetInstance(approved->instance_id);
  ASSERT_TRUE(instance.has_value());
  const Value& decision = instance->variables.at("rules");
  EXPECT_EQ(decision.Find("decision")->as_string(), "approve");
  EXPECT_EQ(decision.Find("rule_set_version")->as_number(), 1);
  auto replayed = ReplayDecision(*store_, decision);
  ASSERT_TRUE(replayed.has_value());
  EXPECT_EQ(*replayed, decision);
  // The cases module keeps the record as JSON; it replays from there as well.
  const Value stored = workflow::ValueFromJson(nlohmann::json::parse(workflow::ValueToJson(decision).dump()));
  replayed = ReplayDecision(*store_, stored);
  ASSERT_TRUE(replayed.has_value());
  EXPECT_EQ(*replayed, stored);

  // 王小明: a person reviews, with the explanation in the variables.
  auto manual = engine.Start("auto_approval", "case-2", Case(kItem, DemoPersons()[2]));
  ASSERT_TRUE(manual.has_value()) << manual.error().message;
  EXPECT_FALSE(manual->completed);
  ASSERT_EQ(manual->opened_tasks.size(), 1u);
  instance = engine.GetInstance(manual->instance_id);
  ASSERT_TRUE(instance.has_value());
  EXPECT_EQ(instance->variables.at("rules").Find("reason")->as_string(), "condition_false");

  // A registry outage: a person reviews too.
  registry_.SetAvailable("criminal_records", false);
  auto outage = engine.Start("auto_approval", "case-3", Case(kItem, DemoPersons()[0]));
  ASSERT_TRUE(outage.has_value());
  EXPECT_FALSE(outage->completed);
  instance = engine.GetInstance(outage->instance_id);
  ASSERT_TRUE(instance.has_value());
  EXPECT_EQ(instance->variables.at("rules").Find("reason")->as_string(), "undecidable");
  EXPECT_EQ(licenses, 1);
}

// The issue's target is 秒批 from submission to decision under 50 ms at p99 end to end; the
// rules' share (a cached rule set, in-memory registries) must be a small part of it.
TEST_P(RuleStoreTest, DecisionsAreFast) {
  ASSERT_TRUE(LoadRuleFiles(*store_, internal::DemoRuleFiles()).has_value());
  const Object vars = Case(kItem, DemoPersons()[0]);
  ASSERT_TRUE(DecideCase(*store_, registry_, clock_, nullptr, vars).has_value());  // warm the cache
  constexpr int kRuns = 200;
  std::vector<double> ms;
  for (int i = 0; i < kRuns; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto r = DecideCase(*store_, registry_, clock_, nullptr, vars);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    ASSERT_TRUE(r.has_value());
  }
  std::sort(ms.begin(), ms.end());
  const double p99 = ms[kRuns * 99 / 100];
  std::printf("[ rules ] %s: DecideCase p50 %.3f ms, p99 %.3f ms\n", GetParam().c_str(), ms[kRuns / 2], p99);
  // Generous, since debug and sanitizer builds on shared cores run this too: it catches a
  // broken cache or a per-decision reparse, not milliseconds.
  EXPECT_LT(p99, 50.0);
}

INSTANTIATE_TEST_SUITE_P(Backends, RuleStoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const ::testing::TestParamInfo<std::string>& param) { return param.param; });

}  // namespace
}  // namespace wangban::rules
