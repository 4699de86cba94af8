#include "wangban/workflow/bpmn_parser.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace wangban::workflow {
namespace {

// Three lines of header: the process body starts on line 4.
std::string Bpmn(std::string_view body, std::string_view after_process = "") {
  return std::string(
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" "
             "xmlns:wb=\"https://wangban.dev/schema/bpmn\" xmlns:camunda=\"http://camunda.org/schema/1.0/bpmn\" "
             "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" id=\"defs\" targetNamespace=\"t\">\n"
             "<bpmn:process id=\"proc\" name=\"测试流程\" isExecutable=\"true\">\n") +
         std::string(body) + "\n</bpmn:process>\n" + std::string(after_process) + "</bpmn:definitions>\n";
}

ProcessDefinition Parse(const std::string& xml) {
  auto def = ParseBpmn(xml);
  EXPECT_TRUE(def.has_value()) << def.error().message;
  return def ? std::move(*def) : ProcessDefinition{};
}

// "code element" for each parse problem, in order.
std::vector<std::string> ParseProblems(const ProcessDefinition& def) {
  std::vector<std::string> out;
  for (const Problem& p : def.parse_problems) out.push_back(p.code + " " + p.element_id);
  return out;
}

const Node& NodeById(const ProcessDefinition& def, std::string_view id) {
  const NodeIndex i = def.FindNode(id);
  EXPECT_NE(i, kNoNode) << id;
  return def.node(i == kNoNode ? 0 : i);
}

constexpr std::string_view kLinear = R"(<bpmn:startEvent id="start" name="开始"/>
<bpmn:userTask id="review" name="审查" wb:candidateRole="approver" wb:candidateDepartment="HK-SCJG"/>
<bpmn:endEvent id="done" wb:result="approved"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="done"/>)";

TEST(BpmnParserTest, ParsesALinearProcess) {
  const ProcessDefinition def = Parse(Bpmn(kLinear));
  EXPECT_TRUE(def.parse_problems.empty());
  EXPECT_EQ(def.key, "proc");
  EXPECT_EQ(def.name, "测试流程");
  EXPECT_EQ(def.line, 3);
  EXPECT_EQ(def.version, 0) << "versions come from the loader";
  ASSERT_EQ(def.nodes.size(), 3u);
  ASSERT_EQ(def.flows.size(), 2u);
  EXPECT_EQ(def.start, def.FindNode("start"));

  const Node& start = NodeById(def, "start");
  EXPECT_EQ(start.kind, NodeKind::kStartEvent);
  EXPECT_EQ(start.name, "开始");
  EXPECT_EQ(start.line, 4);
  EXPECT_EQ(start.outgoing, (std::vector<FlowIndex>{0}));
  EXPECT_TRUE(start.incoming.empty());

  const Node& review = NodeById(def, "review");
  EXPECT_EQ(review.kind, NodeKind::kUserTask);
  EXPECT_EQ(review.line, 5);
  EXPECT_EQ(review.user_task().candidates, (std::vector<CandidateGroup>{{"approver", "HK-SCJG"}}));
  EXPECT_EQ(review.incoming, (std::vector<FlowIndex>{0}));
  EXPECT_EQ(review.outgoing, (std::vector<FlowIndex>{1}));

  const Node& done = NodeById(def, "done");
  EXPECT_EQ(done.kind, NodeKind::kEndEvent);
  EXPECT_EQ(done.end_event().result, "approved");

  const SequenceFlow& f2 = def.flow(def.FindFlow("f2"));
  EXPECT_EQ(f2.source, def.FindNode("review"));
  EXPECT_EQ(f2.target, def.FindNode("done"));
  EXPECT_EQ(f2.line, 8);
  EXPECT_FALSE(f2.condition.has_value());
  EXPECT_EQ(def.FindNode("nope"), kNoNode);
  EXPECT_EQ(def.FindFlow("review"), kNoFlow);
}

