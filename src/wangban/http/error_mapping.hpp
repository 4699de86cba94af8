// The one place where error codes become HTTP statuses and problem+json documents (RFC 9457).
#pragma once

#include "wangban/common/error.hpp"
#include "wangban/http/request.hpp"

namespace wangban::http {

// The HTTP status for an error code: kBadRequest 400, kValidationFailed 422, kUnauthenticated
// 401, kForbidden 403, kNotFound 404, kMethodNotAllowed 405, kConflict 409, kPayloadTooLarge
// 413, kUnsupportedMediaType 415, kUnprocessable 422, kRateLimited 429, kUnavailable 503,
// kInternal 500.
int HttpStatusFor(ErrorCode code);

// The standard reason phrase of a status ("Not Found").
std::string_view ReasonPhrase(int status);

// An application/problem+json response: {type, title, status, code, detail, instance,
// request_id, errors?}. Internal errors hide their message (it is logged instead).
Response ProblemResponse(const Error& error, const Request& request);

}  // namespace wangban::http
