#include "wangban/cases/service.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include <nlohmann/json.hpp>

#include "wangban/catalog/form_schema.hpp"
#include "wangban/common/ids.hpp"
#include "wangban/common/log.hpp"
#include "wangban/jobs/jobs.hpp"
#include "wangban/jobs/worker.hpp"
#include "wangban/workflow/value.hpp"

namespace wangban::cases {
namespace {

using identity::Principal;
using identity::Role;
using nlohmann::json;
using nlohmann::ordered_json;
using storage::Params;
using storage::Row;
using storage::Tx;

constexpr const char* kCaseColumns =
    "id, number, item_code, item_version, item_name, department, region, window_department, applicant_id,"
    " applicant_kind, applicant_name, agent_id, status, form, instance_id, clock, due_date, decision, supplement,"
    " submitted_at, concluded_at, created_at, updated_at, version";

bool Final(std::string_view status) {
  return status == "approved" || status == "denied" || status == "refused" || status == "withdrawn" ||
         status == "concluded";
}

std::string ActorRole(const Principal& p) {
  if (!p.IsStaff()) return p.acting_for ? "agent" : "applicant";
  for (Role r : {Role::kWindow, Role::kApprover, Role::kSupervisor, Role::kAdmin, Role::kCatalogAdmin}) {
    if (p.HasRole(r)) return std::string(identity::RoleName(r));
  }
  return "staff";
}

workflow::TaskActor ActorOf(const Principal& p) {
  workflow::TaskActor a{.user_id = p.user_id, .department = p.department};
  for (Role r : p.roles) a.roles.emplace_back(identity::RoleName(r));
  return a;
}

Error Retry(std::string message) { return Error::Unavailable(std::move(message), "retry"); }

// Reads that must see one state (several statements) but write nothing: no write lock on
// SQLite, one snapshot on PostgreSQL.
constexpr storage::TxOptions kSnapshot{.write = false, .serializable = true};

// A change checked on a snapshot found the case changed before it could be written: check again.
constexpr std::string_view kStale = "stale";
constexpr int kStaleAttempts = 8;

std::optional<ordered_json> ParseObject(std::string_view text) {
  auto j = ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

}  // namespace

struct CaseService::Loaded {
  std::string id;
  std::optional<std::string> number;
  std::string item_code;
  int item_version = 0;
  std::string item_name;
  std::string department;
  std::string region;
  std::string window_department;
  std::string applicant_id;
  std::string applicant_kind;
  std::string applicant_name;
  std::optional<std::string> agent_id;
  std::string status;
  std::string form;  // JSON object text
  std::optional<std::string> instance_id;
  std::optional<CaseClock> clock;
  std::optional<std::string> due_date;
  std::optional<std::string> decision;    // JSON
  std::optional<std::string> supplement;  // JSON
  std::optional<std::int64_t> submitted_at;
  std::optional<std::int64_t> concluded_at;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::int64_t version = 0;

  std::string Subject() const { return number.value_or(id); }
};

CaseService::CaseService(storage::Database& db, const Clock& clock, const WorkingCalendar& calendar,
                         catalog::CatalogStore& catalog, workflow::Engine& engine, FileLookup files, AuditSink audit,
                         CaseConfig config)
    : db_(db),
      clock_(clock),
      calendar_(calendar),
      catalog_(catalog),
      engine_(engine),
      files_(std::move(files)),
      audit_(std::move(audit)),
      config_(config) {}

CaseService::~CaseService() = default;

Result<CaseService::Loaded> CaseService::Load(Tx& tx, std::string_view case_id) {
  auto row =
      tx.QueryOne(std::string("SELECT ") + kCaseColumns + " FROM cases WHERE id = :id", {{"id", std::string(case_id)}});
  if (!row) return std::unexpected(row.error());
  if (!*row) return Fail(Error::NotFound("no such case"));
  const Row& r = **row;
  Loaded c;
  c.id = r.Text(0);
  c.number = r.OptText(1);
  c.item_code = r.Text(2);
  c.item_version = static_cast<int>(r.Int(3));
  c.item_name = r.Text(4);
  c.department = r.Text(5);
  c.region = r.Text(6);
  c.window_department = r.Text(7);
  c.applicant_id = r.Text(8);
  c.applicant_kind = r.Text(9);
  c.applicant_name = r.Text(10);
  c.agent_id = r.OptText(11);
  c.status = r.Text(12);
  c.form = r.Text(13);
  c.instance_id = r.OptText(14);
  if (auto clock = r.OptText(15)) {
    auto parsed = CaseClock::FromJson(*clock);
    if (!parsed) return std::unexpected(parsed.error());
    c.clock = std::move(*parsed);
  }
  c.due_date = r.OptText(16);
  c.decision = r.OptText(17);
  c.supplement = r.OptText(18);
  c.submitted_at = r.OptInt(19);
  c.concluded_at = r.OptInt(20);
  c.created_at = r.Int(21);
  c.updated_at = r.Int(22);
  c.version = r.Int(23);
  return c;
}

namespace {

// Writes the case back if nobody changed it since it was read; a concurrent change makes the
// whole transaction run again (Database::Transact retries kUnavailable "retry"), or, with
// `stale_is_conflict`, fails with reason kStale (the caller checks again from the start).
// `locked`: the transaction holds the case row's lock and saw the version it read (PostgreSQL,
// LockForWrite), so no count is checked and, deferred, the write can go with the COMMIT.
Result<void> Save(Tx& tx, const CaseService::Loaded& c, Timestamp now, bool stale_is_conflict = false,
                  const std::string* clock_json = nullptr, bool locked = false);

// PostgreSQL: locks the case row if it is still at `version`; kStale (a conflict) if not.
Result<void> LockForWrite(Tx& tx, const CaseService::Loaded& c);

}  // namespace

// ---- Helpers that need Loaded (defined after it).

namespace {

// The date in a case number: YYYYMMDD.
std::string NumberDay(std::chrono::year_month_day date) {
  std::string day;
  for (char ch : FormatIsoDate(date)) {
    if (ch != '-') day.push_back(ch);
  }
  return day;
}

std::string FormatNumber(const std::string& region, const std::string& day, std::int64_t seq) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%06lld", static_cast<long long>(seq));
  return region + "-" + day + "-" + buf;
}

// PostgreSQL: the case's number for (region, day), claimed before the submission's transaction
// (docs/cases.md, "Case numbers") in one statement that is a transaction of its own: the
// region's row of the day stays locked only while PostgreSQL runs and commits that statement,
// never across a round trip to this process. A case that claimed a number that day before (an
// attempt that did not commit, a concurrent submission of the same case) gets the same number
// again. Of two claims racing for one case, the second fails on the claim's unique key, which
// takes back its increment; it then finds the first one's claim.
Result<std::string> ClaimNumber(storage::Database& db, const std::string& region, const std::string& day,
                                const std::string& case_id, Timestamp now) {
  constexpr std::string_view kClaim =
      "WITH earlier AS (SELECT seq FROM case_number_claims WHERE case_id = :c AND region = :r AND day = :d),"
      " async AS (SELECT set_config('synchronous_commit', 'off', true)),"
      " n AS (INSERT INTO case_numbers (region, day, last_seq)"
      " SELECT CAST(:r AS TEXT), CAST(:d AS TEXT), 1 FROM async WHERE NOT EXISTS (SELECT 1 FROM earlier)"
      " ON CONFLICT (region, day) DO UPDATE SET last_seq = case_numbers.last_seq + 1 RETURNING last_seq),"
      " claimed AS (INSERT INTO case_number_claims (region, day, seq, case_id, claimed_at)"
      " SELECT CAST(:r AS TEXT), CAST(:d AS TEXT), last_seq, CAST(:c AS TEXT), CAST(:t AS BIGINT) FROM n"
      " RETURNING seq)"
      " SELECT seq FROM earlier UNION ALL SELECT seq FROM claimed";
  constexpr storage::TxOptions kOneStatement{.write = true, .autocommit = true};
  Result<std::optional<storage::Row>> row;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    row = db.TransactValue<std::optional<storage::Row>>(kOneStatement, [&](Tx& tx) {
      return tx.QueryOne(kClaim, {{"c", case_id}, {"r", region}, {"d", day}, {"t", ToMicros(now)}});
    });
    if (row || row.error().reason != "unique_violation") break;
  }
  if (!row) return std::unexpected(row.error());
  if (!*row) return Fail(Error::Internal("no case number was claimed for " + case_id));
  return FormatNumber(region, day, (*row)->Int(0));
}

Result<void> LockForWrite(Tx& tx, const CaseService::Loaded& c) {
  auto row = tx.QueryOne("SELECT version FROM cases WHERE id = :id FOR UPDATE", {{"id", c.id}});
  if (!row) return std::unexpected(row.error());
  if (!*row || (*row)->Int(0) != c.version) {
    return Fail(Error::Conflict("the case changed while it was checked", std::string(kStale)));
  }
  return {};
}

Result<void> Save(Tx& tx, const CaseService::Loaded& c, Timestamp now, bool stale_is_conflict,
                  const std::string* clock_json, bool locked) {
  // Deferred: on PostgreSQL it goes with the next statement, and a stale case fails that one.
  return tx.Defer(
      "UPDATE cases SET number = :number, item_version = :iv, status = :status, form = :form, instance_id = :inst,"
      " clock = :clock, due_date = :due, decision = :decision, supplement = :supplement, submitted_at = :sub,"
      " concluded_at = :conc, updated_at = :now, version = version + 1 WHERE id = :id AND version = :v",
      {{"number", c.number},
       {"iv", c.item_version},
       {"status", c.status},
       {"form", c.form},
       {"inst", c.instance_id},
       {"clock", clock_json ? storage::Value(*clock_json)
                 : c.clock  ? storage::Value(c.clock->ToJson())
                            : storage::Value(storage::kNull)},
       {"due", c.due_date},
       {"decision", c.decision},
       {"supplement", c.supplement},
       {"sub", c.submitted_at},
       {"conc", c.concluded_at},
       {"now", ToMicros(now)},
       {"id", c.id},
       {"v", c.version}},
      {.changes = locked ? std::nullopt : std::optional<std::int64_t>(1),
       .otherwise = stale_is_conflict ? Error::Conflict("the case changed while it was checked", std::string(kStale))
                                      : Retry("the case changed meanwhile")});
}

struct EventInput {
  std::string type;
  bool staff_only = false;
  std::string note;
  json data = json::object();
};

}  // namespace

