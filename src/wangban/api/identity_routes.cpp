// Identity routes: registration, sessions, /me, password change, staff, agents (代办).
#include <nlohmann/json.hpp>

#include "wangban/api/fields.hpp"
#include "wangban/api/guard.hpp"
#include "wangban/api/idempotency.hpp"
#include "wangban/api/paging.hpp"
#include "wangban/api/routes.hpp"
#include "wangban/http/json.hpp"
#include "wangban/identity/service.hpp"

namespace wangban::api {
namespace {

using identity::Principal;
using nlohmann::json;

json RolesJson(const Principal& p) {
  json roles = json::array();
  for (auto r : p.roles) roles.push_back(identity::RoleName(r));
  return roles;
}

json PrincipalJson(const Principal& p) {
  json j = {{"id", p.user_id},
            {"kind", identity::UserKindName(p.kind)},
            {"name", p.name},
            {"roles", RolesJson(p)},
            {"department", p.IsStaff() ? json(p.department) : json(nullptr)}};
  if (p.IsStaff()) j["region"] = p.region;
  if (p.acting_for) {
    j["acting_for"] = {{"id", p.acting_for->user_id},
                       {"kind", identity::UserKindName(p.acting_for->kind)},
                       {"name", p.acting_for->name}};
  }
  return j;
}

json ProfileJson(const identity::Profile& profile) {
  json j = PrincipalJson(profile.principal);
  const auto kind = profile.principal.kind;
  if (kind == identity::UserKind::kPerson) {
    j["id_number"] = profile.masked_id_number;
    j["phone"] = profile.masked_phone;
  } else if (kind == identity::UserKind::kCompany) {
    j["uscc"] = profile.uscc;
    j["legal_representative"] = {{"name", profile.legal_rep_name}, {"id_number", profile.masked_id_number}};
    j["phone"] = profile.masked_phone;
  } else {
    j["account"] = profile.staff_account;
  }
  j["real_name_verified"] = profile.real_name_verified_at.has_value();
  return j;
}

json GrantJson(const identity::AgentGrant& g) {
  json j = {{"id", g.id},
            {"principal", {{"id", g.principal.id}, {"kind", identity::UserKindName(g.principal.kind)}, {"name", g.principal.name}}},
            {"agent", {{"id", g.agent.id}, {"kind", identity::UserKindName(g.agent.kind)}, {"name", g.agent.name}}},
            {"created_at", FormatRfc3339(g.created_at)},
            {"active", !g.revoked_at.has_value()}};
  j["revoked_at"] = g.revoked_at ? json(FormatRfc3339(*g.revoked_at)) : json(nullptr);
  return j;
}

json SummaryJson(const identity::UserSummary& s) {
  return {{"id", s.id}, {"kind", identity::UserKindName(s.kind)}, {"name", s.name}};
}

constexpr http::RouteOptions kJson{.body = http::BodyKind::kJson, .max_body_bytes = 64 * 1024};

}  // namespace

void RegisterIdentityRoutes(http::Router& router, ApiContext& ctx) {
  AddRoute(
      router, ctx, http::Method::kPost, "/api/v1/persons", "identity.register",
      [&ctx](http::Request& r, const Principal*) -> http::HandlerResult {
        return WithIdempotency(ctx.db, ctx.clock, r, "-", [&]() -> http::HandlerResult {
          auto body = http::ParseJsonObject(r);
          if (!body) return std::unexpected(body.error());
          Fields f(*body);
          identity::PersonRegistration reg{f.String("name"), f.String("id_number"), f.String("phone"),
                                           f.String("password")};
          if (auto e = f.Finish(); !e) return std::unexpected(e.error());
          auto user = ctx.identity->RegisterPerson(reg);
          if (!user) return std::unexpected(user.error());
          return http::Response::Json(201, SummaryJson(*user));
        });
      },
      kJson);

  AddRoute(
      router, ctx, http::Method::kPost, "/api/v1/companies", "identity.register",
      [&ctx](http::Request& r, const Principal*) -> http::HandlerResult {
        return WithIdempotency(ctx.db, ctx.clock, r, "-", [&]() -> http::HandlerResult {
          auto body = http::ParseJsonObject(r);
          if (!body) return std::unexpected(body.error());
          Fields f(*body);
          json rep = f.Object("legal_representative");
          Fields rf(rep, "legal_representative.");
          identity::CompanyRegistration reg{f.String("name"),  f.String("uscc"),     rf.String("name"),
                                            rf.String("id_number"), f.String("phone"), f.String("password")};
          for (const auto& e : rf.errors().items()) f.errors().Add(e.field, e.code, e.message);
          if (auto e = f.Finish(); !e) return std::unexpected(e.error());
          auto user = ctx.identity->RegisterCompany(reg);
          if (!user) return std::unexpected(user.error());
          return http::Response::Json(201, SummaryJson(*user));
        });
      },
      kJson);

  AddRoute(
      router, ctx, http::Method::kPost, "/api/v1/sessions", "session.create",
      [&ctx](http::Request& r, const Principal*) -> http::HandlerResult {
        auto body = http::ParseJsonObject(r);
        if (!body) return std::unexpected(body.error());
        Fields f(*body);
        const std::string account = f.String("account");
        const std::string password = f.String("password");
        if (auto e = f.Finish(); !e) return std::unexpected(e.error());
        auto login = ctx.identity->Login(account, password, r.remote_address, r.Header("user-agent").value_or(""));
        if (!login) return std::unexpected(login.error());
        http::Response resp = http::Response::Json(201, {{"token", login->token},
                                                         {"expires_at", FormatRfc3339(login->expires_at)},
                                                         {"user", PrincipalJson(login->principal)}});
        resp.headers.emplace_back(
            "Set-Cookie", SessionCookie(login->token, ctx.identity->config().session_absolute.count(), ctx.secure_cookies));
        return resp;
      },
      kJson);

  AddRoute(router, ctx, http::Method::kDelete, "/api/v1/sessions/current", "session.delete",
           [&ctx](http::Request&, const Principal* p) -> http::HandlerResult {
             if (auto e = ctx.identity->Logout(*p); !e) return std::unexpected(e.error());
             http::Response resp = http::Response::NoContent();
             resp.headers.emplace_back("Set-Cookie", ClearedSessionCookie(ctx.secure_cookies));
             return resp;
           });

  AddRoute(router, ctx, http::Method::kDelete, "/api/v1/sessions", "session.delete",
           [&ctx](http::Request&, const Principal* p) -> http::HandlerResult {
             if (auto e = ctx.identity->LogoutEverywhere(*p); !e) return std::unexpected(e.error());
             http::Response resp = http::Response::NoContent();
             resp.headers.emplace_back("Set-Cookie", ClearedSessionCookie(ctx.secure_cookies));
             return resp;
           });

  AddRoute(router, ctx, http::Method::kGet, "/api/v1/me", "me.read",
           [&ctx](http::Request&, const Principal* p) -> http::HandlerResult {
             auto profile = ctx.identity->GetProfile(*p);
             if (!profile) return std::unexpected(profile.error());
             return http::Response::Json(200, ProfileJson(*profile));
           });

  AddRoute(
      router, ctx, http::Method::kPut, "/api/v1/me/password", "me.change_password",
      [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
        auto body = http::ParseJsonObject(r);
        if (!body) return std::unexpected(body.error());
        Fields f(*body);
        const std::string current = f.String("current_password");
        const std::string next = f.String("new_password");
        if (auto e = f.Finish(); !e) return std::unexpected(e.error());
        if (auto e = ctx.identity->ChangePassword(*p, current, next); !e) return std::unexpected(e.error());
        return http::Response::NoContent();
      },
      kJson);

  AddRoute(
      router, ctx, http::Method::kPost, "/api/v1/staff", "staff.create",
      [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
        return WithIdempotency(ctx.db, ctx.clock, r, p->user_id, [&]() -> http::HandlerResult {
          auto body = http::ParseJsonObject(r);
          if (!body) return std::unexpected(body.error());
          Fields f(*body);
          identity::StaffRegistration reg;
          reg.account = f.String("account");
          reg.name = f.String("name");
          reg.password = f.String("password");
          reg.department = f.String("department");
          const std::string region = f.String("region");
          reg.region = region.empty() ? p->region : region;
          reg.roles = f.StringArray("roles");
          if (auto e = f.Finish(); !e) return std::unexpected(e.error());
          auto user = ctx.identity->CreateStaff(p, reg);
          if (!user) return std::unexpected(user.error());
          json j = SummaryJson(*user);
          j["account"] = reg.account;
          j["department"] = reg.department;
          j["region"] = reg.region;
          j["roles"] = reg.roles;
          return http::Response::Json(201, j);
        });
      },
      kJson);

  AddRoute(router, ctx, http::Method::kGet, "/api/v1/staff", "staff.list",
           [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
             auto page = ReadPage(r);
             if (!page) return std::unexpected(page.error());
             bool more = false;
             auto staff = ctx.identity->ListStaff(*p, page->limit, page->after, &more);
             if (!staff) return std::unexpected(staff.error());
             json items = json::array();
             for (const auto& s : *staff) items.push_back(ProfileJson(s));
             json next = more && !staff->empty() ? json(EncodeCursor(staff->back().staff_account)) : json(nullptr);
             return http::Response::Json(200, {{"items", items}, {"next_cursor", next}});
           });

  AddRoute(
      router, ctx, http::Method::kPost, "/api/v1/agents", "agent.grant",
      [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
        return WithIdempotency(ctx.db, ctx.clock, r, p->user_id, [&]() -> http::HandlerResult {
          auto body = http::ParseJsonObject(r);
          if (!body) return std::unexpected(body.error());
          Fields f(*body);
          const std::string agent = f.String("agent_account");
          if (auto e = f.Finish(); !e) return std::unexpected(e.error());
          auto grant = ctx.identity->GrantAgent(*p, agent);
          if (!grant) return std::unexpected(grant.error());
          return http::Response::Json(201, GrantJson(*grant));
        });
      },
      kJson);

  AddRoute(router, ctx, http::Method::kGet, "/api/v1/agents", "agent.list",
           [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
             auto page = ReadPage(r);
             if (!page) return std::unexpected(page.error());
             bool more = false;
             auto grants = ctx.identity->ListAgentGrants(*p, page->limit, page->after, &more);
             if (!grants) return std::unexpected(grants.error());
             json items = json::array();
             for (const auto& g : *grants) items.push_back(GrantJson(g));
             json next = more && !grants->empty()
                             ? json(EncodeCursor(identity::IdentityService::AgentGrantCursor(grants->back())))
                             : json(nullptr);
             return http::Response::Json(200, {{"items", items}, {"next_cursor", next}});
           });

  AddRoute(router, ctx, http::Method::kDelete, "/api/v1/agents/{id}", "agent.revoke",
           [&ctx](http::Request& r, const Principal* p) -> http::HandlerResult {
             if (auto e = ctx.identity->RevokeAgentGrant(*p, r.PathParam("id")); !e) return std::unexpected(e.error());
             return http::Response::NoContent();
           });
}

}  // namespace wangban::api
