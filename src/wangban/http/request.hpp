// HTTP requests and responses as handlers see them; no RESTinio or Asio types leak out.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "wangban/common/error.hpp"

namespace wangban::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

std::string_view MethodName(Method method);
// "GET" -> kGet; kOther for anything unknown.
Method ParseMethod(std::string_view name);

using Headers = std::vector<std::pair<std::string, std::string>>;

// Anything a middleware attaches to a request for later handlers (e.g. the authenticated
// principal). Modules derive from it.
struct RequestContext {
  virtual ~RequestContext() = default;
};

struct Request {
  Method method = Method::kGet;
  std::string target;        // as received: path and query
  std::string path;          // percent-decoded path without the query
  std::string query_string;  // raw, without '?'
  Headers headers;           // names in lowercase
  std::string body;
  std::string request_id;
  std::string remote_address;
  std::string route;  // the matched route template, e.g. "/api/v1/cases/{id}"
  std::vector<std::pair<std::string, std::string>> path_params;
  std::shared_ptr<RequestContext> context;

  // The value of a header (name in lowercase), or nullopt.
  std::optional<std::string_view> Header(std::string_view lowercase_name) const;
  // A path parameter by name; "" if the route has none of that name.
  std::string_view PathParam(std::string_view name) const;
  // A query parameter, percent-decoded ('+' is a space); nullopt if absent. The server answers
  // 400 before any handler when the query string is not WellFormedQuery, so that a parameter
  // is never taken for absent because it did not decode.
  std::optional<std::string> Query(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  Headers headers;
  // Close the connection after this response.
  bool close_connection = false;

  // JSON body (UTF-8).
  static Response Json(int status, const nlohmann::json& body);
  static Response NoContent();
  static Response Text(int status, std::string body, std::string content_type);
};

using HandlerResult = Result<Response>;

// True if every name and value of `query_string` percent-decodes (PercentDecode: no broken
// escape, no NUL) to valid UTF-8.
bool WellFormedQuery(std::string_view query_string);

// Percent-decodes `text`; nullopt for malformed escapes or an encoded NUL.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

}  // namespace wangban::http
