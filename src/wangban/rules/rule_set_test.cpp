// The condition language: what each operator yields, how unknown propagates, what the decision
// record holds, and the precise errors for invalid rule sets.
#include "wangban/rules/rule_set.hpp"

#include <gtest/gtest.h>

#include "tests/testing/fixtures.hpp"
#include "wangban/rules/evaluate.hpp"
#include "wangban/rules/registry.hpp"

namespace wangban::rules {
namespace {

using workflow::Value;
using Object = Value::Object;

const std::string& Zhang() { return DemoPersons()[0].id_number; }

struct Outcome {
  std::string result;  // "true", "false", "unknown"
  std::string reason;
  Value record;
};

class LanguageTest : public ::testing::Test {
 protected:
  LanguageTest() {
    vars_ = {{"form", Value(Object{{"id_number", Value(Zhang())},
                                   {"purpose", Value("就业")},
                                   {"amount", Value(12)},
                                   {"date", Value("2026-05-31")},
                                   {"empty", Value("")},
                                   {"flag", Value(true)},
                                   {"address", Value(Object{{"district", Value("龙华区")}})}})},
             {"applicant", Value(Object{{"kind", Value("person")}})},
             {"case", Value(Object{{"item_code", Value("X")}, {"department", Value("HK-GAJ")}})}};
    registry_.Put(
        "population", Zhang(),
        Value(Object{
            {"status", Value("正常")}, {"hukou_region", Value("460106002001")}, {"birth_date", Value("1990-01-01")}}));
  }

  // Evaluates a rule set with the single condition `expr` and the lookups `lookups`.
  Outcome Cond(std::string_view expr, std::string_view lookups = "[]") {
    const std::string doc = std::string(R"({"lookups": )") + std::string(lookups) +
                            R"(, "conditions": [{"id": "c", "label": "条件", "expr": )" + std::string(expr) + "}]}";
    auto rules = RuleSet::Parse(doc);
    EXPECT_TRUE(rules.has_value()) << expr << ": "
                                   << (rules ? ""
                                             : rules.error().message + " " +
                                                   (rules.error().field_errors.empty()
                                                        ? ""
                                                        : rules.error().field_errors[0].field + " " +
                                                              rules.error().field_errors[0].message));
    if (!rules) return {"error", "", Value()};
    Value record = Evaluate(VersionedRuleSet{"X", 1, *rules}, vars_, registry_, now_);
    const Value& c = record.Find("conditions")->as_list().at(0);
    const Value& r = *c.Find("result");
    return {r.is_bool() ? (r.as_bool() ? "true" : "false") : r.as_string(), c.Find("reason")->as_string(), record};
  }

  std::string R(std::string_view expr, std::string_view lookups = "[]") { return Cond(expr, lookups).result; }

