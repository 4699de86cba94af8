// The OpenAPI document and the router must agree: every registered route is documented and
// every documented operation is registered.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "tests/testing/temp_dir.hpp"
#include "wangban/api/routes.hpp"
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
  ApiContext ctx{.db = **db, .blobs = **blobs, .metrics = metrics, .clock = SystemClock::Instance()};
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
      documented.insert(method + " " + path);
      EXPECT_TRUE(op.contains("operationId")) << method << " " << path;
      EXPECT_TRUE(op.contains("responses")) << method << " " << path;
    }
  }
  for (const auto& r : registered) EXPECT_TRUE(documented.contains(r)) << "not documented: " << r;
  for (const auto& d : documented) EXPECT_TRUE(registered.contains(d)) << "documented but not registered: " << d;
  EXPECT_GE(registered.size(), 4u);
}

}  // namespace
}  // namespace wangban::api
