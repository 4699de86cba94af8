// Compiles the JSON Schema subset described in form_schema.hpp into a tree of SchemaNode and
// walks submitted forms along it.
#include "wangban/catalog/form_schema.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
// GCC 12 reports a false -Wmaybe-uninitialized inside libstdc++'s regex compiler when it is
// instantiated (a known false positive about std::function in _StateT); the pragma covers the
// header's own lines.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace wangban::catalog {

using nlohmann::json;
using nlohmann::ordered_json;

namespace internal {

// The helper types are nested so that their generic names cannot clash with other files'.
struct SchemaNode {
  enum TypeBit : unsigned {
    kObject = 1u << 0,
    kArray = 1u << 1,
    kString = 1u << 2,
    kInteger = 1u << 3,
    kNumber = 1u << 4,
    kBoolean = 1u << 5,
    kNull = 1u << 6,
  };
  enum class Format { kNone, kDate, kEmail, kPhone, kIdNumber, kUscc };
  struct NumberBound {
    double value = 0;
    std::string text;  // as written in the schema, for messages
  };
  struct Property {
    std::string name;
    bool required = false;
    std::unique_ptr<SchemaNode> schema;  // never null
  };

  unsigned types = 0;  // TypeBit mask; 0 accepts every type
  std::string type_message;
  std::vector<Property> properties;  // in schema order
  std::unordered_set<std::string> property_names;
  bool additional_properties = true;
  std::unique_ptr<SchemaNode> items;
  std::optional<std::size_t> min_items, max_items, min_length, max_length;
  std::optional<json> enum_values;  // a non-empty array
  std::string enum_message;
  std::optional<json> const_value;
  std::string const_message;
  std::optional<std::wregex> pattern;  // [\s\S]*(?:pattern)[\s\S]*, for std::regex_match
  std::optional<NumberBound> minimum, exclusive_minimum, maximum, exclusive_maximum;
  Format format = Format::kNone;
};

}  // namespace internal

namespace {

using internal::SchemaNode;
using Format = SchemaNode::Format;
using NumberBound = SchemaNode::NumberBound;
using SchemaProperty = SchemaNode::Property;
using TypeBit = SchemaNode::TypeBit;

// The parser drops anything nested deeper than this, so that no later recursive json
// operation (comparison, destruction) meets a hostile depth. It leaves room for
// kMaxSchemaDepth schemas (two levels each through "properties") plus nested enum values.
constexpr int kMaxSchemaJsonDepth = 2 * FormSchema::kMaxSchemaDepth + 8;
constexpr std::size_t kMaxPropertyNameLength = 64;
constexpr std::size_t kMaxMessageListLength = 200;
constexpr std::size_t kMaxEnumValuesInMessage = 10;

constexpr std::string_view kDialect = "https://json-schema.org/draft/2020-12/schema";

#if defined(__GLIBCXX__)
// libstdc++'s extension: always use the breadth-first (Thompson) executor, and reject
// back-references, which that executor cannot run.
constexpr auto kRegexFlags =
    std::regex_constants::ECMAScript | std::regex_constants::nosubs | std::regex_constants::__polynomial;
#else
constexpr auto kRegexFlags = std::regex_constants::ECMAScript | std::regex_constants::nosubs;
#endif

struct TypeName {
  std::string_view name;
  unsigned bit;
  std::string_view with_article;
};
constexpr std::array<TypeName, 7> kTypeNames = {{
    {"object", TypeBit::kObject, "an object"},
    {"array", TypeBit::kArray, "an array"},
    {"string", TypeBit::kString, "a string"},
    {"integer", TypeBit::kInteger, "an integer"},
    {"number", TypeBit::kNumber, "a number"},
    {"boolean", TypeBit::kBoolean, "a boolean"},
    {"null", TypeBit::kNull, "null"},
}};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char ToUpper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

std::string Plural(std::size_t n, std::string_view noun) {
  std::string out = std::to_string(n) + " " + std::string(noun);
  if (n != 1) out += "s";
  return out;
}

// A path one property or element further into a form or a schema.
std::string Child(const std::string& path, std::string_view name) {
  if (path.empty()) return std::string(name);
  std::string out;
  out.reserve(path.size() + 1 + name.size());
  out.append(path).append(".").append(name);
  return out;
}
std::string Element(const std::string& path, std::size_t index) { return path + "[" + std::to_string(index) + "]"; }

template <typename Json>
std::string Dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// --- Unicode -------------------------------------------------------------------------------

// Code points in UTF-8 text: every byte that is not a continuation byte starts one.
std::size_t CodePointCount(std::string_view text) {
  std::size_t count = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0u) != 0x80u) ++count;
  }
  return count;
}

