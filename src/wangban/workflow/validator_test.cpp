#include "wangban/workflow/validator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "wangban/workflow/bpmn_parser.hpp"

namespace wangban::workflow {
namespace {

// Three lines of header: the process body starts on line 4.
std::string Bpmn(std::string_view body, std::string_view after_process = "") {
  return std::string(
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" "
             "xmlns:wb=\"https://wangban.dev/schema/bpmn\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
             "id=\"defs\" targetNamespace=\"t\">\n"
             "<bpmn:process id=\"proc\" name=\"测试\" isExecutable=\"true\">\n") +
         std::string(body) + "\n</bpmn:process>\n" + std::string(after_process) + "</bpmn:definitions>\n";
}

const HandlerNameSet& TestHandlers() {
  static const HandlerNameSet handlers{"rules.evaluate", "notify.send"};
  return handlers;
}

std::vector<Problem> ProblemsOf(std::string_view body, std::string_view after_process = "") {
  const BpmnCheck check = CheckBpmn(Bpmn(body, after_process), TestHandlers());
  EXPECT_TRUE(check.definition.has_value());
  return check.problems;
}

// "code element" for every problem (warnings end in " (warning)"), sorted.
std::vector<std::string> Findings(std::string_view body, std::string_view after_process = "") {
  std::vector<std::string> out;
  for (const Problem& p : ProblemsOf(body, after_process)) {
    out.push_back(p.code + " " + p.element_id + (p.severity == Problem::Severity::kWarning ? " (warning)" : ""));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The problem with `code` on `element`, or a failed expectation.
Problem Find(const std::vector<Problem>& problems, std::string_view code, std::string_view element) {
  for (const Problem& p : problems) {
    if (p.code == code && p.element_id == element) return p;
  }
  ADD_FAILURE() << "no " << code << " on " << element;
  return {};
}

using Strings = std::vector<std::string>;

// start -> review -> done, every piece valid; tests add to it.
constexpr std::string_view kStart = R"(<bpmn:startEvent id="start"/>
<bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="review"/>
<bpmn:userTask id="review" wb:candidateRole="approver" wb:outcomes="approve,deny"/>)";

std::string WithReviewTo(std::string_view target, std::string_view more) {
  return std::string(kStart) + "\n<bpmn:sequenceFlow id=\"f_review\" sourceRef=\"review\" targetRef=\"" +
         std::string(target) + "\"/>\n" + std::string(more);
}

constexpr std::string_view kDone = R"(<bpmn:endEvent id="done" wb:result="approved"/>)";

TEST(ValidatorTest, AMinimalProcessIsValid) { EXPECT_EQ(Findings(WithReviewTo("done", kDone)), Strings{}); }

TEST(ValidatorTest, NoStartEvent) {
  const auto problems = ProblemsOf(R"(<bpmn:userTask id="t" wb:candidateRole="x"/>
<bpmn:endEvent id="e" wb:result="approved"/>
<bpmn:sequenceFlow id="f" sourceRef="t" targetRef="e"/>)");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], (Problem{"proc", "no_start_event", "the process has no start event", 3}));
}

TEST(ValidatorTest, SeveralStartEvents) {
  EXPECT_EQ(Findings(WithReviewTo("done", std::string(kDone) + R"(
<bpmn:startEvent id="start2"/>
<bpmn:sequenceFlow id="f2" sourceRef="start2" targetRef="review"/>)")),
            Strings{"several_start_events start2"});
}

TEST(ValidatorTest, NoEndEvent) {
  EXPECT_EQ(Findings(R"(<bpmn:startEvent id="s"/>
<bpmn:userTask id="t" wb:candidateRole="x"/>
<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="t"/>)"),
            (Strings{"dead_end t", "no_end_event proc"}));
}

TEST(ValidatorTest, UnreachableNode) {
  const auto problems = ProblemsOf(WithReviewTo("done", std::string(kDone) + R"(
<bpmn:userTask id="orphan" wb:candidateRole="x"/>
<bpmn:boundaryEvent id="orphan_timer" attachedToRef="orphan"><bpmn:timerEventDefinition wb:workingDays="2"/></bpmn:boundaryEvent>
<bpmn:sequenceFlow id="f_orphan" sourceRef="orphan" targetRef="done"/>
<bpmn:sequenceFlow id="f_orphan_timer" sourceRef="orphan_timer" targetRef="done"/>)"));
  ASSERT_EQ(problems.size(), 1u) << "the timer of an unreachable task is not reported separately";
  EXPECT_EQ(problems[0],
            (Problem{"orphan", "unreachable_node", "userTask 'orphan' cannot be reached from the start event", 9}));
}

TEST(ValidatorTest, BoundaryTimersMakeTheirPathsReachable) {
  EXPECT_EQ(Findings(WithReviewTo("done", std::string(kDone) + R"(
<bpmn:boundaryEvent id="late" attachedToRef="review" cancelActivity="false"><bpmn:timerEventDefinition><bpmn:timeDuration>PT48H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
<bpmn:sequenceFlow id="f_late" sourceRef="late" targetRef="remind"/>
<bpmn:serviceTask id="remind" wb:handler="notify.send"/>
<bpmn:sequenceFlow id="f_remind" sourceRef="remind" targetRef="remind_end"/>
<bpmn:endEvent id="remind_end"/>)")),
            Strings{"end_without_result remind_end (warning)"});
}

TEST(ValidatorTest, DeadEnd) {
  const auto problems = ProblemsOf(std::string(kStart) + "\n" + std::string(kDone));
  EXPECT_EQ(Find(problems, "dead_end", "review").message,
            "userTask 'review' has no outgoing flow; tokens would stop here");
  EXPECT_EQ(Findings(std::string(kStart) + "\n" + std::string(kDone)),
            (Strings{"dead_end review", "unreachable_node done"}));
}

TEST(ValidatorTest, GatewayWithoutOutgoing) {
  EXPECT_EQ(Findings(WithReviewTo("g", std::string(kDone) + R"(
<bpmn:exclusiveGateway id="g"/>
<bpmn:parallelGateway id="p"/>
<bpmn:sequenceFlow id="f_gp" sourceRef="review" targetRef="p"/>)")),
            (Strings{"gateway_without_outgoing g", "gateway_without_outgoing p", "implicit_split review",
                     "unreachable_node done"}));
}

constexpr std::string_view kDecision = R"(
<bpmn:endEvent id="denied" wb:result="denied"/>
<bpmn:sequenceFlow id="f_yes" sourceRef="g" targetRef="done"><bpmn:conditionExpression>outcome == 'approve'</bpmn:conditionExpression></bpmn:sequenceFlow>)";

TEST(ValidatorTest, ExclusiveGatewayWithConditionsNeedsADefault) {
  const std::string body = WithReviewTo("g", std::string(kDone) + std::string(kDecision) + R"(
<bpmn:exclusiveGateway id="g"/>
<bpmn:sequenceFlow id="f_no" sourceRef="g" targetRef="denied"><bpmn:conditionExpression>outcome == 'deny'</bpmn:conditionExpression></bpmn:sequenceFlow>)");
  const auto problems = ProblemsOf(body);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].code, "exclusive_without_default");
  EXPECT_EQ(problems[0].element_id, "g");
  EXPECT_EQ(problems[0].line, 11);

  // One conditional flow alone still needs a default.
  EXPECT_EQ(Findings(WithReviewTo("g", std::string(kDone) + R"(
<bpmn:exclusiveGateway id="g"/>
<bpmn:sequenceFlow id="f_yes" sourceRef="g" targetRef="done"><bpmn:conditionExpression>true</bpmn:conditionExpression></bpmn:sequenceFlow>)")),
            Strings{"exclusive_without_default g"});

  // With the default set, it is valid.
  EXPECT_EQ(Findings(WithReviewTo("g", std::string(kDone) + std::string(kDecision) + R"(
<bpmn:exclusiveGateway id="g" default="f_no"/>
<bpmn:sequenceFlow id="f_no" sourceRef="g" targetRef="denied"/>)")),
            Strings{});

  // A merge (one unconditional way out) needs none.
  EXPECT_EQ(Findings(WithReviewTo("g", std::string(kDone) + R"(
<bpmn:exclusiveGateway id="g"/>
<bpmn:sequenceFlow id="f_out" sourceRef="g" targetRef="done"/>)")),
            Strings{});
}

TEST(ValidatorTest, ExclusiveGatewayFlowsWithoutConditions) {
  EXPECT_EQ(Findings(WithReviewTo("g", std::string(kDone) + std::string(kDecision) + R"(
<bpmn:exclusiveGateway id="g" default="f_no"/>
<bpmn:sequenceFlow id="f_no" sourceRef="g" targetRef="denied"/>
<bpmn:sequenceFlow id="f_other" sourceRef="g" targetRef="denied"/>)")),
            Strings{"missing_condition f_other"});
  // Two unconditional flows and no default: both are ambiguous, and there is no default.
  EXPECT_EQ(Findings(WithReviewTo("g", std::string(kDone) + R"(
<bpmn:endEvent id="denied" wb:result="denied"/>
<bpmn:exclusiveGateway id="g"/>
<bpmn:sequenceFlow id="a" sourceRef="g" targetRef="done"/>
<bpmn:sequenceFlow id="b" sourceRef="g" targetRef="denied"/>)")),
            (Strings{"exclusive_without_default g", "missing_condition a", "missing_condition b"}));
}

TEST(ValidatorTest, BadDefaultFlows) {
  EXPECT_EQ(Findings(WithReviewTo("g", std::string(kDone) + std::string(kDecision) + R"(
<bpmn:exclusiveGateway id="g" default="f_no"/>
<bpmn:sequenceFlow id="f_no" sourceRef="g" targetRef="denied"><bpmn:conditionExpression>true</bpmn:conditionExpression></bpmn:sequenceFlow>)")),
            Strings{"bad_default f_no"});
  EXPECT_EQ(Findings(WithReviewTo("g", std::string(kDone) + std::string(kDecision) + R"(
<bpmn:exclusiveGateway id="g" default="f_review"/>
<bpmn:sequenceFlow id="f_no" sourceRef="g" targetRef="denied"><bpmn:conditionExpression>true</bpmn:conditionExpression></bpmn:sequenceFlow>)")),
            Strings{"bad_default g"});
  // A default naming no flow is not also reported as a missing default.
  EXPECT_EQ(Findings(WithReviewTo("g", std::string(kDone) + std::string(kDecision) + R"(
<bpmn:exclusiveGateway id="g" default="f_nowhere"/>)")),
            (Strings{"unknown_reference g", "unreachable_node denied"}));
}

TEST(ValidatorTest, ConditionsOnlyLeaveExclusiveGateways) {
  EXPECT_EQ(Findings(std::string(kStart) + "\n" + std::string(kDone) + R"(
<bpmn:sequenceFlow id="f_review" sourceRef="review" targetRef="fork"><bpmn:conditionExpression>true</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:parallelGateway id="fork"/>
<bpmn:sequenceFlow id="a" sourceRef="fork" targetRef="done"><bpmn:conditionExpression>true</bpmn:conditionExpression></bpmn:sequenceFlow>)"),
            (Strings{"unsupported_condition a", "unsupported_condition f_review"}));
}

TEST(ValidatorTest, BadExpressions) {
  const auto problems = ProblemsOf(WithReviewTo("g", std::string(kDone) + R"(
<bpmn:endEvent id="denied" wb:result="denied"/>
<bpmn:exclusiveGateway id="g" default="f_no"/>
<bpmn:sequenceFlow id="f_yes" sourceRef="g" targetRef="done"><bpmn:conditionExpression>outcome = 'approve'</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f_no" sourceRef="g" targetRef="denied"/>)"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0],
            (Problem{"f_yes", "bad_expression",
                     "condition 'outcome = 'approve'': column 9: '=' is not an operator; compare with '=='", 11}));
  // An empty condition is not "true".
  EXPECT_EQ(Findings(WithReviewTo("g", std::string(kDone) + R"(
<bpmn:endEvent id="denied" wb:result="denied"/>
<bpmn:exclusiveGateway id="g" default="f_no"/>
<bpmn:sequenceFlow id="f_yes" sourceRef="g" targetRef="done"><bpmn:conditionExpression>  </bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f_no" sourceRef="g" targetRef="denied"/>)")),
            Strings{"bad_expression f_yes"});
}

TEST(ValidatorTest, UnknownAndMissingHandlers) {
  const auto problems = ProblemsOf(R"(<bpmn:startEvent id="s"/>
<bpmn:serviceTask id="pay" wb:handler="payment.request"/>
<bpmn:serviceTask id="nameless"/>
<bpmn:serviceTask id="rules" wb:handler="rules.evaluate"/>
<bpmn:endEvent id="e" wb:result="approved"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="pay"/>
<bpmn:sequenceFlow id="f2" sourceRef="pay" targetRef="nameless"/>
<bpmn:sequenceFlow id="f3" sourceRef="nameless" targetRef="rules"/>
<bpmn:sequenceFlow id="f4" sourceRef="rules" targetRef="e"/>)");
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0],
            (Problem{"pay", "unknown_handler",
                     "no handler named 'payment.request' is registered (known: notify.send, rules.evaluate)", 5}));
  EXPECT_EQ(problems[1].code, "missing_handler");
  EXPECT_EQ(problems[1].element_id, "nameless");
  // The same process passes against the platform's catalog except for the nameless task.
  const BpmnCheck check = CheckBpmn(Bpmn(R"(<bpmn:startEvent id="s"/>
<bpmn:serviceTask id="pay" wb:handler="payment.request"/>
<bpmn:endEvent id="e" wb:result="approved"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="pay"/>
<bpmn:sequenceFlow id="f2" sourceRef="pay" targetRef="e"/>)"),
                                    DefaultHandlerCatalog());
  EXPECT_TRUE(check.ok());
}

TEST(ValidatorTest, UserTaskWithoutCandidates) {
  const auto problems = ProblemsOf(R"(<bpmn:startEvent id="s"/>
<bpmn:userTask id="t" wb:candidateDepartment="HK-SCJG"/>
<bpmn:endEvent id="e" wb:result="approved"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>)");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].code, "user_task_without_candidates");
  EXPECT_EQ(problems[0].element_id, "t");
  EXPECT_EQ(problems[0].line, 5);
}

TEST(ValidatorTest, UnsupportedElementsAreReportedOnceAndDoNotCascade) {
  EXPECT_EQ(Findings(WithReviewTo("inc", std::string(kDone) + R"(
<bpmn:inclusiveGateway id="inc"/>
<bpmn:sequenceFlow id="f_inc" sourceRef="inc" targetRef="done"/>
<bpmn:subProcess id="sub"/>
<bpmn:sequenceFlow id="f_sub" sourceRef="sub" targetRef="done"/>)")),
            (Strings{"unreachable_node sub", "unsupported_element inc", "unsupported_element sub"}));
}

TEST(ValidatorTest, TimerWithoutDuration) {
  const std::string timer = R"(
<bpmn:boundaryEvent id="late" attachedToRef="review"><bpmn:timerEventDefinition %s/></bpmn:boundaryEvent>
<bpmn:sequenceFlow id="f_late" sourceRef="late" targetRef="done"/>)";
  const auto with = [&](std::string_view attribute) {
    std::string t = timer;
    t.replace(t.find("%s"), 2, attribute);
    return Findings(WithReviewTo("done", std::string(kDone) + t));
  };
  EXPECT_EQ(with(""), Strings{"timer_without_duration late"});
  EXPECT_EQ(with("wb:workingDays=\"0\""), Strings{"bad_duration late"}) << "one problem for one cause";
  EXPECT_EQ(with("wb:workingDays=\"5\""), Strings{});
}

TEST(ValidatorTest, BoundaryTimersAttachToUserTasks) {
  EXPECT_EQ(Findings(WithReviewTo("svc", std::string(kDone) + R"(
<bpmn:serviceTask id="svc" wb:handler="notify.send"/>
<bpmn:sequenceFlow id="f_svc" sourceRef="svc" targetRef="done"/>
<bpmn:boundaryEvent id="late" attachedToRef="svc"><bpmn:timerEventDefinition wb:workingDays="1"/></bpmn:boundaryEvent>
<bpmn:sequenceFlow id="f_late" sourceRef="late" targetRef="done"/>)")),
            Strings{"bad_attachment late"});
}

TEST(ValidatorTest, MessageCatchWithoutAName) {
  const auto problems = ProblemsOf(WithReviewTo("wait", std::string(kDone) + R"(
<bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="m_nameless"/></bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="f_wait" sourceRef="wait" targetRef="done"/>)"),
                                   R"(<bpmn:message id="m_nameless"/>
)");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].code, "message_without_name");
  EXPECT_EQ(problems[0].element_id, "wait");
  EXPECT_EQ(problems[0].line, 9);
}

TEST(ValidatorTest, FlowsIntoStartsOutOfEndsAndIntoBoundaries) {
  EXPECT_EQ(Findings(WithReviewTo("done", std::string(kDone) + R"(
<bpmn:boundaryEvent id="late" attachedToRef="review"><bpmn:timerEventDefinition wb:workingDays="3"/></bpmn:boundaryEvent>
<bpmn:sequenceFlow id="f_late" sourceRef="late" targetRef="done"/>
<bpmn:sequenceFlow id="f_back" sourceRef="done" targetRef="start"/>
<bpmn:sequenceFlow id="f_into_timer" sourceRef="start" targetRef="late"/>)")),
            (Strings{"bad_flow done", "bad_flow late", "bad_flow start", "implicit_split start"}));
}

TEST(ValidatorTest, ImplicitSplits) {
  EXPECT_EQ(Findings(WithReviewTo("done", std::string(kDone) + R"(
<bpmn:endEvent id="other" wb:result="denied"/>
<bpmn:sequenceFlow id="f_also" sourceRef="review" targetRef="other"/>)")),
            Strings{"implicit_split review"});
}

TEST(ValidatorTest, MultiInstanceChecks) {
  const std::string base = std::string(kStart) + "\n" + std::string(kDone) + R"(
<bpmn:sequenceFlow id="f_review" sourceRef="review" targetRef="mi"/>
<bpmn:sequenceFlow id="f_mi" sourceRef="mi" targetRef="done"/>
)";
  const auto mi = [&](std::string_view task) { return Findings(base + std::string(task)); };
  EXPECT_EQ(mi(R"(<bpmn:userTask id="mi" wb:candidateRole="approver" wb:outcomes="agree,object">
<bpmn:multiInstanceLoopCharacteristics wb:departments="A,B"><bpmn:completionCondition>outcomes.object &gt; 0</bpmn:completionCondition></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>)"),
            Strings{});
  EXPECT_EQ(
      mi(R"(<bpmn:userTask id="mi" wb:candidateRole="approver"><bpmn:multiInstanceLoopCharacteristics/></bpmn:userTask>)"),
      Strings{"bad_multi_instance mi"});
  EXPECT_EQ(
      mi(R"(<bpmn:userTask id="mi" wb:candidateRole="approver"><bpmn:multiInstanceLoopCharacteristics wb:departments="A" wb:collection="form.d"/></bpmn:userTask>)"),
      Strings{"bad_multi_instance mi"});
  EXPECT_EQ(
      mi(R"(<bpmn:userTask id="mi" wb:candidateRole="approver" wb:candidateDepartment="X"><bpmn:multiInstanceLoopCharacteristics wb:departments="A"/></bpmn:userTask>)"),
      Strings{"bad_multi_instance mi"});
  EXPECT_EQ(
      mi(R"(<bpmn:userTask id="mi" wb:candidateRole="approver"><bpmn:multiInstanceLoopCharacteristics wb:collection="form.(d"><bpmn:completionCondition>nrOfCompletedInstances &gt;</bpmn:completionCondition></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>)"),
      (Strings{"bad_expression mi", "bad_expression mi"}));
  const auto problems =
      ProblemsOf(base + R"(<bpmn:userTask id="mi" wb:candidateRole="approver" wb:outcomes="agree,object">
<bpmn:multiInstanceLoopCharacteristics wb:departments="A,B">
<bpmn:completionCondition>outcomes.objected &gt; 0 or outcomes.agree == nrOfInstances</bpmn:completionCondition>
</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>)");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0],
            (Problem{"mi", "unknown_outcome",
                     "the completion condition reads outcomes.objected, but the task's outcomes are agree, "
                     "object",
                     12}));
}

TEST(ValidatorTest, EndWithoutResultIsAWarning) {
  const auto problems = ProblemsOf(WithReviewTo("silent", R"(<bpmn:endEvent id="silent"/>)"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].code, "end_without_result");
  EXPECT_EQ(problems[0].severity, Problem::Severity::kWarning);
  EXPECT_FALSE(HasErrors(problems));
}

TEST(ValidatorTest, NoPathToEnd) {
  // review <-> g loop with no way out; the end is reachable only from nowhere.
  EXPECT_EQ(Findings(WithReviewTo("g", std::string(kDone) + R"(
<bpmn:exclusiveGateway id="g"/>
<bpmn:sequenceFlow id="f_back" sourceRef="g" targetRef="review"/>)")),
            (Strings{"no_path_to_end g", "no_path_to_end review", "no_path_to_end start", "unreachable_node done"}));
}

// start -> fork -> (a, b) -> join -> done
std::string ForkJoin(std::string_view extra_nodes, std::string_view branch_b_target = "join") {
  return std::string(R"(<bpmn:startEvent id="start"/>
<bpmn:parallelGateway id="fork"/>
<bpmn:userTask id="a" wb:candidateRole="x"/>
<bpmn:userTask id="b" wb:candidateRole="x"/>
<bpmn:parallelGateway id="join"/>
<bpmn:endEvent id="done" wb:result="approved"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="fork"/>
<bpmn:sequenceFlow id="fa" sourceRef="fork" targetRef="a"/>
<bpmn:sequenceFlow id="fb" sourceRef="fork" targetRef="b"/>
<bpmn:sequenceFlow id="fa_join" sourceRef="a" targetRef="join"/>
<bpmn:sequenceFlow id="fb_join" sourceRef="b" targetRef=")") +
         std::string(branch_b_target) + R"("/>
<bpmn:sequenceFlow id="f_done" sourceRef="join" targetRef="done"/>
)" + std::string(extra_nodes);
}

TEST(ValidatorTest, ForkAndJoinPairUp) {
  EXPECT_EQ(Findings(ForkJoin("")), Strings{});
  const auto def = ParseBpmn(Bpmn(ForkJoin("")));
  ASSERT_TRUE(def.has_value());
  EXPECT_EQ(def->node(def->FindNode("join")).parallel_gateway().join_fan_in, 2);
}

TEST(ValidatorTest, NestedForksPairUp) {
  // Branch a holds its own fork/join; branch b holds an exclusive choice that merges again.
  EXPECT_EQ(Findings(R"(<bpmn:startEvent id="start"/>
<bpmn:parallelGateway id="fork"/>
<bpmn:parallelGateway id="fork2"/>
<bpmn:userTask id="a1" wb:candidateRole="x"/>
<bpmn:userTask id="a2" wb:candidateRole="x"/>
<bpmn:parallelGateway id="join2"/>
<bpmn:userTask id="b" wb:candidateRole="x"/>
<bpmn:exclusiveGateway id="choice" default="b_easy"/>
<bpmn:serviceTask id="b_hard" wb:handler="rules.evaluate"/>
<bpmn:exclusiveGateway id="merge"/>
<bpmn:parallelGateway id="join"/>
<bpmn:endEvent id="done" wb:result="approved"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="fork"/>
<bpmn:sequenceFlow id="fa" sourceRef="fork" targetRef="fork2"/>
<bpmn:sequenceFlow id="fa1" sourceRef="fork2" targetRef="a1"/>
<bpmn:sequenceFlow id="fa2" sourceRef="fork2" targetRef="a2"/>
<bpmn:sequenceFlow id="fa1j" sourceRef="a1" targetRef="join2"/>
<bpmn:sequenceFlow id="fa2j" sourceRef="a2" targetRef="join2"/>
<bpmn:sequenceFlow id="fj2" sourceRef="join2" targetRef="join"/>
<bpmn:sequenceFlow id="fb" sourceRef="fork" targetRef="b"/>
<bpmn:sequenceFlow id="fbc" sourceRef="b" targetRef="choice"/>
<bpmn:sequenceFlow id="b_hard_flow" sourceRef="choice" targetRef="b_hard"><bpmn:conditionExpression>outcome == 'hard'</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="b_easy" sourceRef="choice" targetRef="merge"/>
<bpmn:sequenceFlow id="fbh" sourceRef="b_hard" targetRef="merge"/>
<bpmn:sequenceFlow id="fbm" sourceRef="merge" targetRef="join"/>
<bpmn:sequenceFlow id="f_done" sourceRef="join" targetRef="done"/>)"),
            Strings{});
}

TEST(ValidatorTest, JoinWithoutAFork) {
  const auto problems = ProblemsOf(R"(<bpmn:startEvent id="start"/>
<bpmn:userTask id="a" wb:candidateRole="x" wb:outcomes="go,skip"/>
<bpmn:exclusiveGateway id="choice" default="f_skip"/>
<bpmn:parallelGateway id="join"/>
<bpmn:endEvent id="done" wb:result="approved"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="a"/>
<bpmn:sequenceFlow id="f1" sourceRef="a" targetRef="choice"/>
<bpmn:sequenceFlow id="f_go" sourceRef="choice" targetRef="join"><bpmn:conditionExpression>outcome == 'go'</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f_skip" sourceRef="choice" targetRef="join"/>
<bpmn:sequenceFlow id="f_done" sourceRef="join" targetRef="done"/>)");
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_FALSE(HasErrors(problems));
  EXPECT_EQ(problems[0], (Problem{"join", "join_mismatch",
                                  "parallel join 'join' waits for a token on flow 'f_go', but no parallel fork leads "
                                  "there; it would wait forever",
                                  7, Problem::Severity::kWarning}));
}

TEST(ValidatorTest, ForkBranchThatEndsWithoutJoining) {
  const auto problems = ProblemsOf(ForkJoin(R"(<bpmn:endEvent id="early" wb:result="denied"/>
<bpmn:exclusiveGateway id="gb" default="fb_join_late"/>
<bpmn:sequenceFlow id="fb_early" sourceRef="gb" targetRef="early"><bpmn:conditionExpression>outcome == 'object'</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="fb_join_late" sourceRef="gb" targetRef="join"/>)",
                                            "gb"));
  EXPECT_EQ(Find(problems, "join_mismatch", "fork").message,
            "a branch of parallel fork 'fork' can reach end event 'early' without passing join 'join'; the join would "
            "wait for it forever");
  EXPECT_FALSE(HasErrors(problems));
}

TEST(ValidatorTest, ForkBranchesMeetingAtDifferentJoins) {
  // Four branches pair up at two joins that both go on to the end: the end is reached twice.
  const auto problems = ProblemsOf(R"(<bpmn:startEvent id="start"/>
<bpmn:parallelGateway id="fork"/>
<bpmn:userTask id="a" wb:candidateRole="x"/>
<bpmn:userTask id="b" wb:candidateRole="x"/>
<bpmn:userTask id="c" wb:candidateRole="x"/>
<bpmn:userTask id="d" wb:candidateRole="x"/>
<bpmn:parallelGateway id="join"/>
<bpmn:parallelGateway id="join_b"/>
<bpmn:endEvent id="done" wb:result="approved"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="fork"/>
<bpmn:sequenceFlow id="fa" sourceRef="fork" targetRef="a"/>
<bpmn:sequenceFlow id="fb" sourceRef="fork" targetRef="b"/>
<bpmn:sequenceFlow id="fc" sourceRef="fork" targetRef="c"/>
<bpmn:sequenceFlow id="fd" sourceRef="fork" targetRef="d"/>
<bpmn:sequenceFlow id="faj" sourceRef="a" targetRef="join"/>
<bpmn:sequenceFlow id="fbj" sourceRef="b" targetRef="join"/>
<bpmn:sequenceFlow id="fcj" sourceRef="c" targetRef="join_b"/>
<bpmn:sequenceFlow id="fdj" sourceRef="d" targetRef="join_b"/>
<bpmn:sequenceFlow id="f_done" sourceRef="join" targetRef="done"/>
<bpmn:sequenceFlow id="f_done_b" sourceRef="join_b" targetRef="done"/>)");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], (Problem{"fork", "join_mismatch",
                                  "the branches of parallel fork 'fork' meet at different joins (join, join_b)", 5,
                                  Problem::Severity::kWarning}));
}

TEST(ValidatorTest, TwoBranchesArrivingOnOneJoinFlow) {
  // Two of three branches merge into one flow before a 2-input join, which counts tokens per
  // flow: it would fire early and leave a token behind.
  const auto problems = ProblemsOf(R"(<bpmn:startEvent id="start"/>
<bpmn:parallelGateway id="fork"/>
<bpmn:userTask id="a" wb:candidateRole="x"/>
<bpmn:userTask id="b" wb:candidateRole="x"/>
<bpmn:userTask id="c" wb:candidateRole="x"/>
<bpmn:exclusiveGateway id="merge"/>
<bpmn:parallelGateway id="join"/>
<bpmn:endEvent id="done" wb:result="approved"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="fork"/>
<bpmn:sequenceFlow id="fa" sourceRef="fork" targetRef="a"/>
<bpmn:sequenceFlow id="fb" sourceRef="fork" targetRef="b"/>
<bpmn:sequenceFlow id="fc" sourceRef="fork" targetRef="c"/>
<bpmn:sequenceFlow id="fam" sourceRef="a" targetRef="merge"/>
<bpmn:sequenceFlow id="fbm" sourceRef="b" targetRef="merge"/>
<bpmn:sequenceFlow id="fmj" sourceRef="merge" targetRef="join"/>
<bpmn:sequenceFlow id="fcj" sourceRef="c" targetRef="join"/>
<bpmn:sequenceFlow id="f_done" sourceRef="join" targetRef="done"/>)");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], (Problem{"join", "join_mismatch",
                                  "two branches of parallel fork 'fork' can arrive on flow 'fmj' into join 'join', "
                                  "which counts one token per incoming flow",
                                  10, Problem::Severity::kWarning}));
}

TEST(ValidatorTest, JoinWaitingOnAFlowTheForkNeverFeeds) {
  // A third input of the join comes from outside the fork's branches: the join would wait
  // for it forever.
  const auto problems = ProblemsOf(ForkJoin(R"(<bpmn:userTask id="c" wb:candidateRole="x"/>
<bpmn:sequenceFlow id="f_c" sourceRef="done_gate" targetRef="c"/>
<bpmn:exclusiveGateway id="done_gate"/>
<bpmn:sequenceFlow id="fcj" sourceRef="c" targetRef="join"/>)"));
  EXPECT_EQ(Find(problems, "unreachable_node", "c").severity, Problem::Severity::kError);
  bool warned = false;
  for (const Problem& p : problems) {
    warned =
        warned || (p.code == "join_mismatch" && p.element_id == "join" && p.message.find("'fcj'") != std::string::npos);
  }
  EXPECT_TRUE(warned);
}

TEST(ValidatorTest, LargeAndDeeplyNestedGraphsStayCheap) {
  // 3000 forks, each nested in the one before, each with a branch that ends: the pairing
  // gives up on deep nesting instead of recursing 3000 levels, and everything else is linear.
  std::string body =
      R"(<bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="fork0"/>)";
  constexpr int kForks = 3000;
  for (int i = 0; i < kForks; ++i) {
    const std::string n = std::to_string(i);
    const std::string next = i + 1 < kForks ? "fork" + std::to_string(i + 1) : "last";
    body += "<bpmn:parallelGateway id=\"fork" + n + "\"/>";
    body += "<bpmn:endEvent id=\"end" + n + "\" wb:result=\"approved\"/>";
    body += "<bpmn:sequenceFlow id=\"a" + n + "\" sourceRef=\"fork" + n + "\" targetRef=\"" + next + "\"/>";
    body += "<bpmn:sequenceFlow id=\"b" + n + "\" sourceRef=\"fork" + n + "\" targetRef=\"end" + n + "\"/>\n";
  }
  body += R"(<bpmn:endEvent id="last" wb:result="approved"/>)";
  const auto problems = ProblemsOf(body);
  EXPECT_FALSE(HasErrors(problems));
}

TEST(ValidatorTest, ProblemsComeSortedByLine) {
  const auto problems = ProblemsOf(R"(<bpmn:startEvent id="s"/>
<bpmn:serviceTask id="x" wb:handler="nope"/>
<bpmn:inclusiveGateway id="inc"/>
<bpmn:userTask id="t"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="x"/>
<bpmn:sequenceFlow id="f2" sourceRef="x" targetRef="inc"/>
<bpmn:sequenceFlow id="f3" sourceRef="inc" targetRef="t"/>)");
  ASSERT_FALSE(problems.empty());
  EXPECT_TRUE(std::is_sorted(problems.begin(), problems.end(),
                             [](const Problem& a, const Problem& b) { return a.line < b.line; }));
  EXPECT_EQ(problems.front().code, "no_end_event");
  EXPECT_EQ(problems.back().element_id, "t");
}

TEST(ValidatorTest, HandlerNameSet) {
  HandlerNameSet set{"b", "a"};
  set.Add("c");
  EXPECT_TRUE(set.Contains("a"));
  EXPECT_FALSE(set.Contains("d"));
  EXPECT_EQ(set.Names(), (Strings{"a", "b", "c"}));
  EXPECT_EQ(DefaultHandlerCatalog().Names(),
            (Strings{"delivery.dispatch", "license.issue", "notify.send", "payment.request", "rules.evaluate"}));
}

TEST(ValidatorTest, CheckBpmnReportsUnreadableText) {
  const BpmnCheck check = CheckBpmn("<definitions", DefaultHandlerCatalog());
  EXPECT_FALSE(check.ok());
  EXPECT_FALSE(check.definition.has_value());
  ASSERT_EQ(check.problems.size(), 1u);
  EXPECT_EQ(check.problems[0].code, "malformed_xml");
  EXPECT_EQ(check.problems[0].line, 1);
}

// ---------------------------------------------------------------------------------------------
// The processes shipped in data/processes.

std::filesystem::path ProcessesDir() {
  if (const char* dir = std::getenv("WANGBAN_SOURCE_DIR"); dir && *dir) {
    return std::filesystem::path(dir) / "data" / "processes";
  }
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path() / "data" / "processes";
}

ProcessDefinition LoadShipped(std::string_view file) {
  std::ifstream in(ProcessesDir() / file, std::ios::binary);
  EXPECT_TRUE(in.good()) << (ProcessesDir() / file);
  std::ostringstream text;
  text << in.rdbuf();
  const BpmnCheck check = CheckBpmn(text.str(), DefaultHandlerCatalog());
  EXPECT_TRUE(check.definition.has_value()) << file;
  EXPECT_TRUE(check.problems.empty()) << file << ": " << check.problems.size() << " problems, first: "
                                      << (check.problems.empty()
                                              ? ""
                                              : check.problems[0].code + " " + check.problems[0].element_id + " " +
                                                    check.problems[0].message);
  return check.definition ? *check.definition : ProcessDefinition{};
}

TEST(ShippedProcessesTest, EveryFileInDataProcessesIsValid) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(ProcessesDir())) {
    if (entry.path().extension() != ".bpmn") continue;
    ++files;
    LoadShipped(entry.path().filename().string());
  }
  EXPECT_EQ(files, 4);
}

TEST(ShippedProcessesTest, StandardApproval) {
  const ProcessDefinition def = LoadShipped("standard_approval.bpmn");
  const Summary s = Summarize(def);
  EXPECT_EQ(s.key, "standard_approval");
  EXPECT_EQ(s.user_tasks, 2);
  EXPECT_EQ(s.results, (Strings{"approved", "denied", "refused"}));
  EXPECT_EQ(s.messages, Strings{"supplement.received"});
  EXPECT_EQ(s.roles, (Strings{"approver", "window"}));
  const Node& window = def.node(def.FindNode("window_acceptance"));
  EXPECT_EQ(window.user_task().outcomes, (Strings{"accept", "refuse", "request_supplement"}));
  EXPECT_EQ(window.user_task().candidates, (std::vector<CandidateGroup>{{"window", ""}}));

  // Route each window outcome through the acceptance gateway as the executor would: the first
  // condition that holds, in file order, else the default flow.
  const Node& gateway = def.node(def.FindNode("gw_acceptance"));
  const auto route = [&](std::string_view outcome) {
    Context context;
    context.Set("outcome", Value(outcome));
    for (const FlowIndex f : gateway.outgoing) {
      const SequenceFlow& flow = def.flow(f);
      if (!flow.condition) continue;
      auto holds = flow.condition->expression().EvaluateBool(context);
      EXPECT_TRUE(holds.has_value());
      if (holds.value_or(false)) return def.node(flow.target).id;
    }
    return def.node(def.flow(gateway.exclusive_gateway().default_flow).target).id;
  };
  EXPECT_EQ(route("accept"), "department_review");
  EXPECT_EQ(route("request_supplement"), "wait_supplement");
  EXPECT_EQ(route("refuse"), "end_refused");
}

TEST(ShippedProcessesTest, ParallelJointReview) {
  const ProcessDefinition def = LoadShipped("parallel_joint_review.bpmn");
  const Node& review = def.node(def.FindNode("joint_review"));
  ASSERT_TRUE(review.user_task().multi_instance.has_value());
  const MultiInstance& mi = *review.user_task().multi_instance;
  EXPECT_EQ(mi.departments.size(), 3u);
  ASSERT_EQ(review.user_task().boundary_timers.size(), 1u);
  const Node& timer = def.node(review.user_task().boundary_timers[0]);
  EXPECT_EQ(timer.boundary_timer().duration->working_days, 7);
  EXPECT_TRUE(timer.boundary_timer().interrupting);
  EXPECT_EQ(def.node(def.FindNode("join_review")).parallel_gateway().join_fan_in, 2);
  // The completion condition stops the countersign at the first objection.
  Context counters;
  counters.Set("nrOfInstances", 3).Set("nrOfCompletedInstances", 1);
  counters.Set("outcomes", Value(Value::Object{{"agree", 1}, {"object", 0}}));
  EXPECT_EQ(mi.completion_condition->expression().EvaluateBool(counters).value_or(true), false);
  counters.Set("outcomes", Value(Value::Object{{"agree", 0}, {"object", 1}}));
  EXPECT_EQ(mi.completion_condition->expression().EvaluateBool(counters).value_or(false), true);
}

TEST(ShippedProcessesTest, AutoApprovalAndSupplementLoop) {
  const ProcessDefinition auto_approval = LoadShipped("auto_approval.bpmn");
  const Node& rules = auto_approval.node(auto_approval.FindNode("rules_evaluate"));
  EXPECT_EQ(rules.service_task().handler, "rules.evaluate");
  EXPECT_EQ(rules.service_task().result_variable, "rules");
  EXPECT_EQ(Summarize(auto_approval).handlers, (Strings{"license.issue", "rules.evaluate"}));

  const ProcessDefinition loop = LoadShipped("supplement_loop.bpmn");
  const SequenceFlow& again = loop.flow(loop.FindFlow("flow_request_supplement"));
  ASSERT_TRUE(again.condition.has_value());
  Context context;
  context.Set("outcome", "request_supplement");
  for (int rounds = 0; rounds <= 3; ++rounds) {
    context.Set("visits", Value(Value::Object{{"wait_supplement", rounds}}));
    EXPECT_EQ(again.condition->expression().EvaluateBool(context).value_or(false), rounds < 2) << rounds;
  }
}

// Damaged versions of the shipped files (lines dropped, duplicated or with references
// rewired, bytes flipped) must parse and validate without crashing: graph checks meet
// dangling flows, cycles, missing starts and half-built gateways this way. The fuzz target
// bpmn_fuzz.cpp does the same with libFuzzer.
TEST(ShippedProcessesTest, DamagedFilesNeverCrash) {
  std::vector<std::vector<std::string>> files;
  for (const auto& entry : std::filesystem::directory_iterator(ProcessesDir())) {
    if (entry.path().extension() != ".bpmn") continue;
    std::ifstream in(entry.path());
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    files.push_back(std::move(lines));
  }
  ASSERT_FALSE(files.empty());
  static const char* const kIds[] = {"start",
                                     "gw_acceptance",
                                     "gw_decision",
                                     "fork_review",
                                     "join_review",
                                     "joint_review",
                                     "wait_supplement",
                                     "end_approved",
                                     "gw_review_done",
                                     "review_deadline",
                                     "flow_deny",
                                     "nowhere",
                                     ""};
  std::mt19937 rng(4242);
  int valid = 0;
  for (int round = 0; round < 1500; ++round) {
    std::vector<std::string> lines = files[rng() % files.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !lines.empty(); ++e) {
      const std::size_t at = rng() % lines.size();
      switch (rng() % 4) {
        case 0:
          lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(at));
          break;
        case 1:
          lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at), lines[rng() % lines.size()]);
          break;
        case 2: {  // point a reference somewhere else
          std::string& line = lines[at];
          for (const char* attribute : {"targetRef=\"", "sourceRef=\"", "attachedToRef=\"", "default=\""}) {
            const auto p = line.find(attribute);
            if (p == std::string::npos) continue;
            const auto value = p + std::string_view(attribute).size();
            const auto end = line.find('"', value);
            if (end != std::string::npos) line.replace(value, end - value, kIds[rng() % std::size(kIds)]);
          }
          break;
        }
        default: {
          std::string& line = lines[at];
          if (!line.empty()) line[rng() % line.size()] = static_cast<char>(rng() % 256);
        }
      }
    }
    std::string xml;
    for (const std::string& line : lines) xml += line + "\n";
    const BpmnCheck check = CheckBpmn(xml, DefaultHandlerCatalog());
    for (const Problem& p : check.problems) EXPECT_FALSE(p.code.empty());
    if (check.ok()) {
      ++valid;
      EXPECT_FALSE(FormatSummary(Summarize(*check.definition)).empty());
    }
  }
  EXPECT_GT(valid, 10) << "some damage is harmless (a flipped byte in a name)";
}

// Every XML block of docs/bpmn.md that is a whole file runs without errors.
TEST(DocsTest, ExamplesInBpmnMdValidate) {
  const std::filesystem::path doc = ProcessesDir().parent_path().parent_path() / "docs" / "bpmn.md";
  std::ifstream in(doc);
  ASSERT_TRUE(in.good()) << doc;
  std::vector<std::string> blocks;
  std::string line;
  std::string block;
  bool in_xml = false;
  while (std::getline(in, line)) {
    if (!in_xml && line == "```xml") {
      in_xml = true;
      block.clear();
    } else if (in_xml && line == "```") {
      in_xml = false;
      if (block.starts_with("<?xml")) blocks.push_back(block);
    } else if (in_xml) {
      block += line + "\n";
    }
  }
  ASSERT_EQ(blocks.size(), 1u);
  const BpmnCheck check = CheckBpmn(blocks[0], DefaultHandlerCatalog());
  EXPECT_TRUE(check.ok());
  ASSERT_EQ(check.problems.size(), 1u);
  EXPECT_EQ(check.problems[0].code, "end_without_result");
  EXPECT_EQ(check.problems[0].element_id, "reminded");
}

TEST(SummaryTest, FormatsOneParagraph) {
  const ProcessDefinition def = LoadShipped("parallel_joint_review.bpmn");
  EXPECT_EQ(FormatSummary(Summarize(def)),
            "Process parallel_joint_review (并联审批), valid: 1 start event, 3 end events (approved, denied, refused), "
            "3 user tasks (1 multi-instance), 1 service task, 4 exclusive gateways, 2 parallel gateways, 1 message "
            "catch event (supplement.received), 1 boundary timer, 17 sequence flows. Roles: approver, window. "
            "Handlers: notify.send. Timers: review_deadline on joint_review: 7 working days, interrupting.");
}

}  // namespace
}  // namespace wangban::workflow
