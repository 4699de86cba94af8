// The durable workflow engine: versioned process definitions, instances whose every transition
// is one transaction, user tasks with candidate groups, messages, and boundary timers that are
// durable jobs. Two concurrent transitions of one instance cannot both win: each instance row
// carries a version, and a transition that read a stale version is retried (different tasks of
// one instance) or refused (the same task twice: kConflict "task_closed").
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "wangban/common/calendar.hpp"
#include "wangban/common/clock.hpp"
#include "wangban/common/error.hpp"
#include "wangban/storage/database.hpp"
#include "wangban/workflow/definition.hpp"
#include "wangban/workflow/runtime.hpp"

namespace wangban::jobs {
struct JobContext;
class JobRegistry;
}  // namespace wangban::jobs

namespace wangban::workflow {

inline constexpr std::string_view kTimerJobKind = "workflow.timer";

struct Deployment {
  std::string key;
  int version = 0;
  std::string name;
  bool created = false;  // false: the text equals the latest version, nothing was stored
};

// Who completes or claims a task: the staff member's id, roles and department.
struct TaskActor {
  std::string user_id;
  std::vector<std::string> roles;
  std::string department;
};

struct TaskView {
  std::string id;
  std::string instance_id;
  std::string business_key;
  std::string process_key;
  std::string node_id;
  std::string name;
  std::vector<CandidateGroup> candidates;
  std::vector<std::string> outcomes;
  std::optional<int> mi_index;
  std::optional<std::string> assignee;
  std::string state;  // open | completed | cancelled
  std::optional<std::string> outcome;
  std::optional<std::string> opinion;
  std::optional<std::string> completed_by;
  Timestamp created_at;
  std::optional<Timestamp> due_at;
  std::optional<Timestamp> completed_at;
  std::int64_t version = 0;
  std::int64_t token_id = 0;  // the token the task belongs to
};

struct InstanceView {
  std::string id;
  std::string process_key;
  int process_version = 0;
  std::string business_key;
  std::string state;  // running | completed | terminated
  std::optional<std::string> result;
  Value::Object variables;
  std::vector<Token> tokens;
  std::int64_t version = 0;
  Timestamp started_at;
  std::optional<Timestamp> ended_at;
};

// What a transition did, for callers (cases) that react to it.
struct Transition {
  std::string instance_id;
  bool completed = false;
  std::optional<std::string> result;
  std::vector<std::string> opened_tasks;   // ids of tasks opened
  std::vector<std::string> opened_roles;   // candidate roles of the tasks opened (with repeats)
  std::vector<std::string> service_calls;  // handlers run
  Value::Object variables;                 // the instance's variables after the transition
};

struct TaskFilter {
  std::vector<CandidateGroup> groups;  // any of these (role, department) pairs
  std::string state = "open";          // open | completed | cancelled | any
  std::optional<std::string> instance_id;
  int limit = 50;
};

class Engine {
 public:
  // REQUIRES: every argument outlives the engine; `handlers` is filled before use.
  Engine(storage::Database& db, const Clock& clock, const WorkingCalendar& calendar, const HandlerRegistry& handlers);

  // Parses and validates `bpmn` and stores it as the next version of its process key (unless
  // it equals the latest version). Errors: kValidationFailed listing every problem (field =
  // element id, code = problem code).
  Result<Deployment> Deploy(std::string_view bpmn, std::string_view actor);
  // The BPMN text of a version (latest when nullopt). kNotFound if none.
  Result<std::string> DefinitionText(std::string_view key, std::optional<int> version = std::nullopt);
  // The parsed definition of a version (cached; versions never change).
  Result<std::shared_ptr<const ProcessDefinition>> Definition(std::string_view key,
                                                              std::optional<int> version = std::nullopt);

  // The same read inside the caller's transaction.
  Result<std::shared_ptr<const ProcessDefinition>> DefinitionIn(storage::Tx& tx, std::string_view key,
                                                                std::optional<int> version = std::nullopt);