// UTF-8 decoded to one wchar_t per code point (wchar_t is UTF-32 on our platforms); invalid
// sequences become U+FFFD. nlohmann's parser has already rejected invalid UTF-8 in practice.
std::wstring ToCodePoints(std::string_view text) {
  static_assert(sizeof(wchar_t) == 4, "patterns are matched on UTF-32 code points");
  std::wstring out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::uint32_t code = 0;
    std::size_t length = 0;
    if (lead < 0x80u) {
      code = lead, length = 1;
    } else if ((lead >> 5) == 0x6u) {
      code = lead & 0x1Fu, length = 2;
    } else if ((lead >> 4) == 0xEu) {
      code = lead & 0x0Fu, length = 3;
    } else if ((lead >> 3) == 0x1Eu) {
      code = lead & 0x07u, length = 4;
    }
    bool ok = length != 0 && i + length <= text.size();
    for (std::size_t k = 1; ok && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      ok = (next & 0xC0u) == 0x80u;
      code = (code << 6) | (next & 0x3Fu);
    }
    if (!ok) {
      out.push_back(L'\uFFFD');
      ++i;
      continue;
    }
    out.push_back(static_cast<wchar_t>(code));
    i += length;
  }
  return out;
}

// --- formats -------------------------------------------------------------------------------

bool AllDigits(std::string_view text) { return std::ranges::all_of(text, IsDigit); }

int ParseDigits(std::string_view digits) {
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

bool IsRealDate(int y, int m, int d) {
  using namespace std::chrono;
  return year_month_day{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}}.ok();
}

// YYYY-MM-DD naming a day that exists (RFC 3339 full-date).
bool IsDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  const auto y = text.substr(0, 4), m = text.substr(5, 2), d = text.substr(8, 2);
  if (!AllDigits(y) || !AllDigits(m) || !AllDigits(d)) return false;
  return IsRealDate(ParseDigits(y), ParseDigits(m), ParseDigits(d));
}

bool IsDomainLabel(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
    return false;
  }
  return std::ranges::all_of(label, [](char c) { return IsAsciiLetter(c) || IsDigit(c) || c == '-'; });
}