  Object vars_;
  FakeRegistry registry_;
  Timestamp now_ = testing::TestEpoch();  // 2026-11-20 in China
};

constexpr std::string_view kPopulation = R"([{"id": "pop", "source": "population", "key": {"var": "form.id_number"}}])";

TEST_F(LanguageTest, ComparesNumbersStringsAndBooleans) {
  EXPECT_EQ(R(R"({">=": [{"var": "form.amount"}, 12]})"), "true");
  EXPECT_EQ(R(R"({">": [{"var": "form.amount"}, 12]})"), "false");
  EXPECT_EQ(R(R"({"<": [{"var": "form.amount"}, 12.5]})"), "true");
  EXPECT_EQ(R(R"({"<=": [{"var": "form.date"}, {"var": "now"}]})"), "true");  // ISO dates order as strings
  EXPECT_EQ(R(R"({"==": [{"var": "form.purpose"}, "就业"]})"), "true");
  EXPECT_EQ(R(R"({"!=": [{"var": "form.purpose"}, "就业"]})"), "false");
  EXPECT_EQ(R(R"({"==": [{"var": "form.flag"}, true]})"), "true");
  // No coercion: a number never equals a string.
  EXPECT_EQ(R(R"({"==": [{"var": "form.amount"}, "12"]})"), "false");
  // Ordering a number against a string cannot be decided.
  auto mixed = Cond(R"({"<": [{"var": "form.amount"}, {"var": "form.purpose"}]})");
  EXPECT_EQ(mixed.result, "unknown");
  EXPECT_NE(mixed.reason.find("do not order"), std::string::npos) << mixed.reason;
  // Objects do not compare.
  EXPECT_EQ(R(R"({"==": [{"var": "form.address"}, "龙华区"]})"), "unknown");
}

TEST_F(LanguageTest, MembershipAndPrefixes) {
  EXPECT_EQ(R(R"({"in": [{"var": "form.purpose"}, ["就业", "入学"]]})"), "true");
  EXPECT_EQ(R(R"({"not_in": [{"var": "form.purpose"}, ["就业", "入学"]]})"), "false");
  EXPECT_EQ(R(R"({"in": [{"var": "form.amount"}, [1, 12]]})"), "true");
  EXPECT_EQ(R(R"({"starts_with": [{"var": "registry.pop.hukou_region"}, "460106"]})", kPopulation), "true");
  EXPECT_EQ(R(R"({"starts_with": [{"var": "registry.pop.hukou_region"}, "460108"]})", kPopulation), "false");
  EXPECT_EQ(R(R"({"==": [{"concat": [{"var": "form.purpose"}, "|", {"var": "form.amount"}]}, "就业|12"]})"), "true");
  EXPECT_EQ(R(R"({"==": [{"var": "form.address.district"}, "龙华区"]})"), "true");
}

TEST_F(LanguageTest, UnknownPropagatesThreeValued) {
  // A missing form field is unknown, and says so.
  auto missing = Cond(R"({"==": [{"var": "form.nothing"}, 1]})");
  EXPECT_EQ(missing.result, "unknown");
  EXPECT_EQ(missing.reason, "form.nothing is missing");
  constexpr const char* kTrue = R"({"==": [1, 1]})";
  constexpr const char* kFalse = R"({"==": [1, 2]})";
  constexpr const char* kUnknown = R"({"==": [{"var": "form.nothing"}, 1]})";
  auto all = [&](const char* a, const char* b) { return R(std::string(R"({"all": [)") + a + ", " + b + "]}"); };
  auto any = [&](const char* a, const char* b) { return R(std::string(R"({"any": [)") + a + ", " + b + "]}"); };
  EXPECT_EQ(all(kTrue, kTrue), "true");
  EXPECT_EQ(all(kTrue, kUnknown), "unknown");
  EXPECT_EQ(all(kFalse, kUnknown), "false");  // false whatever the unknown is
  EXPECT_EQ(all(kUnknown, kFalse), "false");
  EXPECT_EQ(any(kTrue, kUnknown), "true");  // true whatever the unknown is
  EXPECT_EQ(any(kFalse, kUnknown), "unknown");
  EXPECT_EQ(any(kFalse, kFalse), "false");
  EXPECT_EQ(R(std::string(R"({"not": )") + kUnknown + "}"), "unknown");
  EXPECT_EQ(R(std::string(R"({"not": )") + kFalse + "}"), "true");
  // Functions of unknowns are unknown.
  EXPECT_EQ(R(R"({">=": [{"age": {"var": "form.birth"}}, 18]})"), "unknown");
  EXPECT_EQ(R(R"({"==": [{"concat": [{"var": "form.nothing"}, "x"]}, "x"]})"), "unknown");
}

TEST_F(LanguageTest, ExistsAndFoundSeparateAbsenceFromSilence) {
  EXPECT_EQ(R(R"({"exists": {"var": "form.purpose"}})"), "true");
  EXPECT_EQ(R(R"({"exists": {"var": "form.empty"}})"), "false");
  EXPECT_EQ(R(R"({"exists": {"var": "form.nothing"}})"), "false");
  EXPECT_EQ(R(R"({"exists": {"var": "form.id_number"}})"), "true");

  constexpr std::string_view kCrime =
      R"([{"id": "crime", "source": "criminal_records", "key": {"var": "form.id_number"}}])";
  // No record is a definite answer.
  EXPECT_EQ(R(R"({"not": {"found": "crime"}})", kCrime), "true");
  EXPECT_EQ(R(R"({"exists": {"var": "registry.crime.count"}})", kCrime), "false");
  auto absent = Cond(R"({"==": [{"var": "registry.crime.count"}, 0]})", kCrime);
  EXPECT_EQ(absent.result, "unknown");
  EXPECT_EQ(absent.reason, "registry crime has no record");
  registry_.Put("criminal_records", Zhang(), Value(Object{{"count", Value(1)}}));
  EXPECT_EQ(R(R"({"not": {"found": "crime"}})", kCrime), "false");
  // A registry that does not answer decides nothing, not even absence.
  registry_.SetAvailable("criminal_records", false);
  auto silent = Cond(R"({"not": {"found": "crime"}})", kCrime);
  EXPECT_EQ(silent.result, "unknown");
  EXPECT_EQ(silent.reason, "registry crime did not answer");
  EXPECT_EQ(R(R"({"exists": {"var": "registry.crime.count"}})", kCrime), "unknown");
  EXPECT_EQ(silent.record.Find("lookups")->as_list()[0].Find("status")->as_string(), "unavailable");
  // A lookup whose key is missing is not asked.
  auto skipped = Cond(R"({"found": "crime"})",
                      R"([{"id": "crime", "source": "criminal_records", "key": {"var": "form.nothing"}}])");
  EXPECT_EQ(skipped.result, "unknown");
  EXPECT_EQ(skipped.record.Find("lookups")->as_list()[0].Find("status")->as_string(), "skipped");
}

TEST_F(LanguageTest, AgesCountFullYearsAtTheEvaluationDate) {
  // 张三 was born on 1990-01-01: 36 on 2026-11-20.
  auto zhang = Cond(R"({"==": [{"age": {"var": "form.id_number"}}, 36]})");
  EXPECT_EQ(zhang.result, "true");
  EXPECT_EQ(zhang.reason, "age(form.id_number) (36) == 36");
  // The birthday itself counts; the day before does not.
  vars_["form"] = Value(Object{{"a", Value("2010-11-20")}, {"b", Value("2010-11-21")}, {"c", Value("2008-02-29")}});
  EXPECT_EQ(R(R"({"==": [{"age": {"var": "form.a"}}, 16]})"), "true");
  EXPECT_EQ(R(R"({"==": [{"age": {"var": "form.b"}}, 15]})"), "true");
  // Born on 29 February: a year older on 1 March of common years.
  EXPECT_EQ(R(R"({"==": [{"age": [{"var": "form.c"}, "2025-02-28"]}, 16]})"), "true");
  EXPECT_EQ(R(R"({"==": [{"age": [{"var": "form.c"}, "2025-03-01"]}, 17]})"), "true");
  EXPECT_EQ(R(R"({"==": [{"birth_date": "460100199001011230"}, "1990-01-01"]})"), "true");
  // Not a date: unknown.
  EXPECT_EQ(R(R"({">=": [{"age": "19900101"}, 18]})"), "unknown");
}

TEST_F(LanguageTest, DateArithmetic) {
  EXPECT_EQ(R(R"({"==": [{"months_between": ["2024-11-21", "2026-11-20"]}, 23]})"), "true");
  EXPECT_EQ(R(R"({"==": [{"months_between": ["2024-11-20", "2026-11-20"]}, 24]})"), "true");
  EXPECT_EQ(R(R"({"==": [{"months_between": ["2026-11-20", "2024-11-21"]}, -23]})"), "true");
  EXPECT_EQ(R(R"({"==": [{"years_between": ["2024-11-21", "2026-11-20"]}, 1]})"), "true");
  EXPECT_EQ(R(R"({"==": [{"days_between": ["2026-02-27", "2026-03-01"]}, 2]})"), "true");
  EXPECT_EQ(R(R"({"==": [{"days_between": ["2026-03-01", "2026-02-27"]}, -2]})"), "true");
  EXPECT_EQ(R(R"({"==": [{"add_months": ["2024-01-31", 1]}, "2024-02-29"]})"), "true");
  EXPECT_EQ(R(R"({"==": [{"add_months": ["2025-11-30", -12]}, "2024-11-30"]})"), "true");
  EXPECT_EQ(R(R"({"==": [{"add_days": ["2026-12-31", 1]}, "2027-01-01"]})"), "true");
  EXPECT_EQ(R(R"({"==": [{"add_days": [{"var": "now"}, -20]}, "2026-10-31"]})"), "true");
  EXPECT_EQ(R(R"({"==": [{"add_days": [{"var": "form.purpose"}, 1]}, "x"]})"), "unknown");
}

TEST_F(LanguageTest, DecisionIsApproveOnlyWhenEveryConditionHolds) {
  auto decide = [&](const std::string& a, const std::string& b) {
    auto rules = RuleSet::Parse(R"({"conditions": [{"id": "a", "label": "甲", "expr": )" + a +
                                R"(}, {"id": "b", "label": "乙", "expr": )" + b + "}]}");
    EXPECT_TRUE(rules.has_value());
    return Evaluate(VersionedRuleSet{"X", 3, *rules}, vars_, registry_, now_);
  };
  const std::string t = R"({"==": [1, 1]})", f = R"({"==": [1, 2]})", u = R"({"==": [{"var": "form.x"}, 1]})";
  Value approve = decide(t, t);
  EXPECT_EQ(approve.Find("decision")->as_string(), "approve");
  EXPECT_EQ(approve.Find("reason")->as_string(), "all_conditions_true");
  EXPECT_EQ(approve.Find("rule_set_version")->as_number(), 3);
  Value undecidable = decide(t, u);
  EXPECT_EQ(undecidable.Find("decision")->as_string(), "manual");
  EXPECT_EQ(undecidable.Find("reason")->as_string(), "undecidable");
  EXPECT_EQ(undecidable.Find("summary")->as_string(), "无法自动核验：乙。转人工审查");
  // A definite false wins over an unknown: the person sees which condition failed.
  Value refused = decide(u, f);
  EXPECT_EQ(refused.Find("decision")->as_string(), "manual");
  EXPECT_EQ(refused.Find("reason")->as_string(), "condition_false");
  EXPECT_EQ(refused.Find("summary")->as_string(), "不满足：乙。无法自动核验：甲。转人工审查");
  EXPECT_EQ(refused.Find("conditions")->as_list()[0].Find("result")->as_string(), "unknown");
  EXPECT_FALSE(refused.Find("conditions")->as_list()[1].Find("result")->as_bool());

  Value none = NoRulesDecision("X", now_);
  EXPECT_EQ(none.Find("decision")->as_string(), "manual");
  EXPECT_EQ(none.Find("reason")->as_string(), "no_rules");
  EXPECT_TRUE(none.Find("rule_set_version")->is_null());
}

TEST_F(LanguageTest, TheRecordHoldsEveryInputReadWithIdentityNumbersMasked) {
  auto o = Cond(R"({"all": [{">=": [{"age": {"var": "form.id_number"}}, 18]},
                            {"==": [{"var": "registry.pop.status"}, "正常"]},
                            {"exists": {"var": "form.nothing"}}]})",
                kPopulation);
  EXPECT_EQ(o.result, "false");
  const Value& inputs = *o.record.Find("inputs");
  EXPECT_EQ(inputs.Find("form.id_number")->as_string(), "******19900101****");
  EXPECT_EQ(inputs.Find("registry.pop.status")->as_string(), "正常");
  EXPECT_EQ(inputs.Find("now")->as_string(), "2026-11-20");
  EXPECT_TRUE(inputs.Find("form.nothing")->is_null());
  EXPECT_EQ(inputs.Find("form.purpose"), nullptr);  // not read
  EXPECT_EQ(o.record.Find("evaluated_at")->as_string(), "2026-11-20T09:00:00.000+08:00");
  const Value& lookup = o.record.Find("lookups")->as_list()[0];
  EXPECT_EQ(lookup.Find("key")->as_string(), "4601**********1230");
  EXPECT_EQ(lookup.Find("status")->as_string(), "found");
  // The full number appears nowhere in the record.
  EXPECT_EQ(o.record.ToString().find(Zhang()), std::string::npos) << o.record;

  // Objects read whole are masked member by member.
  vars_["form"] = Value(Object{{"rep", Value(Object{{"id_number", Value(Zhang())}, {"name", Value("张三")}})}});
  auto whole = Cond(R"({"exists": {"var": "form.rep"}})");
  EXPECT_EQ(whole.record.Find("inputs")->Find("form.rep")->Find("id_number")->as_string(), "******19900101****");
}

