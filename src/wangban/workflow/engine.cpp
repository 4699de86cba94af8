// Durable execution: each transition loads the instance row, runs the pure runtime, applies the
// effects (tasks, timers) and writes the row back guarded by its version, in one transaction.
#include "wangban/workflow/engine.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "wangban/common/ids.hpp"
#include "wangban/jobs/jobs.hpp"
#include "wangban/jobs/worker.hpp"
#include "wangban/storage/blob_store.hpp"
#include "wangban/workflow/bpmn_parser.hpp"
#include "wangban/workflow/validator.hpp"

namespace wangban::workflow {

using storage::Row;
using storage::Tx;

struct Engine::Loaded {
  std::string id;
  std::string business_key;
  std::int64_t version = 0;
  std::string state;
  std::shared_ptr<const ProcessDefinition> definition;
  InstanceState instance;
};

namespace {

Result<void> Ok(const Result<std::int64_t>& r) {
  if (!r) return std::unexpected(r.error());
  return {};
}

std::string JoinOutcomes(const std::vector<std::string>& outcomes) {
  std::string out;
  for (const auto& o : outcomes) out += (out.empty() ? "" : ",") + o;
  return out;
}

std::vector<std::string> SplitOutcomes(std::string_view csv) {
  std::vector<std::string> out;
  while (!csv.empty()) {
    const auto comma = csv.find(',');
    out.emplace_back(csv.substr(0, comma));
    if (comma == std::string_view::npos) break;
    csv.remove_prefix(comma + 1);
  }
  return out;
}

// The department a task without one of its own goes to: `case.role_departments.<role>` when
// the case names one for the role (the region's one-stop window accepts for every department),
// else `case.department`.
std::string CaseDepartment(const Value::Object& variables, std::string_view role) {
  auto it = variables.find("case");
  if (it == variables.end() || !it->second.is_object()) return {};
  if (const Value* by_role = it->second.Find("role_departments"); by_role && by_role->is_object()) {
    if (const Value* d = by_role->Find(role); d && d->is_string() && !d->as_string().empty()) return d->as_string();
  }
  const Value* d = it->second.Find("department");
  return d && d->is_string() ? d->as_string() : std::string();
}

constexpr std::string_view kSelectTask =
    "SELECT t.id, t.instance_id, t.node_id, t.token_id, t.name, t.mi_index, t.outcomes, t.assignee, t.state,"
    " t.outcome, t.opinion, t.completed_by, t.version, t.created_at, t.due_at, t.completed_at,"
    " i.business_key, i.process_key FROM workflow_tasks t JOIN process_instances i ON i.id = t.instance_id";
// Every task of an instance, oldest first (column 8 is the state).
constexpr const char* kSelectInstanceTasks =
    "SELECT t.id, t.instance_id, t.node_id, t.token_id, t.name, t.mi_index, t.outcomes, t.assignee, t.state,"
    " t.outcome, t.opinion, t.completed_by, t.version, t.created_at, t.due_at, t.completed_at,"
    " i.business_key, i.process_key FROM workflow_tasks t JOIN process_instances i ON i.id = t.instance_id"
    " WHERE t.instance_id = :i ORDER BY t.created_at, t.id";

TaskView TaskFromRow(const Row& r) {
  TaskView t;
  t.id = r.Text(0);
  t.instance_id = r.Text(1);
  t.node_id = r.Text(2);
  t.token_id = r.Int(3);
  t.name = r.Text(4);
  if (auto mi = r.OptInt(5)) t.mi_index = static_cast<int>(*mi);
  if (!r.Text(6).empty()) t.outcomes = SplitOutcomes(r.Text(6));
  t.assignee = r.OptText(7);
  t.state = r.Text(8);
  t.outcome = r.OptText(9);
  t.opinion = r.OptText(10);
  t.completed_by = r.OptText(11);
  t.version = r.Int(12);
  t.created_at = FromMicros(r.Int(13));
  if (auto d = r.OptInt(14)) t.due_at = FromMicros(*d);
  if (auto c = r.OptInt(15)) t.completed_at = FromMicros(*c);
  t.business_key = r.Text(16);
  t.process_key = r.Text(17);
  return t;
}

Result<std::vector<CandidateGroup>> Candidates(Tx& tx, const std::string& task_id) {
  auto rows =
      tx.Query("SELECT role, department FROM workflow_task_candidates WHERE task_id = :t ORDER BY role, department",
               {{"t", task_id}});
  if (!rows) return std::unexpected(rows.error());
  std::vector<CandidateGroup> out;
  for (const Row& r : *rows) out.push_back({r.Text(0), r.Text(1)});
  return out;
}

bool IsCandidate(const std::vector<CandidateGroup>& groups, const TaskActor& actor) {
  for (const auto& g : groups) {
    const bool role = std::find(actor.roles.begin(), actor.roles.end(), g.role) != actor.roles.end();
    if (role && (g.department.empty() || g.department == actor.department)) return true;
  }
  return false;
}

}  // namespace

Engine::Engine(storage::Database& db, const Clock& clock, const WorkingCalendar& calendar,
               const HandlerRegistry& handlers)
    : db_(db), clock_(clock), calendar_(calendar), handlers_(handlers) {}

Result<Deployment> Engine::Deploy(std::string_view bpmn, std::string_view actor) {
  auto parsed = ParseBpmn(bpmn);
  if (!parsed) return std::unexpected(parsed.error());
  auto problems = Validate(*parsed, handlers_);
  if (HasErrors(problems)) {
    std::vector<FieldError> fields;
    for (const auto& p : problems) {
      if (p.severity == Problem::Severity::kError) fields.push_back({p.element_id, p.code, p.message});
    }
    return Fail(Error::Validation(std::move(fields), "the process is not valid"));
  }
  const std::string checksum = storage::Sha256Hex(bpmn);
  Deployment d{parsed->key, 0, parsed->name, false};
  auto r = db_.Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
    auto latest = tx.QueryOne(
        "SELECT version, checksum FROM process_definitions WHERE process_key = :k ORDER BY version DESC LIMIT 1",
        {{"k", d.key}});
    if (!latest) return std::unexpected(latest.error());
    if (*latest && (*latest)->Text(1) == checksum) {
      d.version = static_cast<int>((*latest)->Int(0));
      d.created = false;
      return {};
    }
    d.version = *latest ? static_cast<int>((*latest)->Int(0)) + 1 : 1;
    d.created = true;
    return Ok(
        tx.Exec("INSERT INTO process_definitions (process_key, version, name, bpmn, checksum, deployed_at,"
                " deployed_by) VALUES (:k, :v, :n, :b, :c, :t, :a)",
                {{"k", d.key},
                 {"v", d.version},
                 {"n", d.name},
                 {"b", std::string(bpmn)},
                 {"c", checksum},
                 {"t", ToMicros(clock_.Now())},
                 {"a", std::string(actor)}}));
  });
  if (!r) return std::unexpected(r.error());
  return d;
}

