// The server in-process with a test router: limits, content types, slow clients, overload and
// graceful shutdown.
#include "wangban/http/server.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <thread>

#include "tests/testing/http_client.hpp"
#include "wangban/http/json.hpp"
#include "wangban/http/json_body.hpp"

namespace wangban::http {
namespace {

using testing::HttpClient;
using testing::HttpResponse;
using testing::RawConnection;
using namespace std::chrono_literals;

// A gate that handlers wait at until the test opens it.
struct Gate {
  std::mutex m;
  std::condition_variable cv;
  int entered = 0;
  bool open = false;

  void Enter() {
    std::unique_lock lock(m);
    ++entered;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
  }
  bool WaitEntered(int n) {
    std::unique_lock lock(m);
    return cv.wait_for(lock, 10s, [&] { return entered >= n; });
  }
  void Open() {
    std::lock_guard lock(m);
    open = true;
    cv.notify_all();
  }
};

class ServerTest : public ::testing::Test {
 protected:
  void Start(ServerOptions options = {}) {
    options.port = 0;
    options.access_log = false;
    router_.Add(Method::kGet, "/api/ping", [](Request& r) -> HandlerResult {
      return Response::Json(200, {{"pong", true}, {"rid", r.request_id}, {"q", r.Query("q").value_or("")}});
    });
    router_.Add(
        Method::kPost, "/api/echo",
        [](Request& r) -> HandlerResult {
          auto body = ParseJsonObject(r);
          if (!body) return Fail(body.error());
          return Response::Json(201, *body);
        },
        {.body = BodyKind::kJson, .max_body_bytes = 1024});
    router_.Add(
        Method::kPost, "/api/upload",
        [](Request& r) -> HandlerResult { return Response::Json(201, {{"size", r.body.size()}}); },
        {.body = BodyKind::kRaw, .max_body_bytes = 100 * 1024});
    router_.Add(Method::kGet, "/api/slow", [this](Request&) -> HandlerResult {
      gate_.Enter();
      return Response::Json(200, {{"slow", true}});
    });
    router_.Add(Method::kGet, "/api/throws", [](Request&) -> HandlerResult {
      throw std::runtime_error("boom with secret detail");
    });
    server_ = std::make_unique<Server>(options, router_, metrics_);
    auto r = server_->Start();
    ASSERT_TRUE(r.has_value()) << r.error().message;
    runner_ = std::thread([this] { server_->RunUntilStopped(); });
  }

  void TearDown() override {
    gate_.Open();
    if (server_) server_->Shutdown();
    if (runner_.joinable()) runner_.join();
  }

  HttpClient client() const { return HttpClient(server_->port()); }