// A pragmatic address check, not RFC 5322: local@domain in ASCII, a dot-atom local part of at
// most 64 characters, and a domain of at least two labels ending in an alphabetic TLD.
bool IsEmail(std::string_view text) {
  if (text.size() > 254) return false;
  const std::size_t at = text.find('@');
  if (at == std::string_view::npos || text.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  const std::string_view local = text.substr(0, at), domain = text.substr(at + 1);
  if (local.empty() || local.size() > 64 || local.front() == '.' || local.back() == '.' ||
      local.find("..") != std::string_view::npos) {
    return false;
  }
  constexpr std::string_view kLocalSpecials = "!#$%&'*+/=?^_`{|}~.-";
  for (char c : local) {
    if (!IsAsciiLetter(c) && !IsDigit(c) && kLocalSpecials.find(c) == std::string_view::npos) {
      return false;
    }
  }
  std::size_t labels = 0;
  std::string_view last_label;
  for (std::size_t start = 0;;) {
    const std::size_t dot = domain.find('.', start);
    last_label = domain.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!IsDomainLabel(last_label)) return false;
    ++labels;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return labels >= 2 && last_label.size() >= 2 && std::ranges::all_of(last_label, IsAsciiLetter);
}

// A mainland mobile number as stored: 1, then 3-9, then nine digits.
bool IsPhone(std::string_view text) {
  return text.size() == 11 && text[0] == '1' && text[1] >= '3' && text[1] <= '9' && AllDigits(text);
}

// GB 11643-1999: 17 digits, of which 7-14 are a real birth date, and the ISO 7064 MOD 11-2
// check character. The region code and whether the date is past are left to the identity
// module (identity::ValidateIdNumber), which catalog does not depend on.
bool IsIdNumber(std::string_view text) {
  if (text.size() != 18 || !AllDigits(text.substr(0, 17))) return false;
  const auto birth = text.substr(6, 8);
  if (!IsRealDate(ParseDigits(birth.substr(0, 4)), ParseDigits(birth.substr(4, 2)), ParseDigits(birth.substr(6, 2)))) {
    return false;
  }
  static constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (std::size_t i = 0; i < kWeights.size(); ++i) sum += (text[i] - '0') * kWeights[i];
  constexpr std::string_view kCheck = "10X98765432";
  return ToUpper(text[17]) == kCheck[static_cast<std::size_t>(sum % 11)];
}

// GB 32100-2015: 18 characters from the 31-character set (no I, O, S, V, Z), the last one a
// MOD 31 check character. Lowercase letters are accepted.
bool IsUscc(std::string_view text) {
  constexpr std::string_view kCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  static constexpr std::array<int, 17> kWeights = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
  if (text.size() != 18) return false;
  int sum = 0;
  for (std::size_t i = 0; i < kWeights.size(); ++i) {
    const std::size_t value = kCharset.find(ToUpper(text[i]));
    if (value == std::string_view::npos) return false;
    sum += static_cast<int>(value) * kWeights[i];
  }
  return ToUpper(text[17]) == kCharset[static_cast<std::size_t>((31 - sum % 31) % 31)];
}

bool MatchesFormat(Format format, std::string_view text) {
  switch (format) {
    case Format::kNone:
      return true;
    case Format::kDate:
      return IsDate(text);
    case Format::kEmail:
      return IsEmail(text);
    case Format::kPhone:
      return IsPhone(text);
    case Format::kIdNumber:
      return IsIdNumber(text);
    case Format::kUscc:
      return IsUscc(text);
  }
  return true;
}

std::string_view FormatMessage(Format format) {
  switch (format) {
    case Format::kNone:
      break;
    case Format::kDate:
      return "must be a date written YYYY-MM-DD";
    case Format::kEmail:
      return "must be an email address";
    case Format::kPhone:
      return "must be an 11-digit mobile phone number";
    case Format::kIdNumber:
      return "must be a valid 18-character ID number";
    case Format::kUscc:
      return "must be a valid unified social credit code";
  }
  return "has the wrong format";
}

// --- patterns ------------------------------------------------------------------------------

// An upper estimate of the size of the automaton libstdc++ builds for a pattern: an atom
// weighs 1, a group its contents plus 1, and a quantifier multiplies the atom or group before
// it by its upper bound plus 1 (its lower bound plus 1 when open; 2 for *, + and ?), since the
// compiler copies a repeated sub-automaton once per count. "(?:a{100}){100}" weighs about
// 10,000. The weight bounds both matching time and the executor's recursion depth. Any text
// may be weighed: an invalid pattern just gets a rough weight.
std::size_t PatternWeight(std::wstring_view p) {
  constexpr std::size_t kSaturated = std::size_t{1} << 40;
  std::vector<std::size_t> groups = {0};  // weight of each open group so far
  std::size_t last = 0;                   // weight of the atom a quantifier would repeat
  const auto atom = [&](std::size_t weight) {
    groups.back() = std::min(kSaturated, groups.back() + weight);
    last = weight;
  };
  const auto repeat = [&](std::size_t times) {
    const std::size_t grown = last > kSaturated / times ? kSaturated : last * times;
    groups.back() = std::min(kSaturated, groups.back() - last + grown);
    last = grown;
  };
  const auto skip_lazy = [&](std::size_t& i) {
    if (i + 1 < p.size() && p[i + 1] == L'?') ++i;
  };
  for (std::size_t i = 0; i < p.size(); ++i) {
    const wchar_t c = p[i];
    if (c == L'\\') {
      ++i;
      atom(1);
    } else if (c == L'[') {
      ++i;
      while (i < p.size() && p[i] != L']') i += p[i] == L'\\' ? 2 : 1;
      atom(1);
    } else if (c == L'(') {
      if (i + 1 < p.size() && p[i + 1] == L'?') i += 2;  // (?: (?= (?!
      groups.push_back(0);
      last = 0;
    } else if (c == L')') {
      const std::size_t inner = groups.back();
      if (groups.size() > 1) groups.pop_back();
      atom(std::min(kSaturated, inner + 1));
    } else if (c == L'*' || c == L'+' || c == L'?') {
      repeat(2);
      skip_lazy(i);
    } else if (c == L'{') {
      std::size_t j = i + 1, low = 0, high = 0;
      bool has_low = false, has_comma = false, has_high = false;
      for (; j < p.size() && p[j] >= L'0' && p[j] <= L'9'; ++j, has_low = true) {
        low = std::min(kSaturated, low * 10 + static_cast<std::size_t>(p[j] - L'0'));
      }
      if (j < p.size() && p[j] == L',') {
        has_comma = true;
        for (++j; j < p.size() && p[j] >= L'0' && p[j] <= L'9'; ++j, has_high = true) {
          high = std::min(kSaturated, high * 10 + static_cast<std::size_t>(p[j] - L'0'));
        }
      }
      if (has_low && j < p.size() && p[j] == L'}') {
        const std::size_t bound = has_comma && has_high ? std::max(low, high) : low;
        repeat(std::min(kSaturated, bound + 1));
        i = j;
        skip_lazy(i);
      } else {
        atom(1);
      }
    } else if (c == L'|') {
      last = 0;
    } else {
      atom(1);
    }
  }
  std::size_t total = 0;
  for (std::size_t weight : groups) total = std::min(kSaturated, total + weight);
  return total;
}

std::string_view RegexErrorText(std::regex_constants::error_type code) {
  namespace rc = std::regex_constants;
  if (code == rc::error_collate) return "an invalid collating element";
  if (code == rc::error_ctype) return "an unknown character class";
  if (code == rc::error_escape) return "an invalid escape";
  if (code == rc::error_backref) return "an invalid back-reference";
  if (code == rc::error_brack) return "unbalanced [ ]";
  if (code == rc::error_paren) return "unbalanced ( )";
  if (code == rc::error_brace) return "unbalanced { }";
  if (code == rc::error_badbrace) return "an invalid {n,m} repetition";
  if (code == rc::error_range) return "an invalid character range";
  if (code == rc::error_space) return "too large an automaton";
  if (code == rc::error_badrepeat) return "a repetition of nothing";
  if (code == rc::error_complexity) return "a back-reference (not supported)";
  if (code == rc::error_stack) return "too much nesting";
  return "a syntax error";
}

// The string `text` against a pattern compiled as [\s\S]*(?:pattern)[\s\S]*. A matcher that
// gives up (regex_error from the library's own resource limits) counts as no match.
bool PatternMatches(const std::wregex& regex, std::string_view text) {
  try {
    return std::regex_match(ToCodePoints(text), regex);
  } catch (const std::regex_error&) {
    return false;
  }
}

// --- compiling schemas ---------------------------------------------------------------------

template <typename Json>
bool IsIntegral(const Json& value) {
  if (value.is_number_integer()) return true;  // signed or unsigned
  if (!value.is_number_float()) return false;
  const double d = value.template get<double>();
  return std::isfinite(d) && std::trunc(d) == d;
}

template <typename Json>
bool FitsTypes(unsigned types, const Json& value) {
  if (types == 0) return true;
  if (value.is_object()) return (types & TypeBit::kObject) != 0;
  if (value.is_array()) return (types & TypeBit::kArray) != 0;
  if (value.is_string()) return (types & TypeBit::kString) != 0;
  if (value.is_boolean()) return (types & TypeBit::kBoolean) != 0;
  if (value.is_null()) return (types & TypeBit::kNull) != 0;
  if (value.is_number()) {
    return (types & TypeBit::kNumber) != 0 || ((types & TypeBit::kInteger) != 0 && IsIntegral(value));
  }
  return false;
}

std::string TypeMessage(unsigned types) {
  std::string out = "must be ";
  bool first = true;
  for (const auto& type : kTypeNames) {
    if ((types & type.bit) == 0) continue;
    if (!first) out += " or ";
    out += type.with_article;
    first = false;
  }
  return out;
}

std::string EnumMessage(const json& values) {
  if (values.size() <= kMaxEnumValuesInMessage) {
    std::string list;
    for (const auto& value : values) {
      if (!list.empty()) list += ", ";
      list += Dump(value);
    }
    if (list.size() <= kMaxMessageListLength) return "must be one of: " + list;
  }
  return "must be one of the allowed values";
}

bool IsPropertyName(std::string_view name) {
  if (name.empty() || name.size() > kMaxPropertyNameLength) return false;
  if (!IsAsciiLetter(name[0]) && name[0] != '_') return false;
  return std::ranges::all_of(name, [](char c) { return IsAsciiLetter(c) || IsDigit(c) || c == '_' || c == '-'; });
}

class SchemaCompiler {
 public:
  // The node for `schema` at location `at`, or null when it cannot be compiled at all; either
  // way every problem found is in errors().
  std::unique_ptr<SchemaNode> Compile(const ordered_json& schema, const std::string& at, int depth);

  void Add(std::string at, std::string code, std::string message) {
    errors_.Add(std::move(at), std::move(code), std::move(message));
  }
  const FieldErrors& errors() const { return errors_; }

 private:
  unsigned CompileType(const ordered_json& value, const std::string& at);
  void CompileProperties(const ordered_json& value, const std::string& at, int depth, SchemaNode& node);
  void CompileRequired(const ordered_json& value, const std::string& at, SchemaNode& node);
  void CompileEnum(const ordered_json& value, const std::string& at, SchemaNode& node);
  void CompileConst(const ordered_json& value, const std::string& at, SchemaNode& node);
  std::optional<std::size_t> CompileCount(const ordered_json& value, const std::string& at);
  std::optional<NumberBound> CompileBound(const ordered_json& value, const std::string& at);
  std::optional<std::wregex> CompilePattern(const ordered_json& value, const std::string& at);
  Format CompileFormat(const ordered_json& value, const std::string& at);
  void CheckRanges(const SchemaNode& node, const std::string& at);

  FieldErrors errors_;
};

std::unique_ptr<SchemaNode> SchemaCompiler::Compile(const ordered_json& schema, const std::string& at, int depth) {
  if (!schema.is_object()) {
    Add(at, "not_a_schema", "must be a schema (a JSON object)");
    return nullptr;
  }
  if (depth > FormSchema::kMaxSchemaDepth) {
    Add(at, "too_deep", "schemas may be nested at most " + std::to_string(FormSchema::kMaxSchemaDepth) + " deep");
    return nullptr;
  }
  auto node = std::make_unique<SchemaNode>();
  // Keywords that depend on others ("type", "properties") are handled after the loop, since
  // JSON objects have no required key order.
  const ordered_json* required = nullptr;
  const ordered_json* enum_values = nullptr;
  const ordered_json* const_value = nullptr;
  for (const auto& entry : schema.items()) {
    const std::string& key = entry.key();
    const ordered_json& value = entry.value();
    const std::string here = Child(at, key);
    if (key == "$schema") {
      const bool ok = value.is_string() && (value.get_ref<const std::string&>() == kDialect ||
                                            value.get_ref<const std::string&>() == std::string(kDialect) + "#");
      if (!ok) Add(here, "unsupported_dialect", "only JSON Schema 2020-12 is supported");
    } else if (key == "title" || key == "description") {
      if (!value.is_string()) Add(here, "bad_value", "must be a string");
    } else if (key == "default" || key.starts_with("x-ui-")) {
      // Annotations for the web form.
    } else if (key == "type") {
      node->types = CompileType(value, here);
    } else if (key == "properties") {
      CompileProperties(value, here, depth, *node);
    } else if (key == "required") {
      required = &value;
    } else if (key == "additionalProperties") {
      if (value.is_boolean()) {
        node->additional_properties = value.get<bool>();
      } else {
        Add(here, "bad_value", "must be true or false (schemas are not supported here)");
      }
    } else if (key == "items") {
      node->items = Compile(value, here, depth + 1);
    } else if (key == "minItems") {
      node->min_items = CompileCount(value, here);
    } else if (key == "maxItems") {
      node->max_items = CompileCount(value, here);
    } else if (key == "minLength") {
      node->min_length = CompileCount(value, here);
    } else if (key == "maxLength") {
      node->max_length = CompileCount(value, here);
    } else if (key == "enum") {
      enum_values = &value;
    } else if (key == "const") {
      const_value = &value;
    } else if (key == "pattern") {
      node->pattern = CompilePattern(value, here);
    } else if (key == "minimum") {
      node->minimum = CompileBound(value, here);
    } else if (key == "exclusiveMinimum") {
      node->exclusive_minimum = CompileBound(value, here);
    } else if (key == "maximum") {
      node->maximum = CompileBound(value, here);
    } else if (key == "exclusiveMaximum") {
      node->exclusive_maximum = CompileBound(value, here);
    } else if (key == "format") {
      node->format = CompileFormat(value, here);
    } else {
      Add(here, "unsupported_keyword", "the keyword \"" + key + "\" is not supported");
    }
  }
  node->type_message = TypeMessage(node->types);
  if (required != nullptr) CompileRequired(*required, Child(at, "required"), *node);
  if (enum_values != nullptr) CompileEnum(*enum_values, Child(at, "enum"), *node);
  if (const_value != nullptr) CompileConst(*const_value, Child(at, "const"), *node);
  CheckRanges(*node, at);
  return node;
}

unsigned SchemaCompiler::CompileType(const ordered_json& value, const std::string& at) {
  const auto bit_of = [](const ordered_json& name) -> unsigned {
    if (!name.is_string()) return 0;
    for (const auto& type : kTypeNames) {
      if (name.get_ref<const std::string&>() == type.name) return type.bit;
    }
    return 0;
  };
  constexpr std::string_view kExpected = "must be one of object, array, string, integer, number, boolean, null";
  if (!value.is_array()) {
    const unsigned bit = bit_of(value);
    if (bit == 0) Add(at, "bad_type", std::string(kExpected));
    return bit;
  }
  if (value.empty()) {
    Add(at, "bad_type", "must name at least one type");
    return 0;
  }
  unsigned types = 0;
  bool ok = true;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const unsigned bit = bit_of(value[i]);
    if (bit == 0) {
      Add(Element(at, i), "bad_type", std::string(kExpected));
      ok = false;
    } else if ((types & bit) != 0) {
      Add(Element(at, i), "bad_type", "repeats a type");
      ok = false;
    }
    types |= bit;
  }
  return ok ? types : 0;
}

