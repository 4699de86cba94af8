// The fake registry and the demo persons' records.
#include "wangban/rules/registry.hpp"

#include <algorithm>
#include <array>

#include "wangban/common/calendar.hpp"

namespace wangban::rules {
namespace {

using workflow::Value;
using Object = Value::Object;
using std::chrono::year_month_day;

std::string Iso(year_month_day d) { return FormatIsoDate(d); }

year_month_day AddMonths(year_month_day d, int months) {
  auto ym = std::chrono::year_month(d.year(), d.month()) + std::chrono::months(months);
  const auto last = std::chrono::year_month_day_last(ym.year(), std::chrono::month_day_last(ym.month())).day();
  return {ym.year(), ym.month(), std::min(d.day(), last)};
}

year_month_day AddDays(year_month_day d, int days) {
  return year_month_day{std::chrono::sys_days(d) + std::chrono::days(days)};
}

std::string WithCheck(std::string_view first17) { return std::string(first17) + *IdNumberCheckChar(first17); }

// The standard business-scope wording (经营范围规范表述) the demo knows, and the entries among
// them that need a permit before registration (前置许可).
constexpr std::array<std::string_view, 16> kStandardScopes = {"日用百货销售",   "服装服饰零售",
                                                              "文具用品零售",   "五金产品零售",
                                                              "家用电器销售",   "食品销售（仅销售预包装食品）",
                                                              "餐饮服务",       "小餐饮",
                                                              "农副产品销售",   "信息技术咨询服务",
                                                              "美发服务",       "洗车服务",
                                                              "摄影扩印服务",   "烟草制品零售",
                                                              "危险化学品经营", "互联网销售（除销售需要许可的商品）"};
constexpr std::array<std::string_view, 2> kPriorPermitScopes = {"烟草制品零售", "危险化学品经营"};

struct District {
  std::string_view name;
  std::array<std::string_view, 11> streets;
};
constexpr std::array<District, 4> kDistricts = {{
    {"秀英区", {"秀英街道", "海秀街道", "长流镇", "西秀镇", "海秀镇", "石山镇", "永兴镇", "东山镇"}},
    {"龙华区",
     {"中山街道", "滨海街道", "金贸街道", "大同街道", "海垦街道", "金宇街道", "城西镇", "龙桥镇", "新坡镇", "遵谭镇",
      "龙泉镇"}},
    {"琼山区",
     {"国兴街道", "府城街道", "滨江街道", "凤翔街道", "龙塘镇", "云龙镇", "红旗镇", "三门坡镇", "大坡镇", "甲子镇",
      "旧州镇"}},
    {"美兰区",
     {"人民路街道", "博爱街道", "海府路街道", "蓝天街道", "白龙街道", "和平南街道", "白沙街道", "新埠街道", "海甸街道",
      "演丰镇", "三江镇"}},
}};

// Names the demo name-check refuses: reserved words, and one name already registered.
constexpr std::array<std::string_view, 6> kRefusedNameParts = {"中国", "中华", "国家",
                                                               "全国", "国际", "海口市龙华区示例便利店"};

std::vector<std::string_view> SplitAny(std::string_view s, std::initializer_list<std::string_view> seps) {
  std::vector<std::string_view> out;
  while (true) {
    std::size_t best = std::string_view::npos, len = 0;
    for (auto sep : seps) {
      const auto p = s.find(sep);
      if (p < best) best = p, len = sep.size();
    }
    out.push_back(s.substr(0, best));
    if (best == std::string_view::npos) break;
    s.remove_prefix(best + len);
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<Value> ResolveBusinessScope(std::string_view key) {
  bool standard = true, prior_permit = false;
  int entries = 0;
  for (auto part : SplitAny(key, {"；", ";", "，", ",", "、"})) {
    part = Trim(part);
    if (part.empty()) continue;
    ++entries;
    if (std::find(kStandardScopes.begin(), kStandardScopes.end(), part) == kStandardScopes.end()) standard = false;
    if (std::find(kPriorPermitScopes.begin(), kPriorPermitScopes.end(), part) != kPriorPermitScopes.end()) {
      prior_permit = true;
    }
  }
  if (entries == 0) return std::nullopt;
  return Value(Object{{"standard", standard}, {"prior_permit", prior_permit}, {"entries", entries}});
}

// Key: "<district>|<street>|<detail>". A street matches when it is a known street of the
// district or the start of one ("滨海" for 滨海街道).
std::optional<Value> ResolveAddress(std::string_view key) {
  const auto parts = SplitAny(key, {"|"});
  if (parts.size() != 3) return std::nullopt;
  bool valid = false;
  for (const auto& d : kDistricts) {
    if (d.name != parts[0]) continue;
    for (auto street : d.streets) {
      if (!street.empty() && parts[1].size() >= 6 && street.starts_with(parts[1])) valid = true;
    }
  }
  if (Trim(parts[2]).size() < 4) valid = false;
  return Value(Object{{"valid", valid}});
}

std::optional<Value> ResolveTradeName(std::string_view key) {
  bool passed = key.size() >= 6;  // two characters at least
  for (auto refused : kRefusedNameParts) {
    if (key.find(refused) != std::string_view::npos) passed = false;
  }
  return Value(Object{{"passed", passed}});
}

}  // namespace

std::optional<char> IdNumberCheckChar(std::string_view first17) {
  if (first17.size() != 17 ||
      !std::all_of(first17.begin(), first17.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kChecks[] = "10X98765432";
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return kChecks[sum % 11];
}

Result<std::optional<Value>> UnavailableRegistry::Lookup(std::string_view source, std::string_view) {
  return Fail(Error::Unavailable("no registry is configured for " + std::string(source), "registry_unavailable"));
}

CachingRegistry::CachingRegistry(Registry& inner, const Clock& clock, std::chrono::seconds ttl, std::size_t max_entries)
    : inner_(inner), clock_(clock), ttl_(ttl), max_entries_(std::max<std::size_t>(1, max_entries)) {}

Result<std::optional<Value>> CachingRegistry::Lookup(std::string_view source, std::string_view key) {
  std::string id;
  id.reserve(source.size() + 1 + key.size());
  id.append(source).push_back('\x1f');
  id.append(key);
  {
    std::lock_guard lock(mutex_);
    if (auto it = answers_.find(id); it != answers_.end()) {
      if (clock_.Now() - it->second.at < ttl_) return it->second.value;
      answers_.erase(it);
    }
  }
  // Asked without the lock: lookups of other keys go on meanwhile.
  auto answer = inner_.Lookup(source, key);
  const Timestamp now = clock_.Now();
  std::lock_guard lock(mutex_);
  if (answers_.size() >= max_entries_) {
    std::erase_if(answers_, [&](const auto& entry) { return now - entry.second.at >= ttl_; });
    if (answers_.size() >= max_entries_) answers_.clear();
  }
  answers_.insert_or_assign(std::move(id), Answer{answer, now});
  return answer;
}

std::size_t CachingRegistry::size() const {
  std::lock_guard lock(mutex_);
  return answers_.size();
}

void FakeRegistry::Put(std::string source, std::string key, Value record) {
  std::lock_guard lock(mutex_);
  records_[std::move(source)].insert_or_assign(std::move(key), std::move(record));
}

void FakeRegistry::Remove(std::string_view source, std::string_view key) {
  std::lock_guard lock(mutex_);
  if (auto it = records_.find(source); it != records_.end()) {
    if (auto r = it->second.find(key); r != it->second.end()) it->second.erase(r);
  }
}

void FakeRegistry::SetResolver(std::string source, Resolver resolver) {
  std::lock_guard lock(mutex_);
  resolvers_.insert_or_assign(std::move(source), std::move(resolver));
}

void FakeRegistry::SetAvailable(std::string_view source, bool available) {
  std::lock_guard lock(mutex_);
  if (available) {
    if (auto it = unavailable_.find(source); it != unavailable_.end()) unavailable_.erase(it);
  } else {
    unavailable_.emplace(source);
  }
}

std::int64_t FakeRegistry::lookups() const {
  std::lock_guard lock(mutex_);
  return lookups_;
}

Result<std::optional<Value>> FakeRegistry::Lookup(std::string_view source, std::string_view key) {
  Resolver resolver;
  {
    std::lock_guard lock(mutex_);
    ++lookups_;
    if (unavailable_.contains(source)) {
      return Fail(
          Error::Unavailable("the registry " + std::string(source) + " did not answer", "registry_unavailable"));
    }
    if (auto it = records_.find(source); it != records_.end()) {
      if (auto r = it->second.find(key); r != it->second.end()) return std::optional<Value>(r->second);
    }
    if (auto it = resolvers_.find(source); it != resolvers_.end()) resolver = it->second;
  }
  if (resolver) return resolver(key);  // outside the lock: a resolver may look up other sources
  return std::optional<Value>();
}

const std::vector<DemoPerson>& DemoPersons() {
  static const std::vector<DemoPerson> persons = {
      {"张三", WithCheck("46010019900101123"),
       "born 1990-01-01, 户籍 龙华区, employed and insured, 硕士 graduated 16 months ago, a skill certificate "
       "issued 5 months ago, a driving licence and no car: approved by every person-facing 秒批 item except "
       "失业保险金 (employed) and 高龄补贴 (age)"},
      {"李四", WithCheck("46010019850615234"),
       "born 1985-06-15, 户籍 美兰区, unemployed after a contract that ended, registered as unemployed, listed as a "
       "失信被执行人: approved for 失业保险金; too old for graduate settlement; 个体工商户 goes to a person"},
      {"王小明", WithCheck("46010020120305211"), "born 2012-03-05: too young for 无犯罪记录证明"},
      {"王秀英", WithCheck("46010619410308202"),
       "born 1941-03-08, 户籍 龙华区: approved for 高龄老人长寿补贴 in 龙华区, not in 美兰区"},
  };
  return persons;
}

void AddDemoRecords(FakeRegistry& registry, year_month_day today) {
  const auto& persons = DemoPersons();
  const std::string zhang = persons[0].id_number, li = persons[1].id_number, xiaoming = persons[2].id_number,
                    xiuying = persons[3].id_number;

  auto population = [&](const std::string& id, std::string name, std::string sex, std::string birth, std::string region,
                        std::string district, std::string address) {
    registry.Put("population", id,
                 Value(Object{{"name", std::move(name)},
                              {"sex", std::move(sex)},
                              {"birth_date", std::move(birth)},
                              {"nationality", "中国"},
                              {"hukou_region", std::move(region)},
                              {"hukou_district", std::move(district)},
                              {"hukou_address", std::move(address)},
                              {"status", "正常"}}));
  };
  population(zhang, "张三", "男", "1990-01-01", "460106002001", "龙华区",
             "海口市龙华区滨海街道滨海新村社区滨海大道1号");
  population(li, "李四", "女", "1985-06-15", "460108009001", "美兰区", "海口市美兰区海甸街道海甸社区和平大道8号");
  population(xiaoming, "王小明", "男", "2012-03-05", "460106001001", "龙华区",
             "海口市龙华区中山街道中山社区解放西路3号");
  population(xiuying, "王秀英", "女", "1941-03-08", "460106001001", "龙华区",
             "海口市龙华区中山街道中山社区解放西路3号");

  // 二要素核验 and 人像比对: key "<id number>|<name>".
  registry.SetResolver("identity_verification", [&registry](std::string_view key) -> std::optional<Value> {
    const auto bar = key.find('|');
    if (bar == std::string_view::npos) return std::nullopt;
    auto person = registry.Lookup("population", key.substr(0, bar));
    if (!person || !*person) return std::nullopt;
    const Value* name = (*person)->Find("name");
    const bool matches = name && name->is_string() && name->as_string() == key.substr(bar + 1);
    return Value(Object{{"name_matches", matches}, {"face_verified", matches}});
  });

  // 学信网: key "<certificate number>|<id number>".
  registry.Put("education", "105891202506000123|" + zhang,
               Value(Object{{"verified", true},
                            {"level", "硕士研究生"},
                            {"school", "海南大学"},
                            {"major", "计算机科学与技术"},
                            {"graduation_date", Iso(AddMonths(today, -16))}}));
  registry.Put("education", "104251200707001234|" + li,
               Value(Object{{"verified", true},
                            {"level", "本科"},
                            {"school", "华南师范大学"},
                            {"major", "汉语言文学"},
                            {"graduation_date", "2007-07-01"}}));

  // 社会保险: months of unemployment-insurance contributions, current status, pension.
  registry.Put("social_insurance", zhang,
               Value(Object{{"status", "在职参保"},
                            {"unemployment_months", 60},
                            {"hainan_continuous_months", 60},
                            {"pension_receiving", false}}));
  registry.Put("social_insurance", li,
               Value(Object{{"status", "中断"},
                            {"unemployment_months", 96},
                            {"hainan_continuous_months", 0},
                            {"pension_receiving", false}}));
  registry.Put("social_insurance", xiuying,
               Value(Object{{"status", "退休"},
                            {"unemployment_months", 0},
                            {"hainan_continuous_months", 0},
                            {"pension_receiving", true}}));

  // 就业登记: the employer's report of the end of employment.
  registry.Put("employment", zhang,
               Value(Object{{"employed", true}, {"employer", "海口示例科技有限公司"}, {"separation_reported", false}}));
  registry.Put("employment", li,
               Value(Object{{"employed", false},
                            {"employer", "海口某贸易有限公司"},
                            {"separation_reported", true},
                            {"separation_reason", "劳动合同期满终止"},
                            {"separation_involuntary", true},
                            {"separation_date", Iso(AddDays(today, -40))}}));
  registry.Put("unemployment_registration", li,
               Value(Object{{"status", "有效"}, {"registered_on", Iso(AddDays(today, -30))}}));

  // 职业技能等级证书: key "<certificate number>|<id number>"; subsidies already paid.
  registry.Put("skill_certificate", "S460100202600123|" + zhang,
               Value(Object{{"verified", true},
                            {"occupation", "电工"},
                            {"level", "中级（四级）"},
                            {"issue_date", Iso(AddMonths(today, -5))}}));
  registry.Put("skill_subsidy", zhang,
               Value(Object{{"times_this_year", 1}, {"claimed", Value(Value::List{Value("电工|初级（五级）")})}}));

  // 驾驶证, 机动车, 个人所得税.
  registry.Put("driver_license", zhang,
               Value(Object{{"status", "正常"}, {"class", "C1"}, {"valid_until", Iso(AddMonths(today, 70))}}));
  registry.Put("vehicles", zhang, Value(Object{{"hainan_passenger_cars", 0}}));
  registry.Put("tax", zhang, Value(Object{{"hainan_continuous_months", 60}}));

  // 失信被执行人名单: 李四 is listed.
  registry.Put(
      "credit", li,
      Value(Object{{"listed", true}, {"court", "海口市美兰区人民法院"}, {"listed_on", Iso(AddMonths(today, -8))}}));

  // 社会保障卡 accounts.
  for (const auto& id : {zhang, li, xiuying}) {
    registry.Put("social_security_card", id, Value(Object{{"account_status", "正常"}}));
  }

  registry.SetResolver("business_scope", ResolveBusinessScope);
  registry.SetResolver("address", ResolveAddress);
  registry.SetResolver("trade_name", ResolveTradeName);
}

}  // namespace wangban::rules
