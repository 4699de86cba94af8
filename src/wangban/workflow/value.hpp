// The JSON-like value that process expressions read and produce: null, boolean, number,
// string, list or object. Immutable and cheap to copy (lists and objects are shared).
#pragma once

#include <concepts>
#include <cstddef>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace wangban::workflow {

class Value {
 public:
  using List = std::vector<Value>;
  using Object = std::map<std::string, Value, std::less<>>;

  enum class Kind { kNull, kBool, kNumber, kString, kList, kObject };

  Value() = default;  // null
  Value(std::nullptr_t) {}
  Value(bool b) : data_(b) {}
  // Numbers are IEEE doubles, as in JSON and JavaScript: integers are exact up to 2^53.
  Value(double number) : data_(number) {}
  template <std::integral I>
  requires(!std::same_as<I, bool>) Value(I number) : data_(static_cast<double>(number)) {}
  Value(std::string s) : data_(std::move(s)) {}
  Value(std::string_view s) : data_(std::string(s)) {}
  Value(const char* s) : data_(std::string(s)) {}
  Value(List list) : data_(std::make_shared<const List>(std::move(list))) {}
  Value(Object object) : data_(std::make_shared<const Object>(std::move(object))) {}

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool is_null() const { return kind() == Kind::kNull; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_number() const { return kind() == Kind::kNumber; }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_list() const { return kind() == Kind::kList; }
  bool is_object() const { return kind() == Kind::kObject; }

  // REQUIRES: the matching is_*() is true.
  bool as_bool() const { return std::get<bool>(data_); }
  double as_number() const { return std::get<double>(data_); }
  const std::string& as_string() const { return std::get<std::string>(data_); }
  const List& as_list() const { return *std::get<ListPtr>(data_); }
  const Object& as_object() const { return *std::get<ObjectPtr>(data_); }

  // The member `key` of an object, or nullptr when this is not an object or has no such member.
  const Value* Find(std::string_view key) const;

  // Deep equality. Values of different kinds are never equal (no coercion: 1 != "1").
  friend bool operator==(const Value& a, const Value& b);

  // Compact JSON text, for messages and logs: {"a":[1,true,null]}. Integral numbers print
  // without a fraction; strings are escaped as JSON strings.
  std::string ToString() const;

 private:
  using ListPtr = std::shared_ptr<const List>;
  using ObjectPtr = std::shared_ptr<const Object>;
  // Alternative order matches Kind.
  std::variant<std::monostate, bool, double, std::string, ListPtr, ObjectPtr> data_;
};

// "null", "boolean", "number", "string", "list" or "object", for messages.
std::string_view KindName(Value::Kind kind);

// Writes ToString(), so that tests print values.
std::ostream& operator<<(std::ostream& os, const Value& value);

// JSON to Value: integers become doubles (exact up to 2^53), binary values become lists of
// byte numbers, discarded values become null.
Value ValueFromJson(const nlohmann::json& json);

// Value to JSON. Numbers with an integral value within ±2^53 become JSON integers.
nlohmann::json ValueToJson(const Value& value);

}  // namespace wangban::workflow
