#include "wangban/identity/principal.hpp"

#include <algorithm>

namespace wangban::identity {

std::string_view UserKindName(UserKind kind) {
  switch (kind) {
    case UserKind::kPerson: return "person";
    case UserKind::kCompany: return "company";
    case UserKind::kStaff: return "staff";
  }
  return "person";
}

std::optional<UserKind> ParseUserKind(std::string_view name) {
  if (name == "person") return UserKind::kPerson;
  if (name == "company") return UserKind::kCompany;
  if (name == "staff") return UserKind::kStaff;
  return std::nullopt;
}

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kWindow: return "window";
    case Role::kApprover: return "approver";
    case Role::kCatalogAdmin: return "catalog_admin";
    case Role::kSupervisor: return "supervisor";
    case Role::kAdmin: return "admin";
  }
  return "window";
}

std::optional<Role> ParseRole(std::string_view name) {
  if (name == "window") return Role::kWindow;
  if (name == "approver") return Role::kApprover;
  if (name == "catalog_admin") return Role::kCatalogAdmin;
  if (name == "supervisor") return Role::kSupervisor;
  if (name == "admin") return Role::kAdmin;
  return std::nullopt;
}

bool Principal::HasRole(Role role) const { return std::find(roles.begin(), roles.end(), role) != roles.end(); }

std::string_view RegionPrefix(std::string_view code) {
  while (code.size() > 2 && code.ends_with("00")) code.remove_suffix(2);
  return code;
}

bool RegionCovers(std::string_view scope, std::string_view region) {
  if (scope.size() != 6 || region.size() != 6) return false;
  return region.starts_with(RegionPrefix(scope));
}

}  // namespace wangban::identity
