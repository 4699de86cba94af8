#include "wangban/rules/service.hpp"

#include <optional>
#include <string>

namespace wangban::rules {

using workflow::Value;

namespace {

// The service-task handler that decides a case (auto_approval.bpmn).
constexpr std::string_view kDecideHandler = "rules.evaluate";

// case.<field> among the process variables, or nullptr.
const Value* CaseField(const Value::Object& variables, std::string_view field) {
  auto c = variables.find("case");
  return c == variables.end() ? nullptr : c->second.Find(field);
}

// The case's item code among the process variables (case.item_code), or "".
std::string ItemCodeOf(const Value::Object& variables) {
  const Value* code = CaseField(variables, "item_code");
  return code != nullptr && code->is_string() ? code->as_string() : std::string();
}

// The rule set version pinned at submission (case.rule_set_version, PinRuleSet), if any.
std::optional<int> PinnedVersionOf(const Value::Object& variables) {
  const Value* v = CaseField(variables, "rule_set_version");
  if (v == nullptr || !v->is_number() || v->as_number() < 1) return std::nullopt;
  return static_cast<int>(v->as_number());
}

}  // namespace

Result<void> PinRuleSet(RuleStore& store, storage::Tx& tx, const workflow::ProcessDefinition& process,
                        Value::Object& variables) {
  if (!process.CallsHandler(kDecideHandler)) return {};
  const std::string item_code = ItemCodeOf(variables);
  if (item_code.empty()) return {};
  auto current = store.Current(&tx, item_code);
  if (!current) return std::unexpected(current.error());
  if (!*current) return {};
  Value::Object case_vars = variables.at("case").as_object();
  case_vars.insert_or_assign("rule_set_version", Value((*current)->version));
  variables.insert_or_assign("case", Value(std::move(case_vars)));
  return {};
}

Result<Value> DecideCase(RuleStore& store, Registry& registry, const Clock& clock, storage::Tx* tx,
                         const Value::Object& variables) {
  const std::string item_code = ItemCodeOf(variables);
  if (item_code.empty()) return NoRulesDecision(item_code, clock.Now());
  const std::optional<int> pinned = PinnedVersionOf(variables);
  auto rules = pinned ? store.Compiled(tx, item_code, *pinned) : store.Current(tx, item_code);
  if (!rules) return std::unexpected(rules.error());
  if (!*rules) return NoRulesDecision(item_code, clock.Now());
  return Evaluate(**rules, variables, registry, clock.Now());
}

void PrefetchLookups(RuleStore& store, Registry& registry, const Clock& clock, const Value::Object& variables) {
  const std::optional<int> pinned = PinnedVersionOf(variables);
  if (!pinned) return;
  auto rules = store.Compiled(nullptr, ItemCodeOf(variables), *pinned);
  if (!rules) return;
  (void)Evaluate(**rules, variables, registry, clock.Now());
}

void RegisterRuleHandlers(workflow::HandlerRegistry& handlers, RuleStore& store, Registry& registry,
                          const Clock& clock) {
  handlers.Register(std::string(kDecideHandler),
                    [&store, &registry, &clock](const workflow::ServiceCall& call) -> Result<Value> {
                      return DecideCase(store, registry, clock, call.tx, call.variables);
                    });
}

Result<Value> ReplayDecision(RuleStore& store, const Value& record) {
  const Value* item = record.Find("item_code");
  const Value* version = record.Find("rule_set_version");
  if (!item || !item->is_string() || !version || !version->is_number()) {
    return Fail(Error::Validation({{"record", "bad_record", "the record names no rule set version"}}));
  }
  auto rules = store.Compiled(nullptr, item->as_string(), static_cast<int>(version->as_number()));
  if (!rules) return std::unexpected(rules.error());
  return Replay(**rules, record);
}

}  // namespace wangban::rules
