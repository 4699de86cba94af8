#include "wangban/workflow/bpmn_cli.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace wangban::workflow {
namespace {

std::filesystem::path SourceDir() {
  if (const char* dir = std::getenv("WANGBAN_SOURCE_DIR"); dir && *dir) return dir;
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path();
}

// A scratch directory removed when the test ends.
class BpmnCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("wangban_bpmn_cli_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }

  struct Run {
    int code;
    std::string out;
    std::string err;
  };
  static Run Validate(const std::string& path) {
    std::ostringstream out;
    std::ostringstream err;
    const int code = RunBpmnValidate(path, out, err);
    return {code, out.str(), err.str()};
  }

  std::filesystem::path dir_;
};

constexpr std::string_view kHead =
    "<?xml version=\"1.0\"?>\n"
    "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" xmlns:wb=\"https://wangban.dev/schema/bpmn\">\n"
    "<process id=\"p\" name=\"示例\">\n";

TEST_F(BpmnCliTest, ValidFileExitsZeroWithASummary) {
  const std::string path = Write("ok.bpmn", std::string(kHead) + R"(<startEvent id="s"/>
<serviceTask id="pay" wb:handler="payment.request"/>
<intermediateCatchEvent id="paid"><messageEventDefinition wb:message="payment.paid"/></intermediateCatchEvent>
<endEvent id="e" wb:result="approved"/>
<sequenceFlow id="f1" sourceRef="s" targetRef="pay"/>
<sequenceFlow id="f2" sourceRef="pay" targetRef="paid"/>
<sequenceFlow id="f3" sourceRef="paid" targetRef="e"/>
</process></definitions>)");
  const Run run = Validate(path);
  EXPECT_EQ(run.code, 0);
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(run.out, path +
                         ": Process p (示例), valid: 1 start event, 1 end event (approved), 0 user tasks, 1 service "
                         "task, 0 exclusive gateways, 0 parallel gateways, 1 message catch event (payment.paid), 0 "
                         "boundary timers, 3 sequence flows. Roles: none. Handlers: payment.request.\n");
}

TEST_F(BpmnCliTest, WarningsAloneStillExitZero) {
  const std::string path = Write("warn.bpmn", std::string(kHead) + R"(<startEvent id="s"/>
<endEvent id="e"/>
<sequenceFlow id="f1" sourceRef="s" targetRef="e"/>
</process></definitions>)");
  const Run run = Validate(path);
  EXPECT_EQ(run.code, 0);
  const std::string warning = path + ":5: e: end_without_result: warning: end event 'e' has no wb:result";
  EXPECT_NE(run.out.find("\n" + warning), std::string::npos) << run.out;
}

TEST_F(BpmnCliTest, InvalidFileExitsOneWithOneLinePerProblem) {
  const std::string path = Write("bad.bpmn", std::string(kHead) + R"(<startEvent id="s"/>
<serviceTask id="x" wb:handler="nope"/>
<userTask id="t"/>
<sequenceFlow id="f1" sourceRef="s" targetRef="x"/>
<sequenceFlow id="f2" sourceRef="x" targetRef="t"/>
</process></definitions>)");
  const Run run = Validate(path);
  EXPECT_EQ(run.code, 1);
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(run.out,
            path + ":3: p: no_end_event: the process has no end event\n" + path +
                ":5: x: unknown_handler: no handler named 'nope' is registered (known: delivery.dispatch, "
                "license.issue, notify.send, payment.request, rules.evaluate)\n" +
                path +
                ":6: t: user_task_without_candidates: user task 't' names no candidates; add wb:candidateRole (and "
                "wb:candidateDepartment unless the case's own department handles it)\n" +
                path + ":6: t: dead_end: userTask 't' has no outgoing flow; tokens would stop here\n");
}

TEST_F(BpmnCliTest, MalformedXmlIsOneProblemWithItsLine) {
  const std::string path = Write("broken.bpmn", std::string(kHead) + "<startEvent id=\"s\">\n</process>\n");
  const Run run = Validate(path);
  EXPECT_EQ(run.code, 1);
  EXPECT_TRUE(run.out.starts_with(path + ":5: -: malformed_xml: not well-formed XML: ")) << run.out;
  EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 1);
}

TEST_F(BpmnCliTest, UnreadableFilesExitTwo) {
  const Run missing = Validate((dir_ / "missing.bpmn").string());
  EXPECT_EQ(missing.code, 2);
  EXPECT_EQ(missing.out, "");
  EXPECT_EQ(missing.err, (dir_ / "missing.bpmn").string() + ": cannot read: no such file\n");

  const Run directory = Validate(dir_.string());
  EXPECT_EQ(directory.code, 2);
  EXPECT_EQ(directory.err, dir_.string() + ": cannot read: is a directory\n");
}

TEST_F(BpmnCliTest, ShippedProcessesPass) {
  for (const char* name :
       {"standard_approval.bpmn", "parallel_joint_review.bpmn", "auto_approval.bpmn", "supplement_loop.bpmn"}) {
    const std::string path = (SourceDir() / "data" / "processes" / name).string();
    const Run run = Validate(path);
    EXPECT_EQ(run.code, 0) << run.out << run.err;
    EXPECT_TRUE(run.out.starts_with(path + ": Process ")) << run.out;
    EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 1) << "no warnings: " << run.out;
  }
}

TEST(FormatProblemTest, Shapes) {
  EXPECT_EQ(FormatProblem("f.bpmn", Problem{"g", "dead_end", "msg", 7}), "f.bpmn:7: g: dead_end: msg");
  EXPECT_EQ(FormatProblem("f.bpmn", Problem{"", "too_large", "msg", 0}), "f.bpmn: -: too_large: msg");
  EXPECT_EQ(FormatProblem("f.bpmn", Problem{"j", "join_mismatch", "msg", 2, Problem::Severity::kWarning}),
            "f.bpmn:2: j: join_mismatch: warning: msg");
}

}  // namespace
}  // namespace wangban::workflow