TEST(BpmnParserTest, AcceptsAnyPrefixOrTheDefaultNamespace) {
  const std::string default_ns = R"(<?xml version="1.0"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:x="https://wangban.dev/schema/bpmn">
  <process id="p">
    <startEvent id="s"/>
    <userTask id="t" x:candidateRole="window"/>
    <endEvent id="e" x:result="approved"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
    <sequenceFlow id="f2" sourceRef="t" targetRef="e"/>
  </process>
</definitions>)";
  const std::string other_prefix = R"(<?xml version="1.0"?>
<semantic:definitions xmlns:semantic="http://www.omg.org/spec/BPMN/20100524/MODEL">
  <semantic:process id="p">
    <semantic:startEvent id="s"/>
    <semantic:userTask id="t" xmlns:ext="https://wangban.dev/schema/bpmn" ext:candidateRole="window"/>
    <semantic:endEvent id="e" xmlns:r="https://wangban.dev/schema/bpmn" r:result="approved"/>
    <semantic:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
    <semantic:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>
  </semantic:process>
</semantic:definitions>)";
  // A prefix rebound on an inner element to our namespace.
  const std::string rebound = R"(<?xml version="1.0"?>
<b:definitions xmlns:b="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:wb="urn:something-else">
  <b:process id="p" xmlns:wb="https://wangban.dev/schema/bpmn">
    <b:startEvent id="s"/>
    <b:userTask id="t" wb:candidateRole="window"/>
    <b:endEvent id="e" wb:result="approved"/>
    <b:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
    <b:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>
  </b:process>
</b:definitions>)";
  for (const std::string& xml : {default_ns, other_prefix, rebound}) {
    const ProcessDefinition def = Parse(xml);
    EXPECT_TRUE(def.parse_problems.empty()) << xml;
    ASSERT_EQ(def.nodes.size(), 3u) << xml;
    EXPECT_EQ(NodeById(def, "t").user_task().candidates, (std::vector<CandidateGroup>{{"window", ""}})) << xml;
    EXPECT_EQ(NodeById(def, "e").end_event().result, "approved") << xml;
    EXPECT_EQ(def.flows.size(), 2u);
  }
}

TEST(BpmnParserTest, IgnoresAttributesAndElementsOfOtherNamespaces) {
  const ProcessDefinition def = Parse(Bpmn(R"(<bpmn:startEvent id="s"/>
<bpmn:userTask id="t" other:candidateRole="x" xmlns:other="urn:other"/>
<other:userTask id="ghost" xmlns:other="urn:other"/>
<bpmn:endEvent id="e"/>)"));
  EXPECT_TRUE(NodeById(def, "t").user_task().candidates.empty());
  EXPECT_EQ(def.FindNode("ghost"), kNoNode);
  EXPECT_TRUE(def.parse_problems.empty());
}

TEST(BpmnParserTest, MalformedXmlFailsWithItsLine) {
  const std::string xml =
      "<?xml version=\"1.0\"?>\n<bpmn:definitions xmlns:bpmn=\"x\">\n  <bpmn:process id=\"p\">\n"
      "  </bpmn:proc>\n</bpmn:definitions>\n";
  auto def = ParseBpmn(xml);
  ASSERT_FALSE(def.has_value());
  EXPECT_EQ(def.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(def.error().reason, "malformed_xml");
  EXPECT_TRUE(def.error().message.starts_with("line 4: not well-formed XML: ")) << def.error().message;

  auto read = ReadBpmn(xml);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, "malformed_xml");
  EXPECT_EQ(read.error().line, 4);

  for (const std::string_view bad : {"", "not xml at all", "<a>", "<a></b>", "<?xml version=\"1.0\"?>\n<a attr=>"}) {
    auto r = ReadBpmn(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_TRUE(r.error().code == "malformed_xml" || r.error().code == "not_bpmn") << bad;
  }
}

TEST(BpmnParserTest, RefusesTextThatIsNotOneBpmnProcess) {
  auto wrong_root = ReadBpmn("<?xml version=\"1.0\"?>\n<html><body/></html>");
  ASSERT_FALSE(wrong_root.has_value());
  EXPECT_EQ(wrong_root.error().code, "not_bpmn");
  EXPECT_EQ(wrong_root.error().line, 2);

  // The right local name in the wrong namespace.
  auto wrong_ns =
      ReadBpmn("<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/DI\"><process id=\"p\"/></definitions>");
  ASSERT_FALSE(wrong_ns.has_value());
  EXPECT_EQ(wrong_ns.error().code, "not_bpmn");

  auto no_process = ParseBpmn("<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\"/>");
  ASSERT_FALSE(no_process.has_value());
  EXPECT_EQ(no_process.error().reason, "not_bpmn");
  EXPECT_EQ(no_process.error().message, "line 1: the definitions hold no <process>");

  const std::string two = R"(<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">
<process id="a"/>
<process id="b"/>
</definitions>)";
  auto several = ReadBpmn(two);
  ASSERT_FALSE(several.has_value());
  EXPECT_EQ(several.error().code, "not_bpmn");
  EXPECT_EQ(several.error().line, 3);

  // A collaboration: one executable process among others is the one.
  const std::string collaboration = R"(<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">
<collaboration id="c"><participant id="pa" processRef="a"/><participant id="pb" processRef="b"/></collaboration>
<process id="a" isExecutable="false"/>
<process id="b" isExecutable="true"><startEvent id="s"/></process>
</definitions>)";
  auto chosen = ReadBpmn(collaboration);
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(chosen->key, "b");
  EXPECT_EQ(chosen->nodes.size(), 1u);
}