// The timeline event and audit record of a change, in the change's transaction.
static Result<void> Record(Tx& tx, const CaseService::Loaded& c, const Principal* actor, const EventInput& e,
                           Timestamp now, const CaseClock* clock, const WorkingCalendar& calendar,
                           const AuditSink& audit, WarningPolicy policy) {
  std::optional<std::string> clock_state;
  if (clock) {
    auto status = clock->Status(ChinaDate(now), calendar, policy);
    if (status) clock_state = std::string(ClockStateName(status->state));
  }
  auto r = tx.Defer(
      "INSERT INTO case_events (case_id, seq, at, type, status, actor_id, actor_name, actor_role, staff_only, note,"
      " data, clock_state, due_date) SELECT :id, COALESCE(MAX(seq), 0) + 1, CAST(:at AS BIGINT), :type, :status, :aid,"
      " :aname, :arole, CAST(:so AS BIGINT), :note, :data, :cs, :due FROM case_events WHERE case_id = :id2",
      {{"id", c.id},
       {"id2", c.id},
       {"at", ToMicros(now)},
       {"type", e.type},
       {"status", c.status},
       {"aid", actor ? actor->user_id : std::string("system")},
       {"aname", actor ? actor->name : std::string("系统")},
       {"arole", actor ? ActorRole(*actor) : std::string("system")},
       {"so", e.staff_only},
       {"note", e.note},
       {"data", e.data.dump()},
       {"cs", clock_state},
       {"due", c.due_date}});
  if (!r) return r;
  if (audit) {
    json details = {{"status", c.status}, {"event", e.type}};
    if (actor && actor->acting_for) details["acting_for"] = actor->acting_for->user_id;
    if (e.data.contains("outcome")) details["outcome"] = e.data["outcome"];
    if (auto a =
            audit.append(tx, {c.id, actor ? actor->user_id : "system", "case." + e.type, c.Subject(), details.dump()});
        !a) {
      return a;
    }
  }
  return {};
}

static Result<void> Notify(Tx& tx, const Clock& clock, std::string_view recipient, std::string_view case_id,
                           std::string_view kind, const json& payload) {
  return tx.Defer(
      "INSERT INTO notifications (id, recipient, case_id, kind, payload, created_at) VALUES (:id, :r, :c, :k, :p, :t)",
      {{"id", NewId(clock)},
       {"r", std::string(recipient)},
       {"c", std::string(case_id)},
       {"k", std::string(kind)},
       {"p", payload.dump()},
       {"t", ToMicros(clock.Now())}});
}

struct CaseService::ItemInfo {
  std::string code;
  int version = 0;
  ordered_json doc;
  std::shared_ptr<const catalog::FormSchema> schema;
};

Result<std::shared_ptr<const CaseService::ItemInfo>> CaseService::Item(Tx& tx, std::string_view code,
                                                                       std::optional<int> version) {
  if (!version) {
    auto published = catalog::CatalogStore::PublishedVersion(tx, code);
    if (!published) return std::unexpected(published.error());
    version = *published;
  }
  const auto key = std::make_pair(std::string(code), *version);
  {
    std::lock_guard lock(items_mutex_);
    if (auto it = items_.find(key); it != items_.end()) return it->second;
  }
  auto stored = catalog::CatalogStore::GetVersion(tx, code, *version);
  if (!stored) return std::unexpected(stored.error());
  auto info = std::make_shared<ItemInfo>();
  info->code = stored->code;
  info->version = stored->version;
  info->doc = ordered_json::parse(stored->document);
  auto compiled = catalog::FormSchema::Compile(info->doc["form_schema"].dump());
  if (!compiled) return std::unexpected(compiled.error());
  info->schema = std::make_shared<const catalog::FormSchema>(std::move(*compiled));
  std::lock_guard lock(items_mutex_);
  return items_.emplace(key, std::move(info)).first->second;
}

namespace {

// Who may see a case, and how: the applicant (and their agents) see the applicant's view; staff
// of the case's department, its window, a department with a task on it, or region-wide
// supervisors and admins see everything. Anyone else: 404. Drafts are the applicant's alone.
enum class Viewer { kApplicant, kStaff };

Result<Viewer> Visibility(Tx& tx, const Principal& p, const CaseService::Loaded& c) {
  if (p.IsApplicant()) {
    if (p.EffectiveApplicantId() == c.applicant_id) return Viewer::kApplicant;
    return Fail(Error::NotFound("no such case"));
  }
  if (c.status == "draft") return Fail(Error::NotFound("no such case"));
  const bool region_wide = p.HasRole(Role::kAdmin) || p.HasRole(Role::kSupervisor);
  if (region_wide && identity::RegionCovers(p.region, c.region)) return Viewer::kStaff;
  if (!p.department.empty() && (p.department == c.department || p.department == c.window_department)) {
    return Viewer::kStaff;
  }
  if (c.instance_id && !p.department.empty()) {
    auto row = tx.QueryOne(
        "SELECT 1 FROM workflow_tasks t JOIN workflow_task_candidates k ON k.task_id = t.id"
        " WHERE t.instance_id = :i AND k.department = :d LIMIT 1",
        {{"i", *c.instance_id}, {"d", p.department}});
    if (!row) return std::unexpected(row.error());
    if (*row) return Viewer::kStaff;
  }
  return Fail(Error::NotFound("no such case"));
}

// The clock as of `now`, or as it stood when the case concluded (state "concluded").
ordered_json ClockJson(const std::optional<CaseClock>& clock, Timestamp now, const WorkingCalendar& calendar,
                       WarningPolicy policy, std::optional<std::int64_t> concluded_at) {
  if (!clock) return nullptr;
  if (concluded_at) now = FromMicros(*concluded_at);
  ordered_json j = {{"accepted_on", FormatIsoDate(clock->accepted_on())},
                    {"promised_limit_days", clock->promised_limit_days()},
                    {"extension_days", clock->extension_days()},
                    {"due_date", FormatIsoDate(clock->due())},
                    {"suspended", clock->suspended()}};
  if (auto s = clock->Status(ChinaDate(now), calendar, policy)) {
    j["state"] = concluded_at ? std::string_view("concluded") : ClockStateName(s->state);
    j["limit_days"] = s->limit_days;
    j["used_days"] = s->used_days;
    j["remaining_days"] = s->remaining_days;
  }
  ordered_json history = ordered_json::array();
  for (const auto& h : clock->history()) {
    history.push_back({{"at", FormatRfc3339(h.at)},
                       {"kind", DueChangeKindName(h.kind)},
                       {"old_due", h.old_due ? ordered_json(FormatIsoDate(*h.old_due)) : ordered_json(nullptr)},
                       {"new_due", FormatIsoDate(h.new_due)},
                       {"days", h.days},
                       {"reason", h.reason}});
  }
  j["history"] = history;
  return j;
}

}  // namespace

// The whole case document for `viewer`.
// The case without its form, materials, timeline and tasks: what a command that moves the case
// answers (submit, resubmit, withdraw, complete), built from the case as written, without
// reading anything back. GET /api/v1/cases/{id} gives the whole document.
static ordered_json SummaryJson(const CaseService::Loaded& c, Timestamp now, const WorkingCalendar& calendar,
                                WarningPolicy policy) {
  ordered_json v;
  v["id"] = c.id;
  v["number"] = c.number ? ordered_json(*c.number) : ordered_json();
  v["item_code"] = c.item_code;
  v["item_version"] = c.item_version;
  v["item_name"] = c.item_name;
  v["department"] = c.department;
  v["region"] = c.region;
  v["applicant"] = {{"id", c.applicant_id}, {"kind", c.applicant_kind}, {"name", c.applicant_name}};
  v["status"] = c.status;
  v["due_date"] = c.due_date ? ordered_json(*c.due_date) : ordered_json();
  v["clock"] = ClockJson(c.clock, now, calendar, policy, c.concluded_at);
  v["supplement"] = c.supplement ? ordered_json::parse(*c.supplement) : ordered_json();
  v["decision"] = c.decision ? ordered_json::parse(*c.decision) : ordered_json();
  v["submitted_at"] = c.submitted_at ? ordered_json(FormatRfc3339(FromMicros(*c.submitted_at))) : ordered_json();
  v["concluded_at"] = c.concluded_at ? ordered_json(FormatRfc3339(FromMicros(*c.concluded_at))) : ordered_json();
  v["created_at"] = FormatRfc3339(FromMicros(c.created_at));
  v["updated_at"] = FormatRfc3339(FromMicros(c.updated_at));
  return v;
}

