// The demo rule sets (data/rules) on the demo registries: each parses against its item's form,
// and decides the demo persons' cases as docs/rules.md says, with explanations and replays.
#include "wangban/rules/evaluate.hpp"

#include <gtest/gtest.h>

#include <map>

#include "tests/testing/fixtures.hpp"
#include "wangban/common/calendar.hpp"
#include "wangban/rules/internal/demo_data.hpp"

namespace wangban::rules {
namespace {

using workflow::Value;
using Object = Value::Object;

constexpr std::string_view kCriminalRecord = "002001001000460100HKGAJ";      // 无犯罪记录证明
constexpr std::string_view kGraduate = "002004001000460100HKRSJ";            // 应届毕业生接收落户
constexpr std::string_view kUnemployment = "000505002000460100HKSBZX";       // 失业保险金申领
constexpr std::string_view kSkillSubsidy = "000505006000460100HKSBZX";       // 职业技能提升补贴申领
constexpr std::string_view kBusiness = "000106002001460100HKSCJG";           // 个体工商户设立登记
constexpr std::string_view kBusinessLonghua = "000106002001460106HKLHSCJG";  // 个体工商户设立登记（龙华）
constexpr std::string_view kCarQuota = "461009008000460000HNXKCTK";          // 小汽车增量指标申请
constexpr std::string_view kLongevityLonghua = "460512010000460106HKLHMZJ";  // 高龄老人长寿补贴申领（龙华）
constexpr std::string_view kLongevityMeilan = "460512010000460108HKMLMZJ";  // 高龄老人长寿补贴申领（美兰）

const DemoPerson& Person(std::string_view name) {
  for (const auto& p : DemoPersons()) {
    if (p.name == name) return p;
  }
  std::abort();
}

Value Address(std::string_view district, std::string_view street, std::string_view detail) {
  return Value(Object{{"district", Value(district)}, {"street", Value(street)}, {"detail", Value(detail)}});
}

class DemoRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AddDemoRecords(registry_, ChinaDate(now_));
    for (const auto& [code, json] : internal::DemoRuleFiles()) {
      auto parsed = RuleSet::Parse(json);
      ASSERT_TRUE(parsed.has_value()) << code << ": " << parsed.error().message;
      rules_.emplace(code, VersionedRuleSet{code, 1, *parsed});
    }
  }

  // Decides a case of `code` with `form`; checks that replaying the record gives it back.
  Value Decide(std::string_view code, Object form) {
    auto it = rules_.find(std::string(code));
    EXPECT_NE(it, rules_.end()) << code;
    if (it == rules_.end()) return Value();
    const Value id = form.contains("id_number") ? form.at("id_number") : Value();
    const Object vars = {
        {"case", Value(Object{{"id", Value("c-1")}, {"item_code", Value(code)}, {"department", Value("HK-GAJ")}})},
        {"form", Value(std::move(form))},
        {"applicant", Value(Object{{"id", Value("u-1")}, {"kind", Value("person")}, {"id_number", id}})}};
    Value record = Evaluate(it->second, vars, registry_, now_);
    auto replayed = Replay(it->second, record);
    EXPECT_TRUE(replayed.has_value()) << (replayed ? "" : replayed.error().message);
    if (replayed) {
      EXPECT_EQ(*replayed, record) << "replay differs:\n" << *replayed << "\n" << record;
    }
    // No identity number leaves the evaluation whole.
    for (const auto& p : DemoPersons()) {
      EXPECT_EQ(record.ToString().find(p.id_number), std::string::npos) << record;
    }
    return record;
  }

  static std::string Decision(const Value& record) { return record.Find("decision")->as_string(); }
  static std::string Reason(const Value& record) { return record.Find("reason")->as_string(); }
  static const Value& Condition(const Value& record, std::string_view id) {
    for (const auto& c : record.Find("conditions")->as_list()) {
      if (c.Find("id")->as_string() == id) return c;
    }
    ADD_FAILURE() << "no condition " << id;
    static const Value none;
    return none;
  }
  static std::string Result(const Value& record, std::string_view id) {
    const Value* r = Condition(record, id).Find("result");
    if (r == nullptr) return "";
    return r->is_bool() ? (r->as_bool() ? "true" : "false") : r->as_string();
  }
  static std::string Lookup(const Value& record, std::string_view id) {
    for (const auto& l : record.Find("lookups")->as_list()) {
      if (l.Find("id")->as_string() == id) return l.Find("status")->as_string();
    }
    return "";
  }

