// Cases (办件) end to end: an applicant's draft, its materials, submission (validated, numbered,
// clocked and started in one transaction), the window's acceptance, refusal or one-time
// supplement notice (一次性告知), department review and joint review, special procedures that
// stop the clock, withdrawal, and the decision. Every change writes the case, its timeline event
// and its audit record in one transaction.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "wangban/catalog/store.hpp"
#include "wangban/common/calendar.hpp"
#include "wangban/common/case_clock.hpp"
#include "wangban/common/clock.hpp"
#include "wangban/common/error.hpp"
#include "wangban/identity/principal.hpp"
#include "wangban/jobs/jobs.hpp"
#include "wangban/storage/database.hpp"
#include "wangban/workflow/engine.hpp"

namespace wangban::catalog {
class FormSchema;
}

namespace wangban::cases {

// An uploaded file as the case module needs it (files module, through FileLookup).
struct FileRef {
  std::string id;
  std::string owner_id;
  std::string media_type;
  std::string name;
  std::int64_t size = 0;
};
using FileLookup = std::function<Result<FileRef>(std::string_view file_id)>;

// One audit record (audit module, through AuditSink), appended in the case's transaction.
struct AuditEvent {
  std::string stream;   // the case id
  std::string actor;    // user id
  std::string action;   // "case.submitted", "case.opened", "material.downloaded", ...
  std::string subject;  // the case number (or id for drafts)
  std::string details_json;
};
// The audit module as the cases see it: `append` a record; `lock` the case's stream before a
// transaction takes a contended lock (the case number), so that its appends read nothing after
// it (optional).
struct AuditSink {
  std::function<Result<void>(storage::Tx&, const AuditEvent&)> append;
  std::function<Result<void>(storage::Tx&, std::string_view stream)> lock;
  explicit operator bool() const { return static_cast<bool>(append); }
};

struct CaseConfig {
  WarningPolicy warnings;  // yellow share of the limit
  // Called with the process's start variables once a submission's checks pass, outside any
  // transaction and before the write: work the process start would otherwise do inside it, such
  // as the registry lookups of 秒批 rules (rules::PrefetchLookups). Must not fail the submission.
  std::function<void(const workflow::Value::Object& variables)> before_start;
  // Called inside a submission's checks, on their snapshot, with the process definition the
  // case will start and its start variables: records in them the versions the process is to
  // use, as they stand at the submission (the item's 秒批 rule set version: rules::PinRuleSet).
  // An error fails the submission.
  std::function<Result<void>(storage::Tx& tx, const workflow::ProcessDefinition& process,
                             workflow::Value::Object& variables)>
      pin_start;
};

// What a caller may know about a case; the route turns it into JSON. `view_json` is the
// document of GET /api/v1/cases/{id} for this caller (timeline filtered for applicants).
struct CaseResult {
  std::string id;
  std::string status;
  std::optional<std::string> number;
  std::optional<std::string> due_date;
  std::string view_json;
};

struct TaskCompletion {
  std::string outcome;  // accept, refuse, request_supplement, approve, deny, agree, object, suspend, resume
  std::string opinion;
  struct Missing {
    std::string material_code;  // a material of the item, or "form"
    std::string reason;
  };
  std::vector<Missing> missing;  // request_supplement
  std::string procedure;         // suspend: hearing, inspection, expert_review, other
};

struct CaseListFilter {
  std::optional<std::string> status;
  std::optional<std::string> number;  // exactly this case number
  int limit = 20;
  std::optional<std::string> after;  // the last case id of the previous page
};

// A 秒批 decision record kept with a case (docs/rules.md, "The decision record"): the one that
// decided the case automatically (`decision.rules`), or one whose rules could not decide, left
// in the timeline when the case went to a person (event `rules_fallback`).
struct StoredDecisionRecord {
  std::string source;                     // "decision" or "fallback"
  Timestamp at;                           // when the case was decided, or the fallback event's time
  std::optional<std::int64_t> event_seq;  // the timeline event of a fallback
  std::string record_json;
};

struct CaseDecisionRecords {
  std::string case_id;
  std::optional<std::string> number;
  std::string item_code;
  std::string status;
  std::vector<StoredDecisionRecord> records;  // fallbacks by event, then the decision
};

struct CaseList {
  std::string items_json;  // a JSON array of case summaries
  std::optional<std::string> next_after;
};

class CaseService {
 public:
  // REQUIRES: every argument outlives the service. `files` and `audit` may be empty functions
  // only in tests that do not use them.
  CaseService(storage::Database& db, const Clock& clock, const WorkingCalendar& calendar,
              catalog::CatalogStore& catalog, workflow::Engine& engine, FileLookup files, AuditSink audit,
              CaseConfig config = {});
  ~CaseService();