void SchemaCompiler::CompileProperties(const ordered_json& value, const std::string& at, int depth, SchemaNode& node) {
  if (!value.is_object()) {
    Add(at, "bad_value", "must be an object mapping field names to schemas");
    return;
  }
  for (const auto& entry : value.items()) {
    const std::string here = Child(at, entry.key());
    if (!IsPropertyName(entry.key())) {
      Add(here, "bad_property_name",
          "field names must be ASCII letters, digits, '_' or '-', start with a letter or '_', "
          "and have at most 64 characters");
      continue;
    }
    // Declared even if its schema is broken, so that "required" does not report it again.
    node.property_names.insert(entry.key());
    auto child = Compile(entry.value(), here, depth + 1);
    if (child == nullptr) continue;
    node.properties.push_back({.name = entry.key(), .required = false, .schema = std::move(child)});
  }
}

void SchemaCompiler::CompileRequired(const ordered_json& value, const std::string& at, SchemaNode& node) {
  if (!value.is_array()) {
    Add(at, "bad_value", "must be an array of field names");
    return;
  }
  std::unordered_set<std::string> seen;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const std::string here = Element(at, i);
    if (!value[i].is_string()) {
      Add(here, "bad_value", "must be a field name");
      continue;
    }
    const auto& name = value[i].get_ref<const std::string&>();
    if (!seen.insert(name).second) {
      Add(here, "bad_value", "repeats \"" + name + "\"");
      continue;
    }
    if (!node.property_names.contains(name)) {
      // Unlike JSON Schema, which allows it, such a field could never be filled in: the web
      // form renders declared properties only.
      Add(here, "undeclared_required", "\"" + name + "\" is not declared in properties");
      continue;
    }
    auto it = std::ranges::find(node.properties, name, &SchemaProperty::name);
    if (it != node.properties.end()) it->required = true;  // else its schema failed to compile
  }
}