TEST_F(LanguageTest, ReplayGivesTheSameRecordFromTheRecordAlone) {
  constexpr std::string_view kLookups =
      R"([{"id": "pop", "source": "population", "key": {"var": "form.id_number"}},
          {"id": "crime", "source": "criminal_records", "key": {"var": "form.id_number"}}])";
  auto rules = RuleSet::Parse(std::string(R"({"lookups": )") + std::string(kLookups) + R"(, "conditions": [
      {"id": "a", "label": "a", "expr": {">=": [{"age": {"var": "form.id_number"}}, 18]}},
      {"id": "b", "label": "b", "expr": {"starts_with": [{"var": "registry.pop.hukou_region"}, "4601"]}},
      {"id": "c", "label": "c", "expr": {"not": {"found": "crime"}}},
      {"id": "d", "label": "d", "expr": {"any": [{"not": {"exists": {"var": "form.address"}}},
                                                {"==": [{"var": "form.address.district"}, "龙华区"]}]}},
      {"id": "e", "label": "e", "expr": {"<=": [{"var": "now"}, {"add_months": [{"var": "form.date"}, 12]}]}}]})");
  ASSERT_TRUE(rules.has_value()) << rules.error().message;
  const VersionedRuleSet v{"X", 2, *rules};
  for (bool crime_down : {false, true}) {
    registry_.SetAvailable("criminal_records", !crime_down);
    const Value record = Evaluate(v, vars_, registry_, now_);
    const auto before = registry_.lookups();
    auto replayed = Replay(v, record);
    ASSERT_TRUE(replayed.has_value()) << replayed.error().message;
    EXPECT_EQ(*replayed, record) << *replayed << "\n" << record;
    EXPECT_EQ(registry_.lookups(), before);  // no registry asked
  }
  // The record of another version is refused.
  const Value record = Evaluate(v, vars_, registry_, now_);
  auto other = Replay(VersionedRuleSet{"X", 1, *rules}, record);
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code, ErrorCode::kValidationFailed);
}

