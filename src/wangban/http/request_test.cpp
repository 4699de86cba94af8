#include "wangban/http/request.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "wangban/http/error_mapping.hpp"
#include "wangban/http/json.hpp"

namespace wangban::http {
namespace {

TEST(RequestTest, PercentDecoding) {
  EXPECT_EQ(PercentDecode("/a%20b", false), "/a b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("%E5%8A%9E", false), "办");
  EXPECT_FALSE(PercentDecode("%", false).has_value());
  EXPECT_FALSE(PercentDecode("%4", false).has_value());
  EXPECT_FALSE(PercentDecode("%zz", false).has_value());
  EXPECT_FALSE(PercentDecode("a%00b", false).has_value());
}

TEST(RequestTest, QueryParameters) {
  Request r;
  r.query_string = "q=%E8%90%A5%E4%B8%9A+%E6%89%A7%E7%85%A7&limit=20&flag&bad=%zz";
  EXPECT_EQ(r.Query("q"), "营业 执照");
  EXPECT_EQ(r.Query("limit"), "20");
  EXPECT_EQ(r.Query("flag"), "");
  EXPECT_EQ(r.Query("missing"), std::nullopt);
  EXPECT_EQ(r.Query("bad"), std::nullopt);
}

TEST(RequestTest, HeadersAndPathParams) {
  Request r;
  r.headers = {{"content-type", "application/json"}};
  r.path_params = {{"id", "42"}};
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.Header("accept"), std::nullopt);
  EXPECT_EQ(r.PathParam("id"), "42");
  EXPECT_EQ(r.PathParam("code"), "");
}

TEST(JsonTest, ParsesObjectsAndExplainsFailures) {
  Request r;
  r.body = R"({"name":"张三"})";
  auto ok = ParseJsonObject(r);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ((*ok)["name"], "张三");
  r.body = R"({"name":)";
  auto bad = ParseJsonObject(r);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().StableCode(), "malformed_json");
  r.body = "[1,2]";
  EXPECT_EQ(ParseJsonObject(r).error().StableCode(), "expected_object");
  r.body = "";
  EXPECT_EQ(ParseJsonObject(r).error().StableCode(), "malformed_json");
  // Numbers beyond a double are a bad body, not an exception (it was a 500).
  for (const char* body : {R"({"income": 1e400})", R"({"n": [-1e999]})"}) {
    r.body = body;
    auto out = ParseJsonObject(r);
    ASSERT_FALSE(out.has_value()) << body;
    EXPECT_EQ(out.error().StableCode(), "malformed_json") << body;
  }
}

TEST(ErrorMappingTest, EveryCodeHasOneStatus) {
  EXPECT_EQ(HttpStatusFor(ErrorCode::kBadRequest), 400);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kValidationFailed), 422);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kForbidden), 403);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kMethodNotAllowed), 405);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kConflict), 409);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kPayloadTooLarge), 413);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnsupportedMediaType), 415);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnprocessable), 422);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kRateLimited), 429);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInternal), 500);
}

TEST(ErrorMappingTest, ProblemDocument) {
  Request req;
  req.path = "/api/v1/persons";
  req.request_id = "rid-1";
  Error e = Error::Validation({{"id_number", "checksum", "the check character is wrong"}});
  Response r = ProblemResponse(e, req);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.content_type, "application/problem+json");
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["code"], "validation_failed");
  EXPECT_EQ(j["status"], 422);
  EXPECT_EQ(j["instance"], "/api/v1/persons");
  EXPECT_EQ(j["request_id"], "rid-1");
  ASSERT_EQ(j["errors"].size(), 1u);
  EXPECT_EQ(j["errors"][0]["field"], "id_number");
  EXPECT_EQ(j["errors"][0]["code"], "checksum");
}

TEST(ErrorMappingTest, InternalDetailsStayInTheLog) {
  Request req;
  Response r = ProblemResponse(Error::Internal("SELECT * FROM secrets failed"), req);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("secrets"), std::string::npos);
}

TEST(ErrorMappingTest, RetryAfterHeader) {
  Request req;
  Response r = ProblemResponse(Error::RateLimited(900), req);
  EXPECT_EQ(r.status, 429);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"Retry-After", "900"}));
}

}  // namespace
}  // namespace wangban::http
