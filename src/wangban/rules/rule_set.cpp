// Parsing and checking of rule sets: every problem is reported at once, each with the path of
// the node it concerns, so an administrator fixes a rule set in one round.
#include "wangban/rules/rule_set.hpp"

#include <algorithm>
#include <array>
#include <set>

#include <nlohmann/json.hpp>

#include "wangban/rules/internal/program.hpp"
#include "wangban/storage/blob_store.hpp"

namespace wangban::rules {
namespace {

using internal::Node;
using internal::Op;
using internal::Root;
using nlohmann::ordered_json;
using workflow::Value;

// Sorted: Parse looks sources up by binary search.
constexpr std::array<std::string_view, 22> kSources = {
    "address",
    "business_scope",
    "car_quota",
    "credit",
    "criminal_records",
    "driver_license",
    "education",
    "employment",
    "identity_verification",
    "longevity_subsidy",
    "population",
    "residence_permit",
    "restricted_roles",
    "skill_certificate",
    "skill_subsidy",
    "social_insurance",
    "social_security_card",
    "talent_settlement",
    "tax",
    "trade_name",
    "unemployment_registration",
    "vehicles",
};
static_assert(std::ranges::is_sorted(kSources));

// Static types, as far as they are known before evaluation.
enum class Type { kAny, kBool, kNumber, kString, kList };

struct OpSpec {
  std::string_view name;
  Op op;
  int min_args;
  int max_args;
  Type result;
};

constexpr std::array<OpSpec, 23> kOps = {{
    {"var", Op::kVar, 1, 1, Type::kAny},
    {"==", Op::kEq, 2, 2, Type::kBool},
    {"!=", Op::kNe, 2, 2, Type::kBool},
    {"<", Op::kLt, 2, 2, Type::kBool},
    {"<=", Op::kLe, 2, 2, Type::kBool},
    {">", Op::kGt, 2, 2, Type::kBool},
    {">=", Op::kGe, 2, 2, Type::kBool},
    {"in", Op::kIn, 2, 2, Type::kBool},
    {"not_in", Op::kNotIn, 2, 2, Type::kBool},
    {"all", Op::kAll, 1, 64, Type::kBool},
    {"any", Op::kAny, 1, 64, Type::kBool},
    {"not", Op::kNot, 1, 1, Type::kBool},
    {"exists", Op::kExists, 1, 1, Type::kBool},
    {"found", Op::kFound, 1, 1, Type::kBool},
    {"age", Op::kAge, 1, 2, Type::kNumber},
    {"birth_date", Op::kBirthDate, 1, 1, Type::kString},
    {"years_between", Op::kYearsBetween, 2, 2, Type::kNumber},
    {"months_between", Op::kMonthsBetween, 2, 2, Type::kNumber},
    {"days_between", Op::kDaysBetween, 2, 2, Type::kNumber},
    {"add_days", Op::kAddDays, 2, 2, Type::kString},
    {"add_months", Op::kAddMonths, 2, 2, Type::kString},
    {"starts_with", Op::kStartsWith, 2, 2, Type::kBool},
    {"concat", Op::kConcat, 1, 16, Type::kString},
}};

const OpSpec* FindOp(std::string_view name) {
  for (const auto& s : kOps) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const OpSpec& SpecOf(Op op) {
  for (const auto& s : kOps) {
    if (s.op == op) return s;
  }
  return kOps[0];  // literals and lists never ask
}

bool IsInfix(Op op) {
  switch (op) {
    case Op::kEq:
    case Op::kNe:
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe:
    case Op::kIn:
    case Op::kNotIn:
      return true;
    default:
      return false;
  }
}

// Cuts `s` to at most `max` bytes on a UTF-8 character boundary, marking the cut.
std::string Truncate(std::string s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
  return s + "…";
}

std::string Render(const Node& node) {
  switch (node.op) {
    case Op::kLiteral:
    case Op::kList:
      return Truncate(node.literal.ToString(), 80);
    case Op::kVar:
      return node.path;
    default:
      break;
  }
  const OpSpec& spec = SpecOf(node.op);
  if (IsInfix(node.op) && node.args.size() == 2) {
    return node.args[0].text + " " + std::string(spec.name) + " " + node.args[1].text;
  }
  std::string out(spec.name);
  out += '(';
  for (std::size_t i = 0; i < node.args.size(); ++i) {
    if (i) out += ", ";
    out += node.args[i].text;
  }
  return Truncate(out + ')', 240);
}

bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 64 || id[0] < 'a' || id[0] > 'z') return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

bool ValidMember(std::string_view m) {
  if (m.empty() || m.size() > 64) return false;
  return std::all_of(m.begin(), m.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto pos = s.find(sep, start);
    out.emplace_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

std::size_t Utf8Length(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Dotted paths of every property of a form schema ("purpose", "premises", "premises.district").
void CollectFormFields(const ordered_json& schema, const std::string& prefix, std::set<std::string>& out, int depth) {
  if (depth > 16 || !schema.is_object()) return;
  auto props = schema.find("properties");
  if (props == schema.end() || !props->is_object()) return;
  for (const auto& [name, sub] : props->items()) {
    const std::string path = prefix.empty() ? name : prefix + "." + name;
    out.insert(path);
    CollectFormFields(sub, path, out, depth + 1);
  }
}

// Where an expression sits: a condition, or a lookup key (which runs before any lookup and
// so cannot read the registry).
enum class Place { kCondition, kKey };

class Compiler {
 public:
  Compiler(FieldErrors& errors, const std::vector<std::string>& lookup_ids, const std::set<std::string>* form_fields)
      : errors_(errors), lookup_ids_(lookup_ids), form_fields_(form_fields) {}

  // Compiles `j` found at `at`. `sensitive_ok`: an identity-number variable may stand here.
  Node Compile(const ordered_json& j, const std::string& at, Place place, int depth, bool sensitive_ok) {
    Node node;
    if (++nodes_ == kMaxNodes + 1) errors_.Add(at, "too_large", "a rule set has at most 2048 expression nodes");
    if (depth > kMaxNesting) {
      errors_.Add(at, "too_deep", "expressions nest at most 32 levels");
      return node;
    }
    if (j.is_string() || j.is_number() || j.is_boolean()) {
      node.op = Op::kLiteral;
      node.literal = workflow::ValueFromJson(nlohmann::json::parse(j.dump()));
      node.text = Render(node);
      return node;
    }
    if (j.is_null()) {
      errors_.Add(at, "null_literal", "null is not a value here: test presence with exists or found");
      return node;
    }
    if (j.is_array()) {
      errors_.Add(at, "unexpected_list", "a list stands only on the right of in and not_in");
      return node;
    }
    if (!j.is_object() || j.size() != 1) {
      errors_.Add(at, "bad_node", "an expression is a literal or an object with exactly one operator");
      return node;
    }
    const auto first = j.begin();
    const std::string name = first.key();
    const ordered_json& operand = first.value();
    const OpSpec* spec = FindOp(name);
    if (spec == nullptr) {
      errors_.Add(at, "unknown_operator", "unknown operator \"" + Truncate(name, 40) + "\"");
      return node;
    }
    node.op = spec->op;
    const std::string here = at + "." + name;
    if (spec->op == Op::kVar) {
      CompileVar(node, operand, here, place, sensitive_ok);
      node.text = Render(node);
      return node;
    }
    if (spec->op == Op::kFound) {
      if (place == Place::kKey) {
        errors_.Add(here, "registry_in_key", "a lookup key cannot depend on another lookup");
      } else if (!operand.is_string()) {
        errors_.Add(here, "type", "found names a lookup id");
      } else {
        node.lookup = LookupIndex(operand.get<std::string>());
        if (node.lookup < 0)
          errors_.Add(here, "unknown_lookup", "no lookup has the id " + Truncate(operand.get<std::string>(), 64));
        node.text = "found(" + operand.get<std::string>() + ")";
      }
      return node;
    }
    // Arguments: an array, or the single argument of an operator that takes one.
    std::vector<const ordered_json*> args;
    bool listed = operand.is_array();
    if (listed) {
      for (const auto& a : operand) args.push_back(&a);
    } else if (spec->min_args == 1) {
      args.push_back(&operand);
    }
    if (static_cast<int>(args.size()) < spec->min_args || static_cast<int>(args.size()) > spec->max_args) {
      const std::string n = spec->min_args == spec->max_args
                                ? std::to_string(spec->min_args)
                                : std::to_string(spec->min_args) + " to " + std::to_string(spec->max_args);
      errors_.Add(here, "arity",
                  std::string(name) + " takes " + n + " argument" + (spec->max_args == 1 ? "" : "s") +
                      (spec->min_args > 1 || !listed ? ", as an array" : ""));
      return node;
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string arg_at = listed ? here + "[" + std::to_string(i) + "]" : here;
      const bool list_slot = (spec->op == Op::kIn || spec->op == Op::kNotIn) && i == 1;
      if (list_slot && args[i]->is_array()) {
        node.args.push_back(CompileList(*args[i], arg_at));
        continue;
      }
      const bool takes_sensitive =
          place == Place::kKey ||
          (i == 0 && (spec->op == Op::kAge || spec->op == Op::kBirthDate || spec->op == Op::kExists));
      node.args.push_back(Compile(*args[i], arg_at, place, depth + 1, takes_sensitive));
    }
    CheckTypes(node, here, listed);
    node.text = Render(node);
    return node;
  }

  static Type TypeOf(const Node& n) {
    switch (n.op) {
      case Op::kLiteral:
        // A null literal only stands where compiling failed (reported already): no second error.
        if (n.literal.is_null()) return Type::kAny;
        return n.literal.is_bool() ? Type::kBool : n.literal.is_number() ? Type::kNumber : Type::kString;
      case Op::kList:
        return Type::kList;
      case Op::kVar:
        return n.root == Root::kNow ? Type::kString : Type::kAny;
      default:
        return SpecOf(n.op).result;
    }
  }

 private:
  int LookupIndex(const std::string& id) const {
    for (std::size_t i = 0; i < lookup_ids_.size(); ++i) {
      if (lookup_ids_[i] == id) return static_cast<int>(i);
    }
    return -1;
  }

  void CompileVar(Node& node, const ordered_json& operand, const std::string& at, Place place, bool sensitive_ok) {
    if (!operand.is_string()) {
      errors_.Add(at, "type", "var names a variable path, e.g. \"form.purpose\"");
      return;
    }
    const std::string path = operand.get<std::string>();
    node.path = path;
    auto parts = Split(path, '.');
    if (path.size() > 200 || parts.size() > 10 || !std::all_of(parts.begin(), parts.end(), ValidMember)) {
      errors_.Add(at, "bad_var", "a variable path is up to 10 dot-separated names of letters, digits and _");
      return;
    }
    const std::string& root = parts[0];
    if (root == "now") {
      node.root = Root::kNow;
      if (parts.size() != 1) errors_.Add(at, "bad_var", "now is the evaluation date and has no members");
      return;
    }
    if (root == "form" || root == "applicant" || root == "case") {
      node.root = root == "form" ? Root::kForm : root == "applicant" ? Root::kApplicant : Root::kCase;
      if (parts.size() < 2) {
        errors_.Add(at, "bad_var", "name a member: " + root + ".<field>");
        return;
      }
      node.members.assign(parts.begin() + 1, parts.end());
      if (node.root == Root::kForm && form_fields_ != nullptr) {
        const std::string field = path.substr(5);
        if (!form_fields_->contains(field)) {
          errors_.Add(at, "unknown_form_field", "the item's form has no field " + Truncate(field, 100));
        }
      }
    } else if (root == "registry") {
      node.root = Root::kRegistry;
      if (place == Place::kKey) {
        errors_.Add(at, "registry_in_key", "a lookup key cannot read the registry");
        return;
      }
      if (parts.size() < 3) {
        errors_.Add(at, "bad_var", "registry variables are registry.<lookup id>.<field>");
        return;
      }
      node.lookup = LookupIndex(parts[1]);
      if (node.lookup < 0) {
        errors_.Add(at, "unknown_lookup", "no lookup has the id " + parts[1]);
        return;
      }
      node.members.assign(parts.begin() + 2, parts.end());
    } else {
      errors_.Add(at, "bad_var", "a variable starts with form, applicant, case, registry or now");
      return;
    }
    node.sensitive = IsSensitivePath(path);
    if (node.sensitive && !sensitive_ok) {
      errors_.Add(at, "sensitive_var",
                  "an identity number may be used only through age, birth_date or exists (it is recorded masked)");
    }
  }

  Node CompileList(const ordered_json& j, const std::string& at) {
    Node node;
    node.op = Op::kList;
    if (j.size() > 256) {
      errors_.Add(at, "too_many", "a list has at most 256 values");
      return node;
    }
    Value::List values;
    for (std::size_t i = 0; i < j.size(); ++i) {
      const auto& e = j[i];
      if (!(e.is_string() || e.is_number() || e.is_boolean())) {
        errors_.Add(at + "[" + std::to_string(i) + "]", "type", "a list holds strings, numbers or booleans");
        continue;
      }
      values.push_back(workflow::ValueFromJson(nlohmann::json::parse(e.dump())));
    }
    node.literal = Value(std::move(values));
    node.text = Render(node);
    return node;
  }

  void Expect(const Node& arg, const std::string& at, std::initializer_list<Type> allowed, std::string_view what) {
    const Type t = TypeOf(arg);
    if (t == Type::kAny) return;
    for (Type a : allowed) {
      if (a == t) return;
    }
    errors_.Add(at, "type", std::string(what));
  }

  void CheckTypes(const Node& node, const std::string& here, bool listed) {
    auto at = [&](std::size_t i) { return listed ? here + "[" + std::to_string(i) + "]" : here; };
    switch (node.op) {
      case Op::kLt:
      case Op::kLe:
      case Op::kGt:
      case Op::kGe: {
        for (std::size_t i = 0; i < 2; ++i) {
          Expect(node.args[i], at(i), {Type::kNumber, Type::kString}, "only numbers and strings (dates) are ordered");
        }
        const Type a = TypeOf(node.args[0]), b = TypeOf(node.args[1]);
        if (a != Type::kAny && b != Type::kAny && a != b && (a == Type::kNumber || a == Type::kString)) {
          errors_.Add(here, "type", "both sides must be numbers or both strings");
        }
        break;
      }
      case Op::kEq:
      case Op::kNe:
        for (std::size_t i = 0; i < 2; ++i) {
          Expect(node.args[i], at(i), {Type::kBool, Type::kNumber, Type::kString}, "== and != compare single values");
        }
        break;
      case Op::kIn:
      case Op::kNotIn:
        Expect(node.args[0], at(0), {Type::kBool, Type::kNumber, Type::kString}, "the left side is a single value");
        Expect(node.args[1], at(1), {Type::kList}, "the right side is a list");
        break;
      case Op::kAll:
      case Op::kAny:
      case Op::kNot:
        for (std::size_t i = 0; i < node.args.size(); ++i) {
          Expect(node.args[i], at(i), {Type::kBool}, "a condition (true or false) is expected");
        }
        break;
      case Op::kAge:
        Expect(node.args[0], at(0), {Type::kString}, "age takes a date or an identity number");
        if (node.args.size() > 1) Expect(node.args[1], at(1), {Type::kString}, "the date to compute the age at");
        break;
      case Op::kBirthDate:
        Expect(node.args[0], at(0), {Type::kString}, "birth_date takes an identity number or a date");
        break;
      case Op::kYearsBetween:
      case Op::kMonthsBetween:
      case Op::kDaysBetween:
        for (std::size_t i = 0; i < 2; ++i) Expect(node.args[i], at(i), {Type::kString}, "a date (YYYY-MM-DD)");
        break;
      case Op::kAddDays:
      case Op::kAddMonths:
        Expect(node.args[0], at(0), {Type::kString}, "a date (YYYY-MM-DD)");
        Expect(node.args[1], at(1), {Type::kNumber}, "a whole number");
        if (node.args[1].op == Op::kLiteral && node.args[1].literal.is_number()) {
          const double n = node.args[1].literal.as_number();
          if (n != static_cast<double>(static_cast<long long>(n)) || n < -100000 || n > 100000) {
            errors_.Add(at(1), "type", "a whole number between -100000 and 100000");
          }
        }
        break;
      case Op::kStartsWith:
        for (std::size_t i = 0; i < 2; ++i) Expect(node.args[i], at(i), {Type::kString}, "starts_with takes strings");
        break;
      case Op::kConcat:
        for (std::size_t i = 0; i < node.args.size(); ++i) {
          Expect(node.args[i], at(i), {Type::kString, Type::kNumber}, "concat joins strings and numbers");
        }
        break;
      case Op::kExists:
      case Op::kLiteral:
      case Op::kList:
      case Op::kVar:
      case Op::kFound:
        break;
    }
  }

  FieldErrors& errors_;
  const std::vector<std::string>& lookup_ids_;
  const std::set<std::string>* form_fields_;
  std::size_t nodes_ = 0;
};

void CheckKeys(const ordered_json& object, const std::string& at, std::initializer_list<std::string_view> allowed,
               FieldErrors& errors) {
  for (const auto& [key, value] : object.items()) {
    (void)value;
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      errors.Add(at.empty() ? key : at + "." + key, "unknown_field", "not a field of a rule set");
    }
  }
}

}  // namespace

std::span<const std::string_view> KnownSources() { return kSources; }

bool IsSensitivePath(std::string_view path) {
  const auto dot = path.rfind('.');
  const std::string_view last = dot == std::string_view::npos ? path : path.substr(dot + 1);
  return last == "id_number" || last.ends_with("_id_number");
}

std::string MaskIdNumberForRecord(std::string_view id) {
  const bool digits =
      id.size() == 18 && std::all_of(id.begin() + 6, id.begin() + 14, [](char c) { return c >= '0' && c <= '9'; });
  if (digits) return "******" + std::string(id.substr(6, 8)) + "****";
  return std::string(Utf8Length(id), '*');
}

std::string MaskKey(std::string_view key) {
  const bool ascii = std::all_of(key.begin(), key.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (!ascii || key.size() < 9) return "***";
  return std::string(key.substr(0, 4)) + std::string(key.size() - 8, '*') + std::string(key.substr(key.size() - 4));
}

Result<RuleSet> RuleSet::Parse(std::string_view document, const ParseOptions& options) {
  if (document.size() > kMaxRuleSetBytes) {
    return Fail(Error::Validation({{"", "too_large", "a rule set is at most 64 KiB"}}));
  }
  auto doc = ordered_json::parse(document, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Fail(Error::BadRequest("the rule set is not valid JSON", "malformed_json"));
  if (!doc.is_object()) return Fail(Error::BadRequest("a rule set is a JSON object", "expected_object"));

  std::set<std::string> form_fields;
  if (options.form_schema) {
    auto schema = ordered_json::parse(*options.form_schema, nullptr, false);
    if (!schema.is_discarded()) CollectFormFields(schema, "", form_fields, 0);
  }

  FieldErrors errors;
  auto program = std::make_shared<internal::Program>();
  CheckKeys(doc, "", {"description", "lookups", "conditions"}, errors);
  if (auto d = doc.find("description"); d != doc.end()) {
    if (!d->is_string()) {
      errors.Add("description", "type", "a string");
    } else if (Utf8Length(d->get_ref<const std::string&>()) > 1000) {
      errors.Add("description", "too_long", "at most 1000 characters");
    } else {
      program->description = d->get<std::string>();
    }
  }

  // Lookups first: conditions refer to them by id.
  std::vector<std::string> lookup_ids;
  std::vector<const ordered_json*> keys;
  if (auto l = doc.find("lookups"); l != doc.end()) {
    if (!l->is_array()) {
      errors.Add("lookups", "type", "a list of lookups");
    } else if (l->size() > kMaxLookups) {
      errors.Add("lookups", "too_many", "at most 32 lookups");
    } else {
      for (std::size_t i = 0; i < l->size(); ++i) {
        const auto& e = (*l)[i];
        const std::string at = "lookups[" + std::to_string(i) + "]";
        internal::Lookup lookup;
        if (!e.is_object()) {
          errors.Add(at, "type", "a lookup is an object {id, source, key}");
          lookup_ids.emplace_back();
          keys.push_back(nullptr);
          program->lookups.push_back(std::move(lookup));
          continue;
        }
        CheckKeys(e, at, {"id", "source", "key"}, errors);
        auto source = e.find("source");
        if (source == e.end()) {
          errors.Add(at + ".source", "required", "the registry to ask");
        } else if (!source->is_string()) {
          errors.Add(at + ".source", "type", "a source name");
        } else {
          lookup.source = source->get<std::string>();
          if (!std::binary_search(kSources.begin(), kSources.end(), std::string_view(lookup.source))) {
            errors.Add(at + ".source", "unknown_source", "unknown registry source " + Truncate(lookup.source, 64));
          }
        }
        auto id = e.find("id");
        if (id != e.end() && !id->is_string()) {
          errors.Add(at + ".id", "type", "a lookup id");
        } else {
          lookup.id = id != e.end() ? id->get<std::string>() : lookup.source;
          if (!ValidId(lookup.id)) {
            if (id != e.end() || !lookup.source.empty()) {
              errors.Add(at + ".id", "format", "ids are lowercase letters, digits and _, starting with a letter");
            }
          } else if (std::find(lookup_ids.begin(), lookup_ids.end(), lookup.id) != lookup_ids.end()) {
            errors.Add(at + ".id", "duplicate", "another lookup has the id " + lookup.id);
          }
        }
        auto key = e.find("key");
        if (key == e.end()) errors.Add(at + ".key", "required", "the expression giving the key to look up");
        lookup_ids.push_back(lookup.id);
        keys.push_back(key == e.end() ? nullptr : &*key);
        program->lookups.push_back(std::move(lookup));
      }
    }
  }

  Compiler compiler(errors, lookup_ids, options.form_schema ? &form_fields : nullptr);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (keys[i] == nullptr) continue;
    const std::string at = "lookups[" + std::to_string(i) + "].key";
    program->lookups[i].key = compiler.Compile(*keys[i], at, Place::kKey, 0, true);
    const Type t = Compiler::TypeOf(program->lookups[i].key);
    if (t == Type::kBool || t == Type::kList) errors.Add(at, "type", "a key is a string or a number");
  }

  auto c = doc.find("conditions");
  if (c == doc.end()) {
    errors.Add("conditions", "required", "a rule set has at least one condition");
  } else if (!c->is_array()) {
    errors.Add("conditions", "type", "a list of conditions");
  } else if (c->empty()) {
    errors.Add("conditions", "required", "a rule set has at least one condition");
  } else if (c->size() > kMaxConditions) {
    errors.Add("conditions", "too_many", "at most 64 conditions");
  } else {
    std::set<std::string> ids;
    for (std::size_t i = 0; i < c->size(); ++i) {
      const auto& e = (*c)[i];
      const std::string at = "conditions[" + std::to_string(i) + "]";
      if (!e.is_object()) {
        errors.Add(at, "type", "a condition is an object {id, label, expr}");
        continue;
      }
      CheckKeys(e, at, {"id", "label", "expr"}, errors);
      internal::Condition condition;
      if (auto id = e.find("id"); id == e.end()) {
        errors.Add(at + ".id", "required", "a condition has an id");
      } else if (!id->is_string() || !ValidId(id->get_ref<const std::string&>())) {
        errors.Add(at + ".id", "format", "ids are lowercase letters, digits and _, starting with a letter");
      } else if (!ids.insert(id->get<std::string>()).second) {
        errors.Add(at + ".id", "duplicate", "another condition has the id " + id->get<std::string>());
      } else {
        condition.id = id->get<std::string>();
      }
      if (auto label = e.find("label"); label == e.end()) {
        errors.Add(at + ".label", "required", "the condition in plain words");
      } else if (!label->is_string() || label->get_ref<const std::string&>().empty()) {
        errors.Add(at + ".label", "type", "a non-empty string");
      } else if (Utf8Length(label->get_ref<const std::string&>()) > 200) {
        errors.Add(at + ".label", "too_long", "at most 200 characters");
      } else {
        condition.label = label->get<std::string>();
      }
      if (auto expr = e.find("expr"); expr == e.end()) {
        errors.Add(at + ".expr", "required", "the condition as an expression");
      } else {
        condition.expr = compiler.Compile(*expr, at + ".expr", Place::kCondition, 0, false);
        const Type t = Compiler::TypeOf(condition.expr);
        if (t != Type::kBool && t != Type::kAny) errors.Add(at + ".expr", "type", "a condition is true or false");
      }
      program->conditions.push_back(std::move(condition));
    }
  }
  if (auto r = errors.Finish(); !r) {
    r.error().message = "the rule set is invalid";
    return std::unexpected(std::move(r.error()));
  }
  program->document = doc.dump();
  program->digest = storage::Sha256Hex(nlohmann::json::parse(program->document).dump());
  return RuleSet(std::move(program));
}

std::vector<RuleSet::ConditionInfo> RuleSet::Conditions() const {
  std::vector<ConditionInfo> out;
  for (const auto& c : program_->conditions) out.push_back({c.id, c.label});
  return out;
}

std::vector<RuleSet::LookupInfo> RuleSet::Lookups() const {
  std::vector<LookupInfo> out;
  for (const auto& l : program_->lookups) out.push_back({l.id, l.source});
  return out;
}

const std::string& RuleSet::description() const { return program_->description; }
const std::string& RuleSet::document() const { return program_->document; }
const std::string& RuleSet::digest() const { return program_->digest; }

}  // namespace wangban::rules
