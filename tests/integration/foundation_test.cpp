// Black-box tests of the real `wangban` binary on SQLite and on a throwaway PostgreSQL: health,
// readiness, bad input, limits, slow clients, static files, graceful shutdown, CLI.
#include <gtest/gtest.h>

#include <fstream>
#include <future>

#include "tests/testing/postgres_cluster.hpp"
#include "tests/testing/server_process.hpp"

namespace wangban::testing {
namespace {

using namespace std::chrono_literals;

class FoundationTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = DatabaseFor(GetParam());
    ASSERT_FALSE(db_.empty());
  }
  std::string db_;
};

TEST_P(FoundationTest, HealthNamesTheBackend) {
  ServerProcess server({.db = db_});
  ASSERT_TRUE(server.ok()) << server.output();
  auto r = server.client().Get("/api/health");
  EXPECT_EQ(r.status, 200);
  auto j = r.Json();
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["db"], GetParam());
  EXPECT_TRUE(j["version"].is_string());
  auto ready = server.client().Get("/api/ready");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.Json()["status"], "ready");
  EXPECT_GE(ready.Json()["schema_version"].get<int>(), 1);
  EXPECT_EQ(server.Stop(), 0) << server.output();
}

TEST_P(FoundationTest, BadInputGetsProblemDocuments) {
  ServerProcess server({.db = db_});
  ASSERT_TRUE(server.ok()) << server.output();
  auto client = server.client();
  auto nf = client.Get("/api/v1/no-such-thing");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(nf.Header("content-type"), "application/problem+json");
  EXPECT_EQ(nf.Json()["code"], "not_found");
  EXPECT_FALSE(nf.Json()["request_id"].get<std::string>().empty());
  auto na = client.Send({.method = "PUT", .target = "/api/health"});
  EXPECT_EQ(na.status, 405);
  // A path that does not decode, or not to UTF-8 (on PostgreSQL such a case id reached the
  // database as a text parameter it refuses: a 500).
  for (const char* target : {"/api/%zz", "/api/v1/cases/%FF", "/api/v1/cases/%E5%8A/audit", "/api/v1/items/%C0%AF"}) {
    auto bad_path = client.Get(target);
    EXPECT_EQ(bad_path.status, 400) << target;
    EXPECT_EQ(bad_path.Json().value("code", ""), "bad_path") << target;
  }
  // Garbage instead of HTTP: the connection is closed, the server lives on.
  RawConnection raw(server.port());
  ASSERT_TRUE(raw.Write("\x16\x03\x01 not http at all\r\n\r\n"));
  EXPECT_TRUE(raw.WaitForClose(5s));
  EXPECT_EQ(client.Get("/api/health").status, 200);
  EXPECT_EQ(server.Stop(), 0);
}

