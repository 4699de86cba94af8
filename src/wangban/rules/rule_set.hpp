// A 秒批 rule set: the machine-checkable conditions of one service item, written as JSON in a
// small condition language (no eval, no loops), and the registry lookups they read. Grammar,
// semantics and the registry sources: docs/rules.md.
//
//   {"description": "...",
//    "lookups": [{"id": "criminal", "source": "criminal_records", "key": {"var": "form.id_number"}}],
//    "conditions": [{"id": "age_16", "label": "申请人年满16周岁",
//                    "expr": {">=": [{"age": {"var": "form.id_number"}}, 16]}}]}
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wangban/common/error.hpp"

namespace wangban::rules {

namespace internal {
struct Program;
}

// Limits that keep parsing and evaluation small whatever an administrator uploads.
inline constexpr std::size_t kMaxRuleSetBytes = 64 * 1024;
inline constexpr std::size_t kMaxConditions = 64;
inline constexpr std::size_t kMaxLookups = 32;
inline constexpr int kMaxNesting = 32;
inline constexpr std::size_t kMaxNodes = 2048;

// The registry sources a lookup may name, sorted (docs/rules.md describes each one's key and
// record).
std::span<const std::string_view> KnownSources();

struct ParseOptions {
  // The item's form schema (JSON Schema text, catalog/form_schema.hpp). When set, every
  // `form.…` variable must name one of its properties ("unknown_form_field").
  std::optional<std::string> form_schema;
};

// A parsed and checked rule set. Immutable and cheap to copy; safe to evaluate from many
// threads.
class RuleSet {
 public:
  // Parses `document`. Errors: kBadRequest "malformed_json" or "expected_object" when it is not
  // a JSON object; kValidationFailed with one FieldError per problem otherwise, the field a
  // path into the document ("conditions[1].expr.all[0].>=[1]") and the code one of
  // required, unknown_field, type, format, duplicate, too_many, too_long, too_large,
  // too_deep, unknown_operator, arity, bad_node, null_literal, unexpected_list, bad_var,
  // unknown_lookup, unknown_source, registry_in_key, sensitive_var, unknown_form_field.
  static Result<RuleSet> Parse(std::string_view document, const ParseOptions& options = {});

  struct ConditionInfo {
    std::string id;
    std::string label;
  };
  struct LookupInfo {
    std::string id;
    std::string source;
  };
  std::vector<ConditionInfo> Conditions() const;
  std::vector<LookupInfo> Lookups() const;
  const std::string& description() const;

  // The document as compact JSON in the author's key order (what the store keeps).
  const std::string& document() const;
  // SHA-256 (hex) of the canonical form (sorted keys, no spaces): equal for documents that
  // differ only in key order and white space.
  const std::string& digest() const;

  const internal::Program& program() const { return *program_; }

 private:
  explicit RuleSet(std::shared_ptr<const internal::Program> program) : program_(std::move(program)) {}
  std::shared_ptr<const internal::Program> program_;  // never null
};

// True if a variable path names an identity number (its last member is `id_number` or ends
// in `_id_number`). Such values are recorded masked and conditions may use them only through
// age, birth_date and exists (docs/rules.md, "Personal data").
bool IsSensitivePath(std::string_view path);

// The masked form of an identity number kept in decision records: the 8 birth-date digits of
// an 18-character number between stars ("******19900101****"); anything else becomes one star
// per character. Age and birth date computed on the masked form equal those of the number.
std::string MaskIdNumberForRecord(std::string_view id);

// The masked form of a lookup key kept in decision records: the first and last 4 characters
// with a star for each one between; "***" for keys shorter than 9 characters or with non-ASCII
// bytes (names, addresses), whose length would say too much.
std::string MaskKey(std::string_view key);

}  // namespace wangban::rules
