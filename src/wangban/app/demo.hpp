// Demo data for `serve --demo` and `seed --demo`: staff of every role and sample applicants
// with published passwords. Never loaded otherwise.
#pragma once

#include "wangban/common/error.hpp"
#include "wangban/identity/service.hpp"

namespace wangban::app {

// The password of every demo account.
inline constexpr const char* kDemoPassword = "Wangban@2026";

// Creates the demo accounts that do not exist yet. Idempotent.
Result<void> LoadDemoData(identity::IdentityService& identity);

}  // namespace wangban::app