void SchemaCompiler::CompileEnum(const ordered_json& value, const std::string& at, SchemaNode& node) {
  if (!value.is_array() || value.empty()) {
    Add(at, "bad_value", "must be a non-empty array of values");
    return;
  }
  bool ok = true;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!FitsTypes(node.types, value[i])) {
      Add(Element(at, i), "bad_value", "does not fit the type: " + node.type_message);
      ok = false;
    } else if (std::find(value.begin(), value.begin() + static_cast<std::ptrdiff_t>(i), value[i]) !=
               value.begin() + static_cast<std::ptrdiff_t>(i)) {
      Add(Element(at, i), "bad_value", "repeats an earlier value");
      ok = false;
    }
  }
  if (!ok) return;
  node.enum_values = json(value);
  node.enum_message = EnumMessage(*node.enum_values);
}

void SchemaCompiler::CompileConst(const ordered_json& value, const std::string& at, SchemaNode& node) {
  if (!FitsTypes(node.types, value)) {
    Add(at, "bad_value", "does not fit the type: " + node.type_message);
    return;
  }
  node.const_value = json(value);
  std::string shown = Dump(value);
  node.const_message =
      shown.size() <= kMaxMessageListLength ? "must be " + shown : std::string("must be the fixed value");
}

std::optional<std::size_t> SchemaCompiler::CompileCount(const ordered_json& value, const std::string& at) {
  constexpr double kLargest = 1e15;  // beyond any form, and exact in a double
  if (value.is_number() && IsIntegral(value)) {
    if (value.is_number_unsigned()) {
      return static_cast<std::size_t>(
          std::min<std::uint64_t>(value.get<std::uint64_t>(), static_cast<std::uint64_t>(kLargest)));
    }
    const double d = value.get<double>();
    if (d >= 0) return static_cast<std::size_t>(std::min(d, kLargest));
  }
  Add(at, "bad_value", "must be a non-negative integer");
  return std::nullopt;
}