  // A draft for a published item (kNotFound otherwise). `form_json` may be partial.
  Result<CaseResult> Create(const identity::Principal& p, std::string_view item_code, std::string_view form_json);
  // Replaces the form (draft or supplement_requested only; kConflict "not_editable").
  Result<CaseResult> PatchForm(const identity::Principal& p, std::string_view case_id, std::string_view form_json);
  // Attaches one material: exactly one of file_id, license_id, commitment. Checks the material
  // exists (kNotFound), a license only where the item names an e-license type and a commitment
  // only where the item allows it (422), and that the file is the applicant's (422).
  struct MaterialInput {
    std::optional<std::string> file_id;
    std::optional<std::string> license_id;
    bool commitment = false;
  };
  Result<CaseResult> PutMaterial(const identity::Principal& p, std::string_view case_id, std::string_view code,
                                 const MaterialInput& input);
  // Validates everything at once (form fields as "form.<path>", materials as "materials.<code>",
  // "commitment_signed"), then numbers the case, starts its clock and its process.
  Result<CaseResult> Submit(const identity::Principal& p, std::string_view case_id, bool commitment_signed);
  // After a supplement request: validates again, returns the case to the window, resumes the clock.
  Result<CaseResult> Resubmit(const identity::Principal& p, std::string_view case_id);
  // Before a decision. Ends the process.
  Result<CaseResult> Withdraw(const identity::Principal& p, std::string_view case_id, std::string_view reason);

  // The case as the caller may see it (404 for anyone else). Staff opening a case leaves an
  // audit record.
  Result<CaseResult> Get(const identity::Principal& p, std::string_view case_id);
  Result<CaseList> List(const identity::Principal& p, const CaseListFilter& filter);
  // The audit records of the case (staff who may see the case, and its applicant).
  Result<void> CheckVisible(const identity::Principal& p, std::string_view case_id);
  // The case's 秒批 decision records, for staff who may see the case (404 for anyone else,
  // applicants included; 404 reason "no_decision_record" when there is none). Reading them
  // leaves an audit record ("decision.replayed": the caller replays them, api/rules_routes).
  Result<CaseDecisionRecords> DecisionRecords(const identity::Principal& p, std::string_view case_id);
  // A material's file for staff (with an audit record) or the applicant.
  Result<FileRef> MaterialFile(const identity::Principal& p, std::string_view case_id, std::string_view code);

  // Staff work: tasks for the caller's roles and department, with their case.
  Result<std::string> Tasks(const identity::Principal& p, std::string_view state, int limit);
  Result<std::string> Claim(const identity::Principal& p, std::string_view task_id);
  Result<CaseResult> Complete(const identity::Principal& p, std::string_view task_id, const TaskCompletion& c);

  // The warning job (yellow, red) of a case's clock; idempotent. Registered by RegisterJobs.
  Result<void> OnClockWarning(std::string_view payload);
  void RegisterJobs(jobs::JobRegistry& registry);

  // The one-stop window of a region (demo and administration).
  Result<void> SetWindowDepartment(std::string_view region, std::string_view department);

 public:
  struct Loaded;  // a case row as read (service.cpp)