static Result<std::string> ViewJson(Tx& tx, const CaseService::Loaded& c, Viewer viewer, Timestamp now,
                                    const WorkingCalendar& calendar, WarningPolicy policy, workflow::Engine& engine) {
  ordered_json v = SummaryJson(c, now, calendar, policy);
  v["form"] = ordered_json::parse(c.form);
  auto materials = tx.Query(
      "SELECT material_code, kind, file_id, license_id, updated_at FROM case_materials WHERE case_id = :id"
      " ORDER BY material_code",
      {{"id", c.id}});
  if (!materials) return std::unexpected(materials.error());
  ordered_json ms = ordered_json::array();
  for (const auto& m : *materials) {
    ms.push_back({{"material_code", m.Text(0)},
                  {"kind", m.Text(1)},
                  {"file_id", m.OptText(2) ? ordered_json(*m.OptText(2)) : ordered_json()},
                  {"license_id", m.OptText(3) ? ordered_json(*m.OptText(3)) : ordered_json()},
                  {"updated_at", FormatRfc3339(FromMicros(m.Int(4)))}});
  }
  v["materials"] = ms;
  auto events = tx.Query(
      "SELECT seq, at, type, status, actor_id, actor_name, actor_role, staff_only, note, data, clock_state, due_date"
      " FROM case_events WHERE case_id = :id ORDER BY seq",
      {{"id", c.id}});
  if (!events) return std::unexpected(events.error());
  ordered_json timeline = ordered_json::array();
  for (const auto& e : *events) {
    const bool staff_only = e.Bool(7);
    if (staff_only && viewer != Viewer::kStaff) continue;
    ordered_json event = {{"seq", e.Int(0)},
                          {"at", FormatRfc3339(FromMicros(e.Int(1)))},
                          {"type", e.Text(2)},
                          {"status", e.Text(3)},
                          {"actor", {{"name", e.Text(5)}, {"role", e.Text(6)}}},
                          {"note", e.Text(8)},
                          {"data", ordered_json::parse(e.Text(9))},
                          {"clock_state", e.OptText(10) ? ordered_json(*e.OptText(10)) : ordered_json()},
                          {"due_date", e.OptText(11) ? ordered_json(*e.OptText(11)) : ordered_json()}};
    if (viewer == Viewer::kStaff) {
      event["actor"]["id"] = e.Text(4);
      event["staff_only"] = staff_only;
    }
    timeline.push_back(std::move(event));
  }
  v["timeline"] = timeline;
  ordered_json tasks = ordered_json::array();
  if (c.instance_id) {
    auto open = engine.InstanceTasks(tx, *c.instance_id, viewer == Viewer::kStaff ? "any" : "open");
    if (!open) return std::unexpected(open.error());
    for (const auto& t : *open) {
      ordered_json task = {{"id", t.id},
                           {"name", t.name},
                           {"node_id", t.node_id},
                           {"state", t.state},
                           {"created_at", FormatRfc3339(t.created_at)}};
      if (viewer == Viewer::kStaff) {
        ordered_json candidates = ordered_json::array();
        for (const auto& g : t.candidates) candidates.push_back({{"role", g.role}, {"department", g.department}});
        task["candidates"] = candidates;
        task["outcomes"] = t.outcomes;
        task["assignee"] = t.assignee ? ordered_json(*t.assignee) : ordered_json();
        task["outcome"] = t.outcome ? ordered_json(*t.outcome) : ordered_json();
        task["opinion"] = t.opinion ? ordered_json(*t.opinion) : ordered_json();
      }
      tasks.push_back(std::move(task));
    }
  }
  v["tasks"] = tasks;
  return v.dump();
}

Result<CaseService::Loaded> CaseService::LoadOwn(Tx& tx, const Principal& p, std::string_view case_id) {
  auto c = Load(tx, case_id);
  if (!c) return std::unexpected(c.error());
  auto viewer = Visibility(tx, p, *c);
  if (!viewer) return std::unexpected(viewer.error());
  if (*viewer != Viewer::kApplicant) return Fail(Error::NotFound("no such case"));
  return c;
}

namespace {

CaseResult ResultOf(const CaseService::Loaded& c, std::string view) {
  return {c.id, c.status, c.number, c.due_date, std::move(view)};
}

// The case's status from where its process stands: ended (with its result), or the candidate
// roles of the tasks open on it — none open means it waits for a message, i.e. the applicant.
std::string StatusOf(std::string_view state, const std::optional<std::string>& result, bool any_open,
                     const std::vector<std::string>& open_roles) {
  if (state == "completed") {
    const std::string r = result.value_or("concluded");
    if (r == "approved" || r == "denied" || r == "refused") return r;
    return "concluded";
  }
  if (state == "terminated") return "withdrawn";
  if (!any_open) return "supplement_requested";
  for (const auto& role : open_roles) {
    if (role == "window") return "submitted";
  }
  return "in_review";
}

// After a process transition: the case's status from the instance and its open tasks. With the
// transition at hand (`moved`), the instance is not read back.
Result<std::string> DeriveStatus(Tx& tx, workflow::Engine& engine, const CaseService::Loaded& c,
                                 const workflow::Transition* moved = nullptr) {
  std::string state = "running";
  std::optional<std::string> result;
  if (moved) {
    if (moved->completed) state = "completed";
    result = moved->result;
  } else {
    auto instance = engine.GetInstance(tx, *c.instance_id);
    if (!instance) return std::unexpected(instance.error());
    state = instance->state;
    result = instance->result;
  }
  if (state != "running") return StatusOf(state, result, false, {});
  auto open = engine.InstanceTasks(tx, *c.instance_id, "open");
  if (!open) return std::unexpected(open.error());
  std::vector<std::string> roles;
  for (const auto& t : *open) {
    for (const auto& g : t.candidates) roles.push_back(g.role);
  }
  return StatusOf(state, result, !open->empty(), roles);
}

// The case's status right after its process started: every open task is one the start opened.
std::string StatusAfterStart(const workflow::Transition& t) {
  return StatusOf(t.completed ? "completed" : "running", t.result, !t.opened_tasks.empty(), t.opened_roles);
}

}  // namespace

// The answer to a change: the case as `viewer` now sees it.
static Result<CaseResult> Answer(Tx& tx, const CaseService::Loaded& c, Viewer viewer, Timestamp now,
                                 const WorkingCalendar& calendar, WarningPolicy policy, workflow::Engine& engine) {
  auto view = ViewJson(tx, c, viewer, now, calendar, policy, engine);
  if (!view) return std::unexpected(view.error());
  return ResultOf(c, std::move(*view));
}

Result<CaseResult> CaseService::Summarize(Result<CaseResult> done, const std::optional<Loaded>& after) {
  if (!done) return done;
  if (!after) return Fail(Error::Internal("a change committed without its case"));
  done->view_json = SummaryJson(*after, clock_.Now(), calendar_, config_.warnings).dump();
  return done;
}

Result<CaseResult> CaseService::Respond(Result<CaseResult> done, bool staff) {
  if (!done) return done;
  auto view = db_.TransactValue<std::string>(kSnapshot, [&](Tx& tx) -> Result<std::string> {
    auto c = Load(tx, done->id);
    if (!c) return std::unexpected(c.error());
    return ViewJson(tx, *c, staff ? Viewer::kStaff : Viewer::kApplicant, clock_.Now(), calendar_, config_.warnings,
                    engine_);
  });
  if (!view) return std::unexpected(view.error());
  done->view_json = std::move(*view);
  return done;
}

// ---------------------------------------------------------------------------------------------

Result<CaseResult> CaseService::Create(const Principal& p, std::string_view item_code, std::string_view form_json) {
  if (!p.IsApplicant()) return Fail(Error::Forbidden("cases are opened by applicants"));
  auto form = form_json.empty() ? std::optional<ordered_json>(ordered_json::object()) : ParseObject(form_json);
  if (!form) return Fail(Error::Validation({{"form", "type", "the form is a JSON object"}}));
  return Respond(
      db_.TransactValue<CaseResult>(
          storage::kReadWrite,
          [&](Tx& tx) -> Result<CaseResult> {
            auto item = Item(tx, item_code);
            if (!item) {
              if (item.error().code == ErrorCode::kNotFound) {
                return Fail(Error::Validation({{"item_code", "unknown_item", "no published item has this code"}}));
              }
              return std::unexpected(item.error());
            }
            const ordered_json& doc = (*item)->doc;
            if (!doc.value("online", true)) {
              // On-site items cannot be applied for online; the guide says why.
              return Fail(Error::Validation({{"item_code", "onsite_only", doc.value("onsite_reason", std::string())}}));
            }
            const std::string audience = p.acting_for ? std::string(identity::UserKindName(p.acting_for->kind))
                                                      : std::string(identity::UserKindName(p.kind));
            bool allowed = false;
            for (const auto& a : doc["audience"]) {
              if (a == audience || (audience == "company" && a == "organization")) allowed = true;
            }
            if (!allowed)
              return Fail(Error::Validation({{"item_code", "audience", "this item is not for " + audience + "s"}}));
            auto window = tx.QueryOne(
                "SELECT department FROM window_departments WHERE region = :r OR region = :city OR region = :province"
                " ORDER BY LENGTH(region) DESC, region DESC LIMIT 1",
                {{"r", std::string(doc.value("region", ""))},
                 {"city", std::string(doc.value("region", "")).substr(0, 4) + "00"},
                 {"province", std::string(doc.value("region", "")).substr(0, 2) + "0000"}});
            if (!window) return std::unexpected(window.error());
            const Timestamp now = clock_.Now();
            Loaded c;
            c.id = NewId(clock_);
            c.item_code = std::string(item_code);
            c.item_version = (*item)->version;
            c.item_name = doc.value("name", "");
            c.department = doc.value("department", "");
            c.region = doc.value("region", "");
            c.window_department = *window ? (*window)->Text(0) : c.department;
            c.applicant_id = std::string(p.EffectiveApplicantId());
            c.applicant_kind = audience;
            c.applicant_name = p.acting_for ? p.acting_for->name : p.name;
            if (p.acting_for) c.agent_id = p.user_id;
            c.status = "draft";
            c.form = form->dump();
            c.created_at = c.updated_at = ToMicros(now);
            auto r =
                tx.Exec(std::string("INSERT INTO cases (") + kCaseColumns +
                            ") VALUES (:id, NULL, :ic, :iv, :iname, :dep, :reg, :win, :aid, :akind, :aname, :agent,"
                            " 'draft', :form, NULL, NULL, NULL, NULL, NULL, NULL, NULL, :t, :t2, 1)",
                        {{"id", c.id},
                         {"ic", c.item_code},
                         {"iv", c.item_version},
                         {"iname", c.item_name},
                         {"dep", c.department},
                         {"reg", c.region},
                         {"win", c.window_department},
                         {"aid", c.applicant_id},
                         {"akind", c.applicant_kind},
                         {"aname", c.applicant_name},
                         {"agent", c.agent_id},
                         {"form", c.form},
                         {"t", c.created_at},
                         {"t2", c.created_at}});
            if (!r) return std::unexpected(r.error());
            c.version = 1;
            if (auto e = Record(tx, c, &p, {.type = "created"}, now, nullptr, calendar_, audit_, config_.warnings);
                !e) {
              return std::unexpected(e.error());
            }
            return ResultOf(c, "");
          }),
      /*staff=*/false);
}