  Object CriminalRecordForm(const DemoPerson& p, std::string_view purpose = "就业") {
    Object form{{"applicant_name", Value(p.name)},
                {"id_number", Value(p.id_number)},
                {"phone", Value("13800000001")},
                {"receiving_unit", Value("海口示例科技有限公司")}};
    if (!purpose.empty()) form.emplace("purpose", Value(purpose));
    return form;
  }

  Object GraduateForm(const DemoPerson& p, std::string_view certificate, std::string_view education) {
    return {{"applicant_name", Value(p.name)},
            {"id_number", Value(p.id_number)},
            {"phone", Value("13800000001")},
            {"birth_date", Value("1990-01-01")},
            {"graduation_date", Value("2025-07-01")},
            {"school", Value("海南大学")},
            {"education", Value(education)},
            {"major", Value("计算机科学与技术")},
            {"certificate_number", Value(certificate)},
            {"settle_address", Address("龙华区", "滨海街道", "滨海大道1号")}};
  }

  Object BusinessForm(const DemoPerson& p, std::string_view scope, std::string_view trade_name = "") {
    return {{"applicant_name", Value(p.name)},
            {"id_number", Value(p.id_number)},
            {"phone", Value("13800000001")},
            {"organization_form", Value("个人经营")},
            {"trade_name", Value(trade_name)},
            {"business_scope", Value(scope)},
            {"premises", Address("龙华区", "滨海街道", "滨海大道1号一楼")},
            {"capital", Value(5)},
            {"employees", Value(2)},
            {"delivery", Value("电子证照")}};
  }

  Timestamp now_ = testing::TestEpoch();
  FakeRegistry registry_;
  std::map<std::string, VersionedRuleSet, std::less<>> rules_;
};

TEST_F(DemoRulesTest, EveryAutoApprovalItemHasARuleSetThatFitsItsForm) {
  const auto items = internal::AutoApprovalItems();
  ASSERT_EQ(items.size(), 9u);
  const auto files = internal::DemoRuleFiles();
  ASSERT_EQ(files.size(), items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(files[i].first, items[i].code);
    auto parsed = RuleSet::Parse(files[i].second, {.form_schema = items[i].form_schema});
    ASSERT_TRUE(parsed.has_value()) << items[i].code << ": " << parsed.error().message << " "
                                    << (parsed.error().field_errors.empty() ? ""
                                                                            : parsed.error().field_errors[0].field);
    // One condition per plain-word rule of the catalog, in its order and under its words.
    const auto conditions = parsed->Conditions();
    ASSERT_EQ(conditions.size(), items[i].plain_rules.size()) << items[i].name;
    for (std::size_t c = 0; c < conditions.size(); ++c) {
      EXPECT_TRUE(conditions[c].label.starts_with(items[i].plain_rules[c])) << conditions[c].label;
    }
  }
}

TEST_F(DemoRulesTest, CriminalRecordCertificateApprovesAnAdultWithoutRecord) {
  Value r = Decide(kCriminalRecord, CriminalRecordForm(Person("张三")));
  EXPECT_EQ(Decision(r), "approve") << r;
  EXPECT_EQ(Reason(r), "all_conditions_true");
  EXPECT_EQ(r.Find("summary")->as_string(), "全部4项条件满足，秒批通过");
  EXPECT_EQ(r.Find("rule_set_version")->as_number(), 1);
  EXPECT_EQ(r.Find("item_code")->as_string(), kCriminalRecord);
  for (const char* id : {"age_16", "identity_verified", "no_criminal_record", "purpose_listed"}) {
    EXPECT_EQ(Result(r, id), "true") << id;
  }
  EXPECT_EQ(Condition(r, "age_16").Find("reason")->as_string(), "age(form.id_number) (36) >= 16");
  EXPECT_EQ(Condition(r, "no_criminal_record").Find("reason")->as_string(), "registry criminal has no record");
  EXPECT_EQ(Lookup(r, "identity"), "found");
  EXPECT_EQ(Lookup(r, "criminal"), "absent");
  const Value& inputs = *r.Find("inputs");
  EXPECT_EQ(inputs.Find("form.id_number")->as_string(), "******19900101****");
  EXPECT_EQ(inputs.Find("form.purpose")->as_string(), "就业");
  EXPECT_EQ(inputs.Find("registry.identity.face_verified")->as_bool(), true);
  EXPECT_EQ(inputs.Find("now")->as_string(), "2026-11-20");
}

