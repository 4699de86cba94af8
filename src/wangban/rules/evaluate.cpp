// The three-valued evaluator and the decision record. Every variable a condition reads is
// recorded (identity numbers masked) with the registries' answers, so that Replay can run the
// same conditions on the record alone.
#include "wangban/rules/evaluate.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <span>

#include "wangban/common/calendar.hpp"
#include "wangban/rules/internal/program.hpp"

namespace wangban::rules {
namespace {

using internal::Node;
using internal::Op;
using internal::Program;
using internal::Root;
using std::chrono::year_month_day;
using workflow::Value;
using Object = Value::Object;
using Inputs = std::map<std::string, Value, std::less<>>;

// kKnown: a value. kMissing: known to be absent (a form field left out, a registry with no
// record); exists() is false on it. kUnavailable: a registry that did not answer or was not
// asked. kInvalid: an operation on values it does not apply to. Only kKnown decides anything.
enum class State { kKnown, kMissing, kUnavailable, kInvalid };

struct Out {
  State state = State::kKnown;
  Value value;
  std::string why;
  bool known() const { return state == State::kKnown; }
};

Out Known(Value v, std::string why = {}) { return {State::kKnown, std::move(v), std::move(why)}; }
Out Unknown(State s, std::string why) { return {s, Value(), std::move(why)}; }

enum class Status { kFound, kAbsent, kUnavailable, kSkipped };

std::string_view StatusName(Status s) {
  switch (s) {
    case Status::kFound:
      return "found";
    case Status::kAbsent:
      return "absent";
    case Status::kUnavailable:
      return "unavailable";
    case Status::kSkipped:
      return "skipped";
  }
  return "unavailable";
}

std::optional<Status> ParseStatus(std::string_view s) {
  for (Status st : {Status::kFound, Status::kAbsent, Status::kUnavailable, Status::kSkipped}) {
    if (StatusName(st) == s) return st;
  }
  return std::nullopt;
}

struct LookupOutcome {
  Status status = Status::kSkipped;
  Value record;
  std::string masked_key;
};

struct Env {
  Value form;
  Value applicant;
  Value case_;
  std::string today;  // YYYY-MM-DD
  std::vector<LookupOutcome> lookups;
};

std::string Short(const Value& v) {
  std::string s = v.ToString();
  if (s.size() <= 80) return s;
  std::size_t n = 80;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n) + "…";
}

// An identity number's masked record form; objects and lists are masked member by member.
Value MaskSensitive(const Value& v, bool sensitive) {
  if (sensitive) return v.is_string() ? Value(MaskIdNumberForRecord(v.as_string())) : Value("*");
  if (v.is_object()) {
    Object out;
    for (const auto& [k, m] : v.as_object()) out.emplace(k, MaskSensitive(m, IsSensitivePath(k)));
    return Value(std::move(out));
  }
  if (v.is_list()) {
    Value::List out;
    for (const auto& e : v.as_list()) out.push_back(MaskSensitive(e, false));
    return Value(std::move(out));
  }
  return v;
}

// "YYYY-MM-DD", or the birth date in digits 7-14 of an 18-character identity number.
std::optional<year_month_day> BirthDateOf(const Value& v, bool id_number_only) {
  if (!v.is_string()) return std::nullopt;
  const std::string& s = v.as_string();
  if (s.size() == 18) {
    const std::string iso = s.substr(6, 4) + "-" + s.substr(10, 2) + "-" + s.substr(12, 2);
    return ParseIsoDate(iso);
  }
  if (id_number_only) return std::nullopt;
  return ParseIsoDate(s);
}

std::optional<year_month_day> DateOf(const Value& v) {
  if (!v.is_string()) return std::nullopt;
  return ParseIsoDate(v.as_string());
}

int FullYears(year_month_day from, year_month_day to) {
  if (to < from) return -FullYears(to, from);
  int years = static_cast<int>(to.year()) - static_cast<int>(from.year());
  if (std::pair(static_cast<unsigned>(to.month()), static_cast<unsigned>(to.day())) <
      std::pair(static_cast<unsigned>(from.month()), static_cast<unsigned>(from.day()))) {
    --years;
  }
  return years;
}

int FullMonths(year_month_day from, year_month_day to) {
  if (to < from) return -FullMonths(to, from);
  int months =
      (static_cast<int>(to.year()) - static_cast<int>(from.year())) * 12 +
      (static_cast<int>(static_cast<unsigned>(to.month())) - static_cast<int>(static_cast<unsigned>(from.month())));
  if (to.day() < from.day()) --months;
  return months;
}

std::optional<year_month_day> AddMonths(year_month_day d, long long n) {
  const auto ym = std::chrono::year_month(d.year(), d.month()) + std::chrono::months(n);
  if (!ym.ok() || static_cast<int>(ym.year()) < 1 || static_cast<int>(ym.year()) > 9999) return std::nullopt;
  const auto last = std::chrono::year_month_day_last(ym.year(), std::chrono::month_day_last(ym.month())).day();
  return year_month_day{ym.year(), ym.month(), std::min(d.day(), last)};
}

std::optional<year_month_day> AddDays(year_month_day d, long long n) {
  const year_month_day out{std::chrono::sys_days(d) + std::chrono::days(n)};
  if (!out.ok() || static_cast<int>(out.year()) < 1 || static_cast<int>(out.year()) > 9999) return std::nullopt;
  return out;
}

std::optional<long long> WholeNumber(const Value& v) {
  if (!v.is_number()) return std::nullopt;
  const double x = v.as_number();
  if (!std::isfinite(x) || x != std::trunc(x) || std::fabs(x) > 100000) return std::nullopt;
  return static_cast<long long>(x);
}

bool IsScalar(const Value& v) { return v.is_bool() || v.is_number() || v.is_string(); }

std::string_view OpName(Op op) {
  switch (op) {
    case Op::kEq:
      return "==";
    case Op::kNe:
      return "!=";
    case Op::kLt:
      return "<";
    case Op::kLe:
      return "<=";
    case Op::kGt:
      return ">";
    case Op::kGe:
      return ">=";
    case Op::kIn:
      return "in";
    case Op::kNotIn:
      return "not_in";
    default:
      return "?";
  }
}

class Evaluator {
 public:
  Evaluator(const Program& program, const Env& env, Inputs* inputs) : program_(program), env_(env), inputs_(inputs) {}

