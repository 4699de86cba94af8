// The token semantics of the engine, free of storage: an instance's state, and the
// transitions that move it (start, user task completion, message, timer). Each transition runs
// every token as far as it can go and returns the effects a store must apply (tasks to open or
// cancel, timers to schedule). The durable engine (engine.hpp) and the in-memory runner used by
// the benchmark share this code, so they cannot disagree.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wangban/common/error.hpp"
#include "wangban/workflow/definition.hpp"
#include "wangban/workflow/expression.hpp"
#include "wangban/workflow/validator.hpp"
#include "wangban/workflow/value.hpp"

namespace wangban::storage {
class Tx;
}

namespace wangban::workflow {

struct Token {
  enum class State { kActive, kWaitingTask, kWaitingMessage };
  std::int64_t id = 0;
  std::string node;  // the node id it stands on
  State state = State::kActive;
};

// Progress of one parallel multi-instance task (by the token that waits at it).
struct MultiInstanceProgress {
  int instances = 0;
  int completed = 0;
  std::map<std::string, int, std::less<>> outcomes;  // outcome -> how many chose it
};

struct InstanceState {
  std::vector<Token> tokens;
  std::map<std::string, int, std::less<>> join_arrivals;  // parallel join id -> tokens arrived
  std::map<std::int64_t, MultiInstanceProgress> multi_instance;  // token id -> progress
  Value::Object variables;
  // How many times a token arrived at each node; expressions read it as `visits.<node id>`
  // (0 for nodes never reached), e.g. to bound a supplement loop.
  std::map<std::string, int, std::less<>> visits;
  std::int64_t next_token = 1;
  std::optional<std::string> result;  // the result of the first end event that has one
  bool completed = false;             // no token left

  // The tokens and counters as JSON text, and back (variables are stored separately).
  std::string TokensJson() const;
  static Result<InstanceState> FromJson(std::string_view tokens_json, std::string_view variables_json);
  std::string VariablesJson() const;
};

// A user task to open: one per token, or one per department of a multi-instance task.
struct TaskToOpen {
  std::int64_t token_id = 0;
  std::string node_id;
  std::string name;
  std::vector<CandidateGroup> candidates;  // department "" = the case's department (resolved by the store)
  std::optional<int> mi_index;     // multi-instance: which instance
  std::vector<std::string> outcomes;  // the outcomes it offers (empty: any)
};

// A boundary timer to arm when its task opens.
struct TimerToArm {
  std::int64_t token_id = 0;
  std::string timer_node_id;
  std::string task_node_id;
  TimerDuration duration;
};

struct Effects {
  std::vector<TaskToOpen> open_tasks;
  std::vector<TimerToArm> arm_timers;
  // Open tasks of these tokens are to be cancelled (an interrupting timer, a completed
  // multi-instance task's remaining instances).
  std::vector<std::int64_t> cancel_tasks_of_tokens;
  // Service tasks run, in order (for the audit trail and tests).
  std::vector<std::string> service_calls;
};

// What a service-task handler gets: the instance's variables and, when the engine is durable,
// the transaction the transition runs in (null in memory), so that its writes commit or roll
// back with the transition. Handlers run synchronously and must be deterministic.
struct ServiceCall {
  std::string_view handler;
  std::string_view instance_id;
  std::string_view business_key;
  const Value::Object& variables;
  storage::Tx* tx = nullptr;
};

// A handler's answer: an object stored under the task's wb:resultVariable (if any).
using ServiceHandler = std::function<Result<Value>(const ServiceCall&)>;

// Service-task handlers by name; also the HandlerCatalog the validator checks against.
// Fill before use; then read-only (thread-safe).
class HandlerRegistry final : public HandlerCatalog {
 public:
  void Register(std::string name, ServiceHandler handler);
  const ServiceHandler* Find(std::string_view name) const;
  bool Contains(std::string_view handler) const override { return Find(handler) != nullptr; }
  std::vector<std::string> Names() const override;

 private:
  std::map<std::string, ServiceHandler, std::less<>> handlers_;
};

// Where a transition runs: handlers, the instance's identity, the transaction (or none).
struct RunContext {
  const HandlerRegistry& handlers;
  std::string_view instance_id;
  std::string_view business_key;
  storage::Tx* tx = nullptr;
  // Guards against a process that loops without waiting (a cycle of gateways and services).
  int max_steps = 10'000;
};

// Places a token on the start event with `variables` and runs.
// REQUIRES: `definition` passed validation.
Result<void> StartInstance(const ProcessDefinition& definition, InstanceState& state, Effects& effects,
                           const RunContext& run, Value::Object variables);

// The variables as expressions see them: the instance's variables plus `visits` (built only
// when `with_visits`, since it touches every node).
Value::Object ExpressionVariables(const ProcessDefinition& definition, const InstanceState& state,
                                  bool with_visits = true);

// True if `expression` reads `visits`.
bool ReadsVisits(const Expression& expression);

// Completes the user task that `token_id` waits at with `outcome`. Sets variables `outcome`
// and `tasks.<node id>` ({outcome, data} or, for multi-instance, {outcomes, nrOfInstances,
// nrOfCompletedInstances} plus root `outcomes`), then runs on when the task is done (for a
// multi-instance task: when its completion condition holds or every instance completed).
// Errors: kNotFound if no token waits at a user task under that id; kValidationFailed
// (field "outcome", code "not_offered") for an outcome the task does not offer.
Result<void> CompleteTask(const ProcessDefinition& definition, InstanceState& state, Effects& effects,
                          const RunContext& run, std::int64_t token_id, std::string_view outcome,
                          const Value::Object& data);

// Releases the token waiting for `message` (merging `payload` into variables under
// `messages.<name>`). kNotFound if no token waits for it.
Result<void> DeliverMessage(const ProcessDefinition& definition, InstanceState& state, Effects& effects,
                            const RunContext& run, std::string_view message, const Value::Object& payload);

// Fires the boundary timer `timer_node_id` of the task `token_id` waits at. False (and no
// change) when the token no longer waits there: the task was completed first.
Result<bool> FireTimer(const ProcessDefinition& definition, InstanceState& state, Effects& effects,
                       const RunContext& run, std::int64_t token_id, std::string_view timer_node_id);

}  // namespace wangban::workflow
