// Operations routes: health, readiness, metrics, OpenAPI, and the test clock.
#include <nlohmann/json.hpp>

#include "wangban/api/guard.hpp"
#include "wangban/api/routes.hpp"
#include "wangban/common/version.hpp"
#include "wangban/http/json.hpp"
#include "wangban/storage/migrations.hpp"

namespace wangban::api {

extern const std::string_view kOpenApiDocument;

std::string_view OpenApiDocument() { return kOpenApiDocument; }

void RegisterIdentityRoutes(http::Router& router, ApiContext& ctx);
void RegisterWorkflowRoutes(http::Router& router, ApiContext& ctx);
void RegisterCatalogRoutes(http::Router& router, ApiContext& ctx);
void RegisterFilesRoutes(http::Router& router, ApiContext& ctx);
void RegisterAuditRoutes(http::Router& router, ApiContext& ctx);
void RegisterRulesRoutes(http::Router& router, ApiContext& ctx);
void RegisterCaseRoutes(http::Router& router, ApiContext& ctx);

namespace {

using identity::Principal;

void RegisterOperations(http::Router& router, ApiContext& ctx) {
  const std::string db_name(storage::BackendName(ctx.db.backend()));
  // Liveness does not touch the database: a slow database must not get the process killed.
  AddRoute(
      router, ctx, http::Method::kGet, "/api/health", "ops.health",
      [db_name](http::Request&, const Principal*) -> http::HandlerResult {
        return http::Response::Json(
            200, {{"status", "ok"}, {"db", db_name}, {"version", Version()}, {"commit", GitCommit()}});
      },
      {.inline_io = true});

  AddRoute(router, ctx, http::Method::kGet, "/api/ready", "ops.ready",
           [&ctx, db_name](http::Request&, const Principal*) -> http::HandlerResult {
             auto version = storage::SchemaVersion(ctx.db);
             if (!version) {
               return Fail(Error::Unavailable("database not reachable: " + version.error().message, "not_ready"));
             }
             const auto& migrations = storage::MigrationsFor(ctx.db.backend());
             const int latest = migrations.empty() ? 0 : migrations.back().version;
             if (*version != latest) {
               return Fail(Error::Unavailable(
                   "schema version " + std::to_string(*version) + ", expected " + std::to_string(latest), "not_ready"));
             }
             return http::Response::Json(200, {{"status", "ready"}, {"db", db_name}, {"schema_version", *version}});
           });

  AddRoute(router, ctx, http::Method::kGet, "/metrics", "ops.metrics",
           [&ctx](http::Request&, const Principal*) -> http::HandlerResult {
             return http::Response::Text(200, ctx.metrics.Render(), "text/plain; version=0.0.4; charset=utf-8");
           });

  AddRoute(
      router, ctx, http::Method::kGet, "/api/openapi.json", "ops.openapi",
      [](http::Request&, const Principal*) -> http::HandlerResult {
        return http::Response::Text(200, std::string(kOpenApiDocument), "application/json");
      },
      {.inline_io = true});
}

// With `serve --test-clock` the whole process runs on a FakeClock that black-box tests move,
// so deadlines, session expiry and lockouts are tested without waiting.
void RegisterTestClock(http::Router& router, ApiContext& ctx) {
  AddRoute(router, ctx, http::Method::kGet, "/api/v1/test/clock", "ops.test_clock",
           [&ctx](http::Request&, const Principal*) -> http::HandlerResult {
             return http::Response::Json(200, {{"now", FormatRfc3339(ctx.test_clock->Now())}});
           });
  AddRoute(
      router, ctx, http::Method::kPost, "/api/v1/test/clock", "ops.test_clock",
      [&ctx](http::Request& r, const Principal*) -> http::HandlerResult {
        auto body = http::ParseJsonObject(r);
        if (!body) return std::unexpected(body.error());
        if (body->contains("set")) {
          const auto& set = (*body)["set"];
          auto t = set.is_string() ? ParseRfc3339(set.get<std::string>()) : std::nullopt;
          if (!t) return Fail(Error::Validation({{"set", "format", "an RFC 3339 time"}}));
          ctx.test_clock->Set(*t);
        } else {
          const auto& adv = (*body)["advance_seconds"];
          if (!adv.is_number() || adv.get<double>() < 0) {
            return Fail(Error::Validation({{"advance_seconds", "format", "a non-negative number of seconds"}}));
          }
          ctx.test_clock->Advance(std::chrono::microseconds(static_cast<std::int64_t>(adv.get<double>() * 1e6)));
        }
        return http::Response::Json(200, {{"now", FormatRfc3339(ctx.test_clock->Now())}});
      },
      {.body = http::BodyKind::kJson});
}

}  // namespace

void RegisterRoutes(http::Router& router, ApiContext& context) {
  RegisterOperations(router, context);
  RegisterIdentityRoutes(router, context);
  RegisterWorkflowRoutes(router, context);
  RegisterCatalogRoutes(router, context);
  if (context.files) RegisterFilesRoutes(router, context);
  if (context.audit) RegisterAuditRoutes(router, context);
  if (context.rules) RegisterRulesRoutes(router, context);
  if (context.cases) RegisterCaseRoutes(router, context);
  if (context.test_clock) RegisterTestClock(router, context);
}

}  // namespace wangban::api