TEST_F(DemoRulesTest, CriminalRecordCertificateFallsBackWhenTooYoung) {
  Value r = Decide(kCriminalRecord, CriminalRecordForm(Person("王小明")));
  EXPECT_EQ(Decision(r), "manual");
  EXPECT_EQ(Reason(r), "condition_false");
  EXPECT_EQ(Result(r, "age_16"), "false");
  EXPECT_EQ(Condition(r, "age_16").Find("reason")->as_string(), "age(form.id_number) (14) >= 16");
  EXPECT_EQ(r.Find("summary")->as_string(), "不满足：申请人年满16周岁。转人工审查");
  EXPECT_EQ(Result(r, "identity_verified"), "true");
}

TEST_F(DemoRulesTest, CriminalRecordCertificateFallsBackWhenTheRegistryDoesNotAnswer) {
  registry_.SetAvailable("criminal_records", false);
  Value r = Decide(kCriminalRecord, CriminalRecordForm(Person("张三")));
  EXPECT_EQ(Decision(r), "manual");
  EXPECT_EQ(Reason(r), "undecidable");
  EXPECT_EQ(Result(r, "no_criminal_record"), "unknown");
  EXPECT_EQ(Condition(r, "no_criminal_record").Find("reason")->as_string(), "registry criminal did not answer");
  EXPECT_EQ(Lookup(r, "criminal"), "unavailable");
  EXPECT_EQ(r.Find("summary")->as_string(), "无法自动核验：全国违法犯罪人员信息库中无申请人犯罪记录。转人工审查");
  EXPECT_EQ(Result(r, "age_16"), "true");

  // A criminal record is a definite "no" for the machine: a person decides.
  registry_.SetAvailable("criminal_records", true);
  registry_.Put("criminal_records", Person("张三").id_number, Value(Object{{"records", Value(1)}}));
  r = Decide(kCriminalRecord, CriminalRecordForm(Person("张三")));
  EXPECT_EQ(Reason(r), "condition_false");
  EXPECT_EQ(Result(r, "no_criminal_record"), "false");
}

TEST_F(DemoRulesTest, CriminalRecordCertificateOtherPurposesAndMissingFields) {
  Value r = Decide(kCriminalRecord, CriminalRecordForm(Person("张三"), "其他"));
  EXPECT_EQ(Reason(r), "condition_false");
  EXPECT_TRUE(Condition(r, "purpose_listed").Find("reason")->as_string().starts_with("form.purpose (\"其他\") in ["));
  r = Decide(kCriminalRecord, CriminalRecordForm(Person("张三"), ""));
  EXPECT_EQ(Reason(r), "undecidable");
  EXPECT_EQ(Condition(r, "purpose_listed").Find("reason")->as_string(), "form.purpose is missing");
  // A name that does not match the identity number.
  Object form = CriminalRecordForm(Person("张三"));
  form.insert_or_assign("applicant_name", Value("张三丰"));
  r = Decide(kCriminalRecord, form);
  EXPECT_EQ(Result(r, "identity_verified"), "false");
}

TEST_F(DemoRulesTest, GraduateSettlementApprovesARecentVerifiedGraduate) {
  Value r = Decide(kGraduate, GraduateForm(Person("张三"), "105891202506000123", "硕士研究生"));
  EXPECT_EQ(Decision(r), "approve") << r;
  EXPECT_EQ(Lookup(r, "education"), "found");
  EXPECT_EQ(Lookup(r, "settlement"), "absent");
  // Graduated 16 months before the evaluation date (the demo registry's record).
  EXPECT_EQ(r.Find("inputs")->Find("registry.education.graduation_date")->as_string(), "2025-07-20");
}