std::optional<NumberBound> SchemaCompiler::CompileBound(const ordered_json& value, const std::string& at) {
  if (!value.is_number()) {
    Add(at, "bad_value", "must be a number");
    return std::nullopt;
  }
  return NumberBound{.value = value.get<double>(), .text = Dump(value)};
}

std::optional<std::wregex> SchemaCompiler::CompilePattern(const ordered_json& value, const std::string& at) {
  if (!value.is_string()) {
    Add(at, "bad_value", "must be a string");
    return std::nullopt;
  }
  const auto& source = value.get_ref<const std::string&>();
  if (source.size() > FormSchema::kMaxPatternLength) {
    Add(at, "bad_pattern", "must be at most " + std::to_string(FormSchema::kMaxPatternLength) + " characters");
    return std::nullopt;
  }
  const std::wstring wide = ToCodePoints(source);
  // Weighed before compiling, so that "a{100000}" never gets built.
  if (PatternWeight(wide) > FormSchema::kMaxPatternWeight) {
    Add(at, "bad_pattern", "is too complex; use smaller {n,m} counts, or maxLength instead of .{0,n}");
    return std::nullopt;
  }
  try {
    // Alone first: that it compiles on its own proves its parentheses balance, so wrapping it
    // below cannot change its meaning (think "a)|(b").
    std::wregex alone(wide, kRegexFlags);
  } catch (const std::regex_error& e) {
    Add(at, "bad_pattern", "is not a valid regular expression: " + std::string(RegexErrorText(e.code())));
    return std::nullopt;
  }
  try {
    return std::wregex(L"[\\s\\S]*(?:" + wide + L")[\\s\\S]*", kRegexFlags);
  } catch (const std::regex_error& e) {
    Add(at, "bad_pattern", "is not a valid regular expression: " + std::string(RegexErrorText(e.code())));
    return std::nullopt;
  }
}

Format SchemaCompiler::CompileFormat(const ordered_json& value, const std::string& at) {
  if (!value.is_string()) {
    Add(at, "bad_value", "must be a string");
    return Format::kNone;
  }
  const auto& name = value.get_ref<const std::string&>();
  if (name == "date") return Format::kDate;
  if (name == "email") return Format::kEmail;
  if (name == "phone") return Format::kPhone;
  if (name == "id_number") return Format::kIdNumber;
  if (name == "uscc") return Format::kUscc;
  Add(at, "unsupported_format", "the format \"" + name + "\" is not supported (date, email, phone, id_number, uscc)");
  return Format::kNone;
}