Result<CaseResult> CaseService::PatchForm(const Principal& p, std::string_view case_id, std::string_view form_json) {
  auto form = ParseObject(form_json);
  if (!form) return Fail(Error::Validation({{"form", "type", "the form is a JSON object"}}));
  return Respond(db_.TransactValue<CaseResult>(
                     storage::kReadWrite,
                     [&](Tx& tx) -> Result<CaseResult> {
                       auto c = LoadOwn(tx, p, case_id);
                       if (!c) return std::unexpected(c.error());
                       if (c->status != "draft" && c->status != "supplement_requested") {
                         return Fail(Error::Conflict(
                             "the form can change only in a draft or after a supplement request", "not_editable"));
                       }
                       const Timestamp now = clock_.Now();
                       if (form->dump() == c->form) return ResultOf(*c, "");
                       c->form = form->dump();
                       if (auto e = Save(tx, *c, now); !e) return std::unexpected(e.error());
                       c->version += 1;
                       if (c->status != "draft") {
                         if (auto e = Record(tx, *c, &p, {.type = "form_changed"}, now, c->clock ? &*c->clock : nullptr,
                                             calendar_, audit_, config_.warnings);
                             !e) {
                           return std::unexpected(e.error());
                         }
                       }
                       return ResultOf(*c, "");
                     }),
                 /*staff=*/false);
}

Result<CaseResult> CaseService::PutMaterial(const Principal& p, std::string_view case_id, std::string_view code,
                                            const MaterialInput& input) {
  const int given = (input.file_id ? 1 : 0) + (input.license_id ? 1 : 0) + (input.commitment ? 1 : 0);
  if (given != 1) {
    return Fail(Error::Validation({{"file_id", "one_of", "give exactly one of file_id, license_id, commitment:true"}}));
  }
  std::optional<FileRef> file;
  if (input.file_id) {
    if (!files_) return Fail(Error::Unavailable("file storage is not configured"));
    auto f = files_(*input.file_id);
    if (!f || f->owner_id != p.EffectiveApplicantId()) {
      return Fail(Error::Validation({{"file_id", "unknown_file", "no file of yours has this id; upload it first"}}));
    }
    file = *f;
  }
  return Respond(
      db_.TransactValue<CaseResult>(
          storage::kReadWrite,
          [&](Tx& tx) -> Result<CaseResult> {
            auto c = LoadOwn(tx, p, case_id);
            if (!c) return std::unexpected(c.error());
            if (c->status != "draft" && c->status != "supplement_requested") {
              return Fail(Error::Conflict("materials can change only in a draft or after a supplement request",
                                          "not_editable"));
            }
            auto item = Item(tx, c->item_code, c->item_version);
            if (!item) return std::unexpected(item.error());
            const ordered_json& doc = (*item)->doc;
            const ordered_json* material = nullptr;
            for (const auto& m : doc["materials"]) {
              if (m["code"] == code) material = &m;
            }
            if (material == nullptr) return Fail(Error::NotFound("the item has no material " + std::string(code)));
            if (input.license_id) {
              if ((*material)["e_license_type"].is_null()) {
                return Fail(Error::Validation({{"license_id", "license_not_accepted",
                                                "this material cannot be replaced by an electronic license"}}));
              }
              if (input.license_id->empty() || input.license_id->size() > 128) {
                return Fail(Error::Validation({{"license_id", "format", "a license id"}}));
              }
            }
            if (input.commitment && !(*material).value("commitment_allowed", false)) {
              return Fail(Error::Validation({{"commitment", "commitment_not_allowed",
                                              "this material cannot be replaced by a commitment (告知承诺)"}}));
            }
            const Timestamp now = clock_.Now();
            const char* kind = input.file_id ? "file" : input.license_id ? "license" : "commitment";
            auto r = tx.Exec(
                "INSERT INTO case_materials (case_id, material_code, kind, file_id, license_id, updated_at)"
                " VALUES (:c, :m, :k, :f, :l, :t) ON CONFLICT (case_id, material_code) DO UPDATE SET kind = "
                "excluded.kind,"
                " file_id = excluded.file_id, license_id = excluded.license_id, updated_at = excluded.updated_at",
                {{"c", c->id},
                 {"m", std::string(code)},
                 {"k", kind},
                 {"f", input.file_id},
                 {"l", input.license_id},
                 {"t", ToMicros(now)}});
            if (!r) return std::unexpected(r.error());
            if (auto e = Save(tx, *c, now); !e) return std::unexpected(e.error());
            c->version += 1;
            json data = {{"material_code", code}, {"kind", kind}};
            if (file) data["file"] = {{"name", file->name}, {"size", file->size}, {"media_type", file->media_type}};
            if (c->status != "draft") {
              if (auto e = Record(tx, *c, &p, {.type = "material_changed", .data = data}, now,
                                  c->clock ? &*c->clock : nullptr, calendar_, audit_, config_.warnings);
                  !e) {
                return std::unexpected(e.error());
              }
            }
            return ResultOf(*c, "");
          }),
      /*staff=*/false);
}

namespace {

// Checks the form and the materials against the item; every problem at once.
Result<void> CheckComplete(Tx& tx, const CaseService::Loaded& c, const ordered_json& item_doc,
                           const catalog::FormSchema& schema) {
  FieldErrors errors;
  if (auto v = schema.Validate(json::parse(c.form)); !v) {
    for (const auto& f : v.error().field_errors) {
      errors.Add(f.field.empty() ? "form" : "form." + f.field, f.code, f.message);
    }
  }
  auto rows = tx.Query("SELECT material_code, kind FROM case_materials WHERE case_id = :id", {{"id", c.id}});
  if (!rows) return std::unexpected(rows.error());
  std::map<std::string, std::string> attached;
  for (const auto& r : *rows) attached[r.Text(0)] = r.Text(1);
  std::set<std::string> known;
  for (const auto& m : item_doc["materials"]) {
    const std::string code = m["code"];
    known.insert(code);
    auto it = attached.find(code);
    if (it == attached.end()) {
      if (m.value("required", false))
        errors.Add("materials." + code, "required", "「" + m.value("name", code) + "」 is required");
      continue;
    }
    if (it->second == "commitment" && !m.value("commitment_allowed", false)) {
      errors.Add("materials." + code, "commitment_not_allowed", "a commitment cannot replace this material");
    }
    if (it->second == "license" && m["e_license_type"].is_null()) {
      errors.Add("materials." + code, "license_not_accepted", "an electronic license cannot replace this material");
    }
  }
  for (const auto& [code, kind] : attached) {
    if (!known.contains(code)) errors.Add("materials." + code, "unknown_material", "the item no longer asks for it");
  }
  return errors.Finish();
}

}  // namespace