Result<std::string> Engine::DefinitionText(std::string_view key, std::optional<int> version) {
  auto row = db_.TransactValue<std::optional<Row>>(storage::kReadOnly, [&](Tx& tx) {
    if (version) {
      return tx.QueryOne("SELECT bpmn FROM process_definitions WHERE process_key = :k AND version = :v",
                         {{"k", std::string(key)}, {"v", *version}});
    }
    return tx.QueryOne("SELECT bpmn FROM process_definitions WHERE process_key = :k ORDER BY version DESC LIMIT 1",
                       {{"k", std::string(key)}});
  });
  if (!row) return std::unexpected(row.error());
  if (!*row) return Fail(Error::NotFound("no process " + std::string(key)));
  return (*row)->Text(0);
}

Result<std::shared_ptr<const ProcessDefinition>> Engine::Definition(std::string_view key, std::optional<int> version) {
  return db_.TransactValue<std::shared_ptr<const ProcessDefinition>>(
      storage::kReadOnly, [&](Tx& tx) { return DefinitionIn(tx, key, version); });
}

Result<std::shared_ptr<const ProcessDefinition>> Engine::DefinitionIn(Tx& tx, std::string_view key,
                                                                      std::optional<int> version) {
  int v = 0;
  if (version) {
    v = *version;
  } else {
    auto latest =
        tx.QueryOne("SELECT MAX(version) FROM process_definitions WHERE process_key = :k", {{"k", std::string(key)}});
    if (!latest) return std::unexpected(latest.error());
    if (!*latest || (*latest)->IsNull(0)) return Fail(Error::NotFound("no process " + std::string(key)));
    v = static_cast<int>((*latest)->Int(0));
  }
  {
    std::lock_guard lock(cache_mutex_);
    if (auto it = cache_.find({std::string(key), v}); it != cache_.end()) return it->second;
  }
  auto row = tx.QueryOne("SELECT bpmn FROM process_definitions WHERE process_key = :k AND version = :v",
                         {{"k", std::string(key)}, {"v", v}});
  if (!row) return std::unexpected(row.error());
  if (!*row) return Fail(Error::NotFound("no process " + std::string(key) + " version " + std::to_string(v)));
  auto parsed = ParseBpmn((*row)->Text(0));
  if (!parsed) return std::unexpected(parsed.error());
  parsed->version = v;
  auto shared = std::make_shared<const ProcessDefinition>(std::move(*parsed));
  std::lock_guard lock(cache_mutex_);
  cache_[{std::string(key), v}] = shared;
  return shared;
}

