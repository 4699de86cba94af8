// BPMN 2.0 XML to ProcessDefinition with pugixml. pugixml knows nothing of namespaces, so
// element and attribute prefixes are resolved here against the xmlns declarations in scope;
// any prefix (or none) may be bound to the BPMN, wangban and Camunda namespaces.
#include "wangban/workflow/bpmn_parser.hpp"

#include <algorithm>
#include <charconv>
#include <pugixml.hpp>
#include <set>
#include <string>
#include <utility>

namespace wangban::workflow {
namespace {

constexpr std::string_view kXmlNamespace = "http://www.w3.org/XML/1998/namespace";

// ---------------------------------------------------------------------------------------------
// Namespaces

std::string_view PrefixOf(std::string_view qname) {
  const auto colon = qname.find(':');
  return colon == std::string_view::npos ? std::string_view() : qname.substr(0, colon);
}

std::string_view LocalOf(std::string_view qname) {
  const auto colon = qname.find(':');
  return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

// The namespace bound to `prefix` ("" for the default namespace) where `node` is.
std::string_view ResolvePrefix(pugi::xml_node node, std::string_view prefix) {
  if (prefix == "xml") return kXmlNamespace;
  const std::string attribute = prefix.empty() ? std::string("xmlns") : "xmlns:" + std::string(prefix);
  for (pugi::xml_node n = node; n; n = n.parent()) {
    if (n.type() != pugi::node_element) continue;
    if (const pugi::xml_attribute a = n.attribute(attribute.c_str())) return a.value();
  }
  return {};
}

std::string_view NamespaceOf(pugi::xml_node element) { return ResolvePrefix(element, PrefixOf(element.name())); }

bool IsBpmn(pugi::xml_node node) {
  return node.type() == pugi::node_element && NamespaceOf(node) == kBpmnModelNamespace;
}

bool IsBpmn(pugi::xml_node node, std::string_view local) { return IsBpmn(node) && LocalOf(node.name()) == local; }

// A BPMN attribute (unprefixed: attributes without a prefix belong to their element).
std::string_view Attr(pugi::xml_node node, const char* name) { return node.attribute(name).value(); }

// The value of attribute `local` in namespace `ns`, whatever its prefix; nullopt if absent.
std::optional<std::string_view> NsAttr(pugi::xml_node node, std::string_view ns, std::string_view local) {
  for (const pugi::xml_attribute a : node.attributes()) {
    const std::string_view qname = a.name();
    const std::string_view prefix = PrefixOf(qname);
    if (prefix.empty() || prefix == "xmlns" || LocalOf(qname) != local) continue;
    if (ResolvePrefix(node, prefix) == ns) return std::string_view(a.value());
  }
  return std::nullopt;
}

std::optional<std::string_view> WbAttr(pugi::xml_node node, std::string_view local) {
  return NsAttr(node, kWangbanNamespace, local);
}

std::optional<std::string_view> CamundaAttr(pugi::xml_node node, std::string_view local) {
  return NsAttr(node, kCamundaNamespace, local);
}

// ---------------------------------------------------------------------------------------------
// Text helpers

std::string_view Trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// The comma-separated items of a list attribute, trimmed, empty items dropped.
std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> items;
  while (true) {
    const auto comma = text.find(',');
    const std::string_view item = Trim(text.substr(0, comma));
    if (!item.empty()) items.emplace_back(item);
    if (comma == std::string_view::npos) return items;
    text.remove_prefix(comma + 1);
  }
}

// The character data of an element (text and CDATA children, concatenated).
std::string TextOf(pugi::xml_node node) {
  std::string text;
  for (const pugi::xml_node child : node.children()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) text += child.value();
  }
  return text;
}

// An expression body as written: trimmed, and unwrapped from ${...} (as Camunda writes it).
std::string ExpressionBody(std::string_view text) {
  text = Trim(text);
  if (text.size() >= 3 && text.starts_with("${") && text.ends_with("}")) text = Trim(text.substr(2, text.size() - 3));
  return std::string(text);
}

// Names we accept for outcomes, roles and departments: no spaces, commas or quotes, so that
// they survive lists and expressions unchanged.
bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.' || c == ':' || static_cast<unsigned char>(c) >= 0x80;
  });
}