TEST_P(FoundationTest, OversizedBodiesAre413) {
  ServerProcess server({.db = db_});
  ASSERT_TRUE(server.ok()) << server.output();
  RawConnection c(server.port());
  ASSERT_TRUE(c.Write("POST /api/health HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      "Content-Length: 2000000000\r\n\r\n{"));
  auto r = c.ReadResponse(5s);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->Json()["code"], "payload_too_large");
  EXPECT_EQ(server.client().Get("/api/health").status, 200);
}

TEST_P(FoundationTest, SlowHeaderClientIsCutOffWhileOthersAreServed) {
  ServerProcess server({.db = db_, .extra_args = {"--read-timeout-ms", "700"}});
  ASSERT_TRUE(server.ok()) << server.output();
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 10; ++i) {
    slow.push_back(std::make_unique<RawConnection>(server.port()));
    ASSERT_TRUE(slow.back()->Write("GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  }
  for (int i = 0; i < 20; ++i) EXPECT_EQ(server.client().Get("/api/health").status, 200);
  for (auto& c : slow) EXPECT_TRUE(c->WaitForClose(5s));
  EXPECT_EQ(server.Stop(), 0);
}

TEST_P(FoundationTest, MetricsCountRequestsByRoute) {
  ServerProcess server({.db = db_});
  ASSERT_TRUE(server.ok()) << server.output();
  for (int i = 0; i < 3; ++i) server.client().Get("/api/ready");
  auto m = server.client().Get("/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.Header("content-type").find("text/plain"), std::string::npos);
  EXPECT_NE(m.body.find(R"(wangban_http_requests_total{method="GET",route="/api/ready",status="200"} 3)"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("wangban_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/ready\""),
            std::string::npos);
}

TEST_P(FoundationTest, OpenApiDocumentIsServed) {
  ServerProcess server({.db = db_});
  ASSERT_TRUE(server.ok()) << server.output();
  auto r = server.client().Get("/api/openapi.json");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Json()["openapi"], "3.1.0");
  EXPECT_TRUE(r.Json()["paths"].contains("/api/health"));
}

TEST_P(FoundationTest, ConcurrentClientsAndGracefulShutdown) {
  ServerProcess server({.db = db_});
  ASSERT_TRUE(server.ok()) << server.output();
  std::vector<std::future<int>> results;
  for (int t = 0; t < 8; ++t) {
    results.push_back(std::async(std::launch::async, [&] {
      int ok = 0;
      for (int i = 0; i < 25; ++i) ok += server.client().Get("/api/ready").status == 200;
      return ok;
    }));
  }
  int ok = 0;
  for (auto& f : results) ok += f.get();
  EXPECT_EQ(ok, 200);
  EXPECT_EQ(server.Stop(), 0) << server.output();
  EXPECT_NE(server.output().find("\"event\":\"shutdown\""), std::string::npos);
  EXPECT_NE(server.output().find("\"drained\":true"), std::string::npos);
}

TEST_P(FoundationTest, MigrateCommandIsIdempotent) {
  std::string url = db_;
  TempDir dir;
  if (url == "sqlite") url = "sqlite:" + (dir / "m.db").string();
  auto first = RunWangban({"migrate", "--db", url});
  EXPECT_EQ(first.exit_status, 0) << first.output;
  EXPECT_NE(first.output.find("applied 0001_"), std::string::npos) << first.output;
  auto second = RunWangban({"migrate", "--db", url});
  EXPECT_EQ(second.exit_status, 0) << second.output;
  EXPECT_EQ(second.output.find("applied"), std::string::npos) << second.output;
  EXPECT_NE(second.output.find("schema version"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, FoundationTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& param_info) { return param_info.param; });

TEST(StaticFilesIntegrationTest, ServesTheWebBuildWithSpaFallback) {
  TempDir web;
  std::filesystem::create_directories(web / "assets");
  std::ofstream(web / "index.html") << "<!doctype html><title>网办</title>";
  std::ofstream(web / "assets" / "index-abc123.js") << "export default 1";
  ServerProcess server({.extra_args = {"--web", web.path().string()}});
  ASSERT_TRUE(server.ok()) << server.output();
  auto index = server.client().Get("/");
  EXPECT_EQ(index.status, 200);
  EXPECT_NE(index.body.find("网办"), std::string::npos);
  EXPECT_EQ(index.Header("content-type"), "text/html; charset=utf-8");
  auto spa = server.client().Get("/cases/0190/detail");
  EXPECT_EQ(spa.status, 200);
  EXPECT_EQ(spa.body, index.body);
  auto js = server.client().Get("/assets/index-abc123.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.Header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(server.client().Get("/assets/nope.js").status, 404);
  EXPECT_EQ(server.client().Get("/api/v1/unknown").status, 404);  // API paths never fall back
  EXPECT_EQ(server.client().Get("/../../etc/passwd").status, 404);
}

TEST(CliTest, VersionAndBadArguments) {
  auto v = RunWangban({"version"});
  EXPECT_EQ(v.exit_status, 0);
  EXPECT_NE(v.output.find("wangban 0."), std::string::npos) << v.output;
  auto bad = RunWangban({"serve", "--port", "notaport"});
  EXPECT_NE(bad.exit_status, 0);
  auto none = RunWangban({});
  EXPECT_NE(none.exit_status, 0);
  auto bad_db = RunWangban({"migrate", "--db", "mysql://nope"});
  EXPECT_EQ(bad_db.exit_status, 1);
  EXPECT_NE(bad_db.output.find("unknown database URL"), std::string::npos) << bad_db.output;
}

TEST(CliTest, ServeFailsCleanlyWhenThePortIsTaken) {
  ServerProcess first;
  ASSERT_TRUE(first.ok()) << first.output();
  TempDir dir;
  auto r = RunWangban({"serve", "--port", std::to_string(first.port()), "--data", dir.path().string()});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.output.find("startup_failed"), std::string::npos) << r.output;
}

TEST(CliTest, ServeRefusesAnUnreachableDatabase) {
  TempDir dir;
  auto r = RunWangban({"serve", "--port", "0", "--db", "postgresql://x:secretpw@127.0.0.1:1/db?connect_timeout=2"});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.output.find("startup_failed"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("secretpw"), std::string::npos) << "the password leaked into the log";
}

}  // namespace
}  // namespace wangban::testing