Result<CaseResult> CaseService::Submit(const Principal& p, std::string_view case_id, bool commitment_signed) {
  // Two steps. The checks (the form against its schema, the materials, the item published now)
  // read a snapshot and take no write lock, so that concurrent submissions check in parallel;
  // the change then runs under the write lock only if the case is still the version checked
  // (a material or form change in between makes the checks run again).
  // Everything the write needs that is computed rather than read is computed here, outside the
  // write lock: the clock and its JSON, the process variables, the warning job. The submission
  // time is the time of these checks, so the versions in force then are the case's: the item's,
  // its process definition's and its 秒批 rules' (CaseConfig::pin_start).
  struct Checked {
    Loaded c;  // as it will be written, but for its status, number, process and decision
    std::shared_ptr<const ItemInfo> item;
    std::shared_ptr<const workflow::ProcessDefinition> process;
    Timestamp now;
    std::string clock_json;
    workflow::Value::Object vars;
    std::optional<jobs::JobSpec> warning;
  };
  for (int attempt = 1;; ++attempt) {
    auto checked = db_.TransactValue<Checked>(kSnapshot, [&](Tx& tx) -> Result<Checked> {
      auto c = LoadOwn(tx, p, case_id);
      if (!c) return std::unexpected(c.error());
      if (c->status != "draft") return Fail(Error::Conflict("the case was submitted already", "already_submitted"));
      // The item as published now: the case keeps this version from here on.
      auto item = Item(tx, c->item_code);
      if (!item) {
        if (item.error().code == ErrorCode::kNotFound) {
          return Fail(Error::Conflict("the item is no longer published", "item_withdrawn"));
        }
        return std::unexpected(item.error());
      }
      auto complete = CheckComplete(tx, *c, (*item)->doc, *(*item)->schema);
      if (!commitment_signed || !complete) {
        std::vector<FieldError> fields;
        if (!commitment_signed) {
          fields.push_back({"commitment_signed", "required", "sign the authenticity commitment (真实性承诺)"});
        }
        if (!complete) {
          for (auto& f : complete.error().field_errors) fields.push_back(std::move(f));
        }
        return Fail(Error::Validation(std::move(fields), "the application is incomplete"));
      }
      Checked out{.c = std::move(*c), .item = std::move(*item), .now = clock_.Now()};
      Loaded& d = out.c;
      const ordered_json& doc = out.item->doc;
      d.item_version = out.item->version;
      // The clock runs from submission: an online application is received when it is submitted.
      auto clock = CaseClock::Start(out.now, doc.value("promised_limit_days", 0), p.user_id, calendar_);
      if (!clock) return std::unexpected(clock.error());
      d.clock = std::move(*clock);
      d.due_date = FormatIsoDate(d.clock->due());
      d.submitted_at = ToMicros(out.now);
      out.clock_json = d.clock->ToJson();
      auto warning = WarningJob(d);
      if (!warning) return std::unexpected(warning.error());
      out.warning = std::move(*warning);
      // The process, with what its gateways and handlers read (not the number: it is taken last).
      workflow::Value::Object case_vars = {
          {"id", workflow::Value(d.id)},
          {"item_code", workflow::Value(d.item_code)},
          {"item_version", workflow::Value(d.item_version)},
          {"department", workflow::Value(d.department)},
          {"region", workflow::Value(d.region)},
          {"role_departments",
           workflow::Value(workflow::Value::Object{{"window", workflow::Value(d.window_department)}})},
          {"applicant", workflow::Value(workflow::Value::Object{{"id", workflow::Value(d.applicant_id)},
                                                                {"kind", workflow::Value(d.applicant_kind)}})},
      };
      out.vars = {{"case", workflow::Value(std::move(case_vars))},
                  {"form", workflow::ValueFromJson(json::parse(d.form))}};
      auto process = engine_.DefinitionIn(tx, doc.value("process_key", ""));
      if (!process) return std::unexpected(process.error());
      out.process = std::move(*process);
      if (config_.pin_start) {
        if (auto pinned = config_.pin_start(tx, *out.process, out.vars); !pinned) {
          return std::unexpected(pinned.error());
        }
      }
      return out;
    });
    if (!checked) return std::unexpected(checked.error());
    if (config_.before_start) config_.before_start(checked->vars);
    // The number: region, date, and the next sequence of that region and day. On PostgreSQL
    // claimed before the write (ClaimNumber), so that the region's row of the day is not held
    // through the submission's durable commit, where every other submission of the region and
    // day would wait for it; on SQLite taken inside the write (below), where nothing waits.
    const std::string number_day = NumberDay(ChinaDate(checked->now));
    std::optional<std::string> claimed_number;
    if (db_.backend() == storage::Backend::kPostgresql) {
      auto claimed = ClaimNumber(db_, checked->c.region, number_day, checked->c.id, checked->now);
      if (!claimed) return std::unexpected(claimed.error());
      claimed_number = std::move(*claimed);
    }
    std::optional<Loaded> after;
    auto done = db_.TransactValue<CaseResult>(storage::kReadWrite, [&](Tx& tx) -> Result<CaseResult> {
      // The case is written only if it is still the version checked (Save's guard; the
      // savepoint takes back everything before it otherwise).
      Loaded c = checked->c;  // this function may run again: start from the checked copy
      const Timestamp now = checked->now;
      // PostgreSQL: the rows this transaction writes at its end are locked first — the case row
      // at the version checked, the audit stream's head — so that the writes of the end read
      // nothing and go in one round trip with the COMMIT.
      const bool pg = tx.backend() == storage::Backend::kPostgresql;
      if (pg) {
        if (auto locked = LockForWrite(tx, c); !locked) return std::unexpected(locked.error());
        if (audit_.lock) {
          if (auto locked = audit_.lock(tx, c.id); !locked) return std::unexpected(locked.error());
        }
      }
      auto started = engine_.Start(tx, checked->process, c.id, checked->vars);
      if (!started) return std::unexpected(started.error());
      c.instance_id = started->instance_id;
      c.status = StatusAfterStart(*started);
      const auto rules = started->variables.find("rules");
      if (Final(c.status)) {
        // Decided at once (秒批): the rules' record explains it.
        json decision = {{"result", c.status}, {"by", "rules"}, {"at", FormatRfc3339(now)}, {"automatic", true}};
        if (rules != started->variables.end()) decision["rules"] = workflow::ValueToJson(rules->second);
        c.decision = decision.dump();
        c.concluded_at = ToMicros(now);
      }
      // The clock's warning (a statement whose answer is read: before the number).
      if (!Final(c.status)) {
        if (auto e = ScheduleJob(tx, checked->warning); !e) return std::unexpected(e.error());
      }
      // SQLite: the number inside this transaction (gapless: taken only by a submission that
      // commits). After it every write is deferred and reads nothing: on PostgreSQL they go with
      // the COMMIT in one round trip (two for a case decided at once, whose decision reads the
      // process).
      if (claimed_number) {
        c.number = *claimed_number;
      } else {
        auto seq = tx.QueryOne(
            "INSERT INTO case_numbers (region, day, last_seq) VALUES (:r, :d, 1) ON CONFLICT (region, day)"
            " DO UPDATE SET last_seq = case_numbers.last_seq + 1 RETURNING last_seq",
            {{"r", c.region}, {"d", number_day}});
        if (!seq) return std::unexpected(seq.error());
        c.number = FormatNumber(c.region, number_day, (*seq)->Int(0));
      }
      if (auto e = Save(tx, c, now, /*stale_is_conflict=*/true, &checked->clock_json, /*locked=*/pg); !e) {
        return std::unexpected(e.error());
      }
      c.version += 1;
      // The submission and the decision are two events even when they share a transaction.
      const std::string submitted_status = c.status;
      if (Final(c.status)) c.status = "submitted";
      if (auto e = Record(tx, c, &p, {.type = "submitted", .data = {{"number", *c.number}, {"due_date", *c.due_date}}},
                          now, &*c.clock, calendar_, audit_, config_.warnings);
          !e) {
        return std::unexpected(e.error());
      }
      c.status = submitted_status;
      if (Final(c.status)) {
        if (auto e = Record(tx, c, nullptr, {.type = "decided", .data = {{"result", c.status}, {"automatic", true}}},
                            now, &*c.clock, calendar_, audit_, config_.warnings);
            !e) {
          return std::unexpected(e.error());
        }
      } else if (rules != started->variables.end()) {
        // 秒批 could not decide: the rules' record goes to the reviewer (staff only).
        if (auto e =
                Record(tx, c, nullptr,
                       {.type = "rules_fallback", .staff_only = true, .data = workflow::ValueToJson(rules->second)},
                       now, &*c.clock, calendar_, audit_, config_.warnings);
            !e) {
          return std::unexpected(e.error());
        }
      }
      if (auto e = Notify(tx, clock_, c.applicant_id, c.id, "case.submitted",
                          {{"number", *c.number}, {"status", c.status}, {"due_date", *c.due_date}});
          !e) {
        return std::unexpected(e.error());
      }
      after = c;
      return ResultOf(c, "");
    });
    if (!done && done.error().reason == kStale && attempt < kStaleAttempts) continue;
    return Summarize(std::move(done), after);
  }
}

Result<std::optional<jobs::JobSpec>> CaseService::WarningJob(const Loaded& c, bool red_only) const {
  if (!c.clock || c.clock->suspended()) return std::nullopt;
  auto dates = c.clock->Warnings(calendar_, config_.warnings);
  if (!dates) return std::unexpected(dates.error());
  auto spec = [&](const char* level, std::chrono::year_month_day on) {
    const std::string date = FormatIsoDate(on);
    return jobs::JobSpec{.kind = std::string(kClockWarningJob),
                         .payload = json({{"case", c.id}, {"level", level}, {"on", date}}).dump(),
                         .run_at = ChinaStartOfDay(on),
                         .max_attempts = 10,
                         .dedupe_key = "clock:" + c.id + ":" + level + ":" + date};
  };
  // One job at a time: the yellow one schedules the red one when it runs (one row less for every
  // submission, and the red date is taken from the clock as it stands then).
  if (dates->yellow_on && !red_only) return spec("yellow", *dates->yellow_on);
  if (dates->red_on) return spec("red", *dates->red_on);
  return std::nullopt;
}

Result<void> CaseService::ScheduleJob(Tx& tx, const std::optional<jobs::JobSpec>& job) {
  if (!job) return {};
  auto scheduled = jobs::Schedule(tx, clock_, *job);
  if (!scheduled && scheduled.error().reason != "unique_violation") return std::unexpected(scheduled.error());
  return {};
}

Result<void> CaseService::ScheduleWarnings(Tx& tx, const Loaded& c, bool red_only) {
  auto job = WarningJob(c, red_only);
  if (!job) return std::unexpected(job.error());
  return ScheduleJob(tx, *job);
}

Result<void> CaseService::OnClockWarning(std::string_view payload) {
  std::string case_id, level, on;
  try {
    const auto j = json::parse(payload);
    case_id = j.at("case").get<std::string>();
    level = j.at("level").get<std::string>();
    on = j.at("on").get<std::string>();
  } catch (const std::exception& e) {
    return Fail(Error::BadRequest(std::string("bad clock warning payload: ") + e.what()));
  }
  return db_.Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
    auto c = Load(tx, case_id);
    if (!c) return c.error().code == ErrorCode::kNotFound ? Result<void>{} : Fail(c.error());
    if (Final(c->status) || !c->clock) return {};
    const Timestamp now = clock_.Now();
    auto status = c->clock->Status(ChinaDate(now), calendar_, config_.warnings);
    if (!status) return std::unexpected(status.error());
    // The clock may have moved since the job was scheduled (suspension, extension): warn only
    // when the state really is reached now, and once per level and due date.
    const bool reached = (level == "yellow" && status->state == ClockState::kYellow) ||
                         (level == "red" && status->state == ClockState::kRed);
    if (level == "yellow") {
      // The red job, for the due date as it stands now (its key makes it once per date).
      if (auto e = ScheduleWarnings(tx, *c, /*red_only=*/true); !e) return e;
    }
    if (!reached) return {};
    auto seen = tx.QueryOne("SELECT 1 FROM case_events WHERE case_id = :id AND type = :t AND due_date = :d LIMIT 1",
                            {{"id", c->id}, {"t", "warning_" + level}, {"d", c->due_date.value_or("")}});
    if (!seen) return std::unexpected(seen.error());
    if (*seen) return {};
    if (auto e =
            Record(tx, *c, nullptr,
                   {.type = "warning_" + level,
                    .staff_only = true,
                    .data = {{"level", level}, {"used_days", status->used_days}, {"limit_days", status->limit_days}}},
                   now, &*c->clock, calendar_, audit_, config_.warnings);
        !e) {
      return e;
    }
    return Notify(tx, clock_, "department:" + c->department, c->id, "clock." + level,
                  {{"number", c->number.value_or("")}, {"due_date", c->due_date.value_or("")}, {"level", level}});
  });
}

void CaseService::RegisterJobs(jobs::JobRegistry& registry) {
  registry.Register(std::string(kClockWarningJob),
                    [this](const jobs::JobContext& job) { return OnClockWarning(job.payload); });
}

Result<CaseResult> CaseService::Resubmit(const Principal& p, std::string_view case_id) {
  std::optional<Loaded> after;
  return Summarize(
      db_.TransactValue<CaseResult>(
          storage::kReadWrite,
          [&](Tx& tx) -> Result<CaseResult> {
            auto c = LoadOwn(tx, p, case_id);
            if (!c) return std::unexpected(c.error());
            if (c->status != "supplement_requested") {
              return Fail(Error::Conflict("nothing was asked of you to supplement", "not_supplement_requested"));
            }
            auto item = Item(tx, c->item_code, c->item_version);
            if (!item) return std::unexpected(item.error());
            if (auto ok = CheckComplete(tx, *c, (*item)->doc, *(*item)->schema); !ok) {
              auto e = ok.error();
              e.message = "the application is still incomplete";
              return std::unexpected(std::move(e));
            }
            const Timestamp now = clock_.Now();
            if (c->clock && c->clock->suspended()) {
              if (auto r = c->clock->Resume(now, p.user_id, calendar_); !r) return std::unexpected(r.error());
              c->due_date = FormatIsoDate(c->clock->due());
            }
            auto moved = engine_.Correlate(tx, *c->instance_id, "supplement.received", {});
            if (!moved) return std::unexpected(moved.error());
            auto status = DeriveStatus(tx, engine_, *c, &*moved);
            if (!status) return std::unexpected(status.error());
            c->status = *status;
            json previous = c->supplement ? json::parse(*c->supplement) : json();
            c->supplement.reset();
            if (auto e = Save(tx, *c, now); !e) return std::unexpected(e.error());
            c->version += 1;
            if (auto e = Record(tx, *c, &p, {.type = "resubmitted", .data = {{"answered", previous}}}, now, &*c->clock,
                                calendar_, audit_, config_.warnings);
                !e) {
              return std::unexpected(e.error());
            }
            if (auto e = ScheduleWarnings(tx, *c); !e) return std::unexpected(e.error());
            after = *c;
            return ResultOf(*c, "");
          }),
      after);
}