bool IsIdentifier(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Elements inside a process that carry no behaviour: diagrams' lanes, notes and data.
const std::set<std::string_view, std::less<>> kIgnoredProcessChildren = {
    "documentation",
    "extensionElements",
    "laneSet",
    "textAnnotation",
    "association",
    "group",
    "dataObject",
    "dataObjectReference",
    "dataStoreReference",
    "auditing",
    "monitoring",
    "property",
    "correlationSubscription",
};

// Flow elements we know but do not execute: they become UnsupportedElement nodes so that the
// graph stays connected.
const std::set<std::string_view, std::less<>> kUnsupportedFlowNodes = {
    "task",
    "sendTask",
    "receiveTask",
    "manualTask",
    "businessRuleTask",
    "scriptTask",
    "callActivity",
    "subProcess",
    "adHocSubProcess",
    "transaction",
    "inclusiveGateway",
    "eventBasedGateway",
    "complexGateway",
    "intermediateThrowEvent",
    "callChoreography",
    "choreographyTask",
    "subChoreography",
};

// Children of flow nodes that carry no behaviour (incoming/outgoing repeat the flows' refs).
bool IsPassiveChild(std::string_view local) {
  return local == "documentation" || local == "extensionElements" || local == "incoming" || local == "outgoing";
}

bool IsEventDefinition(std::string_view local) { return local.ends_with("EventDefinition"); }

// "timerEventDefinition" -> "timer"
std::string_view EventDefinitionKind(std::string_view local) {
  return local.substr(0, local.size() - std::string_view("EventDefinition").size());
}

// ---------------------------------------------------------------------------------------------
// The parser

class Parser {
 public:
  explicit Parser(std::string_view xml) : xml_(xml) {
    for (std::size_t i = 0; i < xml.size(); ++i) {
      if (xml[i] == '\n') newlines_.push_back(i);
    }
  }

  std::expected<ProcessDefinition, Problem> Run() {
    if (xml_.size() > kMaxBpmnBytes) {
      return std::unexpected(Problem{
          "", "too_large",
          "the file is " + std::to_string(xml_.size()) + " bytes; the limit is " + std::to_string(kMaxBpmnBytes), 0});
    }
    const pugi::xml_parse_result parsed = doc_.load_buffer(xml_.data(), xml_.size());
    if (!parsed) {
      return std::unexpected(Problem{"", "malformed_xml", std::string("not well-formed XML: ") + parsed.description(),
                                     LineAt(static_cast<std::size_t>(std::max<std::ptrdiff_t>(parsed.offset, 0)))});
    }
    const pugi::xml_node root = doc_.document_element();
    if (!IsBpmn(root, "definitions")) {
      return std::unexpected(Problem{"", "not_bpmn",
                                     "the root element is <" + std::string(root.name()) +
                                         ">, not <definitions> in namespace " + std::string(kBpmnModelNamespace),
                                     Line(root)});
    }
    std::vector<pugi::xml_node> processes;
    for (const pugi::xml_node child : root.children()) {
      if (IsBpmn(child, "message")) {
        messages_.emplace(Attr(child, "id"), Attr(child, "name"));
      } else if (IsBpmn(child, "process")) {
        processes.push_back(child);
      }
    }
    if (processes.empty()) {
      return std::unexpected(Problem{"", "not_bpmn", "the definitions hold no <process>", Line(root)});
    }
    pugi::xml_node process = processes.front();
    if (processes.size() > 1) {
      std::vector<pugi::xml_node> executable;
      for (const pugi::xml_node p : processes) {
        if (Attr(p, "isExecutable") == "true") executable.push_back(p);
      }
      if (executable.size() != 1) {
        return std::unexpected(Problem{"", "not_bpmn",
                                       "the file holds " + std::to_string(processes.size()) +
                                           " processes; wangban runs one per file (mark exactly one "
                                           "isExecutable=\"true\")",
                                       Line(processes[1])});
      }
      process = executable.front();
    }
    ParseProcess(process);
    for (Problem& p : def_.Link()) def_.parse_problems.push_back(std::move(p));
    return std::move(def_);
  }

 private:
  int LineAt(std::size_t offset) const {
    return static_cast<int>(std::upper_bound(newlines_.begin(), newlines_.end(), offset) - newlines_.begin()) + 1;
  }
  int Line(pugi::xml_node node) const {
    const std::ptrdiff_t offset = node.offset_debug();
    return offset < 0 ? 0 : LineAt(static_cast<std::size_t>(offset));
  }

  void Report(std::string element_id, std::string code, std::string message, int line) {
    def_.parse_problems.push_back({std::move(element_id), std::move(code), std::move(message), line});
  }

  void ParseProcess(pugi::xml_node process) {
    def_.key = Attr(process, "id");
    def_.name = Attr(process, "name");
    def_.line = Line(process);
    if (def_.key.empty()) Report("", "missing_id", "the process has no id; it is the process key", def_.line);
    for (const pugi::xml_node child : process.children()) {
      if (!IsBpmn(child)) continue;  // other namespaces: extensions we do not know
      const std::string_view local = LocalOf(child.name());
      if (local == "sequenceFlow") {
        ParseFlow(child);
      } else if (kIgnoredProcessChildren.contains(local)) {
        continue;
      } else if (auto node = ParseFlowNode(child, local)) {
        def_.nodes.push_back(std::move(*node));
      } else {
        Report(std::string(Attr(child, "id")), "unsupported_element",
               "<" + std::string(local) + "> is not part of the BPMN subset wangban executes", Line(child));
      }
    }
  }

  // The node for a flow element, or nullopt if `local` is not a flow node at all.
  std::optional<Node> ParseFlowNode(pugi::xml_node element, std::string_view local) {
    Node node;
    node.id = Attr(element, "id");
    node.name = Attr(element, "name");
    node.line = Line(element);
    if (local == "startEvent") {
      SetEvent(node, element, local, NodeKind::kStartEvent, StartEvent{}, "");
    } else if (local == "endEvent") {
      SetEvent(node, element, local, NodeKind::kEndEvent, EndEvent{std::string(WbAttr(element, "result").value_or(""))},
               "");
    } else if (local == "boundaryEvent") {
      SetBoundary(node, element);
    } else if (local == "intermediateCatchEvent") {
      SetEvent(node, element, local, NodeKind::kMessageCatch, MessageCatch{}, "message");
    } else if (local == "userTask") {
      node.kind = NodeKind::kUserTask;
      node.detail = ParseUserTask(element, node);
    } else if (local == "serviceTask") {
      node.kind = NodeKind::kServiceTask;
      node.detail = ParseServiceTask(element, node);
    } else if (local == "exclusiveGateway") {
      node.kind = NodeKind::kExclusiveGateway;
      node.detail = ExclusiveGateway{.default_flow_id = std::string(Attr(element, "default"))};
      CheckChildren(element, node, {});
    } else if (local == "parallelGateway") {
      node.kind = NodeKind::kParallelGateway;
      node.detail = ParallelGateway{};
      CheckChildren(element, node, {});
    } else if (kUnsupportedFlowNodes.contains(local)) {
      MakeUnsupported(node, std::string(local));
    } else {
      return std::nullopt;
    }
    if (node.id.empty()) {
      Report("", "missing_id", "a <" + std::string(local) + "> has no id", node.line);
    }
    return node;
  }

  void MakeUnsupported(Node& node, std::string element) {
    Report(node.id, "unsupported_element", element + " is not part of the BPMN subset wangban executes", node.line);
    node.kind = NodeKind::kUnsupported;
    node.detail = UnsupportedElement{std::move(element)};
  }

  // Reports every BPMN child of a flow node other than the passive ones and `allowed`.
  void CheckChildren(pugi::xml_node element, const Node& node, std::initializer_list<std::string_view> allowed) {
    for (const pugi::xml_node child : element.children()) {
      if (!IsBpmn(child)) continue;
      const std::string_view local = LocalOf(child.name());
      if (IsPassiveChild(local) || std::find(allowed.begin(), allowed.end(), local) != allowed.end()) continue;
      std::string hint;
      if (local == "potentialOwner" || local == "humanPerformer" || local == "performer") {
        hint = "; name candidates with wb:candidateRole and wb:candidateDepartment";
      }
      Report(node.id, "unsupported_element",
             "<" + std::string(local) + "> in " + std::string(LocalOf(element.name())) + " '" + node.id +
                 "' is not supported" + hint,
             Line(child));
    }
  }

  // The event definitions of an event element.
  std::vector<pugi::xml_node> EventDefinitions(pugi::xml_node element) {
    std::vector<pugi::xml_node> definitions;
    for (const pugi::xml_node child : element.children()) {
      if (IsBpmn(child) && IsEventDefinition(LocalOf(child.name()))) definitions.push_back(child);
    }
    return definitions;
  }

  // A start, end or intermediate catch event: supported with no event definition (start, end)
  // or exactly one of kind `wanted` (catch). Anything else becomes an unsupported node.
  template <typename Detail>
  void SetEvent(Node& node, pugi::xml_node element, std::string_view local, NodeKind kind, Detail detail,
                std::string_view wanted) {
    const auto definitions = EventDefinitions(element);
    std::string kinds;
    for (const pugi::xml_node d : definitions) {
      kinds += (kinds.empty() ? "" : ", ") + std::string(EventDefinitionKind(LocalOf(d.name())));
    }
    const bool has_ref = !Attr(element, "eventDefinitionRef").empty();
    const bool supported =
        !has_ref &&
        (wanted.empty() ? definitions.empty()
                        : definitions.size() == 1 && EventDefinitionKind(LocalOf(definitions[0].name())) == wanted);
    if (!supported) {
      MakeUnsupported(node, std::string(local) + " (" +
                                (has_ref         ? "eventDefinitionRef"
                                 : kinds.empty() ? "none"
                                                 : kinds) +
                                ")");
      return;
    }
    node.kind = kind;
    if constexpr (std::is_same_v<Detail, MessageCatch>) {
      detail.message = MessageName(definitions[0], element, node);
    }
    node.detail = std::move(detail);
    std::vector<std::string_view> allowed;
    for (const pugi::xml_node d : definitions) allowed.push_back(LocalOf(d.name()));
    CheckEventChildren(element, node, allowed);
  }

  void CheckEventChildren(pugi::xml_node element, const Node& node, const std::vector<std::string_view>& allowed) {
    for (const pugi::xml_node child : element.children()) {
      if (!IsBpmn(child)) continue;
      const std::string_view local = LocalOf(child.name());
      if (IsPassiveChild(local) || std::find(allowed.begin(), allowed.end(), local) != allowed.end()) continue;
      Report(node.id, "unsupported_element",
             "<" + std::string(local) + "> in " + std::string(LocalOf(element.name())) + " '" + node.id +
                 "' is not supported",
             Line(child));
    }
  }

  // wb:message on the definition or the event, else the name of the <message> messageRef names.
  std::string MessageName(pugi::xml_node definition, pugi::xml_node event, const Node& node) {
    if (const auto m = WbAttr(definition, "message")) return std::string(Trim(*m));
    if (const auto m = WbAttr(event, "message")) return std::string(Trim(*m));
    const std::string_view ref = Attr(definition, "messageRef");
    if (ref.empty()) return "";
    const auto it = messages_.find(ref);
    if (it == messages_.end()) {
      Report(node.id, "unknown_reference", "messageRef '" + std::string(ref) + "' names no <message>",
             Line(definition));
      return "";
    }
    return it->second;
  }

  void SetBoundary(Node& node, pugi::xml_node element) {
    const auto definitions = EventDefinitions(element);
    const bool timer = definitions.size() == 1 && LocalOf(definitions[0].name()) == "timerEventDefinition" &&
                       Attr(element, "eventDefinitionRef").empty();
    if (!timer) {
      std::string kinds;
      for (const pugi::xml_node d : definitions) {
        kinds += (kinds.empty() ? "" : ", ") + std::string(EventDefinitionKind(LocalOf(d.name())));
      }
      MakeUnsupported(node, "boundaryEvent (" + (kinds.empty() ? std::string("none") : kinds) + ")");
      return;
    }
    BoundaryTimer detail;
    detail.attached_to_id = Attr(element, "attachedToRef");
    const std::string_view cancel = Attr(element, "cancelActivity");
    if (cancel == "false") {
      detail.interrupting = false;
    } else if (!cancel.empty() && cancel != "true") {
      Report(node.id, "bad_attribute", "cancelActivity must be true or false, not '" + std::string(cancel) + "'",
             node.line);
    }
    detail.duration = ParseTimer(definitions[0], node);
    node.kind = NodeKind::kBoundaryTimer;
    node.detail = std::move(detail);
    CheckEventChildren(element, node, {"timerEventDefinition"});
  }

  std::optional<TimerDuration> ParseTimer(pugi::xml_node definition, const Node& node) {
    const auto working_days = WbAttr(definition, "workingDays");
    pugi::xml_node duration_element;
    for (const pugi::xml_node child : definition.children()) {
      if (!IsBpmn(child)) continue;
      const std::string_view local = LocalOf(child.name());
      if (local == "timeDuration") {
        duration_element = child;
      } else if (local == "timeDate" || local == "timeCycle") {
        Report(node.id, "unsupported_element",
               "<" + std::string(local) +
                   "> timers are not supported; give a duration (wb:workingDays or "
                   "timeDuration)",
               Line(child));
      } else if (!IsPassiveChild(local)) {
        Report(node.id, "unsupported_element", "<" + std::string(local) + "> in a timer is not supported", Line(child));
      }
    }
    if (working_days && duration_element) {
      Report(node.id, "bad_duration", "give either wb:workingDays or timeDuration, not both", node.line);
      return std::nullopt;
    }
    if (working_days) {
      const std::string_view text = Trim(*working_days);
      int days = 0;
      const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), days);
      if (ec != std::errc() || ptr != text.data() + text.size() || days < 1 || days > 3650) {
        Report(node.id, "bad_duration",
               "wb:workingDays must be a whole number of days from 1 to 3650, not '" + std::string(text) + "'",
               node.line);
        return std::nullopt;
      }
      return TimerDuration{.unit = TimerDuration::Unit::kWorkingDays, .working_days = days, .text = std::string(text)};
    }
    if (duration_element) {
      const std::string text = ExpressionBody(TextOf(duration_element));
      const auto seconds = ParseIsoDuration(text);
      if (!seconds) {
        Report(node.id, "bad_duration",
               "timeDuration '" + text +
                   "' is not an ISO 8601 duration of weeks, days, hours, minutes and seconds "
                   "(e.g. P7D, PT48H)",
               Line(duration_element));
        return std::nullopt;
      }
      return TimerDuration{.unit = TimerDuration::Unit::kFixed, .fixed = *seconds, .text = text};
    }
    return std::nullopt;  // the validator reports timer_without_duration
  }

  UserTask ParseUserTask(pugi::xml_node element, const Node& node) {
    UserTask task;
    std::vector<std::string> roles;
    std::vector<std::string> departments;
    const auto add_unique = [](std::vector<std::string>& list, std::string item) {
      if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(std::move(item));
    };
    const auto check_token = [&](const std::string& item, std::string_view attribute) {
      if (IsToken(item)) return true;
      Report(node.id, "bad_attribute",
             std::string(attribute) + " item '" + item + "' may not contain spaces, quotes or commas", node.line);
      return false;
    };
    if (const auto v = WbAttr(element, "candidateRole")) {
      for (auto& role : SplitList(*v)) {
        if (check_token(role, "wb:candidateRole")) add_unique(roles, std::move(role));
      }
    }
    if (const auto v = WbAttr(element, "candidateDepartment")) {
      for (auto& department : SplitList(*v)) {
        if (check_token(department, "wb:candidateDepartment")) add_unique(departments, std::move(department));
      }
    }
    // Camunda Modeler compatibility: camunda:candidateGroups="role:approver,dept:HK-SCJG".
    if (const auto v = CamundaAttr(element, "candidateGroups")) {
      for (const std::string& item : SplitList(*v)) {
        const std::string_view entry = item;
        if (entry.starts_with("role:")) {
          std::string role(Trim(entry.substr(5)));
          if (check_token(role, "camunda:candidateGroups")) add_unique(roles, std::move(role));
        } else if (entry.starts_with("dept:") || entry.starts_with("department:")) {
          std::string department(Trim(entry.substr(entry.find(':') + 1)));
          if (check_token(department, "camunda:candidateGroups")) add_unique(departments, std::move(department));
        } else if (entry.find(':') == std::string_view::npos) {
          std::string role(entry);
          if (check_token(role, "camunda:candidateGroups")) add_unique(roles, std::move(role));
        } else {
          Report(node.id, "bad_attribute",
                 "camunda:candidateGroups item '" + item + "' is not role:NAME, dept:CODE or a plain role", node.line);
        }
      }
    }
    if (departments.empty()) departments.emplace_back();  // the case's own department
    for (const std::string& role : roles) {
      for (const std::string& department : departments) task.candidates.push_back({role, department});
    }
    if (const auto v = WbAttr(element, "outcomes")) {
      for (auto& outcome : SplitList(*v)) {
        if (!IsIdentifier(outcome)) {
          Report(node.id, "bad_attribute",
                 "wb:outcomes item '" + outcome + "' is not a name of letters, digits and underscores", node.line);
        } else if (std::find(task.outcomes.begin(), task.outcomes.end(), outcome) != task.outcomes.end()) {
          Report(node.id, "bad_attribute", "wb:outcomes lists '" + outcome + "' twice", node.line);
        } else {
          task.outcomes.push_back(std::move(outcome));
        }
      }
    }
    for (const pugi::xml_node child : element.children()) {
      if (IsBpmn(child, "multiInstanceLoopCharacteristics")) task.multi_instance = ParseMultiInstance(child, node);
    }
    CheckChildren(element, node, {"multiInstanceLoopCharacteristics"});
    return task;
  }

  MultiInstance ParseMultiInstance(pugi::xml_node element, const Node& node) {
    MultiInstance mi;
    if (Attr(element, "isSequential") == "true") {
      Report(node.id, "unsupported_element",
             "sequential multi-instance is not supported; wangban runs the instances in parallel", Line(element));
    }
    if (const auto v = WbAttr(element, "departments")) {
      for (auto& department : SplitList(*v)) {
        if (!IsToken(department)) {
          Report(node.id, "bad_attribute",
                 "wb:departments item '" + department + "' may not contain spaces, quotes or commas", Line(element));
        } else if (std::find(mi.departments.begin(), mi.departments.end(), department) != mi.departments.end()) {
          Report(node.id, "bad_attribute", "wb:departments lists '" + department + "' twice", Line(element));
        } else {
          mi.departments.push_back(std::move(department));
        }
      }
    }
    std::optional<std::string_view> collection = WbAttr(element, "collection");
    if (!collection) collection = CamundaAttr(element, "collection");
    if (collection) mi.collection.emplace(ExpressionBody(*collection), Line(element));
    for (const pugi::xml_node child : element.children()) {
      if (!IsBpmn(child)) continue;
      const std::string_view local = LocalOf(child.name());
      if (local == "completionCondition") {
        mi.completion_condition.emplace(ExpressionBody(TextOf(child)), Line(child));
        CheckLanguage(child, node);
      } else if (!IsPassiveChild(local)) {
        Report(node.id, "unsupported_element",
               "<" + std::string(local) +
                   "> in multi-instance is not supported; list the departments with "
                   "wb:departments or wb:collection",
               Line(child));
      }
    }
    return mi;
  }

  ServiceTask ParseServiceTask(pugi::xml_node element, const Node& node) {
    ServiceTask task;
    if (const auto v = WbAttr(element, "handler")) {
      task.handler = Trim(*v);
    } else if (const auto topic = CamundaAttr(element, "topic")) {
      task.handler = Trim(*topic);  // Camunda external task: camunda:type="external" camunda:topic="..."
    }
    std::optional<std::string_view> result = WbAttr(element, "resultVariable");
    if (!result) result = CamundaAttr(element, "resultVariable");
    if (result) {
      const std::string_view name = Trim(*result);
      if (IsIdentifier(name)) {
        task.result_variable = name;
      } else {
        Report(node.id, "bad_attribute",
               "wb:resultVariable '" + std::string(name) + "' is not a name of letters, digits and underscores",
               node.line);
      }
    }
    for (const pugi::xml_node child : element.children()) {
      if (IsBpmn(child, "multiInstanceLoopCharacteristics")) {
        Report(node.id, "unsupported_element", "multi-instance applies to user tasks only", Line(child));
      }
    }
    CheckChildren(element, node, {"multiInstanceLoopCharacteristics"});
    return task;
  }

  // Our expressions are the only language; an explicit other one (groovy, javascript, juel...)
  // would be misread.
  void CheckLanguage(pugi::xml_node expression, const Node& host) {
    const std::string_view language = Attr(expression, "language");
    if (language.empty() || language == "wangban" || language == kWangbanNamespace) return;
    Report(host.id, "bad_expression",
           "expression language '" + std::string(language) + "' is not supported; omit the language attribute",
           Line(expression));
  }

  void ParseFlow(pugi::xml_node element) {
    SequenceFlow flow;
    flow.id = Attr(element, "id");
    flow.name = Attr(element, "name");
    flow.line = Line(element);
    flow.source_id = Attr(element, "sourceRef");
    flow.target_id = Attr(element, "targetRef");
    if (flow.id.empty()) Report("", "missing_id", "a <sequenceFlow> has no id", flow.line);
    for (const pugi::xml_node child : element.children()) {
      if (!IsBpmn(child)) continue;
      const std::string_view local = LocalOf(child.name());
      if (local == "conditionExpression") {
        flow.condition.emplace(ExpressionBody(TextOf(child)), Line(child));
        Node host;
        host.id = flow.id;
        CheckLanguage(child, host);
      } else if (!IsPassiveChild(local)) {
        Report(flow.id, "unsupported_element", "<" + std::string(local) + "> in a sequenceFlow is not supported",
               Line(child));
      }
    }
    def_.flows.push_back(std::move(flow));
  }

  std::string_view xml_;
  std::vector<std::size_t> newlines_;
  pugi::xml_document doc_;
  std::map<std::string, std::string, std::less<>> messages_;  // <message> id -> name
  ProcessDefinition def_;
};

}  // namespace

