// The OpenAPI document and the router must agree: every registered route is documented and
// every documented operation is registered.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "tests/testing/temp_dir.hpp"
#include "wangban/api/guard.hpp"
#include "wangban/api/routes.hpp"
#include "wangban/identity/policy.hpp"
#include "wangban/storage/migrations.hpp"

namespace wangban::api {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

TEST(OpenApiTest, DocumentIsOpenApi31) {
  auto doc = nlohmann::json::parse(OpenApiDocument());
  EXPECT_EQ(doc["openapi"], "3.1.0");
  EXPECT_TRUE(doc["info"].contains("title"));
  EXPECT_TRUE(doc["components"]["schemas"].contains("Problem"));
}

TEST(OpenApiTest, EveryRouteIsDocumentedAndEveryDocumentedRouteExists) {
  testing::TempDir dir;
  auto db = storage::OpenDatabase("sqlite:" + (dir / "o.db").string());
  ASSERT_TRUE(db.has_value());
  auto blobs = storage::DirectoryBlobStore::Open(dir / "blobs");
  ASSERT_TRUE(blobs.has_value());
  http::Metrics metrics;
  http::Router router;
  FakeClock clock(SystemClock::Instance().Now());
  // Registered with the test clock, so the test-only routes are compared too.
  ApiContext ctx{.db = **db, .blobs = **blobs, .metrics = metrics, .clock = clock, .test_clock = &clock};
  RegisterRoutes(router, ctx);

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
  testing::TempDir dir;
  auto db = storage::OpenDatabase("sqlite:" + (dir / "o.db").string());
  ASSERT_TRUE(db.has_value());
  auto blobs = storage::DirectoryBlobStore::Open(dir / "blobs");
  ASSERT_TRUE(blobs.has_value());
  http::Metrics metrics;
  http::Router router;
  FakeClock clock(SystemClock::Instance().Now());
  ApiContext ctx{.db = **db, .blobs = **blobs, .metrics = metrics, .clock = clock, .test_clock = &clock};
  RegisterRoutes(router, ctx);
  for (const auto& route : router.routes()) {
    EXPECT_FALSE(route->options.action.empty()) << "not registered through the guard: " << route->path_template;
    EXPECT_NE(identity::FindRule(route->options.action), nullptr) << route->path_template;
  }
}

}  // namespace
}  // namespace wangban::api
