// Deciding a 秒批 case: a rule set evaluated over the case's variables and the registries'
// answers, three-valued (true / false / unknown), into a decision record that explains itself
// and can be replayed. The record's fields: docs/rules.md, "Decision record".
//
// Decision: every condition true => "approve". Otherwise "manual" (a person reviews the case):
// reason "condition_false" when some condition is definitely false, "undecidable" when none is
// false but some could not be decided (a missing input, a registry that did not answer).
// 秒批 never denies by itself; only a person does.
#pragma once

#include <string>
#include <string_view>

#include "wangban/common/clock.hpp"
#include "wangban/common/error.hpp"
#include "wangban/rules/registry.hpp"
#include "wangban/rules/rule_set.hpp"
#include "wangban/workflow/value.hpp"

namespace wangban::rules {

// A rule set with the item and version it is stored under.
struct VersionedRuleSet {
  std::string item_code;
  int version = 0;
  RuleSet rules;
};

// Values of the decision record's `decision` and `reason`.
inline constexpr std::string_view kApprove = "approve";
inline constexpr std::string_view kManual = "manual";
inline constexpr std::string_view kReasonAllTrue = "all_conditions_true";
inline constexpr std::string_view kReasonConditionFalse = "condition_false";
inline constexpr std::string_view kReasonUndecidable = "undecidable";
inline constexpr std::string_view kReasonNoRules = "no_rules";

// Evaluates `rules` on a case's process variables (`form`, `applicant`, `case`; see
// docs/rules.md) at `now` (the evaluation date is ChinaDate(now)): asks `registry` for every
// lookup, then evaluates every condition. Never fails: whatever cannot be decided makes the
// decision "manual". Returns the decision record, an object.
workflow::Value Evaluate(const VersionedRuleSet& rules, const workflow::Value::Object& variables, Registry& registry,
                         Timestamp now);

// The decision record for an item without rules: "manual", reason "no_rules".
workflow::Value NoRulesDecision(std::string_view item_code, Timestamp now);

// Evaluates `rules` again on the inputs and lookup outcomes stored in `record` (asking no
// registry) and returns the record that evaluation makes; for a record Evaluate produced with
// the same rules it equals `record`. Errors: kValidationFailed "record" when the record was
// not made by this item and version, or lacks inputs or lookups the rules need.
Result<workflow::Value> Replay(const VersionedRuleSet& rules, const workflow::Value& record);

}  // namespace wangban::rules
