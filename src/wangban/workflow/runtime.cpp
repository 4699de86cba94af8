// Token execution. Every transition runs a work queue of active tokens until each one waits
// (user task, message) or ends.
#include "wangban/workflow/runtime.hpp"

#include <algorithm>
#include <deque>
#include <nlohmann/json.hpp>

#include "wangban/workflow/expression.hpp"

namespace wangban::workflow {

void HandlerRegistry::Register(std::string name, ServiceHandler handler) { handlers_[std::move(name)] = std::move(handler); }

const ServiceHandler* HandlerRegistry::Find(std::string_view name) const {
  auto it = handlers_.find(name);
  return it == handlers_.end() ? nullptr : &it->second;
}

std::vector<std::string> HandlerRegistry::Names() const {
  std::vector<std::string> out;
  for (const auto& [name, h] : handlers_) out.push_back(name);
  return out;
}

namespace {

std::string_view StateName(Token::State s) {
  switch (s) {
    case Token::State::kActive: return "active";
    case Token::State::kWaitingTask: return "task";
    case Token::State::kWaitingMessage: return "message";
  }
  return "active";
}

std::optional<Token::State> ParseState(std::string_view s) {
  if (s == "active") return Token::State::kActive;
  if (s == "task") return Token::State::kWaitingTask;
  if (s == "message") return Token::State::kWaitingMessage;
  return std::nullopt;
}

// Sets variables[root][key] = value, creating the object as needed.
void SetNested(Value::Object& variables, const std::string& root, const std::string& key, Value value) {
  Value::Object inner;
  if (auto it = variables.find(root); it != variables.end() && it->second.is_object()) inner = it->second.as_object();
  inner[key] = std::move(value);
  variables[root] = Value(std::move(inner));
}

Error ProcessError(std::string message, std::string reason) {
  return Error::Unprocessable(std::move(message), std::move(reason));
}

class Runner {
 public:
  Runner(const ProcessDefinition& d, InstanceState& s, Effects& e, const RunContext& r)
      : def_(d), state_(s), effects_(e), run_(r) {}

  // Queues every active token and runs until none is active.
  Result<void> Run() {
    for (const Token& t : state_.tokens) {
      // A token moved by the transition itself (Leave) is queued already.
      if (t.state == Token::State::kActive && std::find(queue_.begin(), queue_.end(), t.id) == queue_.end()) {
        queue_.push_back(t.id);
      }
    }
    while (!queue_.empty()) {
      const std::int64_t id = queue_.front();
      queue_.pop_front();
      if (++steps_ > run_.max_steps) {
        return Fail(ProcessError("the process ran " + std::to_string(run_.max_steps) + " steps without waiting",
                                 "process_loops"));
      }
      if (auto r = Step(id); !r) return r;
    }
    state_.completed = state_.tokens.empty();
    return {};
  }

  // Moves token `index` along the node's outgoing flows (several: an implicit fork).
  Result<void> Leave(std::size_t index, const Node& node) {
    if (node.outgoing.empty()) {
      return Fail(ProcessError("node " + node.id + " has no outgoing flow", "dead_end"));
    }
    if (node.outgoing.size() == 1) {
      MoveTo(index, def_.flow(node.outgoing.front()).target);
      return {};
    }
    return Fork(index, node.outgoing);
  }

  std::int64_t Renew(std::size_t index) {
    state_.tokens[index].id = state_.next_token++;
    return state_.tokens[index].id;
  }

 private:
  std::optional<std::size_t> IndexOf(std::int64_t id) const {
    for (std::size_t i = 0; i < state_.tokens.size(); ++i) {
      if (state_.tokens[i].id == id) return i;
    }
    return std::nullopt;
  }

  void MoveTo(std::size_t index, NodeIndex target) {
    Token& t = state_.tokens[index];
    t.node = def_.node(target).id;
    t.state = Token::State::kActive;
    queue_.push_back(t.id);
  }

