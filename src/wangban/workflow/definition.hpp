// The process model: one BPMN process as the engine executes it. Nodes and flows live in
// vectors and refer to each other by index; ids are kept for persistence (a running instance
// stores node ids, so that it can be resumed on the definition version it started with) and
// for messages. Built by ParseBpmn (bpmn_parser.hpp); checked by Validate (validator.hpp).
// A definition that Validate found no errors in satisfies every invariant noted below as
// "after validation".
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "wangban/common/error.hpp"
#include "wangban/workflow/expression.hpp"

namespace wangban::workflow {

// Indexes into ProcessDefinition::nodes and ::flows.
using NodeIndex = std::int32_t;
using FlowIndex = std::int32_t;
inline constexpr NodeIndex kNoNode = -1;
inline constexpr FlowIndex kNoFlow = -1;

// One thing wrong (or, for warnings, probably wrong) with a process, found by the parser or
// the validator. Codes are stable and listed in docs/bpmn.md.
struct Problem {
  enum class Severity { kError, kWarning };

  std::string element_id;  // the BPMN element at fault; the process id for process-wide problems
  std::string code;        // "unreachable_node", "unknown_handler", ...
  std::string message;     // one line, English
  int line = 0;            // 1-based line in the BPMN text, 0 when unknown
  Severity severity = Severity::kError;

  bool operator==(const Problem&) const = default;
};

// "line 12: unknown_handler (error) at pay: no handler named ...", for logs and test output.
std::ostream& operator<<(std::ostream& os, const Problem& problem);

// True if any problem is an error (warnings alone leave a process runnable).
bool HasErrors(const std::vector<Problem>& problems);

// An expression as written in the BPMN file and its compilation, done once at parse time.
// After validation `compiled` holds a value.
struct ParsedExpression {
  std::string source;  // as written, without a surrounding ${...}
  Result<Expression> compiled;
  int line = 0;

  explicit ParsedExpression(std::string text, int source_line = 0)
      : source(std::move(text)), compiled(Compile(source)), line(source_line) {}
  // REQUIRES: compiled.has_value() (true after validation).
  const Expression& expression() const { return *compiled; }
};

enum class NodeKind {
  kStartEvent,
  kEndEvent,
  kUserTask,
  kServiceTask,
  kExclusiveGateway,
  kParallelGateway,
  kBoundaryTimer,  // a boundaryEvent with a timerEventDefinition, attached to a user task
  kMessageCatch,   // an intermediateCatchEvent with a messageEventDefinition
  kUnsupported,    // a BPMN flow element the engine does not execute; never present after validation
};

// The BPMN element name of a kind: "startEvent", "userTask", "boundaryEvent (timer)", ...
std::string_view NodeKindName(NodeKind kind);

// Who may claim a user task: staff holding `role` in `department`. An empty department means
// the department that handles the case (the item's department), resolved by the executor.
struct CandidateGroup {
  std::string role;
  std::string department;

  bool operator==(const CandidateGroup&) const = default;
};

// Parallel multi-instance (countersign): one task instance per department, all open at once.
// Each instance's candidates are the task's roles in that instance's department.
struct MultiInstance {
  // A fixed list (wb:departments="A,B,C"), or
  std::vector<std::string> departments;
  // an expression evaluated when the task starts, giving a list of department codes
  // (wb:collection). After validation exactly one of the two is set.
  std::optional<ParsedExpression> collection;
  // Evaluated after each instance completes, over the counters documented in docs/bpmn.md
  // (nrOfInstances, nrOfCompletedInstances, nrOfActiveInstances, outcomes.<name>); when true,
  // the open instances are cancelled and the task completes. Absent: wait for all.
  std::optional<ParsedExpression> completion_condition;
};

struct StartEvent {};

struct EndEvent {
  // The case outcome the end records (wb:result): "approved", "denied", "refused",
  // "withdrawn", ... Empty: the end only consumes its token (e.g. after an escalation).
  std::string result;
};

struct UserTask {
  // Cross product of the declared roles and departments. After validation non-empty (and for
  // multi-instance tasks every department is empty: each instance takes its own).
  std::vector<CandidateGroup> candidates;
  // The outcomes a person may choose (wb:outcomes="accept,refuse,request_supplement"), in the
  // order written. Empty: any outcome is accepted.
  std::vector<std::string> outcomes;
  std::optional<MultiInstance> multi_instance;
  // The boundary timers attached to this task, in file order (filled by Link).
  std::vector<NodeIndex> boundary_timers;
};

struct ServiceTask {
  // The name of the C++ handler to run (wb:handler="rules.evaluate"); after validation a name
  // the HandlerCatalog knows.
  std::string handler;
  // The variable that receives the handler's result object (wb:resultVariable); empty: the
  // result is not stored.
  std::string result_variable;
};

struct ExclusiveGateway {
  // The flow taken when no condition holds (the `default` attribute); kNoFlow if none. After
  // validation, a gateway whose outgoing flows carry conditions has one, and it is one of its
  // outgoing flows.
  FlowIndex default_flow = kNoFlow;
  std::string default_flow_id;  // as written, kept for messages when it names no flow
};

struct ParallelGateway {
  // How many tokens the gateway waits for before it fires: the number of incoming flows
  // (filled by Link). 1 for a pure fork.
  int join_fan_in = 0;
};

// How long a timer waits after its task starts.
struct TimerDuration {
  enum class Unit { kWorkingDays, kFixed };
  Unit unit = Unit::kFixed;
  int working_days = 0;           // unit kWorkingDays: on the working-day calendar, > 0
  std::chrono::seconds fixed{0};  // unit kFixed: an ISO 8601 duration (timeDuration), > 0
  std::string text;               // as written: "7" (working days) or "P2DT4H"

