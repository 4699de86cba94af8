#include "wangban/identity/policy.hpp"

#include <gtest/gtest.h>

namespace wangban::identity {
namespace {

Principal Person() { return Principal{.user_id = "p1", .kind = UserKind::kPerson, .name = "张三"}; }

Principal Staff(std::vector<Role> roles, std::string department = "HK-XZSP", std::string region = "460100") {
  return Principal{.user_id = "s1", .kind = UserKind::kStaff, .name = "王芳", .roles = std::move(roles),
                   .department = std::move(department), .region = std::move(region)};
}

TEST(PolicyTest, DenyByDefault) {
  const Principal admin = Staff({Role::kAdmin});
  auto r = Authorize(&admin, "no.such.action");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kForbidden);
}

TEST(PolicyTest, AnonymousAndAuthenticated) {
  EXPECT_TRUE(Authorize(nullptr, "identity.register").has_value());
  auto anon = Authorize(nullptr, "me.read");
  ASSERT_FALSE(anon.has_value());
  EXPECT_EQ(anon.error().code, ErrorCode::kUnauthenticated);
  const Principal p = Person();
  EXPECT_TRUE(Authorize(&p, "me.read").has_value());
}

TEST(PolicyTest, RolesGateStaffActions) {
  const Principal admin = Staff({Role::kAdmin});
  const Principal window = Staff({Role::kWindow});
  const Principal person = Person();
  EXPECT_TRUE(Authorize(&admin, "staff.create").has_value());
  EXPECT_EQ(Authorize(&window, "staff.create").error().code, ErrorCode::kForbidden);
  EXPECT_EQ(Authorize(&person, "staff.create").error().code, ErrorCode::kForbidden);
  EXPECT_EQ(Authorize(&window, "agent.grant").error().code, ErrorCode::kForbidden);
  EXPECT_TRUE(Authorize(&person, "agent.grant").has_value());
}

TEST(PolicyTest, AgentsCannotManageTheirPrincipalsAccount) {
  Principal agent = Person();
  agent.acting_for = ActingFor{"p2", UserKind::kCompany, "公司"};
  EXPECT_TRUE(Authorize(&agent, "me.read").has_value());
  auto pw = Authorize(&agent, "me.change_password");
  ASSERT_FALSE(pw.has_value());
  EXPECT_EQ(pw.error().reason, "agent_not_allowed");
  EXPECT_EQ(Authorize(&agent, "agent.grant").error().reason, "agent_not_allowed");
}

TEST(PolicyTest, OwnershipIsNotFoundNotForbidden) {
  Principal p = Person();
  EXPECT_TRUE(AuthorizeOwner(p, "p1").has_value());
  auto other = AuthorizeOwner(p, "p9");
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code, ErrorCode::kNotFound);
  p.acting_for = ActingFor{"p9", UserKind::kPerson, "李四"};
  EXPECT_TRUE(AuthorizeOwner(p, "p9").has_value());  // an agent sees the principal's resources
}

TEST(PolicyTest, DepartmentAndRegionScope) {
  const Principal window = Staff({Role::kWindow});
  EXPECT_TRUE(AuthorizeScope(window, "HK-XZSP", "460100").has_value());
  EXPECT_EQ(AuthorizeScope(window, "HK-SCJG", "460100").error().reason, "out_of_scope");
  EXPECT_EQ(AuthorizeScope(window, "HK-XZSP", "460200").error().reason, "out_of_scope");
  const Principal province_admin = Staff({Role::kAdmin}, "HN-ZWFW", "460000");
  EXPECT_TRUE(AuthorizeScope(province_admin, "HK-SCJG", "460105").has_value());
  EXPECT_EQ(AuthorizeScope(province_admin, "BJ", "110000").error().reason, "out_of_scope");
  EXPECT_EQ(AuthorizeScope(Person(), "HK-XZSP", "460100").error().code, ErrorCode::kForbidden);
}

TEST(PolicyTest, RegionCovers) {
  EXPECT_TRUE(RegionCovers("460000", "460100"));
  EXPECT_TRUE(RegionCovers("460000", "469001"));
  EXPECT_TRUE(RegionCovers("460100", "460105"));
  EXPECT_TRUE(RegionCovers("460105", "460105"));
  EXPECT_FALSE(RegionCovers("460100", "460200"));
  EXPECT_FALSE(RegionCovers("460105", "460100"));
  EXPECT_FALSE(RegionCovers("110000", "460100"));
  EXPECT_FALSE(RegionCovers("46", "460100"));
}

TEST(PolicyTest, EveryRuleHasSomeoneAllowed) {
  for (const Rule& r : PolicyRules()) {
    EXPECT_TRUE(r.anonymous || r.any_authenticated || r.applicants || !r.roles.empty()) << r.action;
  }
}

}  // namespace
}  // namespace wangban::identity