Result<CaseResult> CaseService::Withdraw(const Principal& p, std::string_view case_id, std::string_view reason) {
  std::optional<Loaded> after;
  return Summarize(db_.TransactValue<CaseResult>(
                       storage::kReadWrite,
                       [&](Tx& tx) -> Result<CaseResult> {
                         auto c = LoadOwn(tx, p, case_id);
                         if (!c) return std::unexpected(c.error());
                         if (Final(c->status))
                           return Fail(Error::Conflict("the case is already " + c->status, "case_closed"));
                         const Timestamp now = clock_.Now();
                         if (c->instance_id) {
                           if (auto r = engine_.Terminate(tx, *c->instance_id, "withdrawn"); !r)
                             return std::unexpected(r.error());
                         }
                         c->status = "withdrawn";
                         c->concluded_at = ToMicros(now);
                         if (auto e = Save(tx, *c, now); !e) return std::unexpected(e.error());
                         c->version += 1;
                         if (auto e = Record(tx, *c, &p, {.type = "withdrawn", .note = std::string(reason)}, now,
                                             c->clock ? &*c->clock : nullptr, calendar_, audit_, config_.warnings);
                             !e) {
                           return std::unexpected(e.error());
                         }
                         after = *c;
                         return ResultOf(*c, "");
                       }),
                   after);
}

Result<CaseResult> CaseService::Get(const Principal& p, std::string_view case_id) {
  // Staff opening a case leave an audit record with the read, so theirs is a write transaction;
  // an applicant's read takes no write lock (one snapshot on PostgreSQL).
  const storage::TxOptions options =
      p.IsStaff() && audit_ ? storage::kReadWrite : storage::TxOptions{.write = false, .serializable = true};
  return db_.TransactValue<CaseResult>(options, [&](Tx& tx) -> Result<CaseResult> {
    auto c = Load(tx, case_id);
    if (!c) return std::unexpected(c.error());
    auto viewer = Visibility(tx, p, *c);
    if (!viewer) return std::unexpected(viewer.error());
    const Timestamp now = clock_.Now();
    if (*viewer == Viewer::kStaff && audit_) {
      if (auto a =
              audit_.append(tx, {c->id, p.user_id, "case.opened", c->Subject(), json({{"status", c->status}}).dump()});
          !a) {
        return std::unexpected(a.error());
      }
    }
    return Answer(tx, *c, *viewer, now, calendar_, config_.warnings, engine_);
  });
}

Result<void> CaseService::CheckVisible(const Principal& p, std::string_view case_id) {
  return db_.Transact(storage::kReadOnly, [&](Tx& tx) -> Result<void> {
    auto c = Load(tx, case_id);
    if (!c) return std::unexpected(c.error());
    auto viewer = Visibility(tx, p, *c);
    if (!viewer) return std::unexpected(viewer.error());
    return {};
  });
}

Result<CaseDecisionRecords> CaseService::DecisionRecords(const Principal& p, std::string_view case_id) {
  if (!p.IsStaff()) return Fail(Error::NotFound("no such case"));
  return db_.TransactValue<CaseDecisionRecords>(storage::kReadWrite, [&](Tx& tx) -> Result<CaseDecisionRecords> {
    auto c = Load(tx, case_id);
    if (!c) return std::unexpected(c.error());
    auto viewer = Visibility(tx, p, *c);
    if (!viewer) return std::unexpected(viewer.error());
    CaseDecisionRecords out{.case_id = c->id, .number = c->number, .item_code = c->item_code, .status = c->status};
    auto events = tx.Query(
        "SELECT seq, at, data FROM case_events WHERE case_id = :c AND type = 'rules_fallback'"
        " ORDER BY seq",
        {{"c", c->id}});
    if (!events) return std::unexpected(events.error());
    for (const Row& e : *events) {
      out.records.push_back(
          {.source = "fallback", .at = FromMicros(e.Int(1)), .event_seq = e.Int(0), .record_json = e.Text(2)});
    }
    if (c->decision) {
      const ordered_json decision = ordered_json::parse(*c->decision, nullptr, /*allow_exceptions=*/false);
      // Read as stored, whatever it holds now: a field of the wrong type is no reason to fail.
      const auto automatic = decision.is_object() ? decision.find("automatic") : decision.end();
      if (decision.is_object() && automatic != decision.end() && automatic->is_boolean() && automatic->get<bool>() &&
          decision.contains("rules")) {
        const auto at_field = decision.find("at");
        auto at = at_field != decision.end() && at_field->is_string()
                      ? ParseRfc3339(at_field->get_ref<const std::string&>())
                      : std::nullopt;
        out.records.push_back({.source = "decision",
                               .at = at ? *at : FromMicros(c->concluded_at.value_or(c->updated_at)),
                               .event_seq = std::nullopt,
                               .record_json = decision["rules"].dump()});
      }
    }
    if (out.records.empty()) {
      return Fail(Error{.code = ErrorCode::kNotFound,
                        .message = "the case has no 秒批 decision record",
                        .reason = "no_decision_record"});
    }
    if (audit_) {
      if (auto a = audit_.append(tx, {c->id, p.user_id, "decision.replayed", c->Subject(),
                                      json({{"records", out.records.size()}}).dump()});
          !a) {
        return std::unexpected(a.error());
      }
    }
    return out;
  });
}

Result<FileRef> CaseService::MaterialFile(const Principal& p, std::string_view case_id, std::string_view code) {
  if (!files_) return Fail(Error::Unavailable("file storage is not configured"));
  // The visibility check and the audit record of a staff download in one transaction; the
  // file's metadata after it (the lookup takes its own connection).
  auto file_id = db_.TransactValue<std::string>(storage::kReadWrite, [&](Tx& tx) -> Result<std::string> {
    auto c = Load(tx, case_id);
    if (!c) return std::unexpected(c.error());
    auto viewer = Visibility(tx, p, *c);
    if (!viewer) return std::unexpected(viewer.error());
    auto row =
        tx.QueryOne("SELECT file_id FROM case_materials WHERE case_id = :c AND material_code = :m AND kind = 'file'",
                    {{"c", c->id}, {"m", std::string(code)}});
    if (!row) return std::unexpected(row.error());
    if (!*row) return Fail(Error::NotFound("no uploaded file for this material"));
    const std::string id = (*row)->Text(0);
    if (*viewer == Viewer::kStaff && audit_) {
      if (auto a = audit_.append(tx, {c->id, p.user_id, "material.downloaded", c->Subject(),
                                      json({{"material_code", code}, {"file_id", id}}).dump()});
          !a) {
        return std::unexpected(a.error());
      }
    }
    return id;
  });
  if (!file_id) return std::unexpected(file_id.error());
  return files_(*file_id);
}

Result<CaseList> CaseService::List(const Principal& p, const CaseListFilter& filter) {
  static constexpr const char* kSummary =
      "SELECT id, number, item_code, item_name, department, applicant_name, status, due_date, submitted_at, updated_at,"
      " clock FROM cases";
  return db_.TransactValue<CaseList>(storage::kReadOnly, [&](Tx& tx) -> Result<CaseList> {
    const std::string after = filter.after.value_or("\x7f");
    storage::Value status = filter.status ? storage::Value(*filter.status) : storage::Value(storage::kNull);
    const bool pg = tx.backend() == storage::Backend::kPostgresql;
    const std::string status_clause =
        pg ? " AND (CAST(:s AS TEXT) IS NULL OR status = CAST(:s2 AS TEXT))" : " AND (:s IS NULL OR status = :s2)";
    Result<storage::Rows> rows = storage::Rows{};
    Params params = {{"after", after}, {"s", status}, {"s2", status}, {"limit", filter.limit + 1}};
    // A number names one case at most (unique index): looked up by it rather than by the caller's scope.
    std::string_view number_clause;
    if (filter.number) {
      params.emplace_back("n", *filter.number);
      number_clause = " AND number = :n";
    }
    if (p.IsApplicant()) {
      params.emplace_back("a", std::string(p.EffectiveApplicantId()));
      rows = tx.Query(std::string(kSummary) + " WHERE applicant_id = :a AND id < :after" + status_clause +
                          std::string(number_clause) + " ORDER BY id DESC LIMIT :limit",
                      params);
    } else if (p.HasRole(Role::kAdmin) || p.HasRole(Role::kSupervisor)) {
      params.emplace_back("r", std::string(identity::RegionPrefix(p.region)) + "%");
      rows = tx.Query(std::string(kSummary) + " WHERE region LIKE :r AND status <> 'draft' AND id < :after" +
                          status_clause + std::string(number_clause) + " ORDER BY id DESC LIMIT :limit",
                      params);
    } else {
      params.emplace_back("d", p.department);
      params.emplace_back("d2", p.department);
      params.emplace_back("d3", p.department);
      rows =
          tx.Query(std::string(kSummary) +
                       " WHERE status <> 'draft' AND id < :after AND (department = :d OR window_department = :d2"
                       " OR instance_id IN (SELECT t.instance_id FROM workflow_tasks t JOIN workflow_task_candidates k"
                       " ON k.task_id = t.id WHERE k.department = :d3))" +
                       status_clause + std::string(number_clause) + " ORDER BY id DESC LIMIT :limit",
                   params);
    }
    if (!rows) return std::unexpected(rows.error());
    const Timestamp now = clock_.Now();
    json items = json::array();
    CaseList out;
    const std::size_t n = std::min(rows->size(), static_cast<std::size_t>(filter.limit));
    for (std::size_t i = 0; i < n; ++i) {
      const Row& r = (*rows)[i];
      json clock_state = nullptr;
      if (Final(r.Text(6))) {
        clock_state = "concluded";
      } else if (auto text = r.OptText(10)) {
        if (auto clock = CaseClock::FromJson(*text)) {
          if (auto s = clock->Status(ChinaDate(now), calendar_, config_.warnings))
            clock_state = ClockStateName(s->state);
        }
      }
      items.push_back({{"id", r.Text(0)},
                       {"number", r.OptText(1) ? json(*r.OptText(1)) : json(nullptr)},
                       {"item_code", r.Text(2)},
                       {"item_name", r.Text(3)},
                       {"department", r.Text(4)},
                       {"applicant_name", r.Text(5)},
                       {"status", r.Text(6)},
                       {"due_date", r.OptText(7) ? json(*r.OptText(7)) : json(nullptr)},
                       {"clock_state", clock_state},
                       {"submitted_at", r.OptInt(8) ? json(FormatRfc3339(FromMicros(*r.OptInt(8)))) : json(nullptr)},
                       {"updated_at", FormatRfc3339(FromMicros(r.Int(9)))}});
    }
    if (rows->size() > n && n > 0) out.next_after = (*rows)[n - 1].Text(0);
    out.items_json = items.dump();
    return out;
  });
}

