// JSON request bodies.
#include "wangban/http/json.hpp"

#include "wangban/http/json_body.hpp"

namespace wangban::http {

JsonBodyProblem CheckJsonBody(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\0') return JsonBodyProblem::kNulCharacter;
    if (in_string) {
      if (c == '\\') {
        if (text.substr(i + 1, 5) == "u0000") return JsonBodyProblem::kNulCharacter;
        ++i;  // the escaped character, a quote included
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return JsonBodyProblem::kTooDeep;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return JsonBodyProblem::kNone;
}

Result<nlohmann::json> ParseJsonObject(const Request& request) {
  try {
    auto j = nlohmann::json::parse(request.body);
    if (!j.is_object()) return Fail(Error::BadRequest("the body must be a JSON object", "expected_object"));
    return j;
  } catch (const nlohmann::json::parse_error& e) {
    return Fail(Error::BadRequest("malformed JSON at byte " + std::to_string(e.byte), "malformed_json"));
  } catch (const nlohmann::json::out_of_range&) {
    // A number beyond what a double holds (1e400): nlohmann reports it apart from syntax errors.
    return Fail(Error::BadRequest("a number of the JSON body is out of range", "malformed_json"));
  }
}

}  // namespace wangban::http
