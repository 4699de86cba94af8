// The policy table. Adding a route means adding its action here.
#include "wangban/identity/policy.hpp"

#include <algorithm>

namespace wangban::identity {

const std::vector<Rule>& PolicyRules() {
  static const std::vector<Rule> rules = {
      // Operations.
      {.action = "ops.health", .anonymous = true},
      {.action = "ops.ready", .anonymous = true},
      {.action = "ops.metrics", .anonymous = true},
      {.action = "ops.openapi", .anonymous = true},
      {.action = "ops.test_clock", .anonymous = true},  // only registered with --test-clock
      // Registration and sessions.
      {.action = "identity.register", .anonymous = true},
      {.action = "session.create", .anonymous = true},
      {.action = "session.delete", .any_authenticated = true},
      {.action = "me.read", .any_authenticated = true},
      {.action = "me.change_password", .any_authenticated = true, .agents_may_act = false},
      // Agents (代办): granted and revoked by the applicant themself, never through an agent.
      {.action = "agent.grant", .applicants = true, .agents_may_act = false},
      {.action = "agent.list", .applicants = true, .agents_may_act = false},
      {.action = "agent.revoke", .applicants = true, .agents_may_act = false},
      // Calendar and processes.
      {.action = "calendar.read", .anonymous = true},
      {.action = "calendar.load", .roles = {Role::kAdmin}},
      {.action = "process.read",
       .roles = {Role::kWindow, Role::kApprover, Role::kCatalogAdmin, Role::kSupervisor, Role::kAdmin}},
      {.action = "process.deploy", .roles = {Role::kAdmin}},
      // Catalog: the public guide, its administration by catalog staff of the item's region
      // (checked in the handler), and reading drafts, history and reports.
      {.action = "catalog.read", .anonymous = true, .identify = true},
      {.action = "catalog.manage", .roles = {Role::kCatalogAdmin, Role::kAdmin}},
      {.action = "catalog.review", .roles = {Role::kCatalogAdmin, Role::kAdmin, Role::kSupervisor}},
      // Cases: applicants (and their agents) open, edit, submit and withdraw their own; anyone
      // logged in reads the cases they may see (the service answers 404 otherwise); window
      // clerks and approvers work on their department's tasks.
      {.action = "case.create", .applicants = true},
      {.action = "case.edit", .applicants = true},
      {.action = "case.submit", .applicants = true},
      {.action = "case.withdraw", .applicants = true},
      {.action = "case.read", .any_authenticated = true},
      {.action = "task.work", .roles = {Role::kWindow, Role::kApprover}},
      // Files: anyone logged in uploads (applicants their materials, window staff scans); a
      // download is the owner's (staff read case materials through the case).
      {.action = "files.upload", .any_authenticated = true},
      {.action = "files.read", .any_authenticated = true},
      // 秒批 rules of an item: catalog staff keep them, reviewing staff read them.
      {.action = "rules.read",
       .roles = {Role::kCatalogAdmin, Role::kAdmin, Role::kSupervisor, Role::kApprover, Role::kWindow}},
      {.action = "rules.write", .roles = {Role::kCatalogAdmin, Role::kAdmin}},
      // The tamper-evident audit trail.
      {.action = "audit.verify", .roles = {Role::kSupervisor, Role::kAdmin}},
      // Staff administration.
      {.action = "staff.create", .roles = {Role::kAdmin}},
      {.action = "staff.list", .roles = {Role::kAdmin}},
  };
  return rules;
}

const Rule* FindRule(std::string_view action) {
  const auto& rules = PolicyRules();
  auto it = std::find_if(rules.begin(), rules.end(), [&](const Rule& r) { return r.action == action; });
  return it == rules.end() ? nullptr : &*it;
}

Result<void> Authorize(const Principal* principal, std::string_view action) {
  const Rule* rule = FindRule(action);
  if (rule == nullptr) return Fail(Error::Forbidden("no policy allows this action"));
  if (rule->anonymous) return {};
  if (principal == nullptr) return Fail(Error::Unauthenticated());
  if (rule->any_authenticated) {
    if (principal->acting_for && !rule->agents_may_act) {
      return Fail(Error{.code = ErrorCode::kForbidden, .message = "an agent cannot do this for the applicant",
                        .reason = "agent_not_allowed"});
    }
    return {};
  }
  if (principal->IsApplicant() && rule->applicants) {
    if (principal->acting_for && !rule->agents_may_act) {
      return Fail(Error{.code = ErrorCode::kForbidden, .message = "an agent cannot do this for the applicant",
                        .reason = "agent_not_allowed"});
    }
    return {};
  }
  if (principal->IsStaff()) {
    for (Role r : rule->roles) {
      if (principal->HasRole(r)) return {};
    }
  }
  return Fail(Error::Forbidden("your role does not allow this"));
}

Result<void> AuthorizeScope(const Principal& principal, std::string_view department, std::string_view region) {
  if (!principal.IsStaff()) return Fail(Error::Forbidden("staff only"));
  if (!RegionCovers(principal.region, region)) {
    return Fail(Error{.code = ErrorCode::kForbidden, .message = "outside your region", .reason = "out_of_scope"});
  }
  const bool region_wide = principal.HasRole(Role::kAdmin) || principal.HasRole(Role::kSupervisor);
  if (!region_wide && principal.department != department) {
    return Fail(Error{.code = ErrorCode::kForbidden, .message = "outside your department", .reason = "out_of_scope"});
  }
  return {};
}

Result<void> AuthorizeOwner(const Principal& principal, std::string_view owner_user_id) {
  if (principal.EffectiveApplicantId() == owner_user_id) return {};
  return Fail(Error::NotFound());
}

}  // namespace wangban::identity
