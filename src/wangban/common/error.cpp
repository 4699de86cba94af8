// Constructors and names for Error.
#include "wangban/common/error.hpp"

namespace wangban {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest: return "bad_request";
    case ErrorCode::kValidationFailed: return "validation_failed";
    case ErrorCode::kUnauthenticated: return "unauthenticated";
    case ErrorCode::kForbidden: return "forbidden";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kMethodNotAllowed: return "method_not_allowed";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kPayloadTooLarge: return "payload_too_large";
    case ErrorCode::kUnsupportedMediaType: return "unsupported_media_type";
    case ErrorCode::kUnprocessable: return "unprocessable";
    case ErrorCode::kRateLimited: return "rate_limited";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

Error Error::BadRequest(std::string message, std::string reason) {
  return Error{.code = ErrorCode::kBadRequest, .message = std::move(message), .reason = std::move(reason)};
}
Error Error::Validation(std::vector<FieldError> fields, std::string message) {
  return Error{.code = ErrorCode::kValidationFailed, .message = std::move(message),
               .field_errors = std::move(fields)};
}
Error Error::Unauthenticated(std::string message) {
  return Error{.code = ErrorCode::kUnauthenticated, .message = std::move(message)};
}
Error Error::Forbidden(std::string message) {
  return Error{.code = ErrorCode::kForbidden, .message = std::move(message)};
}
Error Error::NotFound(std::string message) {
  return Error{.code = ErrorCode::kNotFound, .message = std::move(message)};
}
Error Error::Conflict(std::string message, std::string reason) {
  return Error{.code = ErrorCode::kConflict, .message = std::move(message), .reason = std::move(reason)};
}
Error Error::Unprocessable(std::string message, std::string reason) {
  return Error{.code = ErrorCode::kUnprocessable, .message = std::move(message), .reason = std::move(reason)};
}
Error Error::RateLimited(int retry_after_seconds, std::string message) {
  return Error{.code = ErrorCode::kRateLimited, .message = std::move(message),
               .retry_after_seconds = retry_after_seconds};
}
Error Error::Unavailable(std::string message, std::string reason) {
  return Error{.code = ErrorCode::kUnavailable, .message = std::move(message), .reason = std::move(reason)};
}
Error Error::Internal(std::string message) {
  return Error{.code = ErrorCode::kInternal, .message = std::move(message)};
}

std::string_view Error::StableCode() const {
  return reason.empty() ? ErrorCodeName(code) : std::string_view(reason);
}

bool FieldErrors::Has(std::string_view field) const {
  for (const auto& e : errors_) {
    if (e.field == field) return true;
  }
  return false;
}

Result<void> FieldErrors::Finish() const {
  if (errors_.empty()) return {};
  return Fail(Error::Validation(errors_));
}

}  // namespace wangban