void SchemaCompiler::CheckRanges(const SchemaNode& node, const std::string& at) {
  const auto counts = [&](const std::optional<std::size_t>& low, const std::optional<std::size_t>& high,
                          std::string_view low_name, std::string_view high_name) {
    if (low && high && *low > *high) {
      Add(Child(at, high_name), "bad_range",
          "is less than " + std::string(low_name) + " (" + std::to_string(*low) + ")");
    }
  };
  counts(node.min_length, node.max_length, "minLength", "maxLength");
  counts(node.min_items, node.max_items, "minItems", "maxItems");

  const auto bounds = [&](const std::optional<NumberBound>& low, const std::optional<NumberBound>& high,
                          std::string_view low_name, std::string_view high_name, bool either_exclusive) {
    if (!low || !high) return;
    if (low->value > high->value || (either_exclusive && low->value == high->value)) {
      Add(Child(at, high_name), "bad_range",
          "leaves no number allowed with " + std::string(low_name) + " " + low->text);
    }
  };
  bounds(node.minimum, node.maximum, "minimum", "maximum", false);
  bounds(node.minimum, node.exclusive_maximum, "minimum", "exclusiveMaximum", true);
  bounds(node.exclusive_minimum, node.maximum, "exclusiveMinimum", "maximum", true);
  bounds(node.exclusive_minimum, node.exclusive_maximum, "exclusiveMinimum", "exclusiveMaximum", true);
}

// --- validating forms ----------------------------------------------------------------------

// True if `root` has objects or arrays nested more than `limit` deep, the root counting as 1.
// Iterative, since the form comes from outside.
bool NestedDeeperThan(const json& root, int limit) {
  std::vector<std::pair<const json*, int>> pending = {{&root, 1}};
  while (!pending.empty()) {
    const auto [value, depth] = pending.back();
    pending.pop_back();
    if (depth > limit) return true;
    for (const auto& child : *value) {
      if (child.is_structured()) pending.emplace_back(&child, depth + 1);
    }
  }
  return false;
}

class FormChecker {
 public:
  // Adds the errors of `value` at form path `path` against `node`. Recursion follows the
  // schema, so its depth is at most kMaxSchemaDepth.
  void Check(const SchemaNode& node, const json& value, const std::string& path) {
    if (Full()) return;
    if (!FitsTypes(node.types, value)) return Add(path, "type", node.type_message);
    if (node.enum_values && std::ranges::find(*node.enum_values, value) == node.enum_values->end()) {
      return Add(path, "enum", node.enum_message);
    }
    if (node.const_value && *node.const_value != value) {
      return Add(path, "const", node.const_message);
    }
    if (value.is_string()) return CheckString(node, value.get_ref<const std::string&>(), path);
    if (value.is_number()) return CheckNumber(node, value.get<double>(), path);
    if (value.is_object()) return CheckObject(node, value, path);
    if (value.is_array()) return CheckArray(node, value, path);
  }

  Result<void> Finish() const { return errors_.Finish(); }

 private:
  bool Full() const { return errors_.items().size() >= FormSchema::kMaxFieldErrors; }
  void Add(const std::string& path, std::string_view code, std::string message) {
    if (!Full()) errors_.Add(path, std::string(code), std::move(message));
  }

  void CheckString(const SchemaNode& node, const std::string& text, const std::string& path) {
    const std::size_t length = CodePointCount(text);
    if (node.min_length && length < *node.min_length) {
      return Add(path, "min_length", "must be at least " + Plural(*node.min_length, "character"));
    }
    if (node.max_length && length > *node.max_length) {
      return Add(path, "max_length", "must be at most " + Plural(*node.max_length, "character"));
    }
    if (!MatchesFormat(node.format, text)) {
      return Add(path, "format", std::string(FormatMessage(node.format)));
    }
    if (node.pattern) {
      if (length > FormSchema::kMaxPatternInputLength) {
        return Add(path, "pattern",
                   "is too long to check against the pattern (over " +
                       std::to_string(FormSchema::kMaxPatternInputLength) + " characters)");
      }
      if (!PatternMatches(*node.pattern, text)) {
        return Add(path, "pattern", "does not match the required pattern");
      }
    }
  }

  void CheckNumber(const SchemaNode& node, double number, const std::string& path) {
    if (node.minimum && number < node.minimum->value) {
      return Add(path, "minimum", "must be at least " + node.minimum->text);
    }
    if (node.exclusive_minimum && number <= node.exclusive_minimum->value) {
      return Add(path, "minimum", "must be greater than " + node.exclusive_minimum->text);
    }
    if (node.maximum && number > node.maximum->value) {
      return Add(path, "maximum", "must be at most " + node.maximum->text);
    }
    if (node.exclusive_maximum && number >= node.exclusive_maximum->value) {
      return Add(path, "maximum", "must be less than " + node.exclusive_maximum->text);
    }
  }