Result<std::string> CaseService::Tasks(const Principal& p, std::string_view state, int limit) {
  if (!p.IsStaff()) return Fail(Error::Forbidden("tasks are for staff"));
  workflow::TaskFilter filter;
  for (Role r : p.roles) filter.groups.push_back({std::string(identity::RoleName(r)), p.department});
  filter.state = state == "done" ? "completed" : std::string(state);
  filter.limit = limit;
  auto tasks = engine_.ListTasks(filter);
  if (!tasks) return std::unexpected(tasks.error());
  return db_.TransactValue<std::string>(storage::kReadOnly, [&](Tx& tx) -> Result<std::string> {
    const Timestamp now = clock_.Now();
    json items = json::array();
    for (const auto& t : *tasks) {
      auto c = Load(tx, t.business_key);
      if (!c) continue;  // a task of a process that is not a case
      json clock = nullptr;
      std::string clock_state;
      if (c->clock) {
        if (auto s = c->clock->Status(ChinaDate(now), calendar_, config_.warnings)) {
          clock_state = std::string(ClockStateName(s->state));
          clock = {{"state", clock_state}, {"remaining_days", s->remaining_days}, {"due_date", FormatIsoDate(s->due)}};
        }
      }
      items.push_back({{"id", t.id},
                       {"name", t.name},
                       {"node_id", t.node_id},
                       {"state", t.state},
                       {"outcomes", t.outcomes},
                       {"assignee", t.assignee ? json(*t.assignee) : json(nullptr)},
                       {"created_at", FormatRfc3339(t.created_at)},
                       {"case",
                        {{"id", c->id},
                         {"number", c->number ? json(*c->number) : json(nullptr)},
                         {"item_code", c->item_code},
                         {"item_name", c->item_name},
                         {"applicant_name", c->applicant_name},
                         {"status", c->status},
                         {"due_date", c->due_date ? json(*c->due_date) : json(nullptr)},
                         {"clock", clock}}}});
    }
    return json({{"items", items}}).dump();
  });
}

Result<std::string> CaseService::Claim(const Principal& p, std::string_view task_id) {
  auto task = engine_.Claim(task_id, ActorOf(p));
  if (!task) return std::unexpected(task.error());
  return json({{"id", task->id}, {"state", task->state}, {"assignee", task->assignee.value_or("")}}).dump();
}

Result<void> CaseService::AfterTransition(Tx& tx, Loaded& c, const Principal& p, const TaskCompletion& done,
                                          const workflow::Transition& moved, Timestamp now) {
  // The warning jobs follow the clock: they were scheduled when it last moved.
  const auto due_before = c.clock ? std::optional(c.clock->due()) : std::nullopt;
  const bool suspended_before = c.clock && c.clock->suspended();
  auto status = DeriveStatus(tx, engine_, c, &moved);
  if (!status) return std::unexpected(status.error());
  const std::string before = c.status;
  c.status = *status;
  json data = {{"outcome", done.outcome}};
  std::string type = "task_completed";
  bool staff_only = false;
  if (done.outcome == "request_supplement" && c.status == "supplement_requested") {
    // One-time notice (一次性告知): everything missing, at once; the clock stops while the
    // applicant holds the case.
    json missing = json::array();
    for (const auto& m : done.missing) missing.push_back({{"material_code", m.material_code}, {"reason", m.reason}});
    json notice = {{"missing", missing},
                   {"opinion", done.opinion},
                   {"requested_at", FormatRfc3339(now)},
                   {"requested_by", p.name}};
    c.supplement = notice.dump();
    if (c.clock && !c.clock->suspended()) {
      if (auto r = c.clock->Suspend(now, SuspensionKind::kSupplement, p.user_id, "一次性告知补正"); !r) return r;
    }
    type = "supplement_requested";
    data["missing"] = missing;
    if (auto e = Notify(tx, clock_, c.applicant_id, c.id, "case.supplement_requested", notice); !e) return e;
  } else if (done.outcome == "accept") {
    type = "accepted";
  } else if (done.outcome == "agree" || done.outcome == "object") {
    type = done.outcome == "agree" ? "review_agreed" : "review_objected";
    staff_only = true;  // a department's opinion inside the joint review
    data["department"] = p.department;
  }
  if (Final(c.status) && !Final(before)) {
    json decision = {{"result", c.status},         {"opinion", done.opinion},  {"by", p.name},
                     {"department", p.department}, {"at", FormatRfc3339(now)}, {"automatic", false}};
    c.decision = decision.dump();
    c.concluded_at = ToMicros(now);
    if (auto e = Notify(tx, clock_, c.applicant_id, c.id, "case.decided",
                        {{"number", c.number.value_or("")}, {"result", c.status}});
        !e) {
      return e;
    }
  }
  if (auto e = Save(tx, c, now); !e) return e;
  c.version += 1;
  if (Final(c.status) && !Final(before)) {
    // The step that decides is the decision: one event, with the outcome that led to it.
    type = "decided";
    staff_only = false;
    data["result"] = c.status;
  }
  if (auto e = Record(tx, c, &p, {.type = type, .staff_only = staff_only, .note = done.opinion, .data = data}, now,
                      c.clock ? &*c.clock : nullptr, calendar_, audit_, config_.warnings);
      !e) {
    return e;
  }
  const bool clock_moved = c.clock && (c.clock->due() != due_before || c.clock->suspended() != suspended_before);
  if (!Final(c.status) && clock_moved) {
    if (auto e = ScheduleWarnings(tx, c); !e) return e;
  }
  return {};
}

Result<CaseResult> CaseService::Complete(const Principal& p, std::string_view task_id, const TaskCompletion& done) {
  if (!p.IsStaff()) return Fail(Error::Forbidden("tasks are for staff"));
  FieldErrors errors;
  static const std::set<std::string> kOutcomes = {
      "accept", "refuse", "request_supplement", "approve", "deny", "agree", "object", "suspend", "resume"};
  if (!kOutcomes.contains(done.outcome)) errors.Add("outcome", "enum", "not an outcome of any task");
  if (done.opinion.size() > 4000) errors.Add("opinion", "too_long", "at most 4,000 bytes");
  const bool needs_opinion = done.outcome == "refuse" || done.outcome == "deny" || done.outcome == "object" ||
                             done.outcome == "suspend" || done.outcome == "request_supplement";
  if (needs_opinion && done.opinion.find_first_not_of(" \t\r\n") == std::string::npos) {
    errors.Add("opinion", "required", "give the reason (it is told to the applicant or kept in the file)");
  }
  if (done.outcome == "request_supplement" && done.missing.empty()) {
    errors.Add("missing", "required", "list every missing or wrong material with its reason (一次性告知)");
  }
  for (std::size_t i = 0; i < done.missing.size(); ++i) {
    if (done.missing[i].reason.find_first_not_of(" \t\r\n") == std::string::npos) {
      errors.Add("missing[" + std::to_string(i) + "].reason", "required", "why it is missing or wrong");
    }
  }
  std::optional<SuspensionKind> procedure;
  if (done.outcome == "suspend") {
    procedure = ParseSuspensionKind(done.procedure);
    if (!procedure || *procedure == SuspensionKind::kSupplement) {
      errors.Add("procedure", "enum", "hearing, inspection, expert_review or other");
    }
  }
  if (auto e = errors.Finish(); !e) return std::unexpected(e.error());
  std::optional<Loaded> after;
  return Summarize(
      db_.TransactValue<CaseResult>(
          storage::kReadWrite,
          [&](Tx& tx) -> Result<CaseResult> {
            auto task = engine_.GetTask(tx, task_id);
            if (!task) return std::unexpected(task.error());
            auto c = Load(tx, task->business_key);
            if (!c) return std::unexpected(c.error());
            auto viewer = Visibility(tx, p, *c);
            if (!viewer) return Fail(Error::NotFound("no such task"));
            const auto actor = ActorOf(p);
            bool candidate = false;
            for (const auto& g : task->candidates) {
              for (const auto& r : actor.roles) {
                if (g.role == r && g.department == p.department) candidate = true;
              }
            }
            if (!candidate) {
              return Fail(Error{.code = ErrorCode::kForbidden,
                                .message = "you are not a candidate for this task",
                                .reason = "not_a_candidate"});
            }
            if (task->state != "open")
              return Fail(Error::Conflict("the task is already " + task->state, "task_closed"));
            const Timestamp now = clock_.Now();
            if (done.outcome == "suspend" || done.outcome == "resume") {
              // A special procedure (特别程序) stops the clock; the task stays open.
              if (!c->clock) return Fail(Error::Conflict("the case has no clock yet", "not_submitted"));
              if (done.outcome == "suspend") {
                if (auto r = c->clock->Suspend(now, *procedure, p.user_id, done.opinion); !r)
                  return std::unexpected(r.error());
                c->status = "suspended";
              } else {
                if (c->status != "suspended" || !c->clock->suspended()) {
                  return Fail(Error::Conflict("the case is not suspended", "not_suspended"));
                }
                if (auto r = c->clock->Resume(now, p.user_id, calendar_); !r) return std::unexpected(r.error());
                auto status = DeriveStatus(tx, engine_, *c);
                if (!status) return std::unexpected(status.error());
                c->status = *status;
              }
              c->due_date = FormatIsoDate(c->clock->due());
              if (auto e = Save(tx, *c, now); !e) return std::unexpected(e.error());
              c->version += 1;
              json data = {{"outcome", done.outcome}, {"due_date", *c->due_date}};
              if (procedure) data["procedure"] = SuspensionKindName(*procedure);
              if (auto e = Record(
                      tx, *c, &p,
                      {.type = done.outcome == "suspend" ? "suspended" : "resumed", .note = done.opinion, .data = data},
                      now, &*c->clock, calendar_, audit_, config_.warnings);
                  !e) {
                return std::unexpected(e.error());
              }
              if (done.outcome == "resume") {
                if (auto e = ScheduleWarnings(tx, *c); !e) return std::unexpected(e.error());
              }
            } else {
              if (c->status == "suspended") {
                return Fail(Error::Conflict("resume the special procedure before deciding", "suspended"));
              }
              if (done.outcome == "request_supplement") {
                auto item = Item(tx, c->item_code, c->item_version);
                if (!item) return std::unexpected(item.error());
                std::set<std::string> codes = {"form"};
                const ordered_json& item_doc = (*item)->doc;
                for (const auto& m : item_doc["materials"]) codes.insert(m["code"].get<std::string>());
                FieldErrors bad;
                for (std::size_t i = 0; i < done.missing.size(); ++i) {
                  if (!codes.contains(done.missing[i].material_code)) {
                    bad.Add("missing[" + std::to_string(i) + "].material_code", "unknown_material",
                            "a material code of the item, or \"form\"");
                  }
                }
                if (auto e = bad.Finish(); !e) return std::unexpected(e.error());
              }
              workflow::Value::Object data;
              auto moved = engine_.Complete(tx, *task, actor, done.outcome, done.opinion, data);
              if (!moved) return std::unexpected(moved.error());
              if (auto e = AfterTransition(tx, *c, p, done, *moved, now); !e) return std::unexpected(e.error());
            }
            after = *c;
            return ResultOf(*c, "");
          }),
      after);
}

