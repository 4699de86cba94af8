// Error values for every fallible operation: std::expected<T, Error>. The mapping from
// ErrorCode to an HTTP status lives in one place, http/error_mapping.cpp.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wangban {

// The kind of failure, chosen by how the caller recovers (after absl::StatusCode).
enum class ErrorCode {
  kBadRequest,            // malformed input: unparsable JSON, bad query string
  kValidationFailed,      // well-formed input with invalid fields; see Error::field_errors
  kUnauthenticated,       // no credentials, or bad or expired ones
  kForbidden,             // authenticated, but the policy denies the action
  kNotFound,              // absent, or not the caller's to see
  kMethodNotAllowed,      // the path exists but not for this method
  kConflict,              // the current state forbids the change (or a unique key is taken)
  kPayloadTooLarge,       // the body is over the route's limit
  kUnsupportedMediaType,  // wrong Content-Type for the route
  kUnprocessable,         // semantically invalid as a whole (e.g. Idempotency-Key reuse)
  kRateLimited,           // throttled; Error::retry_after_seconds says when to come back
  kUnavailable,           // transient: database busy, shutting down; safe to retry
  kInternal,              // a bug or an unexpected failure of a dependency
};

// The stable machine-readable name of a code, e.g. "validation_failed".
std::string_view ErrorCodeName(ErrorCode code);

// One invalid field of a request: `field` is a dotted path ("legal_representative.id_number"),
// `code` a stable reason ("required", "checksum", "format", "too_long", ...).
struct FieldError {
  std::string field;
  std::string code;
  std::string message;

  bool operator==(const FieldError&) const = default;
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::vector<FieldError> field_errors;
  // Overrides the code's generic stable name in the problem document when set, e.g.
  // "malformed_json" (a kBadRequest) or "unique_violation" (a kConflict).
  std::string reason;
  std::optional<int> retry_after_seconds;

  static Error BadRequest(std::string message, std::string reason = {});
  static Error Validation(std::vector<FieldError> fields,
                          std::string message = "the request has invalid fields");
  static Error Unauthenticated(std::string message = "authentication required");
  static Error Forbidden(std::string message = "not allowed");
  static Error NotFound(std::string message = "not found");
  static Error Conflict(std::string message, std::string reason = {});
  static Error Unprocessable(std::string message, std::string reason = {});
  static Error RateLimited(int retry_after_seconds, std::string message = "too many requests");
  static Error Unavailable(std::string message, std::string reason = {});
  static Error Internal(std::string message);

  // The name written as `code` in problem documents: `reason` if set, else ErrorCodeName(code).
  std::string_view StableCode() const;
};

template <typename T>
using Result = std::expected<T, Error>;

// Shorthand for returning an error from a function that returns Result<T>.
inline std::unexpected<Error> Fail(Error error) { return std::unexpected<Error>(std::move(error)); }

// Collects field errors while validating a request; Finish() returns them as one error.
class FieldErrors {
 public:
  void Add(std::string field, std::string code, std::string message) {
    errors_.push_back({std::move(field), std::move(code), std::move(message)});
  }
  bool empty() const { return errors_.empty(); }
  bool Has(std::string_view field) const;
  const std::vector<FieldError>& items() const { return errors_; }
  // Ok when no field was added, else a kValidationFailed error listing every field.
  Result<void> Finish() const;

 private:
  std::vector<FieldError> errors_;
};

}  // namespace wangban
