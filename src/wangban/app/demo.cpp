#include "wangban/app/demo.hpp"

#include "wangban/catalog/bundle.hpp"
#include "wangban/common/log.hpp"
#include "wangban/identity/id_number.hpp"
#include "wangban/identity/uscc.hpp"

namespace wangban::app {

// Generated at build time (src/wangban/CMakeLists.txt).
extern const std::string_view kDemoCatalogBundle;
extern const std::string_view kDemoProcess_standard_approval;
extern const std::string_view kDemoProcess_parallel_joint_review;
extern const std::string_view kDemoProcess_auto_approval;
extern const std::string_view kDemoProcess_supplement_loop;
std::vector<std::pair<std::string, std::string>> DemoRuleFiles();

namespace {

// An ID number with a correct check character, from 17 digits.
std::string IdNumber(std::string first17) {
  return first17 + identity::IdNumberCheckChar(first17).value_or('0');
}

std::string Uscc(std::string first17) { return first17 + identity::UsccCheckChar(first17).value_or('0'); }

// Creating an account that exists reports "already_registered"; that is success here.
Result<void> Tolerate(const Result<identity::UserSummary>& r) {
  if (r || r.error().reason == "already_registered") return {};
  return std::unexpected(r.error());
}

}  // namespace

Result<void> LoadDemoData(identity::IdentityService& id) {
  struct Staff {
    const char* account;
    const char* name;
    const char* department;
    const char* region;
    std::vector<std::string> roles;
  };
  const std::vector<Staff> staff = {
      {"admin", "系统管理员", "HN-ZWFW", "460000", {"admin", "supervisor"}},
      {"window", "综合窗口 王芳", "HK-XZSP", "460100", {"window"}},
      {"approver", "审批员 李强", "HK-SCJG", "460100", {"approver"}},
      {"approver2", "审批员 陈静", "HK-ZJJ", "460100", {"approver"}},
      {"catalog", "事项管理员 赵敏", "HN-ZWFW", "460000", {"catalog_admin"}},
      {"supervisor", "电子监察 周伟", "HN-SGB", "460000", {"supervisor"}},
  };
  for (const auto& s : staff) {
    if (auto r = Tolerate(id.CreateStaff(nullptr, {s.account, s.name, kDemoPassword, s.department, s.region, s.roles}));
        !r) {
      return r;
    }
  }
  if (auto r = Tolerate(id.RegisterPerson({"张三", IdNumber("46010019900101123"), "13800000001", kDemoPassword})); !r) {
    return r;
  }
  if (auto r = Tolerate(id.RegisterPerson({"李四", IdNumber("46010019850615234"), "13800000002", kDemoPassword})); !r) {
    return r;
  }
  if (auto r = Tolerate(id.RegisterCompany({"海口示例科技有限公司", Uscc("91460100MA5T00001"), "张三",
                                            IdNumber("46010019900101123"), "13800000003", kDemoPassword}));
      !r) {
    return r;
  }
  log::Info("demo_data", {{"accounts", static_cast<int>(staff.size()) + 3}});
  return {};
}

Result<void> LoadDemoCatalog(catalog::CatalogStore& catalog, workflow::Engine& engine, cases::CaseService& cases) {
  for (std::string_view bpmn : {kDemoProcess_standard_approval, kDemoProcess_parallel_joint_review,
                                kDemoProcess_auto_approval, kDemoProcess_supplement_loop}) {
    auto deployed = engine.Deploy(bpmn, "demo");
    if (!deployed) {
      log::Warn("demo_process_skipped", {{"error", deployed.error().message},
                                         {"detail", deployed.error().field_errors.empty()
                                                        ? std::string()
                                                        : deployed.error().field_errors[0].message}});
    }
  }
  auto bundle = catalog::ParseCatalogBundle(kDemoCatalogBundle);
  if (!bundle) return std::unexpected(bundle.error());
  auto loaded = catalog::LoadCatalogBundle(catalog, *bundle, "demo", "演示目录");
  if (!loaded) return std::unexpected(loaded.error());
  if (auto r = cases.SetWindowDepartment("460100", "HK-XZSP"); !r) return r;
  log::Info("demo_catalog", {{"items", static_cast<std::int64_t>(bundle->items.size())},
                             {"published", static_cast<std::int64_t>(loaded->published)},
                             {"departments", static_cast<std::int64_t>(bundle->departments.size())}});
  return {};
}

Result<void> LoadDemoRules(rules::RuleStore& store) {
  auto loaded = rules::LoadRuleFiles(store, DemoRuleFiles());
  if (!loaded) return std::unexpected(loaded.error());
  return {};
}

}  // namespace wangban::app