  // "7 working days", "P2DT4H"
  std::string Describe() const;
};

struct BoundaryTimer {
  NodeIndex attached_to = kNoNode;  // after validation a user task
  std::string attached_to_id;       // as written (attachedToRef)
  // After validation set. Absent when the file gives no duration (or an unreadable one).
  std::optional<TimerDuration> duration;
  // cancelActivity: true (the default) cancels the task and leaves by the timer's flows;
  // false leaves the task open and starts the timer's flows beside it, once.
  bool interrupting = true;
};

struct MessageCatch {
  // The message that releases the token, e.g. "supplement.received", "payment.paid". After
  // validation non-empty.
  std::string message;
};

// A BPMN element the engine does not execute, kept in the graph so that flows to and from it
// still connect (and problems elsewhere are still found).
struct UnsupportedElement {
  std::string element;  // e.g. "inclusiveGateway", "subProcess", "boundaryEvent (message)"
};

struct Node {
  NodeKind kind = NodeKind::kUnsupported;
  std::string id;
  std::string name;
  int line = 0;
  std::vector<FlowIndex> incoming;  // filled by Link, in file order of the flows
  std::vector<FlowIndex> outgoing;  // filled by Link, in file order of the flows
  std::variant<StartEvent, EndEvent, UserTask, ServiceTask, ExclusiveGateway, ParallelGateway, BoundaryTimer,
               MessageCatch, UnsupportedElement>
      detail;

  // The kind-specific part. REQUIRES: kind matches.
  const EndEvent& end_event() const { return std::get<EndEvent>(detail); }
  const UserTask& user_task() const { return std::get<UserTask>(detail); }
  const ServiceTask& service_task() const { return std::get<ServiceTask>(detail); }
  const ExclusiveGateway& exclusive_gateway() const { return std::get<ExclusiveGateway>(detail); }
  const ParallelGateway& parallel_gateway() const { return std::get<ParallelGateway>(detail); }
  const BoundaryTimer& boundary_timer() const { return std::get<BoundaryTimer>(detail); }
  const MessageCatch& message_catch() const { return std::get<MessageCatch>(detail); }
  const UnsupportedElement& unsupported() const { return std::get<UnsupportedElement>(detail); }
};

// What a node is in BPMN terms, for messages: NodeKindName, or for an unsupported element its
// own name ("inclusiveGateway").
std::string_view ElementName(const Node& node);

struct SequenceFlow {
  std::string id;
  std::string name;
  int line = 0;
  std::string source_id;       // sourceRef as written
  std::string target_id;       // targetRef as written
  NodeIndex source = kNoNode;  // filled by Link; after validation a node
  NodeIndex target = kNoNode;  // filled by Link; after validation a node
  // Only flows leaving an exclusive gateway may carry one (after validation).
  std::optional<ParsedExpression> condition;
  bool is_default = false;  // the default flow of its source gateway (filled by Link)
};

struct ProcessDefinition {
  std::string key;   // the process id: stable across versions
  std::string name;  // the process name, for people
  int line = 0;
  // Assigned by whoever stores definitions (the database loader), not by the parser: a new
  // version of the same key for every change. Running instances keep the version they
  // started with.
  int version = 0;

  std::vector<Node> nodes;          // in file order
  std::vector<SequenceFlow> flows;  // in file order
  // The start event, after validation the only one (filled by Link; kNoNode if none).
  NodeIndex start = kNoNode;
  // Everything the parser found wrong that the model cannot represent (unsupported elements,
  // unreadable attributes, duplicate ids, dangling references). Validate reports these first.
  std::vector<Problem> parse_problems;

  // The node or flow with this id, or kNoNode / kNoFlow. Valid after Link.
  NodeIndex FindNode(std::string_view id) const;
  FlowIndex FindFlow(std::string_view id) const;

  // True if a service task of the process runs the handler of this name.
  bool CallsHandler(std::string_view handler) const;

  // REQUIRES: a valid index.
  const Node& node(NodeIndex i) const { return nodes[static_cast<std::size_t>(i)]; }
  const SequenceFlow& flow(FlowIndex i) const { return flows[static_cast<std::size_t>(i)]; }

  // Computes everything marked "filled by Link" from the primary data (node details and the
  // flows' source_id/target_id): the id indexes, flow endpoints, incoming/outgoing lists,
  // parallel join fan-in, boundary timers per task, default flows, and the start event.
  // Returns what does not connect: duplicate_id, unknown_reference, bad_attachment.
  // Idempotent; the parser calls it and adds the result to parse_problems.
  std::vector<Problem> Link();

  std::map<std::string, NodeIndex, std::less<>> node_index;  // filled by Link: id -> node
  std::map<std::string, FlowIndex, std::less<>> flow_index;  // filled by Link: id -> flow
};

}  // namespace wangban::workflow
