// Who is making a request: an applicant (person or company), possibly through an agent, or a
// staff member with roles in a department and region.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wangban::identity {

enum class UserKind { kPerson, kCompany, kStaff };

// "person", "company", "staff".
std::string_view UserKindName(UserKind kind);
std::optional<UserKind> ParseUserKind(std::string_view name);

// Staff roles (scoped to the staff member's department and region).
enum class Role { kWindow, kApprover, kCatalogAdmin, kSupervisor, kAdmin };

// "window", "approver", "catalog_admin", "supervisor", "admin".
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

// The applicant an agent acts for (代办), once the principal has granted it.
struct ActingFor {
  std::string user_id;
  UserKind kind = UserKind::kPerson;
  std::string name;
};

struct Principal {
  std::string user_id;
  UserKind kind = UserKind::kPerson;
  std::string name;
  std::vector<Role> roles;  // staff only
  std::string department;   // staff only
  std::string region;       // staff only: 6-digit administrative division code
  std::string session_id;
  std::optional<ActingFor> acting_for;

  bool IsStaff() const { return kind == UserKind::kStaff; }
  bool IsApplicant() const { return kind != UserKind::kStaff; }
  bool HasRole(Role role) const;
  // The applicant on whose behalf this request acts: the principal of an agent grant, or the
  // user themself.
  std::string_view EffectiveApplicantId() const {
    return acting_for ? std::string_view(acting_for->user_id) : std::string_view(user_id);
  }
};

// True if the region `scope` covers `region`: equal, or `scope` is a province ("46" + "0000")
// or city ("4601" + "00") that contains it. Codes are 6-digit GB/T 2260 division codes.
bool RegionCovers(std::string_view scope, std::string_view region);

// The code prefix the regions under a 6-digit division share: its code without trailing zero
// pairs (460000 -> "46", 460100 -> "4601", 460106 -> "460106").
std::string_view RegionPrefix(std::string_view code);

}  // namespace wangban::identity