TEST(BpmnParserTest, RefusesTooLargeTexts) {
  std::string xml = Bpmn(kLinear);
  xml.insert(xml.find("<bpmn:process"), std::string(kMaxBpmnBytes, ' '));
  auto r = ParseBpmn(xml);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason, "too_large");
}

TEST(BpmnParserTest, UserTaskCandidatesAndOutcomes) {
  const ProcessDefinition def = Parse(Bpmn(
      R"(<bpmn:userTask id="a" wb:candidateRole="approver, chief" wb:candidateDepartment="HK-SCJG,HK-ZJJ" wb:outcomes="approve, deny"/>
<bpmn:userTask id="b" camunda:candidateGroups="role:approver, dept:HK-SCJG, department:HK-ZJJ, window"/>
<bpmn:userTask id="c" wb:candidateRole="window" camunda:candidateGroups="role:window,role:chief"/>
<bpmn:userTask id="d"/>
<bpmn:userTask id="e" wb:candidateRole="has space" camunda:candidateGroups="team:x" wb:outcomes="ok,not-ok,ok"/>)"));
  EXPECT_EQ(NodeById(def, "a").user_task().candidates,
            (std::vector<CandidateGroup>{
                {"approver", "HK-SCJG"}, {"approver", "HK-ZJJ"}, {"chief", "HK-SCJG"}, {"chief", "HK-ZJJ"}}));
  EXPECT_EQ(NodeById(def, "a").user_task().outcomes, (std::vector<std::string>{"approve", "deny"}));
  EXPECT_EQ(NodeById(def, "b").user_task().candidates,
            (std::vector<CandidateGroup>{
                {"approver", "HK-SCJG"}, {"approver", "HK-ZJJ"}, {"window", "HK-SCJG"}, {"window", "HK-ZJJ"}}));
  EXPECT_EQ(NodeById(def, "c").user_task().candidates, (std::vector<CandidateGroup>{{"window", ""}, {"chief", ""}}));
  EXPECT_TRUE(NodeById(def, "d").user_task().candidates.empty());
  EXPECT_TRUE(NodeById(def, "d").user_task().outcomes.empty());
  EXPECT_TRUE(NodeById(def, "e").user_task().candidates.empty());
  EXPECT_EQ(NodeById(def, "e").user_task().outcomes, (std::vector<std::string>{"ok"}));
  EXPECT_EQ(ParseProblems(def),
            (std::vector<std::string>{"bad_attribute e", "bad_attribute e", "bad_attribute e", "bad_attribute e"}));
}

TEST(BpmnParserTest, ServiceTaskHandlers) {
  const ProcessDefinition def =
      Parse(Bpmn(R"(<bpmn:serviceTask id="a" wb:handler=" rules.evaluate " wb:resultVariable="rules"/>
<bpmn:serviceTask id="b" camunda:type="external" camunda:topic="payment.request" camunda:resultVariable="payment"/>
<bpmn:serviceTask id="c"/>
<bpmn:serviceTask id="d" wb:handler="x" wb:resultVariable="not a name"/>)"));
  EXPECT_EQ(NodeById(def, "a").service_task().handler, "rules.evaluate");
  EXPECT_EQ(NodeById(def, "a").service_task().result_variable, "rules");
  EXPECT_EQ(NodeById(def, "b").service_task().handler, "payment.request");
  EXPECT_EQ(NodeById(def, "b").service_task().result_variable, "payment");
  EXPECT_EQ(NodeById(def, "c").service_task().handler, "");
  EXPECT_EQ(NodeById(def, "d").service_task().result_variable, "");
  EXPECT_EQ(ParseProblems(def), (std::vector<std::string>{"bad_attribute d"}));
}

TEST(BpmnParserTest, GatewaysDefaultsAndJoinFanIn) {
  const ProcessDefinition def = Parse(Bpmn(R"(<bpmn:startEvent id="s"/>
<bpmn:exclusiveGateway id="x" default="f_no"/>
<bpmn:parallelGateway id="fork"/>
<bpmn:parallelGateway id="join"/>
<bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="x"/>
<bpmn:sequenceFlow id="f_yes" sourceRef="x" targetRef="fork"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${form.amount &gt; 10}</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f_no" sourceRef="x" targetRef="e"/>
<bpmn:sequenceFlow id="a" sourceRef="fork" targetRef="join"/>
<bpmn:sequenceFlow id="b" sourceRef="fork" targetRef="join"/>
<bpmn:sequenceFlow id="c" sourceRef="fork" targetRef="join"/>
<bpmn:sequenceFlow id="d" sourceRef="join" targetRef="e"/>)"));
  EXPECT_TRUE(def.parse_problems.empty());
  const Node& x = NodeById(def, "x");
  EXPECT_EQ(x.exclusive_gateway().default_flow, def.FindFlow("f_no"));
  EXPECT_TRUE(def.flow(def.FindFlow("f_no")).is_default);
  EXPECT_FALSE(def.flow(def.FindFlow("f_yes")).is_default);
  const SequenceFlow& yes = def.flow(def.FindFlow("f_yes"));
  ASSERT_TRUE(yes.condition.has_value());
  EXPECT_EQ(yes.condition->source, "form.amount > 10") << "${...} is unwrapped";
  ASSERT_TRUE(yes.condition->compiled.has_value());
  EXPECT_EQ(yes.condition->line, 10);
  EXPECT_EQ(NodeById(def, "join").parallel_gateway().join_fan_in, 3);
  EXPECT_EQ(NodeById(def, "fork").parallel_gateway().join_fan_in, 1) << "a pure fork fires on its one token";
  EXPECT_EQ(NodeById(def, "fork").outgoing.size(), 3u);
  EXPECT_EQ(NodeById(def, "e").incoming, (std::vector<FlowIndex>{def.FindFlow("f_no"), def.FindFlow("d")}));
}

TEST(BpmnParserTest, ConditionsInCdataAndOtherLanguages) {
  const ProcessDefinition def = Parse(Bpmn(R"(<bpmn:exclusiveGateway id="g"/>
<bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="a" sourceRef="g" targetRef="e"><bpmn:conditionExpression><![CDATA[visits.wait < 2 && outcome == "x"]]></bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="b" sourceRef="g" targetRef="e"><bpmn:conditionExpression language="groovy">outcome == 'x'</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="c" sourceRef="g" targetRef="e"><bpmn:conditionExpression language="wangban">outcome == 'y'</bpmn:conditionExpression></bpmn:sequenceFlow>)"));
  EXPECT_EQ(def.flow(0).condition->source, "visits.wait < 2 && outcome == \"x\"");
  EXPECT_TRUE(def.flow(0).condition->compiled.has_value());
  EXPECT_EQ(ParseProblems(def), (std::vector<std::string>{"bad_expression b"}));
  EXPECT_EQ(def.parse_problems[0].line, 7);
}

TEST(BpmnParserTest, BoundaryTimers) {
  const ProcessDefinition def = Parse(Bpmn(R"(<bpmn:userTask id="task" wb:candidateRole="approver"/>
<bpmn:boundaryEvent id="t_days" attachedToRef="task"><bpmn:timerEventDefinition wb:workingDays="7"/></bpmn:boundaryEvent>
<bpmn:boundaryEvent id="t_iso" attachedToRef="task" cancelActivity="false"><bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P1DT12H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
<bpmn:boundaryEvent id="t_both" attachedToRef="task"><bpmn:timerEventDefinition wb:workingDays="3"><bpmn:timeDuration>P3D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
<bpmn:boundaryEvent id="t_bad_days" attachedToRef="task"><bpmn:timerEventDefinition wb:workingDays="7.5"/></bpmn:boundaryEvent>
<bpmn:boundaryEvent id="t_bad_iso" attachedToRef="task"><bpmn:timerEventDefinition><bpmn:timeDuration>P1M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
<bpmn:boundaryEvent id="t_date" attachedToRef="task"><bpmn:timerEventDefinition><bpmn:timeDate>2026-01-01T00:00:00Z</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:boundaryEvent>
<bpmn:boundaryEvent id="t_none" attachedToRef="task" cancelActivity="maybe"><bpmn:timerEventDefinition/></bpmn:boundaryEvent>
<bpmn:boundaryEvent id="m" attachedToRef="task"><bpmn:messageEventDefinition/></bpmn:boundaryEvent>)"));
  const Node& task = NodeById(def, "task");
  EXPECT_EQ(task.user_task().boundary_timers.size(), 7u) << "every timer boundary, in file order";
  EXPECT_EQ(task.user_task().boundary_timers.front(), def.FindNode("t_days"));

  const BoundaryTimer& days = NodeById(def, "t_days").boundary_timer();
  EXPECT_EQ(days.attached_to, def.FindNode("task"));
  EXPECT_TRUE(days.interrupting);
  ASSERT_TRUE(days.duration.has_value());
  EXPECT_EQ(days.duration->unit, TimerDuration::Unit::kWorkingDays);
  EXPECT_EQ(days.duration->working_days, 7);
  EXPECT_EQ(days.duration->Describe(), "7 working days");

  const BoundaryTimer& iso = NodeById(def, "t_iso").boundary_timer();
  EXPECT_FALSE(iso.interrupting);
  ASSERT_TRUE(iso.duration.has_value());
  EXPECT_EQ(iso.duration->unit, TimerDuration::Unit::kFixed);
  EXPECT_EQ(iso.duration->fixed, std::chrono::hours(36));
  EXPECT_EQ(iso.duration->Describe(), "P1DT12H");

  EXPECT_FALSE(NodeById(def, "t_both").boundary_timer().duration.has_value());
  EXPECT_FALSE(NodeById(def, "t_bad_days").boundary_timer().duration.has_value());
  EXPECT_FALSE(NodeById(def, "t_bad_iso").boundary_timer().duration.has_value());
  EXPECT_FALSE(NodeById(def, "t_none").boundary_timer().duration.has_value());
  EXPECT_EQ(NodeById(def, "m").kind, NodeKind::kUnsupported);
  EXPECT_EQ(NodeById(def, "m").unsupported().element, "boundaryEvent (message)");
  EXPECT_EQ(ParseProblems(def),
            (std::vector<std::string>{"bad_duration t_both", "bad_duration t_bad_days", "bad_duration t_bad_iso",
                                      "unsupported_element t_date", "bad_attribute t_none", "unsupported_element m"}));
}

TEST(BpmnParserTest, MessageCatchEvents) {
  const ProcessDefinition def = Parse(Bpmn(
      R"(<bpmn:intermediateCatchEvent id="by_ref"><bpmn:messageEventDefinition messageRef="Msg_paid"/></bpmn:intermediateCatchEvent>
<bpmn:intermediateCatchEvent id="by_attr"><bpmn:messageEventDefinition wb:message="supplement.received"/></bpmn:intermediateCatchEvent>
<bpmn:intermediateCatchEvent id="on_event" wb:message="payment.paid"><bpmn:messageEventDefinition/></bpmn:intermediateCatchEvent>
<bpmn:intermediateCatchEvent id="nameless"><bpmn:messageEventDefinition/></bpmn:intermediateCatchEvent>
<bpmn:intermediateCatchEvent id="dangling"><bpmn:messageEventDefinition messageRef="Msg_nope"/></bpmn:intermediateCatchEvent>
<bpmn:intermediateCatchEvent id="timer"><bpmn:timerEventDefinition/></bpmn:intermediateCatchEvent>)",
      R"(<bpmn:message id="Msg_paid" name="payment.paid"/>
)"));
  EXPECT_EQ(NodeById(def, "by_ref").kind, NodeKind::kMessageCatch);
  EXPECT_EQ(NodeById(def, "by_ref").message_catch().message, "payment.paid");
  EXPECT_EQ(NodeById(def, "by_attr").message_catch().message, "supplement.received");
  EXPECT_EQ(NodeById(def, "on_event").message_catch().message, "payment.paid");
  EXPECT_EQ(NodeById(def, "nameless").message_catch().message, "");
  EXPECT_EQ(NodeById(def, "dangling").message_catch().message, "");
  EXPECT_EQ(NodeById(def, "timer").kind, NodeKind::kUnsupported);
  EXPECT_EQ(NodeById(def, "timer").unsupported().element, "intermediateCatchEvent (timer)");
  EXPECT_EQ(ParseProblems(def), (std::vector<std::string>{"unknown_reference dangling", "unsupported_element timer"}));
}

TEST(BpmnParserTest, MultiInstance) {
  const ProcessDefinition def = Parse(Bpmn(R"(<bpmn:userTask id="fixed" wb:candidateRole="approver">
  <bpmn:multiInstanceLoopCharacteristics isSequential="false" wb:departments="HK-A, HK-B,HK-C">
    <bpmn:completionCondition xsi:type="bpmn:tFormalExpression">outcomes.object &gt; 0 or nrOfCompletedInstances == nrOfInstances</bpmn:completionCondition>
  </bpmn:multiInstanceLoopCharacteristics>
</bpmn:userTask>
<bpmn:userTask id="dynamic" wb:candidateRole="approver">
  <bpmn:multiInstanceLoopCharacteristics wb:collection="form.departments"/>
</bpmn:userTask>
<bpmn:userTask id="camunda" wb:candidateRole="approver">
  <bpmn:multiInstanceLoopCharacteristics camunda:collection="${case.departments}"/>
</bpmn:userTask>
<bpmn:userTask id="sequential" wb:candidateRole="approver">
  <bpmn:multiInstanceLoopCharacteristics isSequential="true" wb:departments="A,A"><bpmn:loopCardinality>3</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>
</bpmn:userTask>
<bpmn:serviceTask id="service" wb:handler="notify.send"><bpmn:multiInstanceLoopCharacteristics/></bpmn:serviceTask>
<bpmn:userTask id="looped" wb:candidateRole="approver"><bpmn:standardLoopCharacteristics/></bpmn:userTask>)"));
  const auto& fixed = NodeById(def, "fixed").user_task().multi_instance;
  ASSERT_TRUE(fixed.has_value());
  EXPECT_EQ(fixed->departments, (std::vector<std::string>{"HK-A", "HK-B", "HK-C"}));
  EXPECT_FALSE(fixed->collection.has_value());
  ASSERT_TRUE(fixed->completion_condition.has_value());
  ASSERT_TRUE(fixed->completion_condition->compiled.has_value());
  EXPECT_EQ(fixed->completion_condition->line, 6);
  EXPECT_EQ(fixed->completion_condition->expression().Variables(),
            (std::vector<std::string>{"nrOfCompletedInstances", "nrOfInstances", "outcomes.object"}));

  const auto& dynamic = NodeById(def, "dynamic").user_task().multi_instance;
  ASSERT_TRUE(dynamic.has_value());
  ASSERT_TRUE(dynamic->collection.has_value());
  EXPECT_EQ(dynamic->collection->source, "form.departments");
  EXPECT_FALSE(dynamic->completion_condition.has_value());

  const auto& camunda = NodeById(def, "camunda").user_task().multi_instance;
  ASSERT_TRUE(camunda.has_value());
  EXPECT_EQ(camunda->collection->source, "case.departments");

  EXPECT_EQ(NodeById(def, "sequential").user_task().multi_instance->departments, (std::vector<std::string>{"A"}));
  EXPECT_FALSE(NodeById(def, "looped").user_task().multi_instance.has_value());
  EXPECT_EQ(ParseProblems(def),
            (std::vector<std::string>{"unsupported_element sequential", "bad_attribute sequential",
                                      "unsupported_element sequential", "unsupported_element service",
                                      "unsupported_element looped"}));
}

TEST(BpmnParserTest, UnsupportedElementsStayInTheGraph) {
  const ProcessDefinition def = Parse(Bpmn(R"(<bpmn:startEvent id="s"/>
<bpmn:inclusiveGateway id="inc"/>
<bpmn:subProcess id="sub"><bpmn:startEvent id="inner"/></bpmn:subProcess>
<bpmn:scriptTask id="script"/>
<bpmn:startEvent id="timer_start"><bpmn:timerEventDefinition/></bpmn:startEvent>
<bpmn:endEvent id="terminate"><bpmn:terminateEventDefinition/></bpmn:endEvent>
<bpmn:userTask id="owned"><bpmn:potentialOwner/></bpmn:userTask>
<bpmn:futureElement id="future"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="inc"/>
<bpmn:sequenceFlow id="f2" sourceRef="inc" targetRef="sub"/>)"));
  EXPECT_EQ(NodeById(def, "inc").kind, NodeKind::kUnsupported);
  EXPECT_EQ(NodeById(def, "inc").unsupported().element, "inclusiveGateway");
  EXPECT_EQ(NodeById(def, "inc").incoming.size(), 1u);
  EXPECT_EQ(NodeById(def, "sub").incoming.size(), 1u);
  EXPECT_EQ(def.FindNode("inner"), kNoNode) << "the parser does not descend into sub-processes";
  EXPECT_EQ(NodeById(def, "timer_start").kind, NodeKind::kUnsupported);
  EXPECT_EQ(NodeById(def, "timer_start").unsupported().element, "startEvent (timer)");
  EXPECT_EQ(NodeById(def, "terminate").unsupported().element, "endEvent (terminate)");
  EXPECT_EQ(NodeById(def, "owned").kind, NodeKind::kUserTask);
  EXPECT_EQ(def.start, def.FindNode("s"));
  EXPECT_EQ(ParseProblems(def), (std::vector<std::string>{
                                    "unsupported_element inc", "unsupported_element sub", "unsupported_element script",
                                    "unsupported_element timer_start", "unsupported_element terminate",
                                    "unsupported_element owned", "unsupported_element future"}));
  const auto owned = std::find_if(def.parse_problems.begin(), def.parse_problems.end(),
                                  [](const Problem& p) { return p.element_id == "owned"; });
  EXPECT_NE(owned->message.find("wb:candidateRole"), std::string::npos) << owned->message;
  EXPECT_EQ(owned->line, 10);
}

TEST(BpmnParserTest, IgnoresDiagramsLanesAndArtifacts) {
  const ProcessDefinition def =
      Parse(Bpmn(R"(<bpmn:documentation>说明</bpmn:documentation>
<bpmn:extensionElements><camunda:properties/></bpmn:extensionElements>
<bpmn:laneSet id="ls"><bpmn:lane id="lane"><bpmn:flowNodeRef>s</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
<bpmn:startEvent id="s"><bpmn:documentation>x</bpmn:documentation><bpmn:extensionElements/></bpmn:startEvent>
<bpmn:textAnnotation id="note"><bpmn:text>注</bpmn:text></bpmn:textAnnotation>
<bpmn:association id="as" sourceRef="s" targetRef="note"/>
<bpmn:dataObjectReference id="dor" dataObjectRef="do"/>
<bpmn:dataObject id="do"/>)",
                 R"(<bpmndi:BPMNDiagram xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" id="dia">
  <bpmndi:BPMNPlane id="plane" bpmnElement="proc"/>
</bpmndi:BPMNDiagram>
)"));
  EXPECT_TRUE(def.parse_problems.empty());
  EXPECT_EQ(def.nodes.size(), 1u);
}

TEST(BpmnParserTest, IdsAndReferences) {
  const ProcessDefinition def = Parse(Bpmn(R"(<bpmn:startEvent id="s"/>
<bpmn:userTask id="s" wb:candidateRole="x"/>
<bpmn:userTask wb:candidateRole="x"/>
<bpmn:exclusiveGateway id="g" default="nowhere"/>
<bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="e" sourceRef="s" targetRef="e"/>
<bpmn:sequenceFlow id="f2" sourceRef="ghost" targetRef="e"/>
<bpmn:sequenceFlow id="f3" targetRef="e"/>
<bpmn:sequenceFlow sourceRef="g" targetRef="e"/>
<bpmn:boundaryEvent id="b1" attachedToRef="missing"><bpmn:timerEventDefinition wb:workingDays="1"/></bpmn:boundaryEvent>
<bpmn:boundaryEvent id="b2" attachedToRef="g"><bpmn:timerEventDefinition wb:workingDays="1"/></bpmn:boundaryEvent>
<bpmn:boundaryEvent id="b3"><bpmn:timerEventDefinition wb:workingDays="1"/></bpmn:boundaryEvent>)"));
  std::vector<std::string> problems = ParseProblems(def);
  std::sort(problems.begin(), problems.end());
  EXPECT_EQ(problems,
            (std::vector<std::string>{"bad_attachment b2", "duplicate_id e", "duplicate_id s", "missing_id ",
                                      "missing_id ", "unknown_reference b1", "unknown_reference b3",
                                      "unknown_reference f2", "unknown_reference f3", "unknown_reference g"}));
  // The first of two elements with one id keeps it.
  EXPECT_EQ(NodeById(def, "s").kind, NodeKind::kStartEvent);
  const auto dup = std::find_if(def.parse_problems.begin(), def.parse_problems.end(),
                                [](const Problem& p) { return p.code == "duplicate_id" && p.element_id == "s"; });
  EXPECT_EQ(dup->line, 5);
  EXPECT_EQ(dup->message, "id 's' is already used by the element on line 4");
}

TEST(BpmnParserTest, LinkIsIdempotent) {
  ProcessDefinition def = Parse(Bpmn(kLinear));
  const auto before_nodes = def.nodes.size();
  EXPECT_TRUE(def.Link().empty());
  EXPECT_TRUE(def.Link().empty());
  EXPECT_EQ(def.nodes.size(), before_nodes);
  EXPECT_EQ(NodeById(def, "review").incoming.size(), 1u);
  EXPECT_EQ(NodeById(def, "review").outgoing.size(), 1u);
}

TEST(BpmnParserTest, IsoDurations) {
  EXPECT_EQ(ParseIsoDuration("P7D"), std::chrono::seconds(7 * 86400));
  EXPECT_EQ(ParseIsoDuration("PT48H"), std::chrono::seconds(48 * 3600));
  EXPECT_EQ(ParseIsoDuration("P1DT12H30M"), std::chrono::seconds(86400 + 12 * 3600 + 30 * 60));
  EXPECT_EQ(ParseIsoDuration("P2W"), std::chrono::seconds(14 * 86400));
  EXPECT_EQ(ParseIsoDuration("PT90S"), std::chrono::seconds(90));
  EXPECT_EQ(ParseIsoDuration("PT1M"), std::chrono::seconds(60)) << "M after T is minutes";
  for (const std::string_view bad : {"", "P", "PT", "P1M", "P1Y", "P1DT", "7D", "P-1D", "P0D", "PT0S", "P1.5D", "P1D2D",
                                     "PT1S1M", "P1H", "p1d", "P1D ", "P999999999W", "P1DT1H1X"}) {
    EXPECT_FALSE(ParseIsoDuration(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace wangban::workflow