TEST_F(DemoRulesTest, GraduateSettlementFallsBackForAnOldGraduateOver40) {
  Value r = Decide(kGraduate, GraduateForm(Person("李四"), "104251200707001234", "本科"));
  EXPECT_EQ(Decision(r), "manual");
  EXPECT_EQ(Reason(r), "condition_false");
  EXPECT_EQ(Result(r, "age_at_most_40"), "false");
  EXPECT_EQ(Condition(r, "age_at_most_40").Find("reason")->as_string(), "age(form.id_number) (41) <= 40");
  EXPECT_EQ(Result(r, "graduated_within_2_years"), "false");
  EXPECT_EQ(Result(r, "education_verified"), "true");
  EXPECT_EQ(r.Find("summary")->as_string(), "不满足：毕业时间距申请日不超过2年；申请人年龄不超过40周岁。转人工审查");

  // The form's education must be the verified one.
  r = Decide(kGraduate, GraduateForm(Person("张三"), "105891202506000123", "博士研究生"));
  EXPECT_EQ(Result(r, "education_verified"), "false");
  // An unknown certificate: 学信网 has no record, a definite no.
  r = Decide(kGraduate, GraduateForm(Person("张三"), "999999999999", "硕士研究生"));
  EXPECT_EQ(Result(r, "education_verified"), "false");
  EXPECT_EQ(Result(r, "graduated_within_2_years"), "unknown");
  EXPECT_EQ(Reason(r), "condition_false");
}

TEST_F(DemoRulesTest, GraduateSettlementFallsBackWhenXuexinDoesNotAnswer) {
  registry_.SetAvailable("education", false);
  Value r = Decide(kGraduate, GraduateForm(Person("张三"), "105891202506000123", "硕士研究生"));
  EXPECT_EQ(Decision(r), "manual");
  EXPECT_EQ(Reason(r), "undecidable");
  EXPECT_EQ(Result(r, "graduated_within_2_years"), "unknown");
  EXPECT_EQ(Result(r, "education_verified"), "unknown");
  EXPECT_EQ(Result(r, "age_at_most_40"), "true");
  EXPECT_EQ(Result(r, "no_talent_settlement"), "true");
  EXPECT_EQ(Lookup(r, "education"), "unavailable");
}

TEST_F(DemoRulesTest, ReplayRunsOnTheRecordedInputs) {
  const auto& rules = rules_.at(std::string(kGraduate));
  Value r = Decide(kGraduate, GraduateForm(Person("张三"), "105891202506000123", "硕士研究生"));
  ASSERT_EQ(Decision(r), "approve");
  // The registry changes afterwards: the replay still gives the original decision.
  registry_.SetAvailable("education", false);
  registry_.Put("talent_settlement", Person("张三").id_number, Value(Object{{"settled_on", Value("2026-01-01")}}));
  auto replayed = Replay(rules, r);
  ASSERT_TRUE(replayed.has_value());
  EXPECT_EQ(Decision(*replayed), "approve");
  // Edited inputs give another decision: the replay reads nothing else.
  Object edited = r.as_object();
  Object inputs = r.Find("inputs")->as_object();
  inputs.insert_or_assign("registry.education.graduation_date", Value("2020-07-01"));
  edited.insert_or_assign("inputs", Value(std::move(inputs)));
  replayed = Replay(rules, Value(std::move(edited)));
  ASSERT_TRUE(replayed.has_value());
  EXPECT_EQ(Decision(*replayed), "manual");
  EXPECT_EQ(Result(*replayed, "graduated_within_2_years"), "false");
}