  Router router_;
  Metrics metrics_;
  Gate gate_;
  std::unique_ptr<Server> server_;
  std::thread runner_;
};

TEST_F(ServerTest, ServesJsonAndEchoesValidRequestIds) {
  Start();
  auto r = client().Get("/api/ping?q=%E7%BD%91%E5%8A%9E", {{"X-Request-Id", "abc-123"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.Header("x-request-id"), "abc-123");
  EXPECT_EQ(r.Header("cache-control"), "no-store");
  EXPECT_EQ(r.Json()["q"], "网办");
  auto bad_id = client().Get("/api/ping", {{"X-Request-Id", "has spaces and \"quotes\""}});
  EXPECT_EQ(bad_id.status, 200);
  EXPECT_NE(bad_id.Header("x-request-id"), "has spaces and \"quotes\"");
  EXPECT_EQ(bad_id.Header("x-request-id").size(), 36u);  // a generated UUID
}

TEST_F(ServerTest, UnknownRoutesAndMethods) {
  Start();
  auto nf = client().Get("/api/nothing");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(nf.Header("content-type"), "application/problem+json");
  EXPECT_EQ(nf.Json()["code"], "not_found");
  auto na = client().Send({.method = "DELETE", .target = "/api/ping"});
  EXPECT_EQ(na.status, 405);
  EXPECT_EQ(na.Header("allow"), "GET");
  EXPECT_EQ(na.Json()["code"], "method_not_allowed");
  // No web root configured: the UI paths are 404 too.
  EXPECT_EQ(client().Get("/").status, 404);
}

TEST_F(ServerTest, MalformedJsonIs400) {
  Start();
  auto r = client().Send({.method = "POST", .target = "/api/echo",
                          .headers = {{"Content-Type", "application/json"}}, .body = "{\"a\": "});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["code"], "malformed_json");
  auto ok = client().PostJson("/api/echo", {{"a", 1}});
  EXPECT_EQ(ok.status, 201);
  EXPECT_EQ(ok.Json()["a"], 1);
}

// Bodies nested deeper than kMaxJsonDepth are refused before any handler sees them: domain
// code walks JSON recursively, and a quarter megabyte of brackets would otherwise be stored.
TEST_F(ServerTest, JsonNestedTooDeeplyIs400) {
  Start();
  auto nested = [](int depth) { return "{\"a\": " + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}"; };
  auto post = [&](const std::string& body) {
    return client().Send(
        {.method = "POST", .target = "/api/echo", .headers = {{"Content-Type", "application/json"}}, .body = body});
  };
  EXPECT_EQ(post(nested(kMaxJsonDepth)).status, 201);
  auto deep = post(nested(kMaxJsonDepth + 1));
  EXPECT_EQ(deep.status, 400);
  EXPECT_EQ(deep.Header("content-type"), "application/problem+json");
  EXPECT_EQ(deep.Json()["code"], "too_deep");
  // Brackets inside strings, escaped quotes included, are text.
  const std::string text = R"({"a": "\"[[[[", "b": ")" + std::string(500, '[') + R"("})";
  auto in_string = post(text);
  EXPECT_EQ(in_string.status, 201);
  EXPECT_EQ(in_string.Json()["b"].get<std::string>().size(), 500u);
}

TEST(JsonBodyTest, CountsObjectsAndArraysOutsideStringsAndFindsNul) {
  using enum JsonBodyProblem;
  EXPECT_EQ(CheckJsonBody("{}", 1), kNone);
  EXPECT_EQ(CheckJsonBody("{\"a\":[]}", 1), kTooDeep);
  EXPECT_EQ(CheckJsonBody("{\"a\":[]}", 2), kNone);
  EXPECT_EQ(CheckJsonBody("[1,[2],[3],{\"x\":[4]}]", 3), kNone);
  EXPECT_EQ(CheckJsonBody("[1,[2],[3],{\"x\":[[4]]}]", 3), kTooDeep);
  EXPECT_EQ(CheckJsonBody(R"(["\\", "[[[", "\"{{{"])", 1), kNone);  // escapes end where they should
  EXPECT_EQ(CheckJsonBody(R"(["\\", [[]]])", 2), kTooDeep);
  EXPECT_EQ(CheckJsonBody("", 0), kNone);
  // U+0000, escaped or raw; an escaped backslash followed by "u0000" is text.
  EXPECT_EQ(CheckJsonBody(R"({"opinion": "不符合\u0000条件"})"), kNulCharacter);
  EXPECT_EQ(CheckJsonBody(R"({"opinion": "\U0000"})"), kNone);  // not an escape JSON has; the parser refuses it
  EXPECT_EQ(CheckJsonBody(std::string("{\"a\": \"x\0y\"}", 12)), kNulCharacter);
  EXPECT_EQ(CheckJsonBody(R"({"path": "C:\\u0000"})"), kNone);
  EXPECT_EQ(CheckJsonBody(R"({"a": "\u00001"})"), kNulCharacter);
  EXPECT_EQ(CheckJsonBody(R"({"a": "\u0001"})"), kNone);
}

// A text with U+0000 is refused: PostgreSQL's text columns cannot hold it, and libpq cut such a
// value short, so the timeline kept "不符合" of an opinion answered as "不符合\u0000条件".
TEST_F(ServerTest, NulInAJsonStringIs400) {
  Start();
  auto r = client().Send({.method = "POST",
                          .target = "/api/echo",
                          .headers = {{"Content-Type", "application/json"}},
                          .body = R"({"opinion": "不符合\u0000条件"})"});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["code"], "nul_character");
  EXPECT_EQ(client().PostJson("/api/echo", {{"opinion", "不符合条件"}}).status, 201);
}

// A query parameter that does not decode, or not to UTF-8, is an error, not an absent parameter
// (a filter that did not decode used to be dropped, and the list came back unfiltered; bytes
// that are not UTF-8 reached PostgreSQL as a text parameter, which it refuses: a 500).
TEST_F(ServerTest, MalformedQueryStringsAre400) {
  Start();
  for (const char* target : {"/api/ping?q=a%00b", "/api/ping?q=%zz", "/api/ping?q=%4", "/api/ping?a=1&%00=2",
                             "/api/ping?q=%FF", "/api/ping?q=%C0%AF", "/api/ping?q=%E5%8A"}) {
    auto r = client().Get(target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_EQ(r.Json()["code"], "malformed_query") << target;
  }
  auto ok = client().Get("/api/ping?q=%E7%BD%91+%E5%8A%9E&empty=&flag");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.Json()["q"], "网 办");
}

TEST_F(ServerTest, WrongContentTypeIs415) {
  Start();
  auto r = client().Send({.method = "POST", .target = "/api/echo",
                          .headers = {{"Content-Type", "text/plain"}}, .body = "{}"});
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(r.Json()["code"], "unsupported_media_type");
  auto none = client().Send({.method = "POST", .target = "/api/echo", .body = "{}"});
  EXPECT_EQ(none.status, 415);
  auto charset = client().Send({.method = "POST", .target = "/api/echo",
                                .headers = {{"Content-Type", "application/json; charset=utf-8"}}, .body = "{}"});
  EXPECT_EQ(charset.status, 201);
}

TEST_F(ServerTest, OversizedBodyIs413AndTheServerStaysUp) {
  Start();
  const std::string big = "{\"a\":\"" + std::string(5000, 'x') + "\"}";
  auto r = client().Send({.method = "POST", .target = "/api/echo",
                          .headers = {{"Content-Type", "application/json"}}, .body = big});
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.Json()["code"], "payload_too_large");
  // The raw upload route has a larger limit.
  auto up = client().Send({.method = "POST", .target = "/api/upload", .body = std::string(50 * 1024, 'y')});
  EXPECT_EQ(up.status, 201);
  EXPECT_EQ(up.Json()["size"], 50 * 1024);
  auto over = client().Send({.method = "POST", .target = "/api/upload", .body = std::string(200 * 1024, 'y')});
  EXPECT_EQ(over.status, 413);
  EXPECT_EQ(client().Get("/api/ping").status, 200);
}

TEST_F(ServerTest, HugeDeclaredBodyIsRefusedBeforeItIsSent) {
  Start();
  RawConnection c(server_->port());
  ASSERT_TRUE(c.ok());
  // 1 GB declared, nothing of it sent: the answer must come from the headers alone.
  ASSERT_TRUE(c.Write("POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n"));
  auto r = c.ReadResponse(5s);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_TRUE(c.WaitForClose(5s));
}

TEST_F(ServerTest, ExpectContinueOverLimitGets413WithoutTheBody) {
  Start();
  RawConnection c(server_->port());
  ASSERT_TRUE(c.Write("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      "Content-Length: 4096\r\nExpect: 100-continue\r\n\r\n"));
  auto r = c.ReadResponse(5s);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);
}

TEST_F(ServerTest, ChunkedBodyOverLimitIs413) {
  Start();
  RawConnection c(server_->port());
  std::string req = "POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) req += "400\r\n" + std::string(1024, 'z') + "\r\n";
  req += "0\r\n\r\n";
  ASSERT_TRUE(c.Write(req));
  auto r = c.ReadResponse(5s);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);
}

TEST_F(ServerTest, ClientsCannotForgeTheTooLargeMark) {
  Start();
  auto r = client().Send({.method = "POST", .target = "/api/echo",
                          .headers = {{"Content-Type", "application/json"}, {"X-Wangban-Body-Too-Large", "skip"}},
                          .body = "{}"});
  EXPECT_EQ(r.status, 201);
}

TEST_F(ServerTest, SlowHeadersAreCutOffWhileOthersAreServed) {
  Start({.read_timeout = 500ms});
  RawConnection slow(server_->port());
  ASSERT_TRUE(slow.ok());
  ASSERT_TRUE(slow.Write("GET /api/ping HTTP/1.1\r\nHost: x\r\n"));  // never finishes the headers
  const auto began = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(client().Get("/api/ping").status, 200);
  EXPECT_TRUE(slow.WaitForClose(5s));
  // RESTinio checks its timers once a second, so the cut comes between 0.5 s and ~2 s.
  EXPECT_GE(std::chrono::steady_clock::now() - began, 450ms);
}

TEST_F(ServerTest, ExceptionsBecome500WithoutDetails) {
  Start();
  auto r = client().Get("/api/throws");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.Json()["code"], "internal");
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
}

TEST_F(ServerTest, FullQueueIs503WithRetryAfter) {
  Start({.worker_threads = 1, .max_queued = 1});
  auto first = std::async(std::launch::async, [&] { return client().Get("/api/slow"); });
  ASSERT_TRUE(gate_.WaitEntered(1));  // the only worker is busy
  auto second = std::async(std::launch::async, [&] { return client().Get("/api/slow"); });
  // The second waits in the queue (size 1); wait until the server has counted it.
  for (int i = 0; i < 1000 && metrics_.in_flight().load() < 2; ++i) std::this_thread::yield();
  // in_flight counts the queued request once the server has it; poll on the metric with a
  // bounded yield loop rather than a sleep.
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (metrics_.in_flight().load() < 2 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  auto third = client().Get("/api/slow");
  EXPECT_EQ(third.status, 503);
  EXPECT_EQ(third.Header("retry-after"), "1");
  EXPECT_EQ(third.Json()["code"], "overloaded");
  gate_.Open();
  EXPECT_EQ(first.get().status, 200);
  EXPECT_EQ(second.get().status, 200);
}

TEST_F(ServerTest, ConnectionLimitRefusesExtraClientsUntilASlotFrees) {
  Start({.max_connections = 2});
  auto a = std::make_unique<RawConnection>(server_->port());
  auto b = std::make_unique<RawConnection>(server_->port());
  ASSERT_TRUE(a->ok() && b->ok());
  // Both slots are taken by idle keep-alive connections; make sure the server counted them.
  ASSERT_TRUE(a->Write("GET /api/ping HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(a->ReadResponse(5s).has_value());
  ASSERT_TRUE(b->Write("GET /api/ping HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(b->ReadResponse(5s).has_value());
  // A third connection is closed at once, without an answer.
  RawConnection c(server_->port());
  EXPECT_TRUE(c.WaitForClose(5s));
  EXPECT_EQ(client().Get("/api/ping").status, 0);
  // Once a slot frees, clients are served again.
  a.reset();
  HttpResponse r;
  for (int i = 0; i < 200 && r.status != 200; ++i) r = client().Get("/api/ping");  // the close is asynchronous
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(metrics_.Render().find("wangban_http_refused_connections_total"), std::string::npos);
}

TEST_F(ServerTest, ShutdownLetsInFlightRequestsFinish) {
  Start();
  auto inflight = std::async(std::launch::async, [&] { return client().Get("/api/slow"); });
  ASSERT_TRUE(gate_.WaitEntered(1));
  server_->Shutdown();
  // RunUntilStopped is now draining; it must wait for the slow request.
  auto stopped = std::async(std::launch::async, [&] { runner_.join(); });
  EXPECT_EQ(stopped.wait_for(200ms), std::future_status::timeout);
  gate_.Open();
  auto r = inflight.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Json()["slow"], true);
  EXPECT_EQ(r.Header("connection"), "close");
  EXPECT_EQ(stopped.wait_for(10s), std::future_status::ready);
  // New connections are refused once stopped.
  EXPECT_EQ(client().Get("/api/ping").status, 0);
}

}  // namespace
}  // namespace wangban::http
