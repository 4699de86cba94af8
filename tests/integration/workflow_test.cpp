// Processes and the calendar through the real binary on SQLite and PostgreSQL: deploying BPMN
// (validated, versioned), reading it back, working-day arithmetic, loading a calendar year, and
// the CLI commands `bpmn validate` and `calendar add-working-days`.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "tests/testing/postgres_cluster.hpp"
#include "tests/testing/server_process.hpp"

namespace wangban::testing {
namespace {

std::string SourceFile(const std::string& rel) {
  const char* root = std::getenv("WANGBAN_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ".") + "/" + rel);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class WorkflowApiTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = DatabaseFor(GetParam());
    ASSERT_FALSE(db_.empty());
  }

  std::string Login(const HttpClient& client, const std::string& account) {
    auto r = client.PostJson("/api/v1/sessions", {{"account", account}, {"password", "Wangban@2026"}});
    EXPECT_EQ(r.status, 201) << r.body;
    return "Bearer " + r.Json().value("token", "");
  }

  std::string db_;
};

TEST_P(WorkflowApiTest, AdminsDeployVersionedProcessesThatStaffCanRead) {
  ServerProcess server({.db = db_, .extra_args = {"--demo", "--password-hash-cost", "minimum"}});
  ASSERT_TRUE(server.ok()) << server.output();
  auto client = server.client();
  const std::string admin = Login(client, "admin");
  const std::string bpmn = SourceFile("data/processes/standard_approval.bpmn");
  auto put = [&](const std::string& key, const std::string& body) {
    return client.Send({.method = "PUT", .target = "/api/v1/processes/" + key,
                        .headers = {{"Authorization", admin}, {"Content-Type", "application/xml"}}, .body = body});
  };
  // --demo deployed the shipped process: the same text is no new version.
  auto first = put("standard_approval", bpmn);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.Json()["version"], 1);
  auto same = put("standard_approval", bpmn);
  EXPECT_EQ(same.status, 200);
  EXPECT_EQ(same.Json()["created"], false);
  std::string changed = bpmn;
  changed.replace(changed.find("部门审查"), std::string("部门审查").size(), "部门审核");
  auto second = put("standard_approval", changed);
  EXPECT_EQ(second.status, 201);
  EXPECT_EQ(second.Json()["version"], 2);

  const std::string window = Login(client, "window");
  auto latest = client.Get("/api/v1/processes/standard_approval", {{"Authorization", window}});
  EXPECT_EQ(latest.status, 200);
  EXPECT_NE(latest.Header("content-type").find("application/xml"), std::string::npos);
  EXPECT_NE(latest.body.find("部门审核"), std::string::npos);
  auto v1 = client.Get("/api/v1/processes/standard_approval?version=1", {{"Authorization", window}});
  EXPECT_NE(v1.body.find("部门审查"), std::string::npos);
  EXPECT_EQ(client.Get("/api/v1/processes/nope", {{"Authorization", window}}).status, 404);

  // The key in the path must be the process id; invalid processes list every problem.
  EXPECT_EQ(put("other_key", bpmn).status, 422);
  auto invalid = put("broken", R"(<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">
      <process id="broken"><startEvent id="s"/><inclusiveGateway id="g"/>
      <sequenceFlow id="f" sourceRef="s" targetRef="g"/></process></definitions>)");
  EXPECT_EQ(invalid.status, 422);
  std::set<std::string> codes;
  const nlohmann::json problem = invalid.Json();
  for (const auto& e : problem["errors"]) codes.insert(e["code"].get<std::string>());
  EXPECT_TRUE(codes.contains("unsupported_element")) << invalid.body;
  EXPECT_TRUE(codes.contains("no_end_event")) << invalid.body;
  // A process naming a service handler this server does not have is refused.
  std::string unknown_handler = SourceFile("data/processes/parallel_joint_review.bpmn");
  for (std::size_t at; (at = unknown_handler.find("notify.send")) != std::string::npos;) {
    unknown_handler.replace(at, std::string("notify.send").size(), "fax.send");
  }
  auto unknown = put("parallel_joint_review", unknown_handler);
  EXPECT_EQ(unknown.status, 422);
  EXPECT_NE(unknown.body.find("unknown_handler"), std::string::npos);
  auto not_xml = put("standard_approval", "<not really");
  EXPECT_EQ(not_xml.status, 400) << not_xml.body;
}

TEST_P(WorkflowApiTest, WorkingDaysFollowTheOfficialCalendarAndLoadedYears) {
  ServerProcess server({.db = db_, .extra_args = {"--demo", "--password-hash-cost", "minimum"}});
  ASSERT_TRUE(server.ok()) << server.output();
  auto client = server.client();
  auto spring = client.Get("/api/v1/calendar/working-days?from=2024-02-08&days=2");
  EXPECT_EQ(spring.status, 200);
  EXPECT_EQ(spring.Json()["date"], "2024-02-18");  // across Spring Festival, onto a make-up Sunday
  EXPECT_EQ(client.Get("/api/v1/calendar/working-days?from=2026-09-30&days=1").Json()["date"], "2026-10-08");
  EXPECT_EQ(client.Get("/api/v1/calendar/working-days?from=2026-03-02&days=0").Json()["date"], "2026-03-02");
  for (const char* bad : {"?from=2024-02-30&days=1", "?from=2024-02-08&days=-1", "?from=2024-02-08&days=x",
                          "?days=3", "?from=2024-02-08"}) {
    auto r = client.Get(std::string("/api/v1/calendar/working-days") + bad);
    EXPECT_EQ(r.status, 422) << bad;
    EXPECT_EQ(r.Json()["code"], "validation_failed") << bad;
  }
  auto beyond = client.Get("/api/v1/calendar/working-days?from=2027-06-01&days=5");
  EXPECT_EQ(beyond.status, 422);
  EXPECT_EQ(beyond.Json()["errors"][0]["code"], "calendar_year_missing");

  // An administrator loads 2027 (here an invented notice: New Year, and one make-up Saturday).
  const std::string admin = Login(client, "admin");
  const nlohmann::json year2027 = {{"year", 2027},
                                   {"papers", nlohmann::json::array()},
                                   {"days", {{{"name", "元旦"}, {"date", "2027-01-01"}, {"isOffDay", true}},
                                             {{"name", "春节"}, {"date", "2027-02-06"}, {"isOffDay", false}}}}};
  auto mismatch = client.PutJson("/api/v1/calendar/2028", year2027, {{"Authorization", admin}});
  EXPECT_EQ(mismatch.status, 422);
  auto loaded = client.PutJson("/api/v1/calendar/2027", year2027, {{"Authorization", admin}});
  ASSERT_EQ(loaded.status, 200) << loaded.body;
  EXPECT_EQ(loaded.Json()["holidays"], 1);
  EXPECT_EQ(loaded.Json()["make_up_working_days"], 1);
  // Friday 2027-02-05 + 1 working day = Saturday 2027-02-06, the make-up day.
  EXPECT_EQ(client.Get("/api/v1/calendar/working-days?from=2027-02-05&days=1").Json()["date"], "2027-02-06");
  // The year is stored: a restarted server still knows it.
  ASSERT_EQ(server.Stop(), 0);
  ServerProcess again({.db = server.db_url()});
  ASSERT_TRUE(again.ok()) << again.output();
  EXPECT_EQ(again.client().Get("/api/v1/calendar/working-days?from=2027-02-05&days=1").Json()["date"], "2027-02-06");
}

INSTANTIATE_TEST_SUITE_P(Backends, WorkflowApiTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& param_info) { return param_info.param; });

