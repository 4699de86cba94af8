#include "wangban/api/guard.hpp"

#include <cstdio>
#include <cstdlib>

#include "wangban/common/log.hpp"
#include "wangban/identity/policy.hpp"
#include "wangban/identity/service.hpp"

namespace wangban::api {
namespace {

// The session token from "Authorization: Bearer T" or the wb_session cookie.
struct Credentials {
  std::string token;
  bool from_cookie = false;
};

std::optional<Credentials> ExtractCredentials(const http::Request& r) {
  if (auto auth = r.Header("authorization")) {
    std::string_view v = *auth;
    if (v.size() > 7 && (v.substr(0, 7) == "Bearer " || v.substr(0, 7) == "bearer ")) {
      v.remove_prefix(7);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      return Credentials{std::string(v), false};
    }
    return Credentials{"", false};  // a malformed Authorization header is a bad credential
  }
  if (auto cookie = r.Header("cookie")) {
    std::string_view rest = *cookie;
    while (!rest.empty()) {
      const auto semi = rest.find(';');
      std::string_view pair = rest.substr(0, semi);
      rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      const auto eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == kSessionCookie) {
        return Credentials{std::string(pair.substr(eq + 1)), true};
      }
    }
  }
  return std::nullopt;
}

bool IsWrite(http::Method m) {
  return m != http::Method::kGet && m != http::Method::kHead && m != http::Method::kOptions;
}

struct PrincipalContext : http::RequestContext {
  identity::Principal principal;
};

}  // namespace

void AddRoute(http::Router& router, ApiContext& ctx, http::Method method, std::string path, std::string_view action,
              GuardedHandler handler, http::RouteOptions options) {
  const identity::Rule* rule = identity::FindRule(action);
  if (rule == nullptr) {
    // A route without a policy rule is a programming error caught at start-up (and by tests).
    std::fprintf(stderr, "route %s %s names unknown policy action %.*s\n", std::string(http::MethodName(method)).c_str(),
                 path.c_str(), static_cast<int>(action.size()), action.data());
    std::abort();
  }
  options.action = std::string(action);
  const bool anonymous = rule->anonymous;
  const bool identify = rule->identify;
  std::string action_name(action);
  router.Add(
      method, std::move(path),
      [&ctx, anonymous, identify, action_name, handler = std::move(handler), method](http::Request& r)
          -> http::HandlerResult {
        if (anonymous && identify && ctx.identity != nullptr) {
          // Public, but the answer may depend on who asks (drafts for catalog staff).
          auto credentials = ExtractCredentials(r);
          if (!credentials) return handler(r, nullptr);
          auto principal = ctx.identity->Authenticate(credentials->token);
          if (!principal) return handler(r, nullptr);
          auto context = std::make_shared<PrincipalContext>();
          context->principal = std::move(*principal);
          r.context = context;
          return handler(r, &context->principal);
        }
        if (anonymous) return handler(r, nullptr);
        auto credentials = ExtractCredentials(r);
        if (!credentials) return Fail(Error::Unauthenticated("log in first"));
        if (ctx.identity == nullptr) return Fail(Error::Unavailable("identity is not configured"));
        auto principal = ctx.identity->Authenticate(credentials->token);
        if (!principal) return std::unexpected(principal.error());
        if (credentials->from_cookie && IsWrite(method) && !r.Header("x-requested-with")) {
          return Fail(Error{.code = ErrorCode::kForbidden,
                            .message = "cookie-authenticated writes need the X-Requested-With header",
                            .reason = "csrf"});
        }
        if (auto on_behalf = r.Header("x-on-behalf-of"); on_behalf && !on_behalf->empty()) {
          if (auto acted = ctx.identity->ActFor(*principal, *on_behalf); !acted) {
            log::Warn("agent_denied", {{"request_id", r.request_id}, {"user", principal->user_id}});
            return std::unexpected(acted.error());
          }
        }
        if (auto allowed = identity::Authorize(&*principal, action_name); !allowed) {
          log::Warn("access_denied", {{"request_id", r.request_id},
                                      {"user", principal->user_id},
                                      {"action", action_name},
                                      {"reason", allowed.error().StableCode()}});
          return std::unexpected(allowed.error());
        }
        auto context = std::make_shared<PrincipalContext>();
        context->principal = std::move(*principal);
        r.context = context;
        return handler(r, &context->principal);
      },
      options);
}

std::string SessionCookie(std::string_view token, std::int64_t max_age_seconds, bool secure) {
  return std::string(kSessionCookie) + "=" + std::string(token) + "; Path=/; Max-Age=" + std::to_string(max_age_seconds) +
         "; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
}

std::string ClearedSessionCookie(bool secure) {
  return std::string(kSessionCookie) + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
}

}  // namespace wangban::api