  Out Eval(const Node& n) {
    switch (n.op) {
      case Op::kLiteral:
      case Op::kList:
        return Known(n.literal);
      case Op::kVar:
        return Var(n);
      case Op::kEq:
      case Op::kNe:
      case Op::kLt:
      case Op::kLe:
      case Op::kGt:
      case Op::kGe:
        return Compare(n);
      case Op::kIn:
      case Op::kNotIn:
        return Membership(n);
      case Op::kAll:
      case Op::kAny:
        return Connective(n);
      case Op::kNot: {
        Out a = Eval(n.args[0]);
        if (!a.known()) return a;
        if (!a.value.is_bool()) return Unknown(State::kInvalid, n.args[0].text + " is not true or false");
        // found and exists state a fact ("registry crime has no record"), which explains
        // their negation as well.
        const bool fact = n.args[0].op == Op::kFound || n.args[0].op == Op::kExists;
        return Known(Value(!a.value.as_bool()), fact ? a.why : "not (" + a.why + ")");
      }
      case Op::kExists: {
        Out a = Eval(n.args[0]);
        if (a.state == State::kMissing) return Known(Value(false), n.args[0].text + " is missing");
        if (!a.known()) return a;
        const bool present = !(a.value.is_string() && a.value.as_string().empty());
        return Known(Value(present), n.args[0].text + (present ? " is present" : " is empty"));
      }
      case Op::kFound: {
        const auto& l = env_.lookups[static_cast<std::size_t>(n.lookup)];
        const std::string& id = program_.lookups[static_cast<std::size_t>(n.lookup)].id;
        switch (l.status) {
          case Status::kFound:
            return Known(Value(true), "registry " + id + " has a record");
          case Status::kAbsent:
            return Known(Value(false), "registry " + id + " has no record");
          case Status::kUnavailable:
            return Unknown(State::kUnavailable, "registry " + id + " did not answer");
          case Status::kSkipped:
            return Unknown(State::kUnavailable, "registry " + id + " was not asked: its key is missing");
        }
        return Unknown(State::kUnavailable, "registry " + id);
      }
      case Op::kAge:
      case Op::kBirthDate:
        return Birth(n);
      case Op::kYearsBetween:
      case Op::kMonthsBetween:
      case Op::kDaysBetween:
        return Between(n);
      case Op::kAddDays:
      case Op::kAddMonths:
        return AddToDate(n);
      case Op::kStartsWith: {
        Out a = Eval(n.args[0]);
        Out b = Eval(n.args[1]);
        if (!a.known()) return a;
        if (!b.known()) return b;
        if (!a.value.is_string() || !b.value.is_string())
          return Unknown(State::kInvalid, n.text + ": strings expected");
        const bool yes = a.value.as_string().starts_with(b.value.as_string());
        return Known(Value(yes), Describe(n.args[0], a) + " starts with " + Describe(n.args[1], b));
      }
      case Op::kConcat: {
        std::string out;
        for (const auto& arg : n.args) {
          Out a = Eval(arg);
          if (!a.known()) return a;
          if (a.value.is_string()) {
            out += a.value.as_string();
          } else if (a.value.is_number()) {
            out += a.value.ToString();
          } else {
            return Unknown(State::kInvalid, arg.text + " is neither a string nor a number");
          }
        }
        return Known(Value(std::move(out)));
      }
    }
    return Unknown(State::kInvalid, "unsupported expression");
  }