TEST(WorkflowCliTest, BpmnValidate) {
  const char* root = std::getenv("WANGBAN_SOURCE_DIR");
  const std::string dir = std::string(root ? root : ".") + "/data/processes/";
  for (const char* f : {"standard_approval.bpmn", "parallel_joint_review.bpmn", "auto_approval.bpmn",
                        "supplement_loop.bpmn"}) {
    auto r = RunWangban({"bpmn", "validate", dir + f});
    EXPECT_EQ(r.exit_status, 0) << f << ": " << r.output;
    EXPECT_NE(r.output.find("valid"), std::string::npos) << r.output;
  }
  TempDir tmp;
  std::ofstream(tmp / "bad.bpmn") << R"(<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">
<process id="p"><startEvent id="s"/><userTask id="t"/><endEvent id="e"/><endEvent id="lonely"/>
<sequenceFlow id="f1" sourceRef="s" targetRef="t"/><sequenceFlow id="f2" sourceRef="t" targetRef="e"/>
</process></definitions>)";
  auto bad = RunWangban({"bpmn", "validate", (tmp / "bad.bpmn").string()});
  EXPECT_EQ(bad.exit_status, 1);
  EXPECT_NE(bad.output.find("user_task_without_candidates"), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("unreachable_node"), std::string::npos) << bad.output;
  EXPECT_EQ(RunWangban({"bpmn", "validate", (tmp / "missing.bpmn").string()}).exit_status, 2);
}

TEST(WorkflowCliTest, CalendarLoadYearIsUsedByServers) {
  TempDir dir;
  const std::string db = "sqlite:" + (dir / "cal.db").string();
  std::ofstream(dir / "2027.json") << R"({"year":2027,"papers":[],"days":[
      {"name":"元旦","date":"2027-01-01","isOffDay":true},{"name":"春节","date":"2027-02-06","isOffDay":false}]})";
  auto loaded = RunWangban({"calendar", "load-year", (dir / "2027.json").string(), "--db", db});
  EXPECT_EQ(loaded.exit_status, 0) << loaded.output;
  std::ofstream(dir / "bad.json") << R"({"year":2027,"days":[{"name":"x","date":"2026-05-01","isOffDay":true}]})";
  auto bad = RunWangban({"calendar", "load-year", (dir / "bad.json").string(), "--db", db});
  EXPECT_EQ(bad.exit_status, 1) << bad.output;
  ServerProcess server({.db = db});
  ASSERT_TRUE(server.ok()) << server.output();
  EXPECT_EQ(server.client().Get("/api/v1/calendar/working-days?from=2027-02-05&days=1").Json()["date"], "2027-02-06");
}

TEST(WorkflowCliTest, CalendarAddWorkingDays) {
  auto r = RunWangban({"calendar", "add-working-days", "2024-02-08", "2"});
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.output, "2024-02-18\n");
  EXPECT_EQ(RunWangban({"calendar", "add-working-days", "2025-09-30", "1"}).output, "2025-10-09\n");
  EXPECT_NE(RunWangban({"calendar", "add-working-days", "2024-13-01", "1"}).exit_status, 0);
  EXPECT_NE(RunWangban({"calendar", "add-working-days", "2027-06-01", "5"}).exit_status, 0);
}

}  // namespace
}  // namespace wangban::testing