 private:
  struct ItemInfo;  // an item version, parsed once (service.cpp)

  Result<Loaded> Load(storage::Tx& tx, std::string_view case_id);
  // The case for its applicant (or their agent); 404 for anyone else, staff included.
  Result<Loaded> LoadOwn(storage::Tx& tx, const identity::Principal& p, std::string_view case_id);
  // An item version: `version`, or the one published now. A stored version never changes, so
  // its parsed document and compiled form schema are cached by (code, version): a request reads
  // only the published version number.
  Result<std::shared_ptr<const ItemInfo>> Item(storage::Tx& tx, std::string_view code,
                                               std::optional<int> version = std::nullopt);
  // The answer to a change, read after its commit on a snapshot (outside the write lock): the
  // case as its applicant (staff = false) or as staff see it.
  Result<CaseResult> Respond(Result<CaseResult> done, bool staff);
  // The answer to a command that moves the case (submit, resubmit, withdraw, complete): the
  // case as written (`after`), without its form, materials, timeline and tasks; nothing is read.
  Result<CaseResult> Summarize(Result<CaseResult> done, const std::optional<Loaded>& after);
  // (Re)schedules the warning job of the case's clock: the yellow one (which schedules the red
  // one when it runs), or with `red_only` the red one.
  Result<void> ScheduleWarnings(storage::Tx& tx, const Loaded& c, bool red_only = false);
  // The same in two steps: the job (none for a stopped clock), computed without the database,
  // then scheduled (a job already scheduled under its key is kept).
  Result<std::optional<jobs::JobSpec>> WarningJob(const Loaded& c, bool red_only = false) const;
  Result<void> ScheduleJob(storage::Tx& tx, const std::optional<jobs::JobSpec>& job);
  // Everything that follows a process transition: status, decision, supplement notice.
  Result<void> AfterTransition(storage::Tx& tx, Loaded& c, const identity::Principal& p, const TaskCompletion& done,
                               const workflow::Transition& moved, Timestamp now);

  storage::Database& db_;
  const Clock& clock_;
  const WorkingCalendar& calendar_;
  catalog::CatalogStore& catalog_;
  workflow::Engine& engine_;
  FileLookup files_;
  AuditSink audit_;
  CaseConfig config_;
  std::mutex items_mutex_;
  std::map<std::pair<std::string, int>, std::shared_ptr<const ItemInfo>> items_;  // GUARDED_BY(items_mutex_)
};

inline constexpr std::string_view kClockWarningJob = "cases.clock_warning";

// Whether every case number a region issued on a day is accounted for (docs/cases.md, "Case
// numbers"): numbers 1..last of the day's counter are each on a case, or void — claimed by a
// case whose submission did not commit that day (PostgreSQL only) — and nothing else.
struct NumberReport {
  struct Void {
    std::int64_t seq = 0;
    std::string case_id;  // the case that claimed it
  };
  std::string region;
  std::string day;  // YYYYMMDD
  std::int64_t last = 0;
  std::int64_t on_cases = 0;
  std::vector<Void> void_numbers;
  std::vector<std::int64_t> unaccounted;  // neither on a case nor claimed: a damaged record
  // On a case although the counter never reached it, or on a case other than the one whose
  // claim it is: a damaged record too.
  std::vector<std::string> inconsistent;
  bool ok() const { return unaccounted.empty() && inconsistent.empty(); }
  // The case number of `seq` in this region and day ("460100-20261121-000123").
  std::string Number(std::int64_t seq) const;
};
// The reports of `day` (YYYY-MM-DD), every region or one.
Result<std::vector<NumberReport>> CheckNumbers(storage::Database& db, std::string_view day,
                                               const std::optional<std::string>& region = std::nullopt);

// Service-task handlers the processes use that belong to cases: notify.send (a notification to
// the applicant, kept for delivery) and license.issue (a request for the licenses module).
void RegisterCaseHandlers(workflow::HandlerRegistry& registry, const Clock& clock);

}  // namespace wangban::cases
