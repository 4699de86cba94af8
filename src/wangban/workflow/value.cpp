// Value: equality, JSON rendering and conversion from and to nlohmann::json.
#include "wangban/workflow/value.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <ostream>

#include <nlohmann/json.hpp>

namespace wangban::workflow {
namespace {

constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53

void AppendNumber(std::string& out, double x) {
  if (std::isfinite(x) && x == std::trunc(x) && std::fabs(x) <= kMaxExactInteger) {
    out += std::to_string(static_cast<std::int64_t>(x));
    return;
  }
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, x);
  out.append(buffer, ec == std::errc() ? end : buffer);
}

void AppendString(std::string& out, const std::string& s) {
  out += '"';
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[(c >> 4) & 0xf];
          out += kHex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void Append(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull:
      out += "null";
      return;
    case Value::Kind::kBool:
      out += v.as_bool() ? "true" : "false";
      return;
    case Value::Kind::kNumber:
      AppendNumber(out, v.as_number());
      return;
    case Value::Kind::kString:
      AppendString(out, v.as_string());
      return;
    case Value::Kind::kList: {
      out += '[';
      bool first = true;
      for (const Value& item : v.as_list()) {
        if (!first) out += ',';
        first = false;
        Append(out, item);
      }
      out += ']';
      return;
    }
    case Value::Kind::kObject: {
      out += '{';
      bool first = true;
      for (const auto& [key, item] : v.as_object()) {
        if (!first) out += ',';
        first = false;
        AppendString(out, key);
        out += ':';
        Append(out, item);
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

const Value* Value::Find(std::string_view key) const {
  if (!is_object()) return nullptr;
  const Object& object = as_object();
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &it->second;
}

bool operator==(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kNull:
      return true;
    case Value::Kind::kBool:
      return a.as_bool() == b.as_bool();
    case Value::Kind::kNumber:
      return a.as_number() == b.as_number();
    case Value::Kind::kString:
      return a.as_string() == b.as_string();
    case Value::Kind::kList:
      return a.as_list() == b.as_list();
    case Value::Kind::kObject:
      return a.as_object() == b.as_object();
  }
  return false;
}

std::string Value::ToString() const {
  std::string out;
  Append(out, *this);
  return out;
}

std::string_view KindName(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::kNull:
      return "null";
    case Value::Kind::kBool:
      return "boolean";
    case Value::Kind::kNumber:
      return "number";
    case Value::Kind::kString:
      return "string";
    case Value::Kind::kList:
      return "list";
    case Value::Kind::kObject:
      return "object";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& os, const Value& value) { return os << value.ToString(); }

Value ValueFromJson(const nlohmann::json& json) {
  using T = nlohmann::json::value_t;
  switch (json.type()) {
    case T::null:
    case T::discarded:
      return Value();
    case T::boolean:
      return Value(json.get<bool>());
    case T::number_integer:
      return Value(json.get<std::int64_t>());
    case T::number_unsigned:
      return Value(json.get<std::uint64_t>());
    case T::number_float:
      return Value(json.get<double>());
    case T::string:
      return Value(json.get_ref<const std::string&>());
    case T::array: {
      Value::List list;
      list.reserve(json.size());
      for (const auto& item : json) list.push_back(ValueFromJson(item));
      return Value(std::move(list));
    }
    case T::object: {
      Value::Object object;
      for (const auto& [key, item] : json.items()) object.emplace(key, ValueFromJson(item));
      return Value(std::move(object));
    }
    case T::binary: {
      Value::List list;
      for (const std::uint8_t byte : json.get_binary()) list.emplace_back(byte);
      return Value(std::move(list));
    }
  }
  return Value();
}

nlohmann::json ValueToJson(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kNull:
      return nullptr;
    case Value::Kind::kBool:
      return value.as_bool();
    case Value::Kind::kNumber: {
      const double x = value.as_number();
      if (std::isfinite(x) && x == std::trunc(x) && std::fabs(x) <= kMaxExactInteger) {
        return static_cast<std::int64_t>(x);
      }
      return x;
    }
    case Value::Kind::kString:
      return value.as_string();
    case Value::Kind::kList: {
      nlohmann::json array = nlohmann::json::array();
      for (const Value& item : value.as_list()) array.push_back(ValueToJson(item));
      return array;
    }
    case Value::Kind::kObject: {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& [key, item] : value.as_object()) object[key] = ValueToJson(item);
      return object;
    }
  }
  return nullptr;
}

}  // namespace wangban::workflow