Result<Engine::Loaded> Engine::LoadInstance(Tx& tx, std::string_view instance_id) {
  auto row = tx.QueryOne(
      "SELECT id, process_key, process_version, business_key, state, tokens, variables, version"
      " FROM process_instances WHERE id = :id",
      {{"id", std::string(instance_id)}});
  if (!row) return std::unexpected(row.error());
  if (!*row) return Fail(Error::NotFound("no process instance " + std::string(instance_id)));
  Loaded loaded;
  loaded.id = (*row)->Text(0);
  loaded.business_key = (*row)->Text(3);
  loaded.state = (*row)->Text(4);
  loaded.version = (*row)->Int(7);
  auto def = DefinitionIn(tx, (*row)->Text(1), static_cast<int>((*row)->Int(2)));
  if (!def) return std::unexpected(def.error());
  loaded.definition = *def;
  auto state = InstanceState::FromJson((*row)->Text(5), (*row)->Text(6));
  if (!state) return std::unexpected(state.error());
  loaded.instance = std::move(*state);
  return loaded;
}

Result<void> Engine::Apply(Tx& tx, const Loaded& loaded, InstanceState& state, const Effects& effects,
                           Transition& transition) {
  const Timestamp now = clock_.Now();
  const std::int64_t t = ToMicros(now);
  // The instance row first (tasks refer to it): a new instance is inserted in its final state;
  // an existing one is written back only if nobody changed it since it was read.
  if (loaded.version == 0) {
    auto inserted = tx.Defer(
        "INSERT INTO process_instances (id, process_key, process_version, business_key, state, result, variables,"
        " tokens, version, started_at, updated_at, ended_at)"
        " VALUES (:id, :k, :pv, :b, :s, :r, :v, :tk, 1, :t1, :t2, :e)",
        {{"id", loaded.id},
         {"k", loaded.definition->key},
         {"pv", loaded.definition->version},
         {"b", loaded.business_key},
         {"s", state.completed ? "completed" : "running"},
         {"r", state.result ? storage::Value(*state.result) : storage::Value(storage::kNull)},
         {"v", state.VariablesJson()},
         {"tk", state.TokensJson()},
         {"t1", t},
         {"t2", t},
         {"e", state.completed ? storage::Value(t) : storage::Value(storage::kNull)}});
    if (!inserted) return std::unexpected(inserted.error());
  } else {
    // Another transition of this instance committed since we read it: run again on fresh state.
    auto updated = tx.Defer(
        "UPDATE process_instances SET tokens = :tk, variables = :v, state = :s, result = :r, version = :nv,"
        " updated_at = :u, ended_at = :e WHERE id = :id AND version = :ov",
        {{"tk", state.TokensJson()},
         {"v", state.VariablesJson()},
         {"s", state.completed ? "completed" : "running"},
         {"r", state.result ? storage::Value(*state.result) : storage::Value(storage::kNull)},
         {"nv", loaded.version + 1},
         {"u", t},
         {"e", state.completed ? storage::Value(t) : storage::Value(storage::kNull)},
         {"id", loaded.id},
         {"ov", loaded.version}},
        {.changes = 1, .otherwise = Error::Unavailable("the process instance changed concurrently", "retry")});
    if (!updated) return std::unexpected(updated.error());
  }
  for (std::int64_t token : effects.cancel_tasks_of_tokens) {
    if (auto e = (tx.Defer("UPDATE workflow_tasks SET state = 'cancelled', version = version + 1, completed_at = :t"
                           " WHERE instance_id = :i AND token_id = :k AND state = 'open'",
                           {{"t", t}, {"i", loaded.id}, {"k", token}}));
        !e) {
      return e;
    }
  }
  // Deadlines of the timers, by the token whose task they guard (shown on the task).
  std::map<std::int64_t, Timestamp> due_by_token;
  for (const TimerToArm& timer : effects.arm_timers) {
    Timestamp due;
    if (timer.duration.unit == TimerDuration::Unit::kWorkingDays) {
      auto day = calendar_.AddWorkingDays(ChinaDate(now), timer.duration.working_days);
      if (!day) return std::unexpected(day.error());
      // The limit ends with its last working day: the timer fires at the next midnight (+08:00).
      due = ChinaStartOfDay(std::chrono::year_month_day{std::chrono::sys_days{*day} + std::chrono::days{1}});
    } else {
      due = now + std::chrono::duration_cast<std::chrono::microseconds>(timer.duration.fixed);
    }
    auto& slot = due_by_token[timer.token_id];
    if (slot == Timestamp{} || due < slot) slot = due;
    nlohmann::json payload = {{"instance", loaded.id}, {"token", timer.token_id}, {"timer", timer.timer_node_id}};
    auto job = jobs::Schedule(
        tx, clock_,
        {.kind = std::string(kTimerJobKind),
         .payload = payload.dump(),
         .run_at = due,
         .max_attempts = 20,
         .dedupe_key = "timer:" + loaded.id + ":" + std::to_string(timer.token_id) + ":" + timer.timer_node_id});
    if (!job) return std::unexpected(job.error());
  }
  for (const TaskToOpen& open : effects.open_tasks) {
    const std::string id = NewId(clock_);
    std::optional<std::int64_t> due;
    if (auto it = due_by_token.find(open.token_id); it != due_by_token.end()) due = ToMicros(it->second);
    if (auto e = (tx.Defer(
            "INSERT INTO workflow_tasks (id, instance_id, node_id, token_id, name, mi_index, outcomes,"
            " state, version, created_at, due_at) VALUES (:id, :i, :n, :k, :name, :mi, :o, 'open', 1, :t, :d)",
            {{"id", id},
             {"i", loaded.id},
             {"n", open.node_id},
             {"k", open.token_id},
             {"name", open.name},
             {"mi", open.mi_index ? storage::Value(static_cast<std::int64_t>(*open.mi_index))
                                  : storage::Value(storage::kNull)},
             {"o", JoinOutcomes(open.outcomes)},
             {"t", t},
             {"d", due ? storage::Value(*due) : storage::Value(storage::kNull)}}));
        !e) {
      return e;
    }
    for (const CandidateGroup& g : open.candidates) {
      const std::string department = g.department.empty() ? CaseDepartment(state.variables, g.role) : g.department;
      // A group named twice is one candidate.
      auto e = tx.Defer(
          "INSERT INTO workflow_task_candidates (task_id, role, department) VALUES (:t, :r, :d) ON CONFLICT DO NOTHING",
          {{"t", id}, {"r", g.role}, {"d", department}});
      if (!e) return std::unexpected(e.error());
      transition.opened_roles.push_back(g.role);
    }
    transition.opened_tasks.push_back(id);
  }
  transition.instance_id = loaded.id;
  transition.completed = state.completed;
  transition.result = state.result;
  transition.service_calls = effects.service_calls;
  transition.variables = state.variables;
  return {};
}

