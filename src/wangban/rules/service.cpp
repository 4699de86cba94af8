#include "wangban/rules/service.hpp"

namespace wangban::rules {

using workflow::Value;

namespace {

// The case's item code among the process variables (case.item_code), or "".
std::string ItemCodeOf(const Value::Object& variables) {
  if (auto c = variables.find("case"); c != variables.end()) {
    if (const Value* code = c->second.Find("item_code"); code && code->is_string()) return code->as_string();
  }
  return {};
}

}  // namespace

Result<Value> DecideCase(RuleStore& store, Registry& registry, const Clock& clock, storage::Tx* tx,
                         const Value::Object& variables) {
  const std::string item_code = ItemCodeOf(variables);
  if (item_code.empty()) return NoRulesDecision(item_code, clock.Now());
  auto current = store.Current(tx, item_code);
  if (!current) return std::unexpected(current.error());
  if (!*current) return NoRulesDecision(item_code, clock.Now());
  return Evaluate(**current, variables, registry, clock.Now());
}

void PrefetchLookups(RuleStore& store, Registry& registry, const Clock& clock, const Value::Object& variables,
                     std::chrono::seconds rules_max_age) {
  const std::string item_code = ItemCodeOf(variables);
  if (item_code.empty()) return;
  auto current = store.CurrentRecent(item_code, rules_max_age);
  if (!current || !*current) return;
  (void)Evaluate(**current, variables, registry, clock.Now());
}

void RegisterRuleHandlers(workflow::HandlerRegistry& handlers, RuleStore& store, Registry& registry,
                          const Clock& clock) {
  handlers.Register("rules.evaluate", [&store, &registry, &clock](const workflow::ServiceCall& call) -> Result<Value> {
    return DecideCase(store, registry, clock, call.tx, call.variables);
  });
}

Result<Value> ReplayDecision(RuleStore& store, const Value& record) {
  const Value* item = record.Find("item_code");
  const Value* version = record.Find("rule_set_version");
  if (!item || !item->is_string() || !version || !version->is_number()) {
    return Fail(Error::Validation({{"record", "bad_record", "the record names no rule set version"}}));
  }
  auto rules = store.Compiled(item->as_string(), static_cast<int>(version->as_number()));
  if (!rules) return std::unexpected(rules.error());
  return Replay(*rules, record);
}

}  // namespace wangban::rules