 private:
  void Record(const Node& n, const Value& v) {
    if (inputs_ != nullptr) inputs_->insert_or_assign(n.path, MaskSensitive(v, n.sensitive));
  }

  Out Var(const Node& n) {
    const Value* v = nullptr;
    switch (n.root) {
      case Root::kNow:
        Record(n, Value(env_.today));
        return Known(Value(env_.today));
      case Root::kForm:
        v = &env_.form;
        break;
      case Root::kApplicant:
        v = &env_.applicant;
        break;
      case Root::kCase:
        v = &env_.case_;
        break;
      case Root::kRegistry: {
        const auto& l = env_.lookups[static_cast<std::size_t>(n.lookup)];
        const std::string& id = program_.lookups[static_cast<std::size_t>(n.lookup)].id;
        if (l.status == Status::kUnavailable) return Unknown(State::kUnavailable, "registry " + id + " did not answer");
        if (l.status == Status::kSkipped) {
          return Unknown(State::kUnavailable, "registry " + id + " was not asked: its key is missing");
        }
        if (l.status == Status::kAbsent) {
          Record(n, Value());
          return Unknown(State::kMissing, "registry " + id + " has no record");
        }
        v = &l.record;
        break;
      }
    }
    for (const auto& m : n.members) {
      v = v->Find(m);
      if (v == nullptr) break;
    }
    if (v == nullptr || v->is_null()) {
      Record(n, Value());
      return Unknown(State::kMissing, n.path + " is missing");
    }
    Record(n, *v);
    return Known(*v);
  }

  // "form.purpose (\"其他\")" for a computed operand, the literal itself for a literal.
  static std::string Describe(const Node& n, const Out& o) {
    if (n.op == Op::kLiteral || n.op == Op::kList) return n.text;
    if (n.sensitive) return n.text;
    return n.text + " (" + Short(o.value) + ")";
  }

  Out Compare(const Node& n) {
    Out a = Eval(n.args[0]);
    Out b = Eval(n.args[1]);
    if (!a.known()) return a;
    if (!b.known()) return b;
    const std::string why = Describe(n.args[0], a) + " " + std::string(OpName(n.op)) + " " + Describe(n.args[1], b);
    if (!IsScalar(a.value) || !IsScalar(b.value)) {
      return Unknown(State::kInvalid, why + ": only single values compare");
    }
    if (n.op == Op::kEq || n.op == Op::kNe) {
      const bool eq = a.value == b.value;
      return Known(Value(n.op == Op::kEq ? eq : !eq), why);
    }
    int cmp = 0;
    if (a.value.is_number() && b.value.is_number()) {
      cmp = a.value.as_number() < b.value.as_number() ? -1 : a.value.as_number() > b.value.as_number() ? 1 : 0;
    } else if (a.value.is_string() && b.value.is_string()) {
      const int c = a.value.as_string().compare(b.value.as_string());
      cmp = c < 0 ? -1 : c > 0 ? 1 : 0;
    } else {
      return Unknown(State::kInvalid, why + ": " + std::string(workflow::KindName(a.value.kind())) + " and " +
                                          std::string(workflow::KindName(b.value.kind())) + " do not order");
    }
    bool holds = false;
    switch (n.op) {
      case Op::kLt:
        holds = cmp < 0;
        break;
      case Op::kLe:
        holds = cmp <= 0;
        break;
      case Op::kGt:
        holds = cmp > 0;
        break;
      default:
        holds = cmp >= 0;
        break;
    }
    return Known(Value(holds), why);
  }

