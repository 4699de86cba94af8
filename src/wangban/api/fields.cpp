#include "wangban/api/fields.hpp"

namespace wangban::api {

std::string Fields::String(std::string_view name) {
  auto it = object_.find(std::string(name));
  if (it == object_.end() || it->is_null()) return {};
  if (!it->is_string()) {
    errors_.Add(prefix_ + std::string(name), "type", "must be a string");
    return {};
  }
  return it->get<std::string>();
}

std::vector<std::string> Fields::StringArray(std::string_view name) {
  std::vector<std::string> out;
  auto it = object_.find(std::string(name));
  if (it == object_.end() || it->is_null()) return out;
  if (!it->is_array()) {
    errors_.Add(prefix_ + std::string(name), "type", "must be an array of strings");
    return out;
  }
  for (std::size_t i = 0; i < it->size(); ++i) {
    if (!(*it)[i].is_string()) {
      errors_.Add(prefix_ + std::string(name) + "[" + std::to_string(i) + "]", "type", "must be a string");
      continue;
    }
    out.push_back((*it)[i].get<std::string>());
  }
  return out;
}

nlohmann::json Fields::Object(std::string_view name) {
  auto it = object_.find(std::string(name));
  if (it == object_.end() || it->is_null()) return nlohmann::json::object();
  if (!it->is_object()) {
    errors_.Add(prefix_ + std::string(name), "type", "must be an object");
    return nlohmann::json::object();
  }
  return *it;
}

bool Fields::Bool(std::string_view name, bool fallback) {
  auto it = object_.find(std::string(name));
  if (it == object_.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) {
    errors_.Add(prefix_ + std::string(name), "type", "must be true or false");
    return fallback;
  }
  return it->get<bool>();
}

}  // namespace wangban::api
