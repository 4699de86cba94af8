// Demo data for `serve --demo` and `seed --demo`: the demo catalog (data/catalog, embedded),
// the shipped processes (data/processes), staff of every role and sample applicants with
// published passwords. Never loaded otherwise.
#pragma once

#include "wangban/cases/service.hpp"
#include "wangban/catalog/store.hpp"
#include "wangban/common/error.hpp"
#include "wangban/identity/service.hpp"
#include "wangban/rules/store.hpp"
#include "wangban/workflow/engine.hpp"

namespace wangban::app {

// The password of every demo account.
inline constexpr const char* kDemoPassword = "Wangban@2026";

// Creates the demo accounts that do not exist yet. Idempotent.
Result<void> LoadDemoData(identity::IdentityService& identity);

// Loads the demo catalog (regions, departments, items published in the batch "演示目录"),
// deploys the shipped processes whose service handlers `engine` knows (the others are skipped
// with a warning until their modules register them), and makes HK-XZSP (海口市行政审批服务局)
// the one-stop window of 海口市. Idempotent.
Result<void> LoadDemoCatalog(catalog::CatalogStore& catalog, workflow::Engine& engine, cases::CaseService& cases);

// Stores the demo 秒批 rules (data/rules, embedded) for the auto-approval items. Idempotent.
Result<void> LoadDemoRules(rules::RuleStore& store);

}  // namespace wangban::app