  // Starts the latest version of `key` inside the caller's transaction (so that a case and its
  // process are created together). `variables.case.department` names the department that
  // tasks without a department of their own go to.
  Result<Transition> Start(storage::Tx& tx, std::string_view key, std::string_view business_key,
                           Value::Object variables);
  // The same for a definition the caller read before (Definition, DefinitionIn): a submission
  // starts the version current at its checks, and its write reads nothing to find it.
  Result<Transition> Start(storage::Tx& tx, std::shared_ptr<const ProcessDefinition> definition,
                           std::string_view business_key, Value::Object variables);
  // The same in a transaction of its own.
  Result<Transition> Start(std::string_view key, std::string_view business_key, Value::Object variables);

  // Claims an open task for the actor. kConflict "task_claimed" if someone else holds it.
  Result<TaskView> Claim(std::string_view task_id, const TaskActor& actor);
  // Completes an open task. Errors: kNotFound; kForbidden "not_a_candidate"; kConflict
  // "task_closed" (already completed or cancelled, also when a concurrent completion won) or
  // "task_claimed"; kValidationFailed for an outcome the task does not offer.
  Result<Transition> Complete(std::string_view task_id, const TaskActor& actor, std::string_view outcome,
                              std::string_view opinion, const Value::Object& data);
  // The same inside the caller's transaction (cases record their own change with it).
  Result<Transition> Complete(storage::Tx& tx, std::string_view task_id, const TaskActor& actor,
                              std::string_view outcome, std::string_view opinion, const Value::Object& data);
  // The same for a task the caller read in this transaction (GetTask), without reading it again.
  Result<Transition> Complete(storage::Tx& tx, const TaskView& task, const TaskActor& actor, std::string_view outcome,
                              std::string_view opinion, const Value::Object& data);
  // Delivers a message to the instance's token waiting for it. kNotFound if none waits.
  Result<Transition> Correlate(std::string_view instance_id, std::string_view message, const Value::Object& payload);
  // The same inside the caller's transaction.
  Result<Transition> Correlate(storage::Tx& tx, std::string_view instance_id, std::string_view message,
                               const Value::Object& payload);

  // The job handler of kTimerJobKind; register it with RegisterJobs.
  Result<void> OnTimerJob(const jobs::JobContext& job);
  void RegisterJobs(jobs::JobRegistry& registry);

  Result<InstanceView> GetInstance(std::string_view instance_id);
  Result<InstanceView> GetInstance(storage::Tx& tx, std::string_view instance_id);
  Result<TaskView> GetTask(storage::Tx& tx, std::string_view task_id);
  // The instance's tasks in `state` (open, completed, cancelled or any), oldest first.
  Result<std::vector<TaskView>> InstanceTasks(storage::Tx& tx, std::string_view instance_id, std::string_view state);
  // Ends a running instance (a withdrawn case): open tasks are cancelled, pending timers find no
  // token. kConflict "not_running" when it already ended.
  Result<void> Terminate(storage::Tx& tx, std::string_view instance_id, std::string_view reason);
  Result<TaskView> GetTask(std::string_view task_id);
  Result<std::vector<TaskView>> ListTasks(const TaskFilter& filter);

 private:
  struct Loaded;
  Result<Loaded> LoadInstance(storage::Tx& tx, std::string_view instance_id);
  Result<void> Apply(storage::Tx& tx, const Loaded& loaded, InstanceState& state, const Effects& effects,
                     Transition& transition);

  storage::Database& db_;
  const Clock& clock_;
  const WorkingCalendar& calendar_;
  const HandlerRegistry& handlers_;
  std::mutex cache_mutex_;
  std::map<std::pair<std::string, int>, std::shared_ptr<const ProcessDefinition>> cache_;  // GUARDED_BY(cache_mutex_)
};

}  // namespace wangban::workflow
