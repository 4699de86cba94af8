// Checks a parsed process before it may run: every problem the engine would otherwise meet at
// run time (a gateway with nowhere to go, a handler nobody registered, a task nobody may
// claim, a join that waits forever) is found here, with the element and line at fault.
// Problem codes are listed in docs/bpmn.md, "Validation".
#pragma once

#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "wangban/workflow/definition.hpp"

namespace wangban::workflow {

// The service task handlers that exist, by name ("rules.evaluate"). The executor's handler
// registry implements it; tests and the CLI use HandlerNameSet.
class HandlerCatalog {
 public:
  virtual ~HandlerCatalog() = default;
  virtual bool Contains(std::string_view handler) const = 0;
  // Every known name, sorted, for messages ("known: ...").
  virtual std::vector<std::string> Names() const = 0;
};

// A fixed set of handler names.
class HandlerNameSet final : public HandlerCatalog {
 public:
  HandlerNameSet() = default;
  HandlerNameSet(std::initializer_list<std::string_view> names);
  void Add(std::string_view name);
  bool Contains(std::string_view handler) const override;
  std::vector<std::string> Names() const override;

 private:
  std::set<std::string, std::less<>> names_;
};

// The handlers the platform registers: rules.evaluate, payment.request, license.issue,
// delivery.dispatch, notify.send. What `wangban bpmn validate` checks against.
const HandlerCatalog& DefaultHandlerCatalog();

// Every problem of `definition`: its parse_problems first, then the checks below, sorted by
// line. Empty (or warnings only, see HasErrors) means the engine can run it.
std::vector<Problem> Validate(const ProcessDefinition& definition, const HandlerCatalog& handlers);

// What a valid process contains, for the CLI and the admin UI.
struct Summary {
  std::string key;
  std::string name;
  int start_events = 0;
  int end_events = 0;
  int user_tasks = 0;
  int multi_instance_tasks = 0;  // also counted in user_tasks
  int service_tasks = 0;
  int exclusive_gateways = 0;
  int parallel_gateways = 0;
  int boundary_timers = 0;
  int message_catches = 0;
  int sequence_flows = 0;
  std::vector<std::string> results;   // end event results, sorted, unique
  std::vector<std::string> handlers;  // service task handlers, sorted, unique
  std::vector<std::string> messages;  // awaited message names, sorted, unique
  std::vector<std::string> roles;     // candidate roles, sorted, unique
  // One entry per boundary timer: "review_deadline on joint_review: 7 working days, interrupting".
  std::vector<std::string> timers;
};

Summary Summarize(const ProcessDefinition& definition);

// One paragraph (no trailing newline): "Process parallel_joint_review (并联审批), valid: 1 start
// event, 3 end events (approved, denied, refused), 3 user tasks (1 multi-instance), ...".
std::string FormatSummary(const Summary& summary);

// Everything `wangban bpmn validate` and the process upload route need from one text: the
// definition when the text could be read as BPMN, and all problems (a text that is not BPMN
// gives one problem: malformed_xml, not_bpmn or too_large).
struct BpmnCheck {
  std::optional<ProcessDefinition> definition;
  std::vector<Problem> problems;
  bool ok() const { return definition.has_value() && !HasErrors(problems); }
};
BpmnCheck CheckBpmn(std::string_view xml, const HandlerCatalog& handlers);

}  // namespace wangban::workflow