// ---- Invalid rule sets.

std::vector<FieldError> Errors(std::string_view doc, const ParseOptions& options = {}) {
  auto r = RuleSet::Parse(doc, options);
  EXPECT_FALSE(r.has_value()) << doc;
  if (r) return {};
  EXPECT_EQ(r.error().code, ErrorCode::kValidationFailed) << r.error().message;
  return r.error().field_errors;
}

bool Has(const std::vector<FieldError>& errors, std::string_view field, std::string_view code) {
  for (const auto& e : errors) {
    if (e.field == field && e.code == code) return true;
  }
  return false;
}

std::string Dump(const std::vector<FieldError>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.field + " " + e.code + ": " + e.message + "\n";
  return out;
}

TEST(RuleSetParseTest, MalformedDocumentsAreBadRequests) {
  auto r = RuleSet::Parse("{\"conditions\": [");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(r.error().reason, "malformed_json");
  r = RuleSet::Parse("[]");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason, "expected_object");
}

TEST(RuleSetParseTest, ReportsEveryProblemWithItsPath) {
  auto e = Errors(R"({
    "lookups": [{"id": "pop", "source": "populace", "key": {"var": "form.id_number"}},
                {"id": "pop", "source": "population", "key": {"var": "registry.pop.x"}},
                {"source": "credit"}],
    "conditions": [
      {"id": "a", "label": "甲", "expr": {"all": [{"==": [1, 1]}, {"~=": [1, 2]}]}},
      {"id": "a", "expr": {">=": [{"var": "form"}, 1]}},
      {"id": "B", "label": "丙", "expr": {"==": [{"var": "registry.crime.count"}, 0]}},
      {"id": "d", "label": "丁", "expr": {"==": [{"var": "form.id_number"}, "x"]}},
      {"id": "e", "label": "戊", "expr": {">=": [{"var": "form.a"}]}, "note": 1},
      {"id": "f", "label": "己", "expr": {"==": [{"var": "form.a"}, null]}},
      {"id": "g", "label": "庚", "expr": {">=": [true, 1]}},
      {"id": "h", "label": "辛", "expr": {"in": [{"var": "form.a"}, "就业"]}},
      {"id": "i", "label": "壬", "expr": {"age": {"var": "form.birth_date"}}},
      {"id": "j", "label": "癸", "expr": ["a"]},
      {"id": "k", "label": "子", "expr": {"found": "nothing"}},
      {"id": "l", "label": "丑", "expr": {"==": [{"var": "person.age"}, 1], "!=": [1, 2]}}
    ],
    "version": 2})");
  EXPECT_TRUE(Has(e, "lookups[0].source", "unknown_source")) << Dump(e);
  EXPECT_TRUE(Has(e, "lookups[1].id", "duplicate")) << Dump(e);
  EXPECT_TRUE(Has(e, "lookups[1].key.var", "registry_in_key")) << Dump(e);
  EXPECT_TRUE(Has(e, "lookups[2].key", "required")) << Dump(e);
  EXPECT_TRUE(Has(e, "conditions[0].expr.all[1]", "unknown_operator")) << Dump(e);
  EXPECT_TRUE(Has(e, "conditions[1].id", "duplicate")) << Dump(e);
  EXPECT_TRUE(Has(e, "conditions[1].label", "required")) << Dump(e);
  EXPECT_TRUE(Has(e, "conditions[1].expr.>=[0].var", "bad_var")) << Dump(e);
  EXPECT_TRUE(Has(e, "conditions[2].id", "format")) << Dump(e);
  EXPECT_TRUE(Has(e, "conditions[2].expr.==[0].var", "unknown_lookup")) << Dump(e);
  EXPECT_TRUE(Has(e, "conditions[3].expr.==[0].var", "sensitive_var")) << Dump(e);
  EXPECT_TRUE(Has(e, "conditions[4].expr.>=", "arity")) << Dump(e);
  EXPECT_TRUE(Has(e, "conditions[4].note", "unknown_field")) << Dump(e);
  EXPECT_TRUE(Has(e, "conditions[5].expr.==[1]", "null_literal")) << Dump(e);
  EXPECT_TRUE(Has(e, "conditions[6].expr.>=[0]", "type")) << Dump(e);
  EXPECT_TRUE(Has(e, "conditions[7].expr.in[1]", "type")) << Dump(e);
  EXPECT_TRUE(Has(e, "conditions[8].expr", "type")) << Dump(e);  // a number is not a condition
  EXPECT_TRUE(Has(e, "conditions[9].expr", "unexpected_list")) << Dump(e);
  EXPECT_TRUE(Has(e, "conditions[10].expr.found", "unknown_lookup")) << Dump(e);
  EXPECT_TRUE(Has(e, "conditions[11].expr", "bad_node")) << Dump(e);
  EXPECT_TRUE(Has(e, "version", "unknown_field")) << Dump(e);
  EXPECT_EQ(e.size(), 21u) << Dump(e);
}