  Out Membership(const Node& n) {
    Out a = Eval(n.args[0]);
    Out b = Eval(n.args[1]);
    if (!a.known()) return a;
    if (!b.known()) return b;
    const std::string why = Describe(n.args[0], a) + " " + std::string(OpName(n.op)) + " " + Describe(n.args[1], b);
    if (!IsScalar(a.value)) return Unknown(State::kInvalid, why + ": the left side is not a single value");
    if (!b.value.is_list()) return Unknown(State::kInvalid, why + ": the right side is not a list");
    const auto& list = b.value.as_list();
    const bool in = std::find(list.begin(), list.end(), a.value) != list.end();
    return Known(Value(n.op == Op::kIn ? in : !in), why);
  }

  // Kleene logic: all is false if any part is false, else unknown if any is unknown; any is
  // true if any part is true, else unknown if any is unknown. Every part is evaluated, so the
  // record holds every input the rule set reads.
  Out Connective(const Node& n) {
    const bool all = n.op == Op::kAll;
    std::optional<Out> decisive, unknown;
    std::string joined;
    for (const auto& arg : n.args) {
      Out a = Eval(arg);
      if (a.known() && !a.value.is_bool()) a = Unknown(State::kInvalid, arg.text + " is not true or false");
      if (!a.known()) {
        if (!unknown) unknown = std::move(a);
        continue;
      }
      if (a.value.as_bool() != all) {
        if (!decisive) decisive = std::move(a);
        continue;
      }
      if (!joined.empty()) joined += "; ";
      joined += a.why;
    }
    if (decisive) return Known(Value(!all), decisive->why);
    if (unknown) return *unknown;
    return Known(Value(all), joined);
  }

  Out Birth(const Node& n) {
    Out x = Eval(n.args[0]);
    if (!x.known()) return x;
    const auto birth = BirthDateOf(x.value, n.args[0].sensitive);
    if (!birth) return Unknown(State::kInvalid, "no birth date in " + n.args[0].text);
    if (n.op == Op::kBirthDate) return Known(Value(FormatIsoDate(*birth)));
    Value at_value(env_.today);
    if (n.args.size() > 1) {
      Out at = Eval(n.args[1]);
      if (!at.known()) return at;
      at_value = at.value;
    } else {
      Record(NowNode(), at_value);
    }
    const auto at = DateOf(at_value);
    if (!at) return Unknown(State::kInvalid, n.args.size() > 1 ? n.args[1].text + " is not a date" : "bad date");
    return Known(Value(FullYears(*birth, *at)));
  }

  Out Between(const Node& n) {
    Out a = Eval(n.args[0]);
    Out b = Eval(n.args[1]);
    if (!a.known()) return a;
    if (!b.known()) return b;
    const auto from = DateOf(a.value), to = DateOf(b.value);
    if (!from) return Unknown(State::kInvalid, Describe(n.args[0], a) + " is not a date");
    if (!to) return Unknown(State::kInvalid, Describe(n.args[1], b) + " is not a date");
    switch (n.op) {
      case Op::kYearsBetween:
        return Known(Value(FullYears(*from, *to)));
      case Op::kMonthsBetween:
        return Known(Value(FullMonths(*from, *to)));
      default:
        return Known(Value((std::chrono::sys_days(*to) - std::chrono::sys_days(*from)).count()));
    }
  }

  Out AddToDate(const Node& n) {
    Out a = Eval(n.args[0]);
    Out b = Eval(n.args[1]);
    if (!a.known()) return a;
    if (!b.known()) return b;
    const auto date = DateOf(a.value);
    if (!date) return Unknown(State::kInvalid, Describe(n.args[0], a) + " is not a date");
    const auto count = WholeNumber(b.value);
    if (!count) return Unknown(State::kInvalid, Describe(n.args[1], b) + " is not a whole number");
    const auto out = n.op == Op::kAddDays ? AddDays(*date, *count) : AddMonths(*date, *count);
    if (!out) return Unknown(State::kInvalid, n.text + " is out of range");
    return Known(Value(FormatIsoDate(*out)));
  }

  static const Node& NowNode() {
    static const Node node = [] {
      Node n;
      n.op = Op::kVar;
      n.root = Root::kNow;
      n.path = "now";
      n.text = "now";
      return n;
    }();
    return node;
  }