Result<void> CaseService::SetWindowDepartment(std::string_view region, std::string_view department) {
  return db_.Transact(storage::kReadWrite, [&](Tx& tx) -> Result<void> {
    auto r = tx.Exec(
        "INSERT INTO window_departments (region, department) VALUES (:r, :d)"
        " ON CONFLICT (region) DO UPDATE SET department = excluded.department",
        {{"r", std::string(region)}, {"d", std::string(department)}});
    if (!r) return std::unexpected(r.error());
    return {};
  });
}

std::string NumberReport::Number(std::int64_t seq) const { return FormatNumber(region, day, seq); }

Result<std::vector<NumberReport>> CheckNumbers(storage::Database& db, std::string_view day,
                                               const std::optional<std::string>& region) {
  const auto date = ParseIsoDate(day);
  if (!date) return Fail(Error::Validation({{"date", "format", "YYYY-MM-DD"}}));
  const std::string compact = NumberDay(*date);
  return db.TransactValue<std::vector<NumberReport>>(
      {.write = false, .serializable = true}, [&](Tx& tx) -> Result<std::vector<NumberReport>> {
        auto counters =
            region ? tx.Query("SELECT region, last_seq FROM case_numbers WHERE day = :d AND region = :r",
                              {{"d", compact}, {"r", *region}})
                   : tx.Query("SELECT region, last_seq FROM case_numbers WHERE day = :d ORDER BY region",
                              {{"d", compact}});
        if (!counters) return std::unexpected(counters.error());
        std::vector<NumberReport> out;
        for (const storage::Row& counter : *counters) {
          NumberReport report{.region = counter.Text(0), .day = compact, .last = counter.Int(1)};
          const std::string prefix = report.region + "-" + compact + "-";
          // Numbers of the region and day: a range of the unique index on cases.number.
          auto numbered = tx.Query("SELECT number, id FROM cases WHERE number >= :lo AND number < :hi",
                                   {{"lo", prefix}, {"hi", report.region + "-" + compact + "."}});
          if (!numbered) return std::unexpected(numbered.error());
          std::map<std::int64_t, std::string> on_case;  // seq -> case id
          for (const storage::Row& row : *numbered) {
            const std::string number = row.Text(0);
            const std::string digits = number.substr(prefix.size());
            std::int64_t seq = 0;
            const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
            if (ec != std::errc() || end != digits.data() + digits.size() || seq < 1 || seq > report.last) {
              report.inconsistent.push_back(number + " on case " + row.Text(1) + " is beyond the day's counter (" +
                                            std::to_string(report.last) + ")");
              continue;
            }
            on_case[seq] = row.Text(1);
          }
          auto claims = tx.Query("SELECT seq, case_id FROM case_number_claims WHERE region = :r AND day = :d",
                                 {{"r", report.region}, {"d", compact}});
          if (!claims) return std::unexpected(claims.error());
          std::map<std::int64_t, std::string> claimed;
          for (const storage::Row& row : *claims) claimed[row.Int(0)] = row.Text(1);
          for (std::int64_t seq = 1; seq <= report.last; ++seq) {
            const auto used = on_case.find(seq);
            const auto claim = claimed.find(seq);
            if (used != on_case.end()) {
              ++report.on_cases;
              if (claim != claimed.end() && claim->second != used->second) {
                report.inconsistent.push_back(report.Number(seq) + " is on case " +
                                              used->second + " but was claimed by case " + claim->second);
              }
            } else if (claim != claimed.end()) {
              report.void_numbers.push_back({seq, claim->second});
            } else {
              report.unaccounted.push_back(seq);
            }
          }
          out.push_back(std::move(report));
        }
        return out;
      });
}

void RegisterCaseHandlers(workflow::HandlerRegistry& registry, const Clock& clock) {
  registry.Register("notify.send", [&clock](const workflow::ServiceCall& call) -> Result<workflow::Value> {
    if (call.tx == nullptr) return Fail(Error::Internal("notify.send runs inside a transition"));
    auto row = call.tx->QueryOne("SELECT applicant_id, number FROM cases WHERE id = :id",
                                 {{"id", std::string(call.business_key)}});
    if (!row) return std::unexpected(row.error());
    if (!*row) return workflow::Value(workflow::Value::Object{{"sent", workflow::Value(false)}});
    if (auto e = Notify(*call.tx, clock, (*row)->Text(0), call.business_key, "process.notice",
                        {{"number", (*row)->Text(1)}, {"instance", call.instance_id}});
        !e) {
      return std::unexpected(e.error());
    }
    return workflow::Value(workflow::Value::Object{{"sent", workflow::Value(true)}});
  });
  // What license.issue needs of an item version, kept by (code, version): stored versions
  // never change.
  struct ResultInfo {
    std::string name = "办理结果";
    std::optional<std::string> license_type;
  };
  struct ResultCache {
    std::mutex mutex;
    std::map<std::pair<std::string, int>, ResultInfo> by_version;  // GUARDED_BY(mutex)
  };
  auto cache = std::make_shared<ResultCache>();
  // The result the case is owed is the one of the item version it was submitted under (the case
  // row's item_version, which the process variables carry as case.item_version): the catalog may
  // have published another version since.
  registry.Register("license.issue", [&clock, cache](const workflow::ServiceCall& call) -> Result<workflow::Value> {
    if (call.tx == nullptr) return Fail(Error::Internal("license.issue runs inside a transition"));
    std::string item_code;
    std::optional<int> item_version;
    if (auto c = call.variables.find("case"); c != call.variables.end()) {
      const workflow::Value* code = c->second.Find("item_code");
      const workflow::Value* version = c->second.Find("item_version");
      if (code && code->is_string() && version && version->is_number()) {
        item_code = code->as_string();
        item_version = static_cast<int>(version->as_number());
      }
    }
    if (!item_version) {  // a process started without the case's variables: read the case
      auto row = call.tx->QueryOne("SELECT item_code, item_version FROM cases WHERE id = :id",
                                   {{"id", std::string(call.business_key)}});
      if (!row) return std::unexpected(row.error());
      if (!*row) return workflow::Value(workflow::Value::Object{{"requested", workflow::Value(false)}});
      item_code = (*row)->Text(0);
      item_version = static_cast<int>((*row)->Int(1));
    }
    ResultInfo info;
    const auto key = std::make_pair(item_code, *item_version);
    bool cached = false;
    {
      std::lock_guard lock(cache->mutex);
      if (auto it = cache->by_version.find(key); it != cache->by_version.end()) {
        info = it->second;
        cached = true;
      }
    }
    if (!cached) {
      auto item = catalog::CatalogStore::GetVersion(*call.tx, key.first, key.second);
      if (item) {
        auto doc = ordered_json::parse(item->document);
        info.name = doc["result"].value("name", info.name);
        if (doc["result"]["license_type"].is_string())
          info.license_type = doc["result"]["license_type"].get<std::string>();
        std::lock_guard lock(cache->mutex);
        cache->by_version.emplace(key, info);
      } else if (item.error().code != ErrorCode::kNotFound) {
        return std::unexpected(item.error());
      }
    }
    const std::string& result_name = info.name;
    const std::optional<std::string>& license_type = info.license_type;
    // Nothing is read back (a request made earlier stays): on PostgreSQL it goes with the next
    // statement of the transition.
    auto r = call.tx->Defer(
        "INSERT INTO license_requests (case_id, item_code, license_type, result_name, status, requested_at)"
        " VALUES (:c, :i, :l, :n, 'pending', :t) ON CONFLICT (case_id) DO NOTHING",
        {{"c", std::string(call.business_key)},
         {"i", item_code},
         {"l", license_type},
         {"n", result_name},
         {"t", ToMicros(clock.Now())}});
    if (!r) return std::unexpected(r.error());
    return workflow::Value(workflow::Value::Object{{"requested", workflow::Value(true)}});
  });
}

}  // namespace wangban::cases
