// The durable engine on SQLite and PostgreSQL with a fake clock, running the four processes
// shipped in data/processes.
#include "wangban/workflow/engine.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <set>
#include <future>
#include <sstream>

#include "tests/testing/fixtures.hpp"
#include "tests/testing/postgres_cluster.hpp"
#include "tests/testing/temp_dir.hpp"
#include "wangban/jobs/worker.hpp"
#include "wangban/storage/migrations.hpp"

namespace wangban::workflow {
namespace {

using namespace std::chrono_literals;

std::string ReadProcess(const std::string& name) {
  const char* root = std::getenv("WANGBAN_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ".") + "/data/processes/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const TaskActor kWindow{"u-window", {"window"}, "HK-XZSP"};
const TaskActor kApprover{"u-approver", {"approver"}, "HK-XZSP"};

class EngineTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string url;
    if (GetParam() == "sqlite") {
      url = "sqlite:" + (dir_ / "wf.db").string();
    } else {
      auto* cluster = testing::PostgresCluster::Shared();
      ASSERT_NE(cluster, nullptr);
      url = cluster->CreateDatabase();
    }
    auto db = storage::OpenDatabase(url, {.pool_size = 4});
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
    ASSERT_TRUE(storage::Migrate(*db_).has_value());
    ASSERT_TRUE(LoadOfficialYears(calendar_).has_value());
    handlers_.Register("notify.send", [this](const ServiceCall&) -> Result<Value> {
      ++notifications_;
      return Value(Value::Object{});
    });
    handlers_.Register("rules.evaluate", [this](const ServiceCall& call) -> Result<Value> {
      const Value* form = nullptr;
      if (auto it = call.variables.find("form"); it != call.variables.end()) form = &it->second;
      const Value* age = form ? form->Find("age") : nullptr;
      const bool ok = age && age->is_number() && age->as_number() >= 18;
      return Value(Value::Object{{"decision", Value(ok ? "approve" : "manual")}});
    });
    handlers_.Register("license.issue", [this](const ServiceCall&) -> Result<Value> {
      ++licenses_;
      return Value(Value::Object{});
    });
    handlers_.Register("payment.request", [](const ServiceCall&) -> Result<Value> { return Value(Value::Object{}); });
    handlers_.Register("delivery.dispatch", [](const ServiceCall&) -> Result<Value> { return Value(Value::Object{}); });
    engine_ = std::make_unique<Engine>(*db_, clock_, calendar_, handlers_);
    for (const char* f : {"standard_approval.bpmn", "parallel_joint_review.bpmn", "auto_approval.bpmn",
                          "supplement_loop.bpmn"}) {
      auto d = engine_->Deploy(ReadProcess(f), "test");
      ASSERT_TRUE(d.has_value()) << f << ": " << d.error().message
                                 << (d.error().field_errors.empty() ? "" : " " + d.error().field_errors[0].message);
    }
  }

  Value::Object CaseVars(double age = 30) {
    return {{"case", Value(Value::Object{{"department", Value("HK-XZSP")}})},
            {"form", Value(Value::Object{{"age", Value(age)}})}};
  }

  std::vector<TaskView> Open(const std::string& instance) {
    TaskFilter f;
    f.instance_id = instance;
    return engine_->ListTasks(f).value_or(std::vector<TaskView>{});
  }

  testing::TempDir dir_;
  FakeClock clock_{testing::TestEpoch()};
  WorkingCalendar calendar_;
  HandlerRegistry handlers_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<Engine> engine_;
  std::atomic<int> notifications_{0};
  std::atomic<int> licenses_{0};
};

TEST_P(EngineTest, StandardApprovalRunsToApproved) {
  auto started = engine_->Start("standard_approval", "case-1", CaseVars());
  ASSERT_TRUE(started.has_value()) << started.error().message;
  ASSERT_EQ(started->opened_tasks.size(), 1u);
  auto task = engine_->GetTask(started->opened_tasks[0]);
  ASSERT_TRUE(task.has_value());
  EXPECT_EQ(task->node_id, "window_acceptance");
  ASSERT_EQ(task->candidates.size(), 1u);
  EXPECT_EQ(task->candidates[0], (CandidateGroup{"window", "HK-XZSP"}));  // the case's department
  EXPECT_EQ(task->outcomes, (std::vector<std::string>{"accept", "refuse", "request_supplement"}));
  // The wrong role, and an outcome the task does not offer, are refused.
  EXPECT_EQ(engine_->Complete(task->id, kApprover, "accept", "", {}).error().reason, "not_a_candidate");
  EXPECT_EQ(engine_->Complete(task->id, kWindow, "approve", "", {}).error().code, ErrorCode::kValidationFailed);
  auto accepted = engine_->Complete(task->id, kWindow, "accept", "材料齐全", {});
  ASSERT_TRUE(accepted.has_value()) << accepted.error().message;
  ASSERT_EQ(accepted->opened_tasks.size(), 1u);
  auto review = engine_->GetTask(accepted->opened_tasks[0]);
  EXPECT_EQ(review->node_id, "department_review");
  auto approved = engine_->Complete(review->id, kApprover, "approve", "同意", {});
  ASSERT_TRUE(approved.has_value()) << approved.error().message;
  EXPECT_TRUE(approved->completed);
  EXPECT_EQ(approved->result, "approved");
  auto instance = engine_->GetInstance(started->instance_id);
  ASSERT_TRUE(instance.has_value());
  EXPECT_EQ(instance->state, "completed");
  EXPECT_EQ(instance->result, "approved");
  EXPECT_EQ(engine_->GetTask(task->id)->state, "completed");
  EXPECT_EQ(engine_->GetTask(task->id)->opinion, "材料齐全");
  // Completing a closed task again is a conflict.
  EXPECT_EQ(engine_->Complete(review->id, kApprover, "approve", "", {}).error().reason, "task_closed");
}

TEST_P(EngineTest, SupplementWaitsForTheMessage) {
  auto started = engine_->Start("standard_approval", "case-2", CaseVars());
  ASSERT_TRUE(started.has_value());
  auto asked = engine_->Complete(started->opened_tasks[0], kWindow, "request_supplement", "缺身份证复印件", {});
  ASSERT_TRUE(asked.has_value()) << asked.error().message;
  EXPECT_TRUE(asked->opened_tasks.empty());
  EXPECT_FALSE(asked->completed);
  EXPECT_EQ(engine_->Correlate(started->instance_id, "payment.paid", {}).error().code, ErrorCode::kNotFound);
  auto resumed = engine_->Correlate(started->instance_id, "supplement.received", {{"files", Value(2)}});
  ASSERT_TRUE(resumed.has_value()) << resumed.error().message;
  ASSERT_EQ(resumed->opened_tasks.size(), 1u);
  EXPECT_EQ(engine_->GetTask(resumed->opened_tasks[0])->node_id, "window_acceptance");
  auto refused = engine_->Complete(resumed->opened_tasks[0], kWindow, "refuse", "不符合条件", {});
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->result, "refused");
}

TEST_P(EngineTest, TheSupplementLoopAsksAtMostTwice) {
  auto started = engine_->Start("supplement_loop", "case-loop", CaseVars());
  ASSERT_TRUE(started.has_value()) << started.error().message;
  std::string task = started->opened_tasks.at(0);
  for (int round = 1; round <= 2; ++round) {
    auto asked = engine_->Complete(task, kWindow, "request_supplement", "缺材料", {});
    ASSERT_TRUE(asked.has_value()) << round << ": " << asked.error().message;
    EXPECT_TRUE(asked->opened_tasks.empty());
    EXPECT_EQ(notifications_.load(), round);  // one complete notice per round (一次性告知)
    auto back = engine_->Correlate(started->instance_id, "supplement.received", {});
    ASSERT_TRUE(back.has_value()) << back.error().message;
    task = back->opened_tasks.at(0);
  }
  // A third request is not allowed: the case is refused instead.
  auto third = engine_->Complete(task, kWindow, "request_supplement", "仍缺材料", {});
  ASSERT_TRUE(third.has_value()) << third.error().message;
  EXPECT_TRUE(third->completed);
  EXPECT_EQ(third->result, "refused");
  EXPECT_EQ(engine_->GetInstance(started->instance_id)->state, "completed");
}

TEST_P(EngineTest, AutoApprovalDecidesWithoutAPerson) {
  auto adult = engine_->Start("auto_approval", "case-3", CaseVars(30));
  ASSERT_TRUE(adult.has_value()) << adult.error().message;
  EXPECT_TRUE(adult->completed);
  EXPECT_EQ(adult->result, "approved");
  EXPECT_TRUE(adult->opened_tasks.empty());
  EXPECT_EQ(licenses_.load(), 1);
  auto minor = engine_->Start("auto_approval", "case-4", CaseVars(12));
  ASSERT_TRUE(minor.has_value());
  ASSERT_EQ(minor->opened_tasks.size(), 1u);
  EXPECT_EQ(engine_->GetTask(minor->opened_tasks[0])->node_id, "manual_review");
  auto denied = engine_->Complete(minor->opened_tasks[0], kApprover, "deny", "不符合年龄要求", {});
  ASSERT_TRUE(denied.has_value());
  EXPECT_EQ(denied->result, "denied");
}

TEST_P(EngineTest, JointReviewCountersignsAcrossThreeDepartments) {
  auto started = engine_->Start("parallel_joint_review", "case-5", CaseVars());
  ASSERT_TRUE(started.has_value());
  auto accepted = engine_->Complete(started->opened_tasks[0], kWindow, "accept", "", {});
  ASSERT_TRUE(accepted.has_value()) << accepted.error().message;
  ASSERT_EQ(accepted->opened_tasks.size(), 3u);
  EXPECT_EQ(notifications_.load(), 1);
  std::vector<std::string> departments;
  for (const auto& id : accepted->opened_tasks) {
    auto t = engine_->GetTask(id);
    ASSERT_TRUE(t.has_value());
    EXPECT_TRUE(t->due_at.has_value());  // the 7-working-day deadline shows on the task
    departments.push_back(t->candidates.at(0).department);
  }
  std::sort(departments.begin(), departments.end());
  EXPECT_EQ(departments, (std::vector<std::string>{"HK-SCJG", "HK-ZJJ", "HK-ZRZY"}));
  // Each department answers for itself; someone from another department cannot.
  auto first = engine_->GetTask(accepted->opened_tasks[0]).value();
  const TaskActor dept0{"u0", {"approver"}, first.candidates[0].department};
  EXPECT_EQ(engine_->Complete(first.id, kApprover, "agree", "", {}).error().reason, "not_a_candidate");
  ASSERT_TRUE(engine_->Complete(first.id, dept0, "agree", "", {}).has_value());
  for (std::size_t i = 1; i < 3; ++i) {
    auto t = engine_->GetTask(accepted->opened_tasks[i]).value();
    auto done = engine_->Complete(t.id, {"u" + std::to_string(i), {"approver"}, t.candidates[0].department}, "agree", "", {});
    ASSERT_TRUE(done.has_value()) << done.error().message;
    if (i < 2) {
      EXPECT_TRUE(done->opened_tasks.empty());
    }
    if (i == 2) {
      EXPECT_FALSE(done->opened_tasks.empty());  // the joint answer opens
    }
  }
}

TEST_P(EngineTest, AnObjectionEndsTheCountersignEarly) {
  auto started = engine_->Start("parallel_joint_review", "case-6", CaseVars());
  auto accepted = engine_->Complete(started->opened_tasks[0], kWindow, "accept", "", {});
  ASSERT_TRUE(accepted.has_value());
  auto t = engine_->GetTask(accepted->opened_tasks[1]).value();
  auto objected = engine_->Complete(t.id, {"u", {"approver"}, t.candidates[0].department}, "object", "规划不符", {});
  ASSERT_TRUE(objected.has_value()) << objected.error().message;
  // The other two reviews are cancelled.
  int cancelled = 0;
  for (const auto& id : accepted->opened_tasks) cancelled += engine_->GetTask(id)->state == "cancelled";
  EXPECT_EQ(cancelled, 2);
}

TEST_P(EngineTest, TheSevenDayTimerClosesOpenReviews) {
  auto started = engine_->Start("parallel_joint_review", "case-7", CaseVars());
  auto accepted = engine_->Complete(started->opened_tasks[0], kWindow, "accept", "", {});
  ASSERT_TRUE(accepted.has_value());
  jobs::JobRegistry registry;
  engine_->RegisterJobs(registry);
  jobs::Worker worker(*db_, clock_, registry);
  // 2026-11-20 (Friday) + 7 working days = 2026-12-01; the timer fires at 2026-12-02 00:00 +08:00.
  auto t = engine_->GetTask(accepted->opened_tasks[0]).value();
  EXPECT_EQ(FormatRfc3339(*t.due_at), "2026-12-02T00:00:00.000+08:00");
  clock_.Set(*t.due_at - 1min);
  EXPECT_EQ(worker.RunOnce().value_or(-1), 0);
  EXPECT_EQ(engine_->GetTask(t.id)->state, "open");
  clock_.Set(*t.due_at + 1s);
  EXPECT_EQ(worker.RunOnce().value_or(-1), 1);
  for (const auto& id : accepted->opened_tasks) EXPECT_EQ(engine_->GetTask(id)->state, "cancelled");
  auto instance = engine_->GetInstance(started->instance_id).value();
  EXPECT_EQ(instance.state, "running");  // on to the joint answer
  EXPECT_FALSE(Open(started->instance_id).empty());
}

TEST_P(EngineTest, ATimerAfterTheTaskIsDoneChangesNothing) {
  auto started = engine_->Start("parallel_joint_review", "case-8", CaseVars());
  auto accepted = engine_->Complete(started->opened_tasks[0], kWindow, "accept", "", {});
  for (const auto& id : accepted->opened_tasks) {
    auto t = engine_->GetTask(id).value();
    ASSERT_TRUE(engine_->Complete(id, {"u", {"approver"}, t.candidates[0].department}, "agree", "", {}).has_value());
  }
  const auto version = engine_->GetInstance(started->instance_id)->version;
  jobs::JobRegistry registry;
  engine_->RegisterJobs(registry);
  jobs::Worker worker(*db_, clock_, registry);
  clock_.Advance(24h * 30);
  EXPECT_EQ(worker.RunOnce().value_or(-1), 1);  // ran, found the task done
  EXPECT_EQ(engine_->GetInstance(started->instance_id)->version, version);
}

TEST_P(EngineTest, ConcurrentCompletionsOfOneTaskHaveOneWinner) {
  for (int round = 0; round < 10; ++round) {
    auto started = engine_->Start("standard_approval", "race-" + std::to_string(round), CaseVars());
    ASSERT_TRUE(started.has_value());
    const std::string task = started->opened_tasks[0];
    std::promise<void> go;
    auto gate = go.get_future().share();
    auto run = [&](const char* outcome) {
      gate.wait();
      return engine_->Complete(task, kWindow, outcome, "", {});
    };
    auto a = std::async(std::launch::async, run, "accept");
    auto b = std::async(std::launch::async, run, "refuse");
    go.set_value();
    auto ra = a.get();
    auto rb = b.get();
    ASSERT_NE(ra.has_value(), rb.has_value()) << "exactly one completion must win";
    const auto& loser = ra ? rb : ra;
    EXPECT_EQ(loser.error().reason, "task_closed");
    auto instance = engine_->GetInstance(started->instance_id).value();
    const std::string winner = ra ? "accept" : "refuse";
    EXPECT_EQ(instance.variables.at("outcome"), Value(winner));
    EXPECT_EQ(Open(started->instance_id).size(), winner == "accept" ? 1u : 0u);
  }
}

TEST_P(EngineTest, ConcurrentCountersignsOfDifferentDepartmentsAllCount) {
  auto started = engine_->Start("parallel_joint_review", "case-9", CaseVars());
  auto accepted = engine_->Complete(started->opened_tasks[0], kWindow, "accept", "", {});
  ASSERT_EQ(accepted->opened_tasks.size(), 3u);
  std::vector<std::future<Result<Transition>>> results;
  for (const auto& id : accepted->opened_tasks) {
    auto t = engine_->GetTask(id).value();
    results.push_back(std::async(std::launch::async, [&, id, dept = t.candidates[0].department] {
      return engine_->Complete(id, {"u-" + dept, {"approver"}, dept}, "agree", "", {});
    }));
  }
  for (auto& r : results) EXPECT_TRUE(r.get().has_value());
  auto instance = engine_->GetInstance(started->instance_id).value();
  const Value* counts = instance.variables.at("outcomes").Find("agree");
  ASSERT_NE(counts, nullptr);
  EXPECT_EQ(*counts, Value(3));
}

TEST_P(EngineTest, RunningInstancesKeepTheirVersion) {
  auto before = engine_->Start("standard_approval", "case-10", CaseVars());
  ASSERT_TRUE(before.has_value());
  std::string text = ReadProcess("standard_approval.bpmn");
  const auto pos = text.find("name=\"部门审查\"");
  ASSERT_NE(pos, std::string::npos);
  text.replace(pos, std::string("name=\"部门审查\"").size(), "name=\"部门审查（新版）\"");
  auto v2 = engine_->Deploy(text, "admin");
  ASSERT_TRUE(v2.has_value());
  EXPECT_EQ(v2->version, 2);
  EXPECT_TRUE(v2->created);
  EXPECT_FALSE(engine_->Deploy(text, "admin")->created);  // same text: no new version
  auto after = engine_->Start("standard_approval", "case-11", CaseVars());
  auto old_next = engine_->Complete(before->opened_tasks[0], kWindow, "accept", "", {});
  auto new_next = engine_->Complete(after->opened_tasks[0], kWindow, "accept", "", {});
  EXPECT_EQ(engine_->GetTask(old_next->opened_tasks[0])->name, "部门审查");
  EXPECT_EQ(engine_->GetTask(new_next->opened_tasks[0])->name, "部门审查（新版）");
  EXPECT_EQ(engine_->GetInstance(before->instance_id)->process_version, 1);
  EXPECT_EQ(engine_->GetInstance(after->instance_id)->process_version, 2);
}

TEST_P(EngineTest, InvalidProcessesAreRefusedWithEveryProblem) {
  auto r = engine_->Deploy(
      R"(<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p">
           <startEvent id="s"/><serviceTask id="x" xmlns:wb="https://wangban.dev/schema/bpmn" wb:handler="nope"/>
           <sequenceFlow id="f" sourceRef="s" targetRef="x"/></process></definitions>)",
      "admin");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kValidationFailed);
  std::set<std::string> codes;
  for (const auto& f : r.error().field_errors) codes.insert(f.code);
  EXPECT_TRUE(codes.contains("unknown_handler"));
  EXPECT_TRUE(codes.contains("no_end_event"));
}

INSTANTIATE_TEST_SUITE_P(Backends, EngineTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace wangban::workflow