  Result<void> Fork(std::size_t index, const std::vector<FlowIndex>& flows) {
    state_.tokens.erase(state_.tokens.begin() + static_cast<std::ptrdiff_t>(index));
    for (FlowIndex f : flows) {
      Token t{state_.next_token++, def_.node(def_.flow(f).target).id, Token::State::kActive};
      state_.tokens.push_back(t);
      queue_.push_back(t.id);
    }
    return {};
  }

  Context VariablesContext(bool with_visits) const {
    return Context::FromObject(Value(ExpressionVariables(def_, state_, with_visits)));
  }

  Result<void> Step(std::int64_t id) {
    const auto found = IndexOf(id);
    if (!found) return {};  // consumed meanwhile (e.g. by a join)
    const std::size_t index = *found;
    if (state_.tokens[index].state != Token::State::kActive) return {};
    const NodeIndex ni = def_.FindNode(state_.tokens[index].node);
    if (ni == kNoNode) {
      return Fail(ProcessError("token on unknown node " + state_.tokens[index].node, "unknown_node"));
    }
    const Node& node = def_.node(ni);
    ++state_.visits[node.id];
    switch (node.kind) {
      case NodeKind::kStartEvent:
      case NodeKind::kBoundaryTimer:
        return Leave(index, node);
      case NodeKind::kEndEvent: {
        const auto& result = node.end_event().result;
        if (!result.empty() && !state_.result) state_.result = result;
        state_.tokens.erase(state_.tokens.begin() + static_cast<std::ptrdiff_t>(index));
        return {};
      }
      case NodeKind::kServiceTask:
        return RunService(index, node);
      case NodeKind::kExclusiveGateway:
        return Choose(index, node);
      case NodeKind::kParallelGateway:
        return Parallel(index, node);
      case NodeKind::kUserTask:
        return OpenTask(index, node);
      case NodeKind::kMessageCatch:
        state_.tokens[index].state = Token::State::kWaitingMessage;
        return {};
      case NodeKind::kUnsupported:
        break;
    }
    return Fail(ProcessError("node " + node.id + " (" + std::string(ElementName(node)) + ") cannot run",
                             "unsupported_element"));
  }

  Result<void> RunService(std::size_t index, const Node& node) {
    const ServiceTask& task = node.service_task();
    const ServiceHandler* handler = run_.handlers.Find(task.handler);
    if (handler == nullptr) {
      return Fail(ProcessError("no handler registered for " + task.handler, "unknown_handler"));
    }
    ServiceCall call{task.handler, run_.instance_id, run_.business_key, state_.variables, run_.tx};
    auto result = (*handler)(call);
    if (!result) return std::unexpected(result.error());
    effects_.service_calls.push_back(task.handler);
    if (!task.result_variable.empty()) state_.variables[task.result_variable] = std::move(*result);
    return Leave(index, node);
  }

  Result<void> Choose(std::size_t index, const Node& node) {
    bool with_visits = false;
    for (FlowIndex f : node.outgoing) {
      const auto& c = def_.flow(f).condition;
      if (c && c->compiled && ReadsVisits(c->expression())) with_visits = true;
    }
    const Context context = VariablesContext(with_visits);
    FlowIndex chosen = kNoFlow;
    for (FlowIndex f : node.outgoing) {
      const SequenceFlow& flow = def_.flow(f);
      if (flow.is_default) continue;
      if (!flow.condition) {
        chosen = f;
        break;
      }
      if (!flow.condition->compiled) {
        return Fail(ProcessError("flow " + flow.id + " has an invalid condition", "bad_expression"));
      }
      auto holds = flow.condition->expression().EvaluateBool(context);
      if (!holds) {
        return Fail(ProcessError("condition of flow " + flow.id + ": " + holds.error().message, "expression_error"));
      }
      if (*holds) {
        chosen = f;
        break;
      }
    }
    if (chosen == kNoFlow) chosen = node.exclusive_gateway().default_flow;
    if (chosen == kNoFlow) {
      return Fail(ProcessError("no condition of gateway " + node.id + " holds and it has no default flow",
                               "no_flow_taken"));
    }
    MoveTo(index, def_.flow(chosen).target);
    return {};
  }