TEST_F(DemoRulesTest, TheOtherDemoItemsDecideAsDocumented) {
  const auto& zhang = Person("张三");
  const auto& li = Person("李四");
  const auto& xiuying = Person("王秀英");

  Object unemployed{{"applicant_name", Value(li.name)},
                    {"id_number", Value(li.id_number)},
                    {"phone", Value("13800000002")},
                    {"last_employer", Value("海口某贸易有限公司")},
                    {"separation_date", Value("2026-10-11")},
                    {"separation_reason", Value("劳动合同期满终止")},
                    {"bank_card", Value("6217000000000000001")},
                    {"job_seeking", Value(true)}};
  EXPECT_EQ(Decision(Decide(kUnemployment, unemployed)), "approve");
  unemployed.insert_or_assign("job_seeking", Value(false));
  EXPECT_EQ(Reason(Decide(kUnemployment, unemployed)), "condition_false");
  unemployed.insert_or_assign("id_number", Value(zhang.id_number));
  unemployed.insert_or_assign("job_seeking", Value(true));
  Value employed = Decide(kUnemployment, unemployed);
  EXPECT_EQ(Reason(employed), "condition_false");
  EXPECT_EQ(Result(employed, "registered_unemployed"), "false");
  EXPECT_EQ(Result(employed, "no_pension_not_insured"), "false");

  Object skill{{"applicant_name", Value(zhang.name)},
               {"id_number", Value(zhang.id_number)},
               {"phone", Value("13800000001")},
               {"certificate_number", Value("S460100202600123")},
               {"certificate_level", Value("中级（四级）")},
               {"issue_date", Value("2026-06-20")},
               {"bank_card", Value("6217000000000000002")}};
  EXPECT_EQ(Decision(Decide(kSkillSubsidy, skill)), "approve");
  skill.insert_or_assign("certificate_level", Value("初级（五级）"));
  Value claimed = Decide(kSkillSubsidy, skill);
  EXPECT_EQ(Result(claimed, "certificate_verified"), "false");
  EXPECT_EQ(Result(claimed, "not_subsidized_before"), "false");  // 电工|初级（五级） was paid before

  for (auto code : {kBusiness, kBusinessLonghua}) {
    EXPECT_EQ(Decision(Decide(code, BusinessForm(zhang, "日用百货销售；文具用品零售"))), "approve") << code;
    EXPECT_EQ(Decision(Decide(code, BusinessForm(zhang, "日用百货销售", "海口市龙华区张三百货店"))), "approve");
    Value listed = Decide(code, BusinessForm(li, "日用百货销售"));
    EXPECT_EQ(Result(listed, "not_restricted"), "false");  // 李四 is a 失信被执行人
    EXPECT_EQ(Result(Decide(code, BusinessForm(zhang, "烟草制品零售")), "scope_standard"), "false");
    EXPECT_EQ(Result(Decide(code, BusinessForm(zhang, "量子纠缠服务")), "scope_standard"), "false");
    EXPECT_EQ(Result(Decide(code, BusinessForm(zhang, "日用百货销售", "中国百货")), "trade_name_ok"), "false");
  }

  Object car{{"applicant_name", Value(zhang.name)},
             {"id_number", Value(zhang.id_number)},
             {"phone", Value("13800000001")},
             {"hukou_type", Value("本省户籍")},
             {"quota_type", Value("新能源小客车指标（排号）")},
             {"driving_license_number", Value("460100000001")}};
  EXPECT_EQ(Decision(Decide(kCarQuota, car)), "approve");
  registry_.Put("car_quota", zhang.id_number, Value(Object{{"code", Value("Q2026000123")}}));
  EXPECT_EQ(Result(Decide(kCarQuota, car), "no_active_application"), "false");
  car.insert_or_assign("id_number", Value(li.id_number));
  Value no_licence = Decide(kCarQuota, car);
  EXPECT_EQ(Result(no_licence, "driving_license_valid"), "false");

  Object longevity{{"applicant_name", Value(xiuying.name)},
                   {"id_number", Value(xiuying.id_number)},
                   {"phone", Value("13800000003")},
                   {"birth_date", Value("1941-03-08")},
                   {"bank_card", Value("6217000000000000003")},
                   {"agent_name", Value("")},
                   {"address", Address("龙华区", "中山街道", "解放西路3号")}};
  EXPECT_EQ(Decision(Decide(kLongevityLonghua, longevity)), "approve");
  Value meilan = Decide(kLongevityMeilan, longevity);
  EXPECT_EQ(Reason(meilan), "condition_false");
  EXPECT_EQ(Result(meilan, "hukou_in_district"), "false");
  longevity.insert_or_assign("id_number", Value(zhang.id_number));
  EXPECT_EQ(Result(Decide(kLongevityLonghua, longevity), "age_80"), "false");
}

}  // namespace
}  // namespace wangban::rules
