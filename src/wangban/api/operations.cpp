// Operations routes: health, readiness, metrics, OpenAPI.
#include <nlohmann/json.hpp>

#include "wangban/api/routes.hpp"
#include "wangban/common/version.hpp"
#include "wangban/storage/migrations.hpp"

namespace wangban::api {

extern const std::string_view kOpenApiDocument;

std::string_view OpenApiDocument() { return kOpenApiDocument; }

namespace {

void RegisterOperations(http::Router& router, ApiContext& ctx) {
  const std::string db_name(storage::BackendName(ctx.db.backend()));
  // Liveness does not touch the database: a slow database must not get the process killed.
  router.Add(
      http::Method::kGet, "/api/health",
      [db_name](http::Request&) -> http::HandlerResult {
        return http::Response::Json(
            200, {{"status", "ok"}, {"db", db_name}, {"version", Version()}, {"commit", GitCommit()}});
      },
      {.inline_io = true});

  router.Add(http::Method::kGet, "/api/ready", [&ctx, db_name](http::Request&) -> http::HandlerResult {
    auto version = storage::SchemaVersion(ctx.db);
    if (!version) return Fail(Error::Unavailable("database not reachable: " + version.error().message, "not_ready"));
    const auto& migrations = storage::MigrationsFor(ctx.db.backend());
    const int latest = migrations.empty() ? 0 : migrations.back().version;
    if (*version != latest) {
      return Fail(Error::Unavailable("schema version " + std::to_string(*version) + ", expected " +
                                         std::to_string(latest),
                                     "not_ready"));
    }
    return http::Response::Json(200, {{"status", "ready"}, {"db", db_name}, {"schema_version", *version}});
  });

  router.Add(
      http::Method::kGet, "/metrics",
      [&ctx](http::Request&) -> http::HandlerResult {
        return http::Response::Text(200, ctx.metrics.Render(), "text/plain; version=0.0.4; charset=utf-8");
      },
      {.inline_io = false});

  router.Add(
      http::Method::kGet, "/api/openapi.json",
      [](http::Request&) -> http::HandlerResult {
        return http::Response::Text(200, std::string(kOpenApiDocument), "application/json");
      },
      {.inline_io = true});
}

}  // namespace

void RegisterRoutes(http::Router& router, ApiContext& context) { RegisterOperations(router, context); }

}  // namespace wangban::api
