// JSON bodies for handlers.
#pragma once

#include <nlohmann/json.hpp>

#include "wangban/common/error.hpp"
#include "wangban/http/request.hpp"

namespace wangban::http {

// Parses the request body as a JSON object. Errors: kBadRequest "malformed_json" (with the
// byte offset) for unparsable text; kBadRequest "expected_object" when it is not an object.
Result<nlohmann::json> ParseJsonObject(const Request& request);

}  // namespace wangban::http