TEST(RuleSetParseTest, LimitsAndRequiredParts) {
  EXPECT_TRUE(Has(Errors("{}"), "conditions", "required"));
  EXPECT_TRUE(Has(Errors(R"({"conditions": []})"), "conditions", "required"));
  std::string many = R"({"conditions": [)";
  for (int i = 0; i < 65; ++i)
    many += std::string(i ? "," : "") + R"({"id": "c)" + std::to_string(i) + R"(", "label": "x", "expr": true})";
  EXPECT_TRUE(Has(Errors(many + "]}"), "conditions", "too_many"));
  std::string deep = "true";
  for (int i = 0; i < 40; ++i) deep = R"({"not": )" + deep + "}";
  auto e = Errors(R"({"conditions": [{"id": "c", "label": "x", "expr": )" + deep + "}]}");
  ASSERT_FALSE(e.empty());
  EXPECT_EQ(e[0].code, "too_deep");
  EXPECT_TRUE(Has(Errors(std::string(kMaxRuleSetBytes + 1, ' ')), "", "too_large"));
  EXPECT_TRUE(Has(Errors(R"({"conditions": [{"id": "c", "label": "x", "expr": {"add_days": [{"var": "now"}, 1.5]}}]})"),
                  "conditions[0].expr", "type"));  // a date is not a condition ...
  EXPECT_TRUE(Has(
      Errors(
          R"({"conditions": [{"id": "c", "label": "x", "expr": {"==": [{"add_days": [{"var": "now"}, 1.5]}, "x"]}}]})"),
      "conditions[0].expr.==[0].add_days[1]", "type"));  // ... and days are whole
}