Result<Transition> Engine::Start(Tx& tx, std::string_view key, std::string_view business_key, Value::Object variables) {
  auto def = DefinitionIn(tx, key, std::nullopt);
  if (!def) return std::unexpected(def.error());
  return Start(tx, std::move(*def), business_key, std::move(variables));
}

Result<Transition> Engine::Start(Tx& tx, std::shared_ptr<const ProcessDefinition> definition,
                                 std::string_view business_key, Value::Object variables) {
  Loaded loaded;
  loaded.id = NewId(clock_);
  loaded.business_key = std::string(business_key);
  loaded.definition = std::move(definition);
  loaded.version = 0;
  InstanceState state;
  Effects effects;
  RunContext run{handlers_, loaded.id, loaded.business_key, &tx};
  if (auto r = StartInstance(*loaded.definition, state, effects, run, std::move(variables)); !r) {
    return std::unexpected(r.error());
  }
  Transition transition;
  if (auto r = Apply(tx, loaded, state, effects, transition); !r) return std::unexpected(r.error());
  return transition;
}

Result<Transition> Engine::Start(std::string_view key, std::string_view business_key, Value::Object variables) {
  return db_.TransactValue<Transition>(storage::kReadWrite,
                                       [&](Tx& tx) { return Start(tx, key, business_key, variables); });
}