  void CheckObject(const SchemaNode& node, const json& object, const std::string& path) {
    for (const auto& property : node.properties) {
      if (Full()) return;
      const std::string child = Child(path, property.name);
      const auto it = object.find(property.name);
      if (it == object.end()) {
        if (property.required) Add(child, "required", "is required");
        continue;
      }
      Check(*property.schema, *it, child);
    }
    if (node.additional_properties) return;
    for (const auto& entry : object.items()) {
      if (Full()) return;
      if (!node.property_names.contains(entry.key())) {
        Add(Child(path, entry.key()), "unknown_field", "is not a field of this form");
      }
    }
  }

  void CheckArray(const SchemaNode& node, const json& array, const std::string& path) {
    if (node.min_items && array.size() < *node.min_items) {
      Add(path, "min_items", "must have at least " + Plural(*node.min_items, "item"));
    } else if (node.max_items && array.size() > *node.max_items) {
      Add(path, "max_items", "must have at most " + Plural(*node.max_items, "item"));
    }
    if (node.items == nullptr) return;
    for (std::size_t i = 0; i < array.size() && !Full(); ++i) {
      Check(*node.items, array[i], Element(path, i));
    }
  }

  FieldErrors errors_;
};

void CollectPaths(const SchemaNode& node, const std::string& prefix, std::vector<std::string>& out) {
  for (const auto& property : node.properties) {
    const std::string path = Child(prefix, property.name);
    out.push_back(path);
    CollectPaths(*property.schema, path, out);
  }
  if (node.items != nullptr) CollectPaths(*node.items, prefix + "[]", out);
}

std::unexpected<Error> SchemaError(std::string code, std::string message) {
  return Fail(
      Error::Validation({FieldError{"schema", std::move(code), std::move(message)}}, "the form schema is invalid"));
}

}  // namespace

Result<FormSchema> FormSchema::Compile(std::string_view schema_json) {
  if (schema_json.size() > kMaxSchemaBytes) {
    return SchemaError("too_large", "must be at most " + std::to_string(kMaxSchemaBytes / 1024) + " KiB of JSON");
  }
  bool too_deep = false;
  ordered_json document;
  try {
    document = ordered_json::parse(schema_json.begin(), schema_json.end(),
                                   [&too_deep](int depth, ordered_json::parse_event_t event, ordered_json&) {
                                     const bool opens = event == ordered_json::parse_event_t::object_start ||
                                                        event == ordered_json::parse_event_t::array_start;
                                     if (opens && depth >= kMaxSchemaJsonDepth) {
                                       too_deep = true;
                                       return false;  // drop the whole value
                                     }
                                     return true;
                                   });
  } catch (const ordered_json::parse_error& e) {
    return SchemaError("malformed_json", "is not valid JSON (error at byte " + std::to_string(e.byte) + ")");
  } catch (const ordered_json::out_of_range&) {
    return SchemaError("malformed_json", "is not valid JSON (a number is out of range)");
  }
  if (!document.is_object()) return SchemaError("not_a_schema", "must be a JSON object");

  SchemaCompiler compiler;
  if (too_deep) {
    compiler.Add("schema", "too_deep", "JSON may be nested at most " + std::to_string(kMaxSchemaJsonDepth) + " deep");
  }
  std::unique_ptr<SchemaNode> root = compiler.Compile(document, "schema", 1);
  // A "type" that failed to compile (types == 0) has been reported already.
  const bool root_is_object =
      document.contains("type") && (root == nullptr || root->types == 0 || root->types == TypeBit::kObject);
  if (!root_is_object) {
    compiler.Add("schema.type", "bad_type", "the form schema must have \"type\": \"object\"");
  }
  if (!compiler.errors().empty() || root == nullptr) {
    return Fail(Error::Validation(compiler.errors().items(), "the form schema is invalid"));
  }
  return FormSchema(std::string(schema_json), std::shared_ptr<const SchemaNode>(std::move(root)));
}

Result<void> FormSchema::Validate(const json& form) const {
  if (!form.is_object()) {
    return Fail(Error::Validation({FieldError{"", "type", "the form must be a JSON object"}}));
  }
  if (NestedDeeperThan(form, kMaxFormDepth)) {
    return Fail(Error::Validation(
        {FieldError{"", "too_deep", "the form may be nested at most " + std::to_string(kMaxFormDepth) + " deep"}}));
  }
  FormChecker checker;
  checker.Check(*root_, form, "");
  return checker.Finish();
}

std::vector<std::string> FormSchema::FieldPaths() const {
  std::vector<std::string> out;
  CollectPaths(*root_, "", out);
  return out;
}

}  // namespace wangban::catalog
