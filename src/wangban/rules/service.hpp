// 秒批 in a process: the service-task handler "rules.evaluate" that auto_approval.bpmn calls,
// and the replay of a stored decision.
#pragma once

#include "wangban/common/clock.hpp"
#include "wangban/common/error.hpp"
#include "wangban/rules/evaluate.hpp"
#include "wangban/rules/registry.hpp"
#include "wangban/rules/store.hpp"
#include "wangban/workflow/definition.hpp"
#include "wangban/workflow/runtime.hpp"
#include "wangban/workflow/value.hpp"

namespace wangban::storage {
class Tx;
}

namespace wangban::rules {

// Records in a process's start variables the version of the item's 秒批 rules current now, as
// `case.rule_set_version` (nothing when `process` runs no "rules.evaluate", the item has no
// rules or the variables name no `case.item_code`): called inside a submission's checks, so
// that its case is decided by the rules in force when it was submitted, and the decision reads
// nothing to find them. Errors: only the database's.
Result<void> PinRuleSet(RuleStore& store, storage::Tx& tx, const workflow::ProcessDefinition& process,
                        workflow::Value::Object& variables);

// Decides the case whose process variables are `variables`: the rule set version pinned in
// `case.rule_set_version` (PinRuleSet), or without one the version current for
// `case.item_code` (read inside `tx` when given), evaluated at clock.Now() over `form`,
// `applicant` and `case`, asking `registry`. An item without rules, or variables without
// `case.item_code`, gets NoRulesDecision. Errors: only the database's (the transition retries
// or fails); registries that fail make the decision "manual", never an error.
Result<workflow::Value> DecideCase(RuleStore& store, Registry& registry, const Clock& clock, storage::Tx* tx,
                                   const workflow::Value::Object& variables);

// Asks `registry` ahead of the decision what the pinned rules (`case.rule_set_version`) will
// look up for `variables` (the process's start variables), so that a CachingRegistry behind the
// handler has the answers when the decision runs inside the write transaction. Decides nothing
// and records nothing; does nothing without a pinned version; its failures only mean the
// decision will ask the registry itself.
void PrefetchLookups(RuleStore& store, Registry& registry, const Clock& clock,
                     const workflow::Value::Object& variables);

// Registers "rules.evaluate": DecideCase in the transaction of the transition; the process
// stores the decision record under its wb:resultVariable (auto_approval.bpmn: `rules`, and
// routes on `rules.decision == 'approve'`).
// REQUIRES: store, registry and clock outlive `handlers`.
void RegisterRuleHandlers(workflow::HandlerRegistry& handlers, RuleStore& store, Registry& registry,
                          const Clock& clock);

// Replays a decision record on the version it names (Replay). Errors: kValidationFailed
// "record" for a record without item_code and rule_set_version (a no_rules decision has
// nothing to replay), kNotFound if the version does not exist, and those of Replay.
Result<workflow::Value> ReplayDecision(RuleStore& store, const workflow::Value& record);

}  // namespace wangban::rules