Result<TaskView> Engine::Claim(std::string_view task_id, const TaskActor& actor) {
  auto r = db_.Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
    auto row = tx.QueryOne(std::string(kSelectTask) + " WHERE t.id = :id", {{"id", std::string(task_id)}});
    if (!row) return std::unexpected(row.error());
    if (!*row) return Fail(Error::NotFound("no such task"));
    TaskView task = TaskFromRow(**row);
    auto groups = Candidates(tx, task.id);
    if (!groups) return std::unexpected(groups.error());
    if (!IsCandidate(*groups, actor)) {
      return Fail(Error{.code = ErrorCode::kForbidden,
                        .message = "you are not a candidate for this task",
                        .reason = "not_a_candidate"});
    }
    if (task.state != "open") return Fail(Error::Conflict("the task is closed", "task_closed"));
    auto n = tx.Exec(
        "UPDATE workflow_tasks SET assignee = :u, version = version + 1"
        " WHERE id = :id AND state = 'open' AND (assignee IS NULL OR assignee = :u2)",
        {{"u", actor.user_id}, {"id", task.id}, {"u2", actor.user_id}});
    if (!n) return std::unexpected(n.error());
    if (*n == 0) return Fail(Error::Conflict("someone else has claimed this task", "task_claimed"));
    return {};
  });
  if (!r) return std::unexpected(r.error());
  return GetTask(task_id);
}

Result<Transition> Engine::Complete(std::string_view task_id, const TaskActor& actor, std::string_view outcome,
                                    std::string_view opinion, const Value::Object& data) {
  return db_.TransactValue<Transition>(storage::kReadWrite,
                                       [&](Tx& tx) { return Complete(tx, task_id, actor, outcome, opinion, data); });
}

Result<Transition> Engine::Complete(Tx& tx, std::string_view task_id, const TaskActor& actor, std::string_view outcome,
                                    std::string_view opinion, const Value::Object& data) {
  auto task = GetTask(tx, task_id);
  if (!task) return std::unexpected(task.error());
  return Complete(tx, *task, actor, outcome, opinion, data);
}

Result<Transition> Engine::Complete(Tx& tx, const TaskView& task, const TaskActor& actor, std::string_view outcome,
                                    std::string_view opinion, const Value::Object& data) {
  {
    const std::int64_t token = task.token_id;
    if (!IsCandidate(task.candidates, actor)) {
      return Fail(Error{.code = ErrorCode::kForbidden,
                        .message = "you are not a candidate for this task",
                        .reason = "not_a_candidate"});
    }
    if (task.state != "open") return Fail(Error::Conflict("the task is already " + task.state, "task_closed"));
    if (task.assignee && *task.assignee != actor.user_id) {
      return Fail(Error::Conflict("someone else has claimed this task", "task_claimed"));
    }
    // Close the task first: of two concurrent completions only one passes this guard.
    auto closed = tx.Exec(
        "UPDATE workflow_tasks SET state = 'completed', outcome = :o, opinion = :op,"
        " completed_by = :u, completed_at = :t, version = version + 1"
        " WHERE id = :id AND state = 'open' AND version = :v",
        {{"o", std::string(outcome)},
         {"op", std::string(opinion)},
         {"u", actor.user_id},
         {"t", ToMicros(clock_.Now())},
         {"id", task.id},
         {"v", task.version}});
    if (!closed) return std::unexpected(closed.error());
    if (*closed == 0) return Fail(Error::Conflict("the task was completed by someone else", "task_closed"));
    auto loaded = LoadInstance(tx, task.instance_id);
    if (!loaded) return std::unexpected(loaded.error());
    Effects effects;
    RunContext run{handlers_, loaded->id, loaded->business_key, &tx};
    if (auto r = CompleteTask(*loaded->definition, loaded->instance, effects, run, token, outcome, data); !r) {
      return std::unexpected(r.error());
    }
    Transition transition;
    if (auto r = Apply(tx, *loaded, loaded->instance, effects, transition); !r) return std::unexpected(r.error());
    return transition;
  }
}

