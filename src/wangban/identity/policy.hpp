// The one authorization policy of wangban: role x action x resource scope x ownership, deny by
// default. Every route names an action; an action with no rule here is denied to everyone.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "wangban/common/error.hpp"
#include "wangban/identity/principal.hpp"

namespace wangban::identity {

// Who may perform an action at all.
struct Rule {
  std::string_view action;
  bool anonymous = false;         // no login needed (the principal may be null)
  bool identify = false;          // anonymous routes: the caller's valid credentials, when sent, give
                                  // the handler a principal (it may show more); bad ones count as none
  bool any_authenticated = false; // any logged-in user
  bool applicants = false;        // persons and companies (and agents acting for them)
  bool agents_may_act = true;     // applicants: allowed while acting for a principal
  std::vector<Role> roles;        // staff with any of these roles
};

// The whole table (for documentation and tests).
const std::vector<Rule>& PolicyRules();

// The rule for `action`, or null.
const Rule* FindRule(std::string_view action);

// Ok if `principal` (null = anonymous) may perform `action`.
// Errors: kUnauthenticated when a login is required and there is none; kForbidden when the
// principal lacks the role (or the action is unknown: deny by default).
Result<void> Authorize(const Principal* principal, std::string_view action);

// The resource a staff member acts on must lie within their department and region.
// kForbidden otherwise. Admins and supervisors are scoped by region only.
Result<void> AuthorizeScope(const Principal& principal, std::string_view department, std::string_view region);

// An applicant may see only their own resources (or those of the applicant they act for);
// anything else is "not found", never "forbidden", so existence does not leak.
Result<void> AuthorizeOwner(const Principal& principal, std::string_view owner_user_id);

}  // namespace wangban::identity