  const Program& program_;
  const Env& env_;
  Inputs* inputs_;
};

Value ObjectOrEmpty(const Object& variables, std::string_view name) {
  auto it = variables.find(name);
  return it != variables.end() && it->second.is_object() ? it->second : Value(Object{});
}

// Evaluates the conditions over `env` and assembles the record.
Value Decide(const VersionedRuleSet& rules, const Env& env, std::string evaluated_at) {
  const Program& program = rules.rules.program();
  Inputs inputs;
  inputs.emplace("now", Value(env.today));
  Evaluator evaluator(program, env, &inputs);
  Value::List conditions;
  std::vector<std::string> false_labels, unknown_labels;
  for (const auto& c : program.conditions) {
    Out o = evaluator.Eval(c.expr);
    if (o.known() && !o.value.is_bool()) o = Unknown(State::kInvalid, c.expr.text + " is not true or false");
    Value result = o.known() ? Value(o.value.as_bool()) : Value("unknown");
    if (!o.known()) {
      unknown_labels.push_back(c.label);
    } else if (!o.value.as_bool()) {
      false_labels.push_back(c.label);
    }
    conditions.push_back(
        Value(Object{{"id", Value(c.id)}, {"label", Value(c.label)}, {"result", result}, {"reason", Value(o.why)}}));
  }
  Value::List lookups;
  for (std::size_t i = 0; i < program.lookups.size(); ++i) {
    lookups.push_back(Value(Object{{"id", Value(program.lookups[i].id)},
                                   {"source", Value(program.lookups[i].source)},
                                   {"key", Value(env.lookups[i].masked_key)},
                                   {"status", Value(StatusName(env.lookups[i].status))}}));
  }
  auto join = [](const std::vector<std::string>& labels) {
    std::string out;
    for (const auto& l : labels) out += (out.empty() ? "" : "；") + l;
    return out;
  };
  std::string_view decision = kApprove, reason = kReasonAllTrue;
  std::string summary = "全部" + std::to_string(program.conditions.size()) + "项条件满足，秒批通过";
  if (!false_labels.empty()) {
    decision = kManual;
    reason = kReasonConditionFalse;
    summary = "不满足：" + join(false_labels) + "。";
    if (!unknown_labels.empty()) summary += "无法自动核验：" + join(unknown_labels) + "。";
    summary += "转人工审查";
  } else if (!unknown_labels.empty()) {
    decision = kManual;
    reason = kReasonUndecidable;
    summary = "无法自动核验：" + join(unknown_labels) + "。转人工审查";
  }
  return Value(Object{{"decision", Value(decision)},
                      {"reason", Value(reason)},
                      {"summary", Value(summary)},
                      {"item_code", Value(rules.item_code)},
                      {"rule_set_version", Value(rules.version)},
                      {"evaluated_at", Value(std::move(evaluated_at))},
                      {"inputs", Value(std::move(inputs))},
                      {"conditions", Value(std::move(conditions))},
                      {"lookups", Value(std::move(lookups))}});
}

// Rebuilds nested objects from dotted input paths.
struct Tree {
  std::optional<Value> leaf;
  std::map<std::string, Tree, std::less<>> children;

  void Set(std::span<const std::string> path, const Value& v) {
    if (path.empty()) {
      leaf = v;
      return;
    }
    children[path.front()].Set(path.subspan(1), v);
  }