TEST(RuleSetParseTest, FormVariablesMustNameFieldsOfTheItemsForm) {
  const ParseOptions options{.form_schema = R"({"type": "object", "properties": {
      "purpose": {"type": "string"},
      "premises": {"type": "object", "properties": {"district": {"type": "string"}}}}})"};
  auto ok = RuleSet::Parse(R"({"conditions": [{"id": "c", "label": "x", "expr": {"all": [
      {"exists": {"var": "form.purpose"}}, {"exists": {"var": "form.premises"}},
      {"==": [{"var": "form.premises.district"}, "龙华区"]}]}}]})",
                           options);
  EXPECT_TRUE(ok.has_value()) << ok.error().message;
  auto e = Errors(R"({"conditions": [{"id": "c", "label": "x", "expr": {"any": [
      {"exists": {"var": "form.purpose_note"}}, {"exists": {"var": "form.premises.street"}}]}}]})",
                  options);
  EXPECT_TRUE(Has(e, "conditions[0].expr.any[0].exists.var", "unknown_form_field")) << Dump(e);
  EXPECT_TRUE(Has(e, "conditions[0].expr.any[1].exists.var", "unknown_form_field")) << Dump(e);
}

TEST(RuleSetParseTest, DigestIgnoresKeyOrderAndSpacing) {
  auto a = RuleSet::Parse(R"({"conditions": [{"id": "c", "label": "x", "expr": {"==": [1, 1]}}]})");
  auto b = RuleSet::Parse("{\n  \"conditions\": [ {\"expr\": {\"==\": [1,1]}, \"label\": \"x\", \"id\": \"c\"} ]\n}");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->digest(), b->digest());
  EXPECT_NE(a->document(), b->document());  // each keeps its author's order
  auto c = RuleSet::Parse(R"({"conditions": [{"id": "c", "label": "y", "expr": {"==": [1, 1]}}]})");
  EXPECT_NE(a->digest(), c->digest());
}