Result<Transition> Engine::Correlate(Tx& tx, std::string_view instance_id, std::string_view message,
                                     const Value::Object& payload) {
  auto loaded = LoadInstance(tx, instance_id);
  if (!loaded) return std::unexpected(loaded.error());
  Effects effects;
  RunContext run{handlers_, loaded->id, loaded->business_key, &tx};
  if (auto r = DeliverMessage(*loaded->definition, loaded->instance, effects, run, message, payload); !r) {
    return std::unexpected(r.error());
  }
  Transition transition;
  if (auto r = Apply(tx, *loaded, loaded->instance, effects, transition); !r) return std::unexpected(r.error());
  return transition;
}

Result<Transition> Engine::Correlate(std::string_view instance_id, std::string_view message,
                                     const Value::Object& payload) {
  return db_.TransactValue<Transition>(storage::kReadWrite,
                                       [&](Tx& tx) { return Correlate(tx, instance_id, message, payload); });
}

Result<void> Engine::OnTimerJob(const jobs::JobContext& job) {
  std::string instance_id, timer;
  std::int64_t token = 0;
  try {
    const auto j = nlohmann::json::parse(job.payload);
    instance_id = j.at("instance").get<std::string>();
    token = j.at("token").get<std::int64_t>();
    timer = j.at("timer").get<std::string>();
  } catch (const std::exception& e) {
    return Fail(Error::BadRequest(std::string("bad timer payload: ") + e.what()));
  }
  return db_.Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
    auto loaded = LoadInstance(tx, instance_id);
    if (!loaded) return loaded.error().code == ErrorCode::kNotFound ? Result<void>{} : Fail(loaded.error());
    Effects effects;
    RunContext run{handlers_, loaded->id, loaded->business_key, &tx};
    auto fired = FireTimer(*loaded->definition, loaded->instance, effects, run, token, timer);
    if (!fired) return std::unexpected(fired.error());
    if (!*fired) return {};  // the task was done first
    Transition transition;
    return Apply(tx, *loaded, loaded->instance, effects, transition);
  });
}

void Engine::RegisterJobs(jobs::JobRegistry& registry) {
  registry.Register(std::string(kTimerJobKind), [this](const jobs::JobContext& job) { return OnTimerJob(job); });
}

Result<InstanceView> Engine::GetInstance(std::string_view instance_id) {
  return db_.TransactValue<InstanceView>(storage::kReadOnly, [&](Tx& tx) { return GetInstance(tx, instance_id); });
}

Result<InstanceView> Engine::GetInstance(Tx& tx, std::string_view instance_id) {
  {
    auto row = tx.QueryOne(
        "SELECT id, process_key, process_version, business_key, state, result, variables, tokens, version,"
        " started_at, ended_at FROM process_instances WHERE id = :id",
        {{"id", std::string(instance_id)}});
    if (!row) return std::unexpected(row.error());
    if (!*row) return Fail(Error::NotFound("no process instance"));
    const Row& r = **row;
    auto state = InstanceState::FromJson(r.Text(7), r.Text(6));
    if (!state) return std::unexpected(state.error());
    InstanceView v{
        r.Text(0),     r.Text(1), static_cast<int>(r.Int(2)), r.Text(3),   r.Text(4), r.OptText(5), state->variables,
        state->tokens, r.Int(8),  FromMicros(r.Int(9)),       std::nullopt};
    if (auto e = r.OptInt(10)) v.ended_at = FromMicros(*e);
    return v;
  }
}

Result<std::vector<TaskView>> Engine::InstanceTasks(Tx& tx, std::string_view instance_id, std::string_view state) {
  // By instance only, the state filtered here: an instance has a handful of tasks, and a state
  // in the WHERE clause tempted PostgreSQL (with fresh statistics) into combining the instance
  // index with the partial index of every open task.
  auto rows = tx.Query(kSelectInstanceTasks, {{"i", std::string(instance_id)}});
  if (!rows) return std::unexpected(rows.error());
  std::vector<TaskView> out;
  for (const Row& r : *rows) {
    if (state != "any" && r.Text(8) != state) continue;
    TaskView task = TaskFromRow(r);
    auto groups = Candidates(tx, task.id);
    if (!groups) return std::unexpected(groups.error());
    task.candidates = std::move(*groups);
    out.push_back(std::move(task));
  }
  return out;
}

