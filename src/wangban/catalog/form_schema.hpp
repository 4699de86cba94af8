// The application form of a service item: a subset of JSON Schema 2020-12 that is compiled
// once, when a catalog administrator saves the item, and then validates every submitted form
// with one FieldError per bad field. The same schema text drives the web form.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "wangban/common/error.hpp"

namespace wangban::catalog {

namespace internal {
struct SchemaNode;  // a compiled schema; defined in form_schema.cpp
}  // namespace internal

// Supported keywords (anything else is rejected when compiling, so the server and the web form
// never disagree about a keyword one of them ignores):
//   $schema       only "https://json-schema.org/draft/2020-12/schema" (optionally ending "#")
//   title, description, default, x-ui-*   annotations: accepted, not checked against forms
//   type          "object", "array", "string", "integer", "number", "boolean", "null" or a
//                 non-empty array of them; the root schema must have "type": "object"
//   properties    names are ASCII identifiers ([A-Za-z_][A-Za-z0-9_-]*, at most 64), so that
//                 dotted error paths are unambiguous
//   required      every name must also be declared in `properties` (else the web form could
//                 never supply it); as in JSON Schema it means "present": a required text
//                 field that may not be blank also needs "minLength": 1
//   additionalProperties   a boolean only; false makes undeclared fields "unknown_field"
//   items         a single schema (no prefixItems); minItems, maxItems
//   enum, const   values must satisfy the schema's own "type"
//   minLength, maxLength   counted in Unicode code points ("张三" has length 2)
//   pattern       ECMAScript syntax, searched anywhere in the string unless anchored with ^ $;
//                 matched on code points, so "^[\u4e00-\u9fa5]{2,20}$" works (see below)
//   minimum, maximum, exclusiveMinimum, exclusiveMaximum   numbers (2020-12 style)
//   format        "date" (YYYY-MM-DD, a real calendar date), "email" (pragmatic ASCII check),
//                 "phone" (mainland mobile, 1[3-9] and 9 digits, no +86 or separators),
//                 "id_number" (GB 11643: 17 digits, a real birth date, MOD 11-2 check
//                 character, 'X' or 'x'), "uscc" (GB 32100 unified social credit code)
//
// Patterns run on std::wregex, whose backtracking matcher can take exponential time and
// recurses once per input character. Hence: patterns are at most kMaxPatternLength bytes;
// they are compiled in libstdc++'s polynomial mode (a Thompson-style matcher; back-references
// are rejected) and matched as a whole-string match of [\s\S]*(?:pattern)[\s\S]*, which costs
// O(input length x automaton size) instead of quadratic search; counted repetitions are
// bounded by a size estimate (kMaxPatternWeight); and strings longer than
// kMaxPatternInputLength code points fail "pattern" without being matched. A pattern at the
// weight limit, such as "(?:[a-z]*[0-9]?){110}x", still takes about 75 ms on a 1,000-character
// string (release build); typical patterns take well under a millisecond. Pair every pattern with
// a maxLength, which is checked first.
//
// A FormSchema is immutable once compiled; copies share the compiled form, and Validate may be
// called from any number of threads at once.
class FormSchema {
 public:
  static constexpr std::size_t kMaxSchemaBytes = std::size_t{64} * 1024;
  static constexpr int kMaxSchemaDepth = 16;                   // nested schemas, the root counting as 1
  static constexpr int kMaxFormDepth = 32;                     // nested objects and arrays, the form being 1
  static constexpr std::size_t kMaxPatternLength = 512;        // bytes of the pattern text
  static constexpr std::size_t kMaxPatternWeight = 1000;       // see PatternWeight in the .cpp
  static constexpr std::size_t kMaxPatternInputLength = 1000;  // code points
  static constexpr std::size_t kMaxFieldErrors = 100;          // Validate reports at most this many

  // The compiled schema, or a kValidationFailed error listing every problem, each with `field`
  // the location in the schema ("schema", "schema.properties.age.type",
  // "schema.required[1]", "schema.properties.kids.items.properties.name.pattern") and `code`:
  //   malformed_json       not JSON (field "schema")
  //   too_large            over kMaxSchemaBytes (field "schema")
  //   too_deep             schemas nested deeper than kMaxSchemaDepth
  //   not_a_schema         a schema that is not a JSON object
  //   unsupported_keyword  a keyword outside the subset above ($ref, oneOf, prefixItems, ...)
  //   unsupported_dialect  a $schema other than 2020-12
  //   bad_type             an unknown or repeated type name; a root that is not "object"
  //   bad_value            a keyword with a value of the wrong kind (minLength: -1,
  //                        required: "name", an enum value that does not fit "type", ...)
  //   bad_range            a lower bound above the upper one (minLength > maxLength, ...)
  //   bad_property_name    a property name that is not an ASCII identifier
  //   undeclared_required  a required name missing from properties
  //   bad_pattern          a pattern that is too long, does not compile, uses
  //                        back-references or is too large (see above)
  //   unsupported_format   a format other than those above
  static Result<FormSchema> Compile(std::string_view schema_json);

  // Ok if `form` satisfies the schema. Otherwise a kValidationFailed error with one FieldError
  // per bad field, in schema order (unknown fields last), at most kMaxFieldErrors of them.
  // `field` is a path into the form ("applicant.phone", "children[1].name"); a form that is not
  // an object gets the single error {"", "type"} and one nested deeper than kMaxFormDepth the
  // single error {"", "too_deep"}. Codes: required, type, enum, const, min_length, max_length,
  // format, pattern, minimum, maximum, min_items, max_items, unknown_field. Each field gets
  // only its first failure, checked in that order; an object or array with the wrong type,
  // enum or const is not looked into. As in JSON Schema, keywords for one type ignore values of
  // another ({"format": "date"} accepts 5). Messages are short English sentences that name the
  // limit ("must be at most 50 characters"); the web UI translates by code.
  Result<void> Validate(const nlohmann::json& form) const;

  // The schema exactly as given to Compile, x-ui-* hints and all, for the web form.
  const std::string& text() const { return text_; }

  // Every declared property as a form path, depth first in schema order, containers before
  // their contents; the elements of an array are written "[]": {"applicant",
  // "applicant.name", "children", "children[].name"}.
  std::vector<std::string> FieldPaths() const;

 private:
  FormSchema(std::string text, std::shared_ptr<const internal::SchemaNode> root)
      : text_(std::move(text)), root_(std::move(root)) {}

  std::string text_;
  std::shared_ptr<const internal::SchemaNode> root_;  // never null
};

}  // namespace wangban::catalog
