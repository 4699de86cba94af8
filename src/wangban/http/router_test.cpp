#include "wangban/http/router.hpp"

#include <gtest/gtest.h>

namespace wangban::http {
namespace {

Handler Named(std::string name) {
  return [name](Request&) -> HandlerResult { return Response::Text(200, name, "text/plain"); };
}

std::string Invoke(const Router::Match& m) {
  Request r;
  return m.route ? m.route->handler(r)->body : "";
}

TEST(RouterTest, MatchesLiteralsAndParameters) {
  Router router;
  router.Add(Method::kGet, "/api/v1/items", Named("list"));
  router.Add(Method::kGet, "/api/v1/items/{code}", Named("one"));
  router.Add(Method::kGet, "/api/v1/items/export", Named("export"));
  router.Add(Method::kPut, "/api/v1/items/{code}", Named("put"));
  router.Add(Method::kPost, "/api/v1/items/{code}/publish", Named("publish"));

  EXPECT_EQ(Invoke(router.Find(Method::kGet, "/api/v1/items")), "list");
  EXPECT_EQ(Invoke(router.Find(Method::kGet, "/api/v1/items/export")), "export");  // literal wins
  auto one = router.Find(Method::kGet, "/api/v1/items/110000-01");
  EXPECT_EQ(Invoke(one), "one");
  ASSERT_EQ(one.params.size(), 1u);
  EXPECT_EQ(one.params[0], (std::pair<std::string, std::string>{"code", "110000-01"}));
  EXPECT_EQ(Invoke(router.Find(Method::kPut, "/api/v1/items/export")), "put");  // backtracks to {code}
  EXPECT_EQ(Invoke(router.Find(Method::kPost, "/api/v1/items/x/publish")), "publish");
}

TEST(RouterTest, ReportsAllowedMethodsForKnownPaths) {
  Router router;
  router.Add(Method::kGet, "/api/v1/items/{code}", Named("one"));
  router.Add(Method::kPut, "/api/v1/items/{code}", Named("put"));
  auto m = router.Find(Method::kDelete, "/api/v1/items/a");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allowed, (std::vector<Method>{Method::kGet, Method::kPut}));
  auto none = router.Find(Method::kGet, "/api/v1/nothing");
  EXPECT_EQ(none.route, nullptr);
  EXPECT_TRUE(none.allowed.empty());
}

TEST(RouterTest, HeadFallsBackToGet) {
  Router router;
  router.Add(Method::kGet, "/api/health", Named("health"));
  EXPECT_EQ(Invoke(router.Find(Method::kHead, "/api/health")), "health");
}

TEST(RouterTest, EmptySegmentsDoNotMatchParameters) {
  Router router;
  router.Add(Method::kGet, "/api/v1/cases/{id}", Named("case"));
  EXPECT_EQ(router.Find(Method::kGet, "/api/v1/cases/").route, nullptr);
  EXPECT_EQ(router.Find(Method::kGet, "/api/v1/cases").route, nullptr);
  EXPECT_EQ(router.Find(Method::kGet, "/api/v1/cases/a/b").route, nullptr);
}

}  // namespace
}  // namespace wangban::http