Result<TaskView> Engine::GetTask(Tx& tx, std::string_view task_id) {
  auto row = tx.QueryOne(std::string(kSelectTask) + " WHERE t.id = :id", {{"id", std::string(task_id)}});
  if (!row) return std::unexpected(row.error());
  if (!*row) return Fail(Error::NotFound("no such task"));
  TaskView task = TaskFromRow(**row);
  auto groups = Candidates(tx, task.id);
  if (!groups) return std::unexpected(groups.error());
  task.candidates = std::move(*groups);
  return task;
}

Result<void> Engine::Terminate(Tx& tx, std::string_view instance_id, std::string_view reason) {
  const std::int64_t t = ToMicros(clock_.Now());
  // No token is left, so a timer job that fires later finds nothing to do.
  auto ended = tx.Exec(
      "UPDATE process_instances SET state = 'terminated', result = :r, tokens = '[]', version = version + 1,"
      " updated_at = :t, ended_at = :t2 WHERE id = :id AND state = 'running'",
      {{"r", std::string(reason)}, {"t", t}, {"t2", t}, {"id", std::string(instance_id)}});
  if (!ended) return std::unexpected(ended.error());
  if (*ended == 0) return Fail(Error::Conflict("the process is not running", "not_running"));
  auto cancelled = tx.Exec(
      "UPDATE workflow_tasks SET state = 'cancelled', completed_at = :t, version = version + 1"
      " WHERE instance_id = :id AND state = 'open'",
      {{"t", t}, {"id", std::string(instance_id)}});
  if (!cancelled) return std::unexpected(cancelled.error());
  return {};
}

Result<TaskView> Engine::GetTask(std::string_view task_id) {
  return db_.TransactValue<TaskView>(storage::kReadOnly, [&](Tx& tx) -> Result<TaskView> {
    auto row = tx.QueryOne(std::string(kSelectTask) + " WHERE t.id = :id", {{"id", std::string(task_id)}});
    if (!row) return std::unexpected(row.error());
    if (!*row) return Fail(Error::NotFound("no such task"));
    TaskView task = TaskFromRow(**row);
    auto groups = Candidates(tx, task.id);
    if (!groups) return std::unexpected(groups.error());
    task.candidates = std::move(*groups);
    return task;
  });
}

Result<std::vector<TaskView>> Engine::ListTasks(const TaskFilter& filter) {
  return db_.TransactValue<std::vector<TaskView>>(storage::kReadOnly, [&](Tx& tx) -> Result<std::vector<TaskView>> {
    std::vector<TaskView> out;
    std::map<std::string, bool> seen;
    auto add_rows = [&](const storage::Rows& rows) -> Result<void> {
      for (const Row& r : rows) {
        TaskView task = TaskFromRow(r);
        if (seen[task.id]) continue;
        seen[task.id] = true;
        auto groups = Candidates(tx, task.id);
        if (!groups) return std::unexpected(groups.error());
        task.candidates = std::move(*groups);
        out.push_back(std::move(task));
      }
      return {};
    };
    const std::string state = filter.state;
    if (filter.instance_id) {
      auto rows = tx.Query(kSelectInstanceTasks, {{"i", *filter.instance_id}});
      if (!rows) return std::unexpected(rows.error());
      std::erase_if(*rows, [&](const Row& r) { return state != "any" && r.Text(8) != state; });
      const auto keep = static_cast<std::size_t>(std::max(filter.limit, 0));
      if (rows->size() > keep) rows->erase(rows->begin() + static_cast<std::ptrdiff_t>(keep), rows->end());
      if (auto r = add_rows(*rows); !r) return std::unexpected(r.error());
      return out;
    }
    for (const CandidateGroup& g : filter.groups) {
      auto rows = tx.Query(std::string(kSelectTask) +
                               " JOIN workflow_task_candidates c ON c.task_id = t.id"
                               " WHERE c.role = :r AND (c.department = :d OR c.department = '')"
                               " AND (:s1 = 'any' OR t.state = :s2) ORDER BY t.created_at, t.id LIMIT :n",
                           {{"r", g.role}, {"d", g.department}, {"s1", state}, {"s2", state}, {"n", filter.limit}});
      if (!rows) return std::unexpected(rows.error());
      if (auto r = add_rows(*rows); !r) return std::unexpected(r.error());
    }
    std::sort(out.begin(), out.end(), [](const TaskView& a, const TaskView& b) { return a.created_at < b.created_at; });
    if (static_cast<int>(out.size()) > filter.limit) out.resize(static_cast<std::size_t>(filter.limit));
    return out;
  });
}

}  // namespace wangban::workflow
