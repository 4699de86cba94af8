// Every route goes through the guard: it names the route's policy action, authenticates the
// caller (Bearer token or the session cookie), applies X-On-Behalf-Of for agents, refuses
// cookie-authenticated writes without X-Requested-With (CSRF), and asks the one policy
// (identity/policy.hpp) before the handler runs.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "wangban/api/routes.hpp"
#include "wangban/http/router.hpp"
#include "wangban/identity/principal.hpp"

namespace wangban::api {

using GuardedHandler = std::function<http::HandlerResult(http::Request&, const identity::Principal*)>;

inline constexpr std::string_view kSessionCookie = "wb_session";

// Registers a route whose action must exist in the policy table; the action is kept in the
// route's options (http::RouteOptions::action).
// REQUIRES: identity::FindRule(action) != nullptr (checked at start-up; aborts otherwise).
void AddRoute(http::Router& router, ApiContext& ctx, http::Method method, std::string path, std::string_view action,
              GuardedHandler handler, http::RouteOptions options = {});

// Set-Cookie header values for a new session and for logging out.
std::string SessionCookie(std::string_view token, std::int64_t max_age_seconds, bool secure);
std::string ClearedSessionCookie(bool secure);

}  // namespace wangban::api
