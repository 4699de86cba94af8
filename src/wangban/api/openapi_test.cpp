// The OpenAPI document and the router must agree: every registered route is documented and
// every documented operation is registered.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "tests/testing/temp_dir.hpp"
#include "wangban/api/guard.hpp"
#include "wangban/api/routes.hpp"
#include "wangban/identity/policy.hpp"
#include "wangban/audit/audit.hpp"
#include "wangban/cases/service.hpp"
#include "wangban/catalog/store.hpp"
#include "wangban/common/calendar.hpp"
#include "wangban/files/files.hpp"
#include "wangban/rules/store.hpp"
#include "wangban/storage/migrations.hpp"
#include "wangban/workflow/engine.hpp"

namespace wangban::api {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Every module the server registers routes for, on a scratch SQLite database. Registered with
// the test clock, so the test-only routes are compared too.
struct Registered {
  testing::TempDir dir;
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<storage::DirectoryBlobStore> blobs;
  http::Metrics metrics;
  http::Router router;
  FakeClock clock{SystemClock::Instance().Now()};
  WorkingCalendar calendar;
  workflow::HandlerRegistry handlers;
  std::unique_ptr<workflow::Engine> engine;
  std::unique_ptr<catalog::CatalogStore> catalog;
  std::unique_ptr<cases::CaseService> cases;
  std::unique_ptr<files::FileStore> file_store;
  std::unique_ptr<rules::RuleStore> rule_store;
  std::unique_ptr<audit::AuditLog> audit_log;

  Registered() {
    auto opened = storage::OpenDatabase("sqlite:" + (dir / "o.db").string());
    EXPECT_TRUE(opened.has_value());
    db = std::move(*opened);
    auto b = storage::DirectoryBlobStore::Open(dir / "blobs");
    EXPECT_TRUE(b.has_value());
    blobs = std::move(*b);
    engine = std::make_unique<workflow::Engine>(*db, clock, calendar, handlers);
    catalog = std::make_unique<catalog::CatalogStore>(*db, clock);
    cases = std::make_unique<cases::CaseService>(*db, clock, calendar, *catalog, *engine, cases::FileLookup(),
                                                 cases::AuditSink());
    file_store = std::make_unique<files::FileStore>(*db, *blobs, clock);
    rule_store = std::make_unique<rules::RuleStore>(*db, clock);
    auto signer = audit::AuditSigner::Generate();
    EXPECT_TRUE(signer.has_value());
    audit_log = std::make_unique<audit::AuditLog>(*db, clock, std::move(*signer));
    ApiContext ctx{.db = *db,
                   .blobs = *blobs,
                   .metrics = metrics,
                   .clock = clock,
                   .workflow = engine.get(),
                   .catalog = catalog.get(),
                   .files = file_store.get(),
                   .audit = audit_log.get(),
                   .rules = rule_store.get(),
                   .cases = cases.get(),
                   .test_clock = &clock};
    RegisterRoutes(router, ctx);
  }
};

TEST(OpenApiTest, DocumentIsOpenApi31) {
  auto doc = nlohmann::json::parse(OpenApiDocument());
  EXPECT_EQ(doc["openapi"], "3.1.0");
  EXPECT_TRUE(doc["info"].contains("title"));
  EXPECT_TRUE(doc["components"]["schemas"].contains("Problem"));
}

TEST(OpenApiTest, EveryRouteIsDocumentedAndEveryDocumentedRouteExists) {
  Registered all;
  const http::Router& router = all.router;

  std::set<std::string> registered;
  for (const auto& route : router.routes()) {
    registered.insert(Lower(http::MethodName(route->method)) + " " + route->path_template);
  }
  std::set<std::string> documented;
  auto doc = nlohmann::json::parse(OpenApiDocument());
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (method == "parameters" || method == "summary" || method == "description") continue;
      // Every operation says who may call it: security [] for anonymous, else the schemes.
      if (path.starts_with("/api/v1/")) {
        EXPECT_TRUE(op.contains("security")) << method << " " << path;
      }
      documented.insert(method + " " + path);
      EXPECT_TRUE(op.contains("operationId")) << method << " " << path;
      EXPECT_TRUE(op.contains("responses")) << method << " " << path;
    }
  }
  for (const auto& r : registered) EXPECT_TRUE(documented.contains(r)) << "not documented: " << r;
  for (const auto& d : documented) EXPECT_TRUE(registered.contains(d)) << "documented but not registered: " << d;
  EXPECT_GE(registered.size(), 4u);
}

TEST(OpenApiTest, EveryRouteNamesAPolicyAction) {
  // AddRoute aborts on unknown actions; here: every registered route went through it.
  Registered all;
  const http::Router& router = all.router;
  for (const auto& route : router.routes()) {
    EXPECT_FALSE(route->options.action.empty()) << "not registered through the guard: " << route->path_template;
    EXPECT_NE(identity::FindRule(route->options.action), nullptr) << route->path_template;
  }
}

}  // namespace
}  // namespace wangban::api
