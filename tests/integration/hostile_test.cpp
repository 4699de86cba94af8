// Every route of the OpenAPI document, asked with hostile input by every demo role and by nobody,
// on SQLite and PostgreSQL: path parameters that are not what the route expects (not UTF-8,
// overlong forms, dots, a quote, 3,000 characters), query parameters that are not what lists
// expect, and bodies of every wrong shape. Whatever the answer, it is never a 5xx: bad input is
// the client's error, answered with a problem document. (A 500 here once meant bytes reaching
// PostgreSQL as text it refuses, or a number no double holds.)
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "tests/testing/postgres_cluster.hpp"
#include "tests/testing/server_process.hpp"

namespace wangban::testing {
namespace {

using nlohmann::json;

class HostileInputTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string db = DatabaseFor(GetParam());
    ASSERT_FALSE(db.empty());
    server_ = std::make_unique<ServerProcess>(
        ServerOptions{.db = db, .extra_args = {"--demo", "--password-hash-cost", "minimum", "--no-jobs"}});
    ASSERT_TRUE(server_->ok()) << server_->output();
  }

  std::string Login(const std::string& account) {
    auto r = server_->client().PostJson("/api/v1/sessions", {{"account", account}, {"password", "Wangban@2026"}});
    EXPECT_EQ(r.status, 201) << r.body;
    return "Bearer " + r.Json().value("token", "");
  }

  // Sends the request; records it when the answer is a 5xx (or no answer at all).
  void Ask(const std::string& method, const std::string& target, const std::string& auth,
           const std::optional<std::string>& body) {
    HttpRequest request{.method = method, .target = target};
    if (!auth.empty()) request.headers.emplace_back("Authorization", auth);
    if (body) {
      request.headers.emplace_back("Content-Type", "application/json");
      request.body = *body;
    }
    auto r = server_->client().Send(request);
    ++asked_;
    if (r.status == 0 || r.status >= 500) {
      failures_.push_back(method + " " + target.substr(0, 120) + " " + (body ? body->substr(0, 80) : "") + " -> " +
                          std::to_string(r.status) + " " + r.body.substr(0, 160));
    }
  }

  std::unique_ptr<ServerProcess> server_;
  int asked_ = 0;
  std::vector<std::string> failures_;
};

TEST_P(HostileInputTest, NoRouteAnswersBadInputWithA5xx) {
  auto spec_response = server_->client().Get("/api/openapi.json");
  ASSERT_EQ(spec_response.status, 200);
  const json spec = spec_response.Json();
  ASSERT_TRUE(spec["paths"].is_object());

  std::vector<std::string> auths = {""};
  for (const char* account : {"13800000001", "window", "approver2", "catalog", "supervisor", "admin"}) {
    auths.push_back(Login(account));
  }
  // One real draft, so that case routes also meet an id that exists.
  auto created =
      server_->client().PostJson("/api/v1/cases", {{"item_code", "000707011000460100HKZJJ"}, {"form", json::object()}},
                                 {{"Authorization", auths[1]}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string real_case = created.Json().value("id", "");

  const std::vector<std::string> path_values = {
      real_case, "%FF", "%C0%AF", "%E5%8A", "..", "%27", std::string(3000, 'x'), "-1", "0", "1e400"};
  const std::vector<std::string> query_values = {
      "-1", "abc", "99999999999999999999", "1e400", "", "%25", "%27%20OR%201%3D1", "2026-13-45", "%E4%B8%8D", "[]"};
  const std::vector<std::string> bodies = {
      "null",
      "[]",
      "\"x\"",
      "0",
      "{}",
      R"({"x": 1})",
      R"({"form": null, "item_code": 1, "outcome": [], "opinion": {}, "data": "x", "account": 1e300})",
      R"({"form": {"a": [1, {"b": null}]}, "materials": "x", "commitment": "yes", "license_id": 7})",
      R"({"outcome": "accept", "data": [], "days": -5, "reason": "", "kind": "hearing"})",
      R"({"document": "{", "rules": {"conditions": 1}, "status": true, "roles": "admin", "set": []})",
      R"({"name": "", "phone": "1", "id_number": "x", "password": "", "department": null, "region": 460100})",
      R"({"k": 1.5e308, "n": -0.0, "s": "不符合", "deep": [[[[[[[[[[]]]]]]]]]]})",
      R"({"item_code": "000707011000460100HKZJJ", "form": {"monthly_income": 1e400}})",
  };

  const std::regex param(R"(\{[^}]+\})");
  std::set<std::string> methods_seen;
  for (const auto& [path, operations] : spec["paths"].items()) {
    for (const auto& [method_lower, operation] : operations.items()) {
      std::string method = method_lower;
      for (auto& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (method != "GET" && method != "POST" && method != "PUT" && method != "PATCH" && method != "DELETE") continue;
      if (path == "/api/v1/test/clock") continue;  // only with --test-clock
      // Logging out would leave the rest of the routes nothing but 401s to answer.
      if (method == "DELETE" && path.starts_with("/api/v1/sessions")) continue;
      methods_seen.insert(method);
      const bool has_params = path.find('{') != std::string::npos;
      const std::vector<std::string> values = has_params ? path_values : std::vector<std::string>{""};
      // The query parameters the route declares.
      std::vector<std::string> query_names;
      for (const auto& p : operation.value("parameters", json::array())) {
        if (p.value("in", "") == "query") query_names.push_back(p.value("name", ""));
      }
      for (const auto& value : values) {
        const std::string target = has_params ? std::regex_replace(path, param, value) : path;
        // Every variation of the query or the body with the real id (or none); one request for
        // each hostile path value.
        const bool thorough = !has_params || value == real_case;
        for (const auto& auth : auths) {
          if (method == "GET") {
            Ask(method, target, auth, std::nullopt);
            if (!thorough) continue;
            for (const auto& name : query_names) {
              for (const auto& v : query_values) Ask(method, target + "?" + name + "=" + v, auth, std::nullopt);
            }
          } else if (thorough) {
            for (const auto& body : bodies) Ask(method, target, auth, body);
          } else {
            Ask(method, target, auth, "{}");
          }
        }
      }
    }
  }
  EXPECT_GE(methods_seen.size(), 4u);
  EXPECT_GT(asked_, 3000);
  EXPECT_TRUE(failures_.empty()) << failures_.size() << " of " << asked_ << " requests got a 5xx, the first:\n"
                                 << [&] {
                                      std::string out;
                                      for (std::size_t i = 0; i < failures_.size() && i < 20; ++i) {
                                        out += failures_[i] + "\n";
                                      }
                                      return out;
                                    }();
  EXPECT_TRUE(server_->client().Get("/api/health").status == 200);
}

INSTANTIATE_TEST_SUITE_P(Backends, HostileInputTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace wangban::testing
