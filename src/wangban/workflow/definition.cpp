// ProcessDefinition::Link and the small helpers of the process model.
#include "wangban/workflow/definition.hpp"

#include <algorithm>
#include <ostream>

namespace wangban::workflow {

std::ostream& operator<<(std::ostream& os, const Problem& problem) {
  return os << "line " << problem.line << ": " << problem.code
            << (problem.severity == Problem::Severity::kWarning ? " (warning)" : " (error)") << " at "
            << problem.element_id << ": " << problem.message;
}

bool HasErrors(const std::vector<Problem>& problems) {
  return std::any_of(problems.begin(), problems.end(),
                     [](const Problem& p) { return p.severity == Problem::Severity::kError; });
}

std::string_view NodeKindName(NodeKind kind) {
  switch (kind) {
    case NodeKind::kStartEvent:
      return "startEvent";
    case NodeKind::kEndEvent:
      return "endEvent";
    case NodeKind::kUserTask:
      return "userTask";
    case NodeKind::kServiceTask:
      return "serviceTask";
    case NodeKind::kExclusiveGateway:
      return "exclusiveGateway";
    case NodeKind::kParallelGateway:
      return "parallelGateway";
    case NodeKind::kBoundaryTimer:
      return "boundaryEvent (timer)";
    case NodeKind::kMessageCatch:
      return "intermediateCatchEvent (message)";
    case NodeKind::kUnsupported:
      return "unsupported element";
  }
  return "unknown";
}

std::string_view ElementName(const Node& node) {
  if (const auto* unsupported = std::get_if<UnsupportedElement>(&node.detail)) return unsupported->element;
  return NodeKindName(node.kind);
}

std::string TimerDuration::Describe() const {
  if (unit == Unit::kWorkingDays) {
    return std::to_string(working_days) + (working_days == 1 ? " working day" : " working days");
  }
  return text;
}

NodeIndex ProcessDefinition::FindNode(std::string_view id) const {
  const auto it = node_index.find(id);
  return it == node_index.end() ? kNoNode : it->second;
}

FlowIndex ProcessDefinition::FindFlow(std::string_view id) const {
  const auto it = flow_index.find(id);
  return it == flow_index.end() ? kNoFlow : it->second;
}

bool ProcessDefinition::CallsHandler(std::string_view handler) const {
  return std::ranges::any_of(
      nodes, [&](const Node& n) { return n.kind == NodeKind::kServiceTask && n.service_task().handler == handler; });
}

std::vector<Problem> ProcessDefinition::Link() {
  std::vector<Problem> problems;
  node_index.clear();
  flow_index.clear();
  start = kNoNode;

  // Ids are unique across nodes and flows (BPMN ids are document-wide).
  std::map<std::string, int, std::less<>> first_line;
  const auto claim = [&](const std::string& id, int at_line) {
    if (id.empty()) return false;  // the parser reports missing ids
    const auto [it, inserted] = first_line.emplace(id, at_line);
    if (!inserted) {
      problems.push_back({id, "duplicate_id",
                          "id '" + id + "' is already used by the element on line " + std::to_string(it->second),
                          at_line});
    }
    return inserted;
  };
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    Node& node = nodes[i];
    node.incoming.clear();
    node.outgoing.clear();
    if (claim(node.id, node.line)) node_index.emplace(node.id, static_cast<NodeIndex>(i));
    if (auto* task = std::get_if<UserTask>(&node.detail)) task->boundary_timers.clear();
  }
  for (std::size_t i = 0; i < flows.size(); ++i) {
    if (claim(flows[i].id, flows[i].line)) flow_index.emplace(flows[i].id, static_cast<FlowIndex>(i));
  }

  for (std::size_t i = 0; i < flows.size(); ++i) {
    SequenceFlow& flow = flows[i];
    flow.is_default = false;
    const auto endpoint = [&](const std::string& ref, std::string_view attribute) {
      if (ref.empty()) {
        problems.push_back({flow.id, "unknown_reference", "sequenceFlow has no " + std::string(attribute), flow.line});
        return kNoNode;
      }
      const NodeIndex n = FindNode(ref);
      if (n == kNoNode) {
        problems.push_back({flow.id, "unknown_reference",
                            std::string(attribute) + " '" + ref + "' names no flow node of the process", flow.line});
      }
      return n;
    };
    flow.source = endpoint(flow.source_id, "sourceRef");
    flow.target = endpoint(flow.target_id, "targetRef");
    if (flow.source != kNoNode)
      nodes[static_cast<std::size_t>(flow.source)].outgoing.push_back(static_cast<FlowIndex>(i));
    if (flow.target != kNoNode)
      nodes[static_cast<std::size_t>(flow.target)].incoming.push_back(static_cast<FlowIndex>(i));
  }

  for (std::size_t i = 0; i < nodes.size(); ++i) {
    Node& node = nodes[i];
    if (node.kind == NodeKind::kStartEvent && start == kNoNode) start = static_cast<NodeIndex>(i);
    if (auto* gateway = std::get_if<ParallelGateway>(&node.detail)) {
      gateway->join_fan_in = static_cast<int>(node.incoming.size());
    }
    if (auto* gateway = std::get_if<ExclusiveGateway>(&node.detail)) {
      gateway->default_flow = kNoFlow;
      if (!gateway->default_flow_id.empty()) {
        gateway->default_flow = FindFlow(gateway->default_flow_id);
        if (gateway->default_flow == kNoFlow) {
          problems.push_back({node.id, "unknown_reference",
                              "default flow '" + gateway->default_flow_id + "' names no sequence flow", node.line});
        } else {
          flows[static_cast<std::size_t>(gateway->default_flow)].is_default = true;
        }
      }
    }
    if (auto* timer = std::get_if<BoundaryTimer>(&node.detail)) {
      timer->attached_to = FindNode(timer->attached_to_id);
      if (timer->attached_to_id.empty()) {
        problems.push_back({node.id, "unknown_reference", "boundaryEvent has no attachedToRef", node.line});
      } else if (timer->attached_to == kNoNode) {
        problems.push_back({node.id, "unknown_reference",
                            "attachedToRef '" + timer->attached_to_id + "' names no flow node of the process",
                            node.line});
      } else if (auto* task = std::get_if<UserTask>(&nodes[static_cast<std::size_t>(timer->attached_to)].detail)) {
        task->boundary_timers.push_back(static_cast<NodeIndex>(i));
      } else {
        const Node& host = nodes[static_cast<std::size_t>(timer->attached_to)];
        problems.push_back({node.id, "bad_attachment",
                            "boundary timers attach to user tasks only, not to " + std::string(ElementName(host)) +
                                " '" + host.id + "'",
                            node.line});
      }
    }
  }
  return problems;
}

}  // namespace wangban::workflow
