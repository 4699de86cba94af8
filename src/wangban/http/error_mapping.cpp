// ErrorCode -> HTTP status and problem+json. Handlers never build error bodies themselves.
#include "wangban/http/error_mapping.hpp"

#include <nlohmann/json.hpp>

namespace wangban::http {

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest: return 400;
    case ErrorCode::kValidationFailed: return 422;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kForbidden: return 403;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kMethodNotAllowed: return 405;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kPayloadTooLarge: return 413;
    case ErrorCode::kUnsupportedMediaType: return 415;
    case ErrorCode::kUnprocessable: return 422;
    case ErrorCode::kRateLimited: return 429;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return status < 400 ? "OK" : status < 500 ? "Client Error" : "Server Error";
  }
}

Response ProblemResponse(const Error& error, const Request& request) {
  const int status = HttpStatusFor(error.code);
  nlohmann::ordered_json j;
  const std::string code(error.StableCode());
  j["type"] = "urn:wangban:problem:" + code;
  j["title"] = ReasonPhrase(status);
  j["status"] = status;
  j["code"] = code;
  // Internal messages may describe the database or the code; they go to the log only.
  j["detail"] = error.code == ErrorCode::kInternal ? "an unexpected error occurred; quote the request id"
                                                   : error.message;
  j["instance"] = request.path;
  j["request_id"] = request.request_id;
  if (!error.field_errors.empty()) {
    auto& errors = j["errors"] = nlohmann::ordered_json::array();
    for (const FieldError& f : error.field_errors) {
      errors.push_back({{"field", f.field}, {"code", f.code}, {"message", f.message}});
    }
  }
  Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (error.retry_after_seconds) {
    r.headers.emplace_back("Retry-After", std::to_string(*error.retry_after_seconds));
  }
  return r;
}

}  // namespace wangban::http
