// Validate: node-local checks, then graph checks (reachability, paths to an end, and a cheap
// pairing of parallel forks with their joins that yields warnings).
#include "wangban/workflow/validator.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "wangban/workflow/bpmn_parser.hpp"

namespace wangban::workflow {

HandlerNameSet::HandlerNameSet(std::initializer_list<std::string_view> names) {
  for (const std::string_view name : names) Add(name);
}

void HandlerNameSet::Add(std::string_view name) { names_.emplace(name); }

bool HandlerNameSet::Contains(std::string_view handler) const { return names_.contains(handler); }

std::vector<std::string> HandlerNameSet::Names() const { return {names_.begin(), names_.end()}; }

const HandlerCatalog& DefaultHandlerCatalog() {
  static const HandlerNameSet catalog{"rules.evaluate", "payment.request", "license.issue", "delivery.dispatch",
                                      "notify.send"};
  return catalog;
}

namespace {

std::string Join(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

class Validator {
 public:
  Validator(const ProcessDefinition& def, const HandlerCatalog& handlers) : def_(def), handlers_(handlers) {}

  std::vector<Problem> Run() {
    problems_ = def_.parse_problems;
    for (const Problem& p : def_.parse_problems) parse_problem_keys_.insert(p.element_id + '\n' + p.code);
    CheckProcess();
    for (std::size_t i = 0; i < def_.nodes.size(); ++i) CheckNode(static_cast<NodeIndex>(i));
    for (const SequenceFlow& flow : def_.flows) CheckFlow(flow);
    CheckReachability();
    CheckPathsToEnd();
    CheckForksAndJoins();
    std::stable_sort(problems_.begin(), problems_.end(),
                     [](const Problem& a, const Problem& b) { return a.line < b.line; });
    return std::move(problems_);
  }

 private:
  void Add(const std::string& id, std::string code, std::string message, int line,
           Problem::Severity severity = Problem::Severity::kError) {
    problems_.push_back({id, std::move(code), std::move(message), line, severity});
  }
  void Warn(const std::string& id, std::string code, std::string message, int line) {
    if (!warned_.insert(id + '\n' + code + '\n' + message).second) return;
    Add(id, std::move(code), std::move(message), line, Problem::Severity::kWarning);
  }

  bool HasParseProblem(const std::string& id, std::string_view code) const {
    return parse_problem_keys_.contains(id + '\n' + std::string(code));
  }

  const Node& NodeAt(NodeIndex i) const { return def_.node(i); }

  // The nodes a token can move to from `i`: flow targets, and for a user task its timers.
  std::vector<NodeIndex> Successors(NodeIndex i) const {
    std::vector<NodeIndex> next;
    const Node& node = NodeAt(i);
    for (const FlowIndex f : node.outgoing) {
      if (def_.flow(f).target != kNoNode) next.push_back(def_.flow(f).target);
    }
    if (node.kind == NodeKind::kUserTask) {
      for (const NodeIndex t : node.user_task().boundary_timers) next.push_back(t);
    }
    return next;
  }

  bool IsFork(const Node& node) const { return node.kind == NodeKind::kParallelGateway && node.outgoing.size() >= 2; }
  bool IsJoin(const Node& node) const { return node.kind == NodeKind::kParallelGateway && node.incoming.size() >= 2; }

  void CheckProcess() {
    std::vector<NodeIndex> starts;
    bool has_end = false;
    for (std::size_t i = 0; i < def_.nodes.size(); ++i) {
      if (def_.nodes[i].kind == NodeKind::kStartEvent) starts.push_back(static_cast<NodeIndex>(i));
      if (def_.nodes[i].kind == NodeKind::kEndEvent) has_end = true;
    }
    if (starts.empty()) Add(def_.key, "no_start_event", "the process has no start event", def_.line);
    if (starts.size() > 1) {
      std::vector<std::string> ids;
      for (const NodeIndex s : starts) ids.push_back(NodeAt(s).id);
      for (std::size_t k = 1; k < starts.size(); ++k) {
        const Node& extra = NodeAt(starts[k]);
        Add(extra.id, "several_start_events",
            "the process has " + std::to_string(starts.size()) + " start events (" + Join(ids) +
                "); a process starts at exactly one",
            extra.line);
      }
    }
    if (!has_end) Add(def_.key, "no_end_event", "the process has no end event", def_.line);
  }

  void CheckSingleOutgoing(const Node& node) {
    if (node.outgoing.size() > 1) {
      Add(node.id, "implicit_split",
          std::string(ElementName(node)) + " '" + node.id + "' has " + std::to_string(node.outgoing.size()) +
              " outgoing flows; split with an exclusive or parallel gateway",
          node.line);
    }
  }

  void CheckNoIncoming(const Node& node, std::string_view what) {
    if (!node.incoming.empty()) Add(node.id, "bad_flow", std::string(what) + " cannot have incoming flows", node.line);
  }

  void CheckDeadEnd(const Node& node) {
    if (node.outgoing.empty()) {
      Add(node.id, "dead_end",
          std::string(ElementName(node)) + " '" + node.id + "' has no outgoing flow; tokens would stop here",
          node.line);
    }
  }

  void CheckExpression(const std::string& id, const std::optional<ParsedExpression>& expression, std::string_view what,
                       int fallback_line) {
    if (!expression || expression->compiled) return;
    Add(id, "bad_expression",
        std::string(what) + " '" + expression->source + "': " + expression->compiled.error().message,
        expression->line > 0 ? expression->line : fallback_line);
  }

  void CheckNode(NodeIndex i) {
    const Node& node = NodeAt(i);
    switch (node.kind) {
      case NodeKind::kStartEvent:
        CheckNoIncoming(node, "a start event");
        CheckDeadEnd(node);
        CheckSingleOutgoing(node);
        return;
      case NodeKind::kEndEvent:
        if (!node.outgoing.empty()) Add(node.id, "bad_flow", "an end event cannot have outgoing flows", node.line);
        if (node.end_event().result.empty()) {
          Add(node.id, "end_without_result",
              "end event '" + node.id +
                  "' has no wb:result, so reaching it concludes nothing; fine after an "
                  "escalation, a mistake on a main path",
              node.line, Problem::Severity::kWarning);
        }
        return;
      case NodeKind::kUserTask:
        CheckUserTask(node);
        return;
      case NodeKind::kServiceTask: {
        const ServiceTask& task = node.service_task();
        if (task.handler.empty()) {
          Add(node.id, "missing_handler", "service task '" + node.id + "' names no handler; add wb:handler", node.line);
        } else if (!handlers_.Contains(task.handler)) {
          Add(node.id, "unknown_handler",
              "no handler named '" + task.handler + "' is registered (known: " + Join(handlers_.Names()) + ")",
              node.line);
        }
        CheckDeadEnd(node);
        CheckSingleOutgoing(node);
        return;
      }
      case NodeKind::kExclusiveGateway:
        CheckExclusiveGateway(i);
        return;
      case NodeKind::kParallelGateway:
        if (node.outgoing.empty()) {
          Add(node.id, "gateway_without_outgoing", "parallel gateway '" + node.id + "' has no outgoing flows",
              node.line);
        }
        return;
      case NodeKind::kBoundaryTimer: {
        const BoundaryTimer& timer = node.boundary_timer();
        CheckNoIncoming(node, "a boundary event");
        CheckDeadEnd(node);
        CheckSingleOutgoing(node);
        if (!timer.duration && !HasParseProblem(node.id, "bad_duration")) {
          Add(node.id, "timer_without_duration",
              "timer '" + node.id +
                  "' has no duration; add wb:workingDays to its timerEventDefinition or a "
                  "timeDuration",
              node.line);
        }
        return;
      }
      case NodeKind::kMessageCatch:
        if (node.message_catch().message.empty() && !HasParseProblem(node.id, "unknown_reference")) {
          Add(node.id, "message_without_name",
              "message catch event '" + node.id +
                  "' names no message; set messageRef to a <message name=...> or "
                  "wb:message",
              node.line);
        }
        CheckDeadEnd(node);
        CheckSingleOutgoing(node);
        return;
      case NodeKind::kUnsupported:
        return;  // reported by the parser
    }
  }

  void CheckUserTask(const Node& node) {
    const UserTask& task = node.user_task();
    if (task.candidates.empty()) {
      Add(node.id, "user_task_without_candidates",
          "user task '" + node.id +
              "' names no candidates; add wb:candidateRole (and wb:candidateDepartment unless "
              "the case's own department handles it)",
          node.line);
    }
    CheckDeadEnd(node);
    CheckSingleOutgoing(node);
    if (!task.multi_instance) return;
    const MultiInstance& mi = *task.multi_instance;
    if (mi.departments.empty() && !mi.collection) {
      Add(node.id, "bad_multi_instance",
          "multi-instance task '" + node.id + "' has no departments; add wb:departments or wb:collection", node.line);
    }
    if (!mi.departments.empty() && mi.collection) {
      Add(node.id, "bad_multi_instance",
          "multi-instance task '" + node.id + "' has both wb:departments and wb:collection; keep one", node.line);
    }
    const bool fixed_department = std::any_of(task.candidates.begin(), task.candidates.end(),
                                              [](const CandidateGroup& c) { return !c.department.empty(); });
    if (fixed_department) {
      Add(node.id, "bad_multi_instance",
          "multi-instance task '" + node.id +
              "' takes each instance's department from its list; remove "
              "wb:candidateDepartment",
          node.line);
    }
    CheckExpression(node.id, mi.collection, "collection", node.line);
    CheckExpression(node.id, mi.completion_condition, "completion condition", node.line);
    // outcomes.<name> in the completion condition must be an outcome the task offers.
    if (mi.completion_condition && mi.completion_condition->compiled && !task.outcomes.empty()) {
      for (const std::string& path : mi.completion_condition->expression().Variables()) {
        if (!path.starts_with("outcomes.")) continue;
        std::string_view name = std::string_view(path).substr(9);
        name = name.substr(0, name.find('.'));
        if (std::find(task.outcomes.begin(), task.outcomes.end(), name) == task.outcomes.end()) {
          Add(node.id, "unknown_outcome",
              "the completion condition reads outcomes." + std::string(name) + ", but the task's outcomes are " +
                  Join(task.outcomes),
              mi.completion_condition->line > 0 ? mi.completion_condition->line : node.line);
        }
      }
    }
  }

  void CheckExclusiveGateway(NodeIndex i) {
    const Node& node = NodeAt(i);
    const ExclusiveGateway& gateway = node.exclusive_gateway();
    if (node.outgoing.empty()) {
      Add(node.id, "gateway_without_outgoing", "exclusive gateway '" + node.id + "' has no outgoing flows", node.line);
      return;
    }
    if (gateway.default_flow != kNoFlow) {
      const SequenceFlow& flow = def_.flow(gateway.default_flow);
      if (flow.source != i) {
        Add(node.id, "bad_default", "default flow '" + flow.id + "' does not leave gateway '" + node.id + "'",
            node.line);
      } else if (flow.condition) {
        Add(flow.id, "bad_default",
            "default flow '" + flow.id + "' of gateway '" + node.id + "' has a condition; a default flow has none",
            flow.line);
      }
    }
    bool any_condition = false;
    for (const FlowIndex f : node.outgoing) any_condition = any_condition || def_.flow(f).condition.has_value();
    if (node.outgoing.size() == 1 && !any_condition) return;  // a merge or a pass-through
    for (const FlowIndex f : node.outgoing) {
      const SequenceFlow& flow = def_.flow(f);
      if (!flow.condition && f != gateway.default_flow) {
        Add(flow.id, "missing_condition",
            "flow '" + flow.id + "' leaves exclusive gateway '" + node.id +
                "' with no condition and is not its default; give it a condition or make it the default",
            flow.line);
      }
    }
    if (gateway.default_flow_id.empty()) {
      Add(node.id, "exclusive_without_default",
          "exclusive gateway '" + node.id +
              "' has conditional flows but no default flow; when no condition holds "
              "the case would be stuck (set the gateway's default attribute)",
          node.line);
    }
  }

  void CheckFlow(const SequenceFlow& flow) {
    CheckExpression(flow.id, flow.condition, "condition", flow.line);
    if (flow.condition && flow.source != kNoNode) {
      const Node& source = NodeAt(flow.source);
      if (source.kind != NodeKind::kExclusiveGateway && source.kind != NodeKind::kUnsupported) {
        Add(flow.id, "unsupported_condition",
            "flow '" + flow.id + "' has a condition but leaves " + std::string(ElementName(source)) + " '" + source.id +
                "'; only flows leaving an exclusive gateway are conditional",
            flow.line);
      }
    }
  }

  std::vector<bool> ReachableFromStarts() const {
    std::vector<bool> seen(def_.nodes.size(), false);
    std::deque<NodeIndex> queue;
    for (std::size_t i = 0; i < def_.nodes.size(); ++i) {
      if (def_.nodes[i].kind == NodeKind::kStartEvent) {
        seen[i] = true;
        queue.push_back(static_cast<NodeIndex>(i));
      }
    }
    while (!queue.empty()) {
      const NodeIndex n = queue.front();
      queue.pop_front();
      for (const NodeIndex next : Successors(n)) {
        if (!seen[static_cast<std::size_t>(next)]) {
          seen[static_cast<std::size_t>(next)] = true;
          queue.push_back(next);
        }
      }
    }
    return seen;
  }

  void CheckReachability() {
    if (def_.start == kNoNode) return;  // no_start_event says it all
    reachable_ = ReachableFromStarts();
    for (std::size_t i = 0; i < def_.nodes.size(); ++i) {
      const Node& node = def_.nodes[i];
      if (reachable_[i]) continue;
      // A timer is reachable exactly when its task is; report the task only.
      if (node.kind == NodeKind::kBoundaryTimer) continue;
      Add(node.id, "unreachable_node",
          std::string(ElementName(node)) + " '" + node.id + "' cannot be reached from the start event", node.line);
    }
  }

  // Nodes from which no end event can be reached (an endless loop), among those not already
  // reported as dead ends.
  void CheckPathsToEnd() {
    std::vector<std::vector<NodeIndex>> predecessors(def_.nodes.size());
    std::vector<bool> finishes(def_.nodes.size(), false);
    std::deque<NodeIndex> queue;
    bool has_end = false;
    for (std::size_t i = 0; i < def_.nodes.size(); ++i) {
      const Node& node = def_.nodes[i];
      for (const NodeIndex next : Successors(static_cast<NodeIndex>(i))) {
        predecessors[static_cast<std::size_t>(next)].push_back(static_cast<NodeIndex>(i));
      }
      has_end = has_end || node.kind == NodeKind::kEndEvent;
      // Ends, and places already reported (dead ends, unsupported elements), stop the search.
      if (node.kind == NodeKind::kEndEvent || node.kind == NodeKind::kUnsupported || node.outgoing.empty()) {
        finishes[i] = true;
        queue.push_back(static_cast<NodeIndex>(i));
      }
    }
    if (!has_end) return;
    while (!queue.empty()) {
      const NodeIndex n = queue.front();
      queue.pop_front();
      for (const NodeIndex prev : predecessors[static_cast<std::size_t>(n)]) {
        if (!finishes[static_cast<std::size_t>(prev)]) {
          finishes[static_cast<std::size_t>(prev)] = true;
          queue.push_back(prev);
        }
      }
    }
    for (std::size_t i = 0; i < def_.nodes.size(); ++i) {
      if (finishes[i] || (!reachable_.empty() && !reachable_[i])) continue;
      const Node& node = def_.nodes[i];
      Add(node.id, "no_path_to_end",
          std::string(ElementName(node)) + " '" + node.id + "' cannot reach an end event; the case would loop forever",
          node.line);
    }
  }

  // Where the branches of one fork arrive.
  struct ForkArrivals {
    std::map<NodeIndex, std::vector<std::set<FlowIndex>>> joins;  // join -> per branch, flows arrived on
    std::set<NodeIndex> ends;                                     // end events reached without a join
  };

  // Explores branch `branch_flow` of `fork`, stopping at joins (recording the flow arrived
  // on), end events and the fork itself; a nested fork is stepped over to its own join.
  void ExploreBranch(NodeIndex fork, FlowIndex branch_flow, std::size_t branch, ForkArrivals& arrivals) {
    std::vector<bool> seen(def_.nodes.size(), false);
    std::vector<FlowIndex> flows{branch_flow};
    std::vector<NodeIndex> nodes;
    const auto arrive = [&](FlowIndex f) {
      const NodeIndex target = def_.flow(f).target;
      if (target == kNoNode || target == fork) return;
      const Node& node = NodeAt(target);
      if (IsJoin(node)) {
        auto& per_branch = arrivals.joins[target];
        per_branch.resize(def_.node(fork).outgoing.size());
        per_branch[branch].insert(f);
        return;
      }
      if (!seen[static_cast<std::size_t>(target)]) {
        seen[static_cast<std::size_t>(target)] = true;
        nodes.push_back(target);
      }
    };
    arrive(branch_flow);
    while (!nodes.empty()) {
      if (budget_ <= 0) return;  // see kForkAnalysisBudget
      --budget_;
      const NodeIndex n = nodes.back();
      nodes.pop_back();
      const Node& node = NodeAt(n);
      if (node.kind == NodeKind::kEndEvent) {
        arrivals.ends.insert(n);
        continue;
      }
      NodeIndex from = n;
      if (IsFork(node)) {
        from = MatchingJoin(n);
        if (from == kNoNode) continue;  // unresolved nesting: warned about on its own
        if (from == fork) continue;
      }
      for (const FlowIndex f : NodeAt(from).outgoing) arrive(f);
      if (node.kind == NodeKind::kUserTask) {
        for (const NodeIndex t : node.user_task().boundary_timers) {
          for (const FlowIndex f : NodeAt(t).outgoing) arrive(f);
        }
      }
    }
  }

  // The one join that all branches of `fork` meet at, or kNoNode if there is not exactly one
  // (or the analysis is still in progress higher up the stack).
  NodeIndex MatchingJoin(NodeIndex fork) {
    if (const auto it = matching_join_.find(fork); it != matching_join_.end()) return it->second;
    // Forks nested deeper than this are left unresolved, which bounds the recursion.
    if (nesting_ >= kMaxForkNesting) return kNoNode;
    ++nesting_;
    matching_join_[fork] = kNoNode;  // in progress: a nested reference to itself resolves to nothing
    const ForkArrivals arrivals = AnalyseFork(fork);
    NodeIndex join = kNoNode;
    if (arrivals.joins.size() == 1 && arrivals.ends.empty()) join = arrivals.joins.begin()->first;
    matching_join_[fork] = join;
    --nesting_;
    return join;
  }

  ForkArrivals AnalyseFork(NodeIndex fork) {
    ForkArrivals arrivals;
    const Node& node = NodeAt(fork);
    for (std::size_t b = 0; b < node.outgoing.size(); ++b) ExploreBranch(fork, node.outgoing[b], b, arrivals);
    return arrivals;
  }

  void CheckForksAndJoins() {
    // A join input that no fork branch leads to waits forever.
    std::vector<bool> forked(def_.nodes.size(), false);
    std::deque<NodeIndex> queue;
    for (std::size_t i = 0; i < def_.nodes.size(); ++i) {
      if (!IsFork(def_.nodes[i])) continue;
      for (const NodeIndex next : Successors(static_cast<NodeIndex>(i))) {
        if (!forked[static_cast<std::size_t>(next)]) {
          forked[static_cast<std::size_t>(next)] = true;
          queue.push_back(next);
        }
      }
    }
    while (!queue.empty()) {
      const NodeIndex n = queue.front();
      queue.pop_front();
      for (const NodeIndex next : Successors(n)) {
        if (!forked[static_cast<std::size_t>(next)]) {
          forked[static_cast<std::size_t>(next)] = true;
          queue.push_back(next);
        }
      }
    }
    for (std::size_t i = 0; i < def_.nodes.size(); ++i) {
      const Node& join = def_.nodes[i];
      if (!IsJoin(join)) continue;
      for (const FlowIndex f : join.incoming) {
        const SequenceFlow& flow = def_.flow(f);
        if (flow.source != kNoNode && !forked[static_cast<std::size_t>(flow.source)] && !IsFork(NodeAt(flow.source))) {
          Warn(join.id, "join_mismatch",
               "parallel join '" + join.id + "' waits for a token on flow '" + flow.id +
                   "', but no parallel fork leads there; it would wait forever",
               join.line);
        }
      }
    }

    for (std::size_t i = 0; i < def_.nodes.size(); ++i) {
      const Node& fork = def_.nodes[i];
      if (!IsFork(fork)) continue;
      const ForkArrivals arrivals = AnalyseFork(static_cast<NodeIndex>(i));
      if (budget_ <= 0) return;              // the analysis was cut short: no warnings from half a picture
      if (arrivals.joins.empty()) continue;  // branches that end separately: legal, nothing to pair
      if (arrivals.joins.size() > 1) {
        std::vector<std::string> ids;
        for (const auto& [j, unused] : arrivals.joins) ids.push_back(NodeAt(j).id);
        Warn(fork.id, "join_mismatch",
             "the branches of parallel fork '" + fork.id + "' meet at different joins (" + Join(ids) + ")", fork.line);
        continue;
      }
      const NodeIndex j = arrivals.joins.begin()->first;
      const Node& join = NodeAt(j);
      for (const NodeIndex end : arrivals.ends) {
        Warn(fork.id, "join_mismatch",
             "a branch of parallel fork '" + fork.id + "' can reach end event '" + NodeAt(end).id +
                 "' without passing join '" + join.id + "'; the join would wait for it forever",
             fork.line);
      }
      const auto& per_branch = arrivals.joins.begin()->second;
      std::set<FlowIndex> arrived;
      for (std::size_t b = 0; b < per_branch.size(); ++b) {
        if (per_branch[b].empty() && arrivals.ends.empty()) {
          Warn(fork.id, "join_mismatch",
               "branch '" + def_.flow(fork.outgoing[b]).id + "' of parallel fork '" + fork.id +
                   "' never reaches join '" + join.id + "'",
               fork.line);
        }
        for (const FlowIndex f : per_branch[b]) {
          if (!arrived.insert(f).second) {
            Warn(join.id, "join_mismatch",
                 "two branches of parallel fork '" + fork.id + "' can arrive on flow '" + def_.flow(f).id +
                     "' into join '" + join.id + "', which counts one token per incoming flow",
                 join.line);
          }
        }
      }
      for (const FlowIndex f : join.incoming) {
        const NodeIndex source = def_.flow(f).source;
        // A source no fork leads to has had its warning above.
        const bool fed_by_a_fork =
            source != kNoNode && (forked[static_cast<std::size_t>(source)] || IsFork(NodeAt(source)));
        if (!arrived.contains(f) && fed_by_a_fork) {
          Warn(join.id, "join_mismatch",
               "join '" + join.id + "' waits on " + std::to_string(join.incoming.size()) +
                   " flows, but the branches "
                   "of fork '" +
                   fork.id + "' never arrive on '" + def_.flow(f).id + "'",
               join.line);
        }
      }
    }
  }

  // The fork/join pairing only warns, so on huge or pathological graphs it gives up rather
  // than take long: it visits at most this many nodes in all, and resolves forks nested at
  // most this deep.
  static constexpr long kForkAnalysisBudget = 1'000'000;
  static constexpr int kMaxForkNesting = 32;

  const ProcessDefinition& def_;
  const HandlerCatalog& handlers_;
  std::vector<Problem> problems_;
  std::set<std::string> warned_;              // id, code, message of each warning given
  std::set<std::string> parse_problem_keys_;  // id, code of each parse problem
  std::vector<bool> reachable_;
  std::map<NodeIndex, NodeIndex> matching_join_;
  long budget_ = kForkAnalysisBudget;
  int nesting_ = 0;
};

// Sorted, unique.
void Insert(std::vector<std::string>& list, const std::string& item) {
  if (item.empty()) return;
  const auto it = std::lower_bound(list.begin(), list.end(), item);
  if (it == list.end() || *it != item) list.insert(it, item);
}

std::string Count(int n, std::string_view singular, std::string_view plural) {
  return std::to_string(n) + " " + std::string(n == 1 ? singular : plural);
}

}  // namespace

std::vector<Problem> Validate(const ProcessDefinition& definition, const HandlerCatalog& handlers) {
  return Validator(definition, handlers).Run();
}

Summary Summarize(const ProcessDefinition& def) {
  Summary s;
  s.key = def.key;
  s.name = def.name;
  s.sequence_flows = static_cast<int>(def.flows.size());
  for (const Node& node : def.nodes) {
    switch (node.kind) {
      case NodeKind::kStartEvent:
        ++s.start_events;
        break;
      case NodeKind::kEndEvent:
        ++s.end_events;
        Insert(s.results, node.end_event().result);
        break;
      case NodeKind::kUserTask:
        ++s.user_tasks;
        if (node.user_task().multi_instance) ++s.multi_instance_tasks;
        for (const CandidateGroup& c : node.user_task().candidates) Insert(s.roles, c.role);
        break;
      case NodeKind::kServiceTask:
        ++s.service_tasks;
        Insert(s.handlers, node.service_task().handler);
        break;
      case NodeKind::kExclusiveGateway:
        ++s.exclusive_gateways;
        break;
      case NodeKind::kParallelGateway:
        ++s.parallel_gateways;
        break;
      case NodeKind::kBoundaryTimer: {
        ++s.boundary_timers;
        const BoundaryTimer& timer = node.boundary_timer();
        s.timers.push_back(node.id + " on " + timer.attached_to_id + ": " +
                           (timer.duration ? timer.duration->Describe() : std::string("no duration")) + ", " +
                           (timer.interrupting ? "interrupting" : "non-interrupting"));
        break;
      }
      case NodeKind::kMessageCatch:
        ++s.message_catches;
        Insert(s.messages, node.message_catch().message);
        break;
      case NodeKind::kUnsupported:
        break;
    }
  }
  return s;
}

std::string FormatSummary(const Summary& s) {
  const auto listed = [](const std::vector<std::string>& items) {
    return items.empty() ? std::string() : " (" + Join(items) + ")";
  };
  std::string out = "Process " + s.key + (s.name.empty() ? "" : " (" + s.name + ")") + ", valid: ";
  out += Count(s.start_events, "start event", "start events") + ", ";
  out += Count(s.end_events, "end event", "end events") + listed(s.results) + ", ";
  out += Count(s.user_tasks, "user task", "user tasks");
  if (s.multi_instance_tasks > 0) out += " (" + std::to_string(s.multi_instance_tasks) + " multi-instance)";
  out += ", " + Count(s.service_tasks, "service task", "service tasks") + ", ";
  out += Count(s.exclusive_gateways, "exclusive gateway", "exclusive gateways") + ", ";
  out += Count(s.parallel_gateways, "parallel gateway", "parallel gateways") + ", ";
  out += Count(s.message_catches, "message catch event", "message catch events") + listed(s.messages) + ", ";
  out += Count(s.boundary_timers, "boundary timer", "boundary timers") + ", ";
  out += Count(s.sequence_flows, "sequence flow", "sequence flows") + ". ";
  out += "Roles: " + (s.roles.empty() ? std::string("none") : Join(s.roles)) + ". ";
  out += "Handlers: " + (s.handlers.empty() ? std::string("none") : Join(s.handlers)) + ".";
  if (!s.timers.empty()) out += " Timers: " + Join(s.timers, "; ") + ".";
  return out;
}

BpmnCheck CheckBpmn(std::string_view xml, const HandlerCatalog& handlers) {
  BpmnCheck check;
  auto read = ReadBpmn(xml);
  if (!read) {
    check.problems.push_back(std::move(read.error()));
    return check;
  }
  check.problems = Validate(*read, handlers);
  check.definition = std::move(*read);
  return check;
}

}  // namespace wangban::workflow