std::optional<std::chrono::seconds> ParseIsoDuration(std::string_view text) {
  if (text.size() < 3 || text[0] != 'P') return std::nullopt;
  std::size_t i = 1;
  bool in_time = false;
  bool any = false;
  std::string_view order = "WD";  // designators allowed next, in order
  std::int64_t total = 0;
  constexpr std::int64_t kLimit = std::int64_t{100} * 366 * 24 * 3600;  // a century bounds every timer
  while (i < text.size()) {
    if (text[i] == 'T') {
      if (in_time || i + 1 >= text.size()) return std::nullopt;
      in_time = true;
      order = "HMS";
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == start || i >= text.size() || i - start > 9) return std::nullopt;
    std::int64_t n = 0;
    std::from_chars(text.data() + start, text.data() + i, n);
    const char designator = text[i++];
    const auto pos = order.find(designator);
    if (pos == std::string_view::npos) return std::nullopt;  // unknown, out of order, repeated, Y or M(onth)
    order.remove_prefix(pos + 1);
    std::int64_t unit = 0;
    switch (designator) {
      case 'W':
        unit = 7 * 24 * 3600;
        break;
      case 'D':
        unit = 24 * 3600;
        break;
      case 'H':
        unit = 3600;
        break;
      case 'M':
        unit = 60;
        break;
      case 'S':
        unit = 1;
        break;
      default:
        return std::nullopt;
    }
    total += n * unit;
    if (total > kLimit) return std::nullopt;
    any = true;
  }
  if (!any || total <= 0) return std::nullopt;
  return std::chrono::seconds(total);
}

std::expected<ProcessDefinition, Problem> ReadBpmn(std::string_view xml) { return Parser(xml).Run(); }

Result<ProcessDefinition> ParseBpmn(std::string_view xml) {
  auto read = ReadBpmn(xml);
  if (read) return std::move(*read);
  const Problem& p = read.error();
  const std::string where = p.line > 0 ? "line " + std::to_string(p.line) + ": " : "";
  return Fail(Error::BadRequest(where + p.message, p.code));
}

}  // namespace wangban::workflow