  Result<void> Parallel(std::size_t index, const Node& node) {
    const int fan_in = node.parallel_gateway().join_fan_in;
    if (fan_in <= 1) return Leave(index, node);
    int& arrived = state_.join_arrivals[node.id];
    ++arrived;
    if (arrived < fan_in) {
      state_.tokens.erase(state_.tokens.begin() + static_cast<std::ptrdiff_t>(index));
      return {};
    }
    state_.join_arrivals.erase(node.id);
    Renew(index);
    return Leave(index, node);
  }

  Result<void> OpenTask(std::size_t index, const Node& node) {
    const UserTask& task = node.user_task();
    Token& token = state_.tokens[index];
    token.state = Token::State::kWaitingTask;
    if (task.multi_instance) {
      std::vector<std::string> departments = task.multi_instance->departments;
      if (task.multi_instance->collection) {
        if (!task.multi_instance->collection->compiled) {
          return Fail(ProcessError("task " + node.id + " has an invalid collection", "bad_expression"));
        }
        const Expression& collection = task.multi_instance->collection->expression();
        auto list = collection.Evaluate(VariablesContext(ReadsVisits(collection)));
        if (!list) return std::unexpected(list.error());
        if (!list->is_list()) {
          return Fail(ProcessError("the collection of task " + node.id + " is not a list", "expression_error"));
        }
        departments.clear();
        for (const Value& v : list->as_list()) {
          if (!v.is_string()) {
            return Fail(ProcessError("the collection of task " + node.id + " must list department codes",
                                     "expression_error"));
          }
          departments.push_back(v.as_string());
        }
      }
      if (departments.empty()) {
        return Fail(ProcessError("multi-instance task " + node.id + " has no departments", "empty_collection"));
      }
      state_.multi_instance[token.id] = MultiInstanceProgress{static_cast<int>(departments.size()), 0, {}};
      for (std::size_t i = 0; i < departments.size(); ++i) {
        TaskToOpen open{token.id, node.id, node.name, {}, static_cast<int>(i), task.outcomes};
        for (const auto& c : task.candidates) open.candidates.push_back({c.role, departments[i]});
        effects_.open_tasks.push_back(std::move(open));
      }
    } else {
      effects_.open_tasks.push_back(TaskToOpen{token.id, node.id, node.name, task.candidates, std::nullopt, task.outcomes});
    }
    for (NodeIndex t : task.boundary_timers) {
      const Node& timer = def_.node(t);
      if (!timer.boundary_timer().duration) continue;  // rejected by validation
      effects_.arm_timers.push_back({token.id, timer.id, node.id, *timer.boundary_timer().duration});
    }
    return {};
  }

