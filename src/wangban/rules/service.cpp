#include "wangban/rules/service.hpp"

namespace wangban::rules {

using workflow::Value;

Result<Value> DecideCase(RuleStore& store, Registry& registry, const Clock& clock, storage::Tx* tx,
                         const Value::Object& variables) {
  std::string item_code;
  if (auto c = variables.find("case"); c != variables.end()) {
    if (const Value* code = c->second.Find("item_code"); code && code->is_string()) item_code = code->as_string();
  }
  if (item_code.empty()) return NoRulesDecision(item_code, clock.Now());
  auto current = store.Current(tx, item_code);
  if (!current) return std::unexpected(current.error());
  if (!*current) return NoRulesDecision(item_code, clock.Now());
  return Evaluate(**current, variables, registry, clock.Now());
}

void PrefetchLookups(RuleStore& store, Registry& registry, const Clock& clock, const Value::Object& variables,
                     std::chrono::seconds rules_max_age) {
  const auto c = variables.find("case");
  if (c == variables.end()) return;
  const Value* code = c->second.Find("item_code");
  if (code == nullptr || !code->is_string()) return;
  auto current = store.CurrentRecent(code->as_string(), rules_max_age);
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
