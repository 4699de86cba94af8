// JSON request bodies.
#include "wangban/http/json.hpp"

namespace wangban::http {

Result<nlohmann::json> ParseJsonObject(const Request& request) {
  try {
    auto j = nlohmann::json::parse(request.body);
    if (!j.is_object()) return Fail(Error::BadRequest("the body must be a JSON object", "expected_object"));
    return j;
  } catch (const nlohmann::json::parse_error& e) {
    return Fail(Error::BadRequest("malformed JSON at byte " + std::to_string(e.byte), "malformed_json"));
  }
}

}  // namespace wangban::http