TEST(MaskTest, MasksKeepOnlyWhatExplainsTheDecision) {
  EXPECT_EQ(MaskIdNumberForRecord("460100199001011230"), "******19900101****");
  EXPECT_EQ(MaskIdNumberForRecord("12345"), "*****");
  EXPECT_EQ(MaskIdNumberForRecord("张三"), "**");
  EXPECT_EQ(MaskKey("460100199001011230"), "4601**********1230");
  EXPECT_EQ(MaskKey("460100199001011230|张三"), "***");
  EXPECT_EQ(MaskKey("12345678"), "***");
  EXPECT_TRUE(IsSensitivePath("form.id_number"));
  EXPECT_TRUE(IsSensitivePath("form.legal_representative.id_number"));
  EXPECT_TRUE(IsSensitivePath("registry.x.holder_id_number"));
  EXPECT_FALSE(IsSensitivePath("form.id_number_type"));
}

TEST(RegistryTest, WithoutARegistryEveryDecisionGoesToAPerson) {
  UnavailableRegistry none;
  auto rules = RuleSet::Parse(R"({"lookups": [{"id": "crime", "source": "criminal_records", "key": "x"}],
      "conditions": [{"id": "c", "label": "无犯罪记录", "expr": {"not": {"found": "crime"}}}]})");
  ASSERT_TRUE(rules.has_value());
  Value record = Evaluate(VersionedRuleSet{"X", 1, *rules}, {}, none, testing::TestEpoch());
  EXPECT_EQ(record.Find("decision")->as_string(), "manual");
  EXPECT_EQ(record.Find("reason")->as_string(), "undecidable");
}

TEST(RegistryTest, DemoIdentityNumbersAreValid) {
  EXPECT_EQ(IdNumberCheckChar("46010019900101123"), '0');
  EXPECT_EQ(IdNumberCheckChar("46010019850615234"), '1');
  EXPECT_EQ(IdNumberCheckChar("11010519491231002"), 'X');  // the GB 11643 example
  EXPECT_EQ(IdNumberCheckChar("4601001990010112"), std::nullopt);
  EXPECT_EQ(DemoPersons()[0].id_number, "460100199001011230");
  EXPECT_EQ(DemoPersons()[1].id_number, "460100198506152341");
}

}  // namespace
}  // namespace wangban::rules
