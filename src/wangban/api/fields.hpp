// Reading request fields from a JSON object with per-field type errors.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "wangban/common/error.hpp"

namespace wangban::api {

class Fields {
 public:
  explicit Fields(const nlohmann::json& object, std::string prefix = {}) : object_(object), prefix_(std::move(prefix)) {}

  // The string at `name`; "" when absent or null; a "type" error when it is something else.
  std::string String(std::string_view name);
  // An array of strings; a "type" error for anything else.
  std::vector<std::string> StringArray(std::string_view name);
  // The nested object at `name` (an empty object when absent); "type" error otherwise.
  nlohmann::json Object(std::string_view name);
  bool Bool(std::string_view name, bool fallback);

  FieldErrors& errors() { return errors_; }
  Result<void> Finish() const { return errors_.Finish(); }

 private:
  const nlohmann::json& object_;
  std::string prefix_;
  FieldErrors errors_;
};

}  // namespace wangban::api