  Value Build() const {
    if (children.empty()) return leaf.value_or(Value());
    Object out;
    if (leaf && leaf->is_object()) out = leaf->as_object();
    for (const auto& [k, t] : children) out.insert_or_assign(k, t.Build());
    return Value(std::move(out));
  }
};

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto dot = path.find('.', start);
    out.emplace_back(path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

Error BadRecord(std::string message) { return Error::Validation({{"record", "bad_record", std::move(message)}}); }

}  // namespace

Value Evaluate(const VersionedRuleSet& rules, const Object& variables, Registry& registry, Timestamp now) {
  const Program& program = rules.rules.program();
  Env env;
  env.form = ObjectOrEmpty(variables, "form");
  env.applicant = ObjectOrEmpty(variables, "applicant");
  env.case_ = ObjectOrEmpty(variables, "case");
  env.today = FormatIsoDate(ChinaDate(now));
  env.lookups.resize(program.lookups.size());
  // Keys read only the case's own variables (never the registry), so they are all known now.
  Evaluator keys(program, env, nullptr);
  for (std::size_t i = 0; i < program.lookups.size(); ++i) {
    const auto& lookup = program.lookups[i];
    auto& outcome = env.lookups[i];
    Out key = keys.Eval(lookup.key);
    std::string key_text;
    if (key.known() && key.value.is_string()) key_text = key.value.as_string();
    if (key.known() && key.value.is_number()) key_text = key.value.ToString();
    if (key_text.empty()) {
      outcome.status = Status::kSkipped;
      continue;
    }
    outcome.masked_key = MaskKey(key_text);
    auto answer = registry.Lookup(lookup.source, key_text);
    if (!answer) {
      outcome.status = Status::kUnavailable;
    } else if (!*answer || (*answer)->is_null()) {
      outcome.status = Status::kAbsent;
    } else {
      outcome.status = Status::kFound;
      outcome.record = std::move(**answer);
    }
  }
  return Decide(rules, env, FormatRfc3339(now));
}

Value NoRulesDecision(std::string_view item_code, Timestamp now) {
  return Value(Object{{"decision", Value(kManual)},
                      {"reason", Value(kReasonNoRules)},
                      {"summary", Value("该事项未配置秒批规则，转人工审查")},
                      {"item_code", Value(item_code)},
                      {"rule_set_version", Value()},
                      {"evaluated_at", Value(FormatRfc3339(now))},
                      {"inputs", Value(Object{})},
                      {"conditions", Value(Value::List{})},
                      {"lookups", Value(Value::List{})}});
}

Result<Value> Replay(const VersionedRuleSet& rules, const Value& record) {
  const Program& program = rules.rules.program();
  if (!record.is_object()) return Fail(BadRecord("a decision record is an object"));
  const Value* item = record.Find("item_code");
  const Value* version = record.Find("rule_set_version");
  if (!item || !item->is_string() || item->as_string() != rules.item_code || !version || !version->is_number() ||
      version->as_number() != rules.version) {
    return Fail(
        BadRecord("the record was not made by " + rules.item_code + " version " + std::to_string(rules.version)));
  }
  const Value* inputs = record.Find("inputs");
  const Value* lookups = record.Find("lookups");
  const Value* evaluated_at = record.Find("evaluated_at");
  if (!inputs || !inputs->is_object() || !lookups || !lookups->is_list() || !evaluated_at ||
      !evaluated_at->is_string()) {
    return Fail(BadRecord("the record lacks inputs, lookups or evaluated_at"));
  }
  const Value* now = inputs->Find("now");
  if (!now || !now->is_string() || !ParseIsoDate(now->as_string())) return Fail(BadRecord("the record lacks now"));

  Tree form, applicant, case_;
  std::map<std::string, Tree, std::less<>> registry;
  for (const auto& [path, value] : inputs->as_object()) {
    auto parts = SplitPath(path);
    const std::span<const std::string> rest(parts.data() + 1, parts.size() - 1);
    if (parts[0] == "form") {
      form.Set(rest, value);
    } else if (parts[0] == "applicant") {
      applicant.Set(rest, value);
    } else if (parts[0] == "case") {
      case_.Set(rest, value);
    } else if (parts[0] == "registry" && parts.size() >= 3) {
      registry[parts[1]].Set(rest.subspan(1), value);
    }
  }
  Env env;
  env.form = form.Build();
  env.applicant = applicant.Build();
  env.case_ = case_.Build();
  env.today = now->as_string();
  env.lookups.resize(program.lookups.size());
  for (std::size_t i = 0; i < program.lookups.size(); ++i) {
    const std::string& id = program.lookups[i].id;
    const Value* found = nullptr;
    for (const auto& l : lookups->as_list()) {
      const Value* lid = l.Find("id");
      if (lid && lid->is_string() && lid->as_string() == id) found = &l;
    }
    const Value* status = found ? found->Find("status") : nullptr;
    const Value* key = found ? found->Find("key") : nullptr;
    const auto parsed = status && status->is_string() ? ParseStatus(status->as_string()) : std::nullopt;
    if (!parsed) return Fail(BadRecord("the record has no outcome for the lookup " + id));
    env.lookups[i].status = *parsed;
    env.lookups[i].masked_key = key && key->is_string() ? key->as_string() : "";
    if (*parsed == Status::kFound) {
      auto it = registry.find(id);
      env.lookups[i].record = it != registry.end() ? it->second.Build() : Value(Object{});
    }
  }
  return Decide(rules, env, evaluated_at->as_string());
}

}  // namespace wangban::rules