  const ProcessDefinition& def_;
  InstanceState& state_;
  Effects& effects_;
  const RunContext& run_;
  std::deque<std::int64_t> queue_;
  int steps_ = 0;
};

std::optional<std::size_t> WaitingAt(const InstanceState& state, std::int64_t token_id, Token::State waiting) {
  for (std::size_t i = 0; i < state.tokens.size(); ++i) {
    if (state.tokens[i].id == token_id && state.tokens[i].state == waiting) return i;
  }
  return std::nullopt;
}

}  // namespace

bool ReadsVisits(const Expression& expression) {
  for (const auto& path : expression.Variables()) {
    if (path == "visits" || path.starts_with("visits.")) return true;
  }
  return false;
}

Value::Object ExpressionVariables(const ProcessDefinition& definition, const InstanceState& state,
                                  bool with_visits) {
  if (!with_visits) return state.variables;
  Value::Object visits;
  for (const Node& node : definition.nodes) {
    auto it = state.visits.find(node.id);
    visits[node.id] = Value(it == state.visits.end() ? 0 : it->second);
  }
  Value::Object out = state.variables;
  out["visits"] = Value(std::move(visits));
  return out;
}

Result<void> StartInstance(const ProcessDefinition& definition, InstanceState& state, Effects& effects,
                           const RunContext& run, Value::Object variables) {
  if (definition.start == kNoNode) return Fail(ProcessError("the process has no start event", "no_start_event"));
  state = InstanceState{};
  state.variables = std::move(variables);
  state.tokens.push_back(Token{state.next_token++, definition.node(definition.start).id, Token::State::kActive});
  return Runner(definition, state, effects, run).Run();
}

Result<void> CompleteTask(const ProcessDefinition& definition, InstanceState& state, Effects& effects,
                          const RunContext& run, std::int64_t token_id, std::string_view outcome,
                          const Value::Object& data) {
  const auto index = WaitingAt(state, token_id, Token::State::kWaitingTask);
  if (!index) return Fail(Error::NotFound("no task waits under this token"));
  const NodeIndex ni = definition.FindNode(state.tokens[*index].node);
  if (ni == kNoNode || definition.node(ni).kind != NodeKind::kUserTask) {
    return Fail(Error::NotFound("the token does not wait at a user task"));
  }
  const Node& node = definition.node(ni);
  const UserTask& task = node.user_task();
  if (!task.outcomes.empty() && std::find(task.outcomes.begin(), task.outcomes.end(), outcome) == task.outcomes.end()) {
    std::string offered;
    for (const auto& o : task.outcomes) offered += (offered.empty() ? "" : ", ") + o;
    return Fail(Error::Validation({{"outcome", "not_offered", "this task's outcomes are " + offered}}));
  }
  state.variables["outcome"] = Value(std::string(outcome));
  Runner runner(definition, state, effects, run);
  if (task.multi_instance) {
    MultiInstanceProgress& progress = state.multi_instance[token_id];
    progress.completed += 1;
    progress.outcomes[std::string(outcome)] += 1;
    Value::Object counts;
    for (const auto& o : task.outcomes) counts[o] = Value(0);
    for (const auto& [name, n] : progress.outcomes) counts[name] = Value(n);
    const auto& condition = task.multi_instance->completion_condition;
    const bool with_visits = condition && condition->compiled && ReadsVisits(condition->expression());
    Context context = Context::FromObject(Value(ExpressionVariables(definition, state, with_visits)));
    context.Set("nrOfInstances", Value(progress.instances))
        .Set("nrOfCompletedInstances", Value(progress.completed))
        .Set("nrOfActiveInstances", Value(progress.instances - progress.completed))
        .Set("outcomes", Value(counts));
    bool done = progress.completed >= progress.instances;
    if (!done && task.multi_instance->completion_condition) {
      if (!task.multi_instance->completion_condition->compiled) {
        return Fail(ProcessError("task " + node.id + " has an invalid completion condition", "bad_expression"));
      }
      auto holds = task.multi_instance->completion_condition->expression().EvaluateBool(context);
      if (!holds) return std::unexpected(holds.error());
      done = *holds;
    }
    SetNested(state.variables, "tasks", node.id,
              Value(Value::Object{{"outcomes", Value(counts)},
                                  {"nrOfInstances", Value(progress.instances)},
                                  {"nrOfCompletedInstances", Value(progress.completed)}}));
    state.variables["outcomes"] = Value(counts);
    if (!done) return {};
    state.multi_instance.erase(token_id);
    effects.cancel_tasks_of_tokens.push_back(token_id);
  } else {
    SetNested(state.variables, "tasks", node.id,
              Value(Value::Object{{"outcome", Value(std::string(outcome))}, {"data", Value(data)}}));
  }
  // A fresh identity for the token: timers armed for this visit of the task go stale.
  runner.Renew(*index);
  state.tokens[*index].state = Token::State::kActive;
  if (auto r = runner.Leave(*index, node); !r) return r;
  return runner.Run();
}

Result<void> DeliverMessage(const ProcessDefinition& definition, InstanceState& state, Effects& effects,
                            const RunContext& run, std::string_view message, const Value::Object& payload) {
  for (std::size_t i = 0; i < state.tokens.size(); ++i) {
    if (state.tokens[i].state != Token::State::kWaitingMessage) continue;
    const NodeIndex ni = definition.FindNode(state.tokens[i].node);
    if (ni == kNoNode || definition.node(ni).kind != NodeKind::kMessageCatch) continue;
    if (definition.node(ni).message_catch().message != message) continue;
    SetNested(state.variables, "messages", std::string(message), Value(payload));
    Runner runner(definition, state, effects, run);
    runner.Renew(i);
    state.tokens[i].state = Token::State::kActive;
    if (auto r = runner.Leave(i, definition.node(ni)); !r) return r;
    return runner.Run();
  }
  return Fail(Error::NotFound("no token waits for message " + std::string(message)));
}

Result<bool> FireTimer(const ProcessDefinition& definition, InstanceState& state, Effects& effects,
                       const RunContext& run, std::int64_t token_id, std::string_view timer_node_id) {
  const auto index = WaitingAt(state, token_id, Token::State::kWaitingTask);
  if (!index) return false;
  const NodeIndex ti = definition.FindNode(timer_node_id);
  if (ti == kNoNode || definition.node(ti).kind != NodeKind::kBoundaryTimer) {
    return Fail(Error::NotFound("no boundary timer " + std::string(timer_node_id)));
  }
  const Node& timer = definition.node(ti);
  const NodeIndex attached = timer.boundary_timer().attached_to;
  if (attached == kNoNode || definition.node(attached).id != state.tokens[*index].node) return false;
  SetNested(state.variables, "timers", timer.id, Value(true));
  Runner runner(definition, state, effects, run);
  if (timer.boundary_timer().interrupting) {
    effects.cancel_tasks_of_tokens.push_back(token_id);
    state.multi_instance.erase(token_id);
    runner.Renew(*index);
    state.tokens[*index].node = timer.id;
    state.tokens[*index].state = Token::State::kActive;
  } else {
    state.tokens.push_back(Token{state.next_token++, timer.id, Token::State::kActive});
  }
  if (auto r = runner.Run(); !r) return std::unexpected(r.error());
  return true;
}

std::string InstanceState::TokensJson() const {
  nlohmann::json j;
  auto& tokens_json = j["tokens"] = nlohmann::json::array();
  for (const Token& t : tokens) tokens_json.push_back({t.id, t.node, StateName(t.state)});
  j["joins"] = join_arrivals;
  auto& mi = j["mi"] = nlohmann::json::object();
  for (const auto& [token, p] : multi_instance) {
    mi[std::to_string(token)] = {{"n", p.instances}, {"done", p.completed}, {"outcomes", p.outcomes}};
  }
  j["next"] = next_token;
  j["visits"] = visits;
  if (result) j["result"] = *result;
  return j.dump();
}

std::string InstanceState::VariablesJson() const { return ValueToJson(Value(variables)).dump(); }

Result<InstanceState> InstanceState::FromJson(std::string_view tokens_json, std::string_view variables_json) {
  InstanceState s;
  try {
    const auto j = nlohmann::json::parse(tokens_json);
    for (const auto& t : j.at("tokens")) {
      auto st = ParseState(t.at(2).get<std::string>());
      if (!st) return Fail(Error::Internal("corrupt token state"));
      s.tokens.push_back(Token{t.at(0).get<std::int64_t>(), t.at(1).get<std::string>(), *st});
    }
    for (const auto& [gw, n] : j.at("joins").items()) s.join_arrivals[gw] = n.get<int>();
    for (const auto& [token, p] : j.at("mi").items()) {
      MultiInstanceProgress progress{p.at("n").get<int>(), p.at("done").get<int>(), {}};
      for (const auto& [o, n] : p.at("outcomes").items()) progress.outcomes[o] = n.get<int>();
      s.multi_instance[std::stoll(token)] = std::move(progress);
    }
    s.next_token = j.at("next").get<std::int64_t>();
    if (j.contains("visits")) {
      for (const auto& [node, n] : j["visits"].items()) s.visits[node] = n.get<int>();
    }
    if (j.contains("result")) s.result = j["result"].get<std::string>();
    const Value vars = ValueFromJson(nlohmann::json::parse(variables_json));
    if (vars.is_object()) s.variables = vars.as_object();
  } catch (const std::exception& e) {
    return Fail(Error::Internal(std::string("corrupt instance state: ") + e.what()));
  }
  s.completed = s.tokens.empty();
  return s;
}

}  // namespace wangban::workflow
