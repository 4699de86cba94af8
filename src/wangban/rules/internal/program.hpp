// The compiled form of a rule set: condition and lookup-key expressions as trees, checked once
// when the rule set is parsed (rule_set.cpp) and walked by the evaluator (evaluate.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "wangban/workflow/value.hpp"

namespace wangban::rules::internal {

enum class Op : std::uint8_t {
  kLiteral,  // a string, number or boolean
  kList,     // a list of literals (the right side of in / not_in)
  kVar,      // {"var": "form.purpose"}
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kIn,
  kNotIn,
  kAll,
  kAny,
  kNot,
  kExists,
  kFound,  // {"found": "<lookup id>"}
  kAge,
  kBirthDate,
  kYearsBetween,
  kMonthsBetween,
  kDaysBetween,
  kAddDays,
  kAddMonths,
  kStartsWith,
  kConcat,
};

enum class Root : std::uint8_t { kForm, kApplicant, kCase, kRegistry, kNow };

struct Node {
  Op op = Op::kLiteral;
  workflow::Value literal;  // kLiteral, kList
  // kVar: the whole path ("registry.population.status"), its root, and the members to walk
  // below the root (below the lookup id for the registry).
  std::string path;
  Root root = Root::kForm;
  std::vector<std::string> members;
  int lookup = -1;         // kVar of the registry and kFound: index into Program::lookups
  bool sensitive = false;  // kVar naming an identity number: recorded masked (docs/rules.md)
  std::string text;        // a compact rendering for explanations: "age(form.id_number)"
  std::vector<Node> args;
};

struct Lookup {
  std::string id;
  std::string source;
  Node key;
};

struct Condition {
  std::string id;
  std::string label;
  Node expr;
};

struct Program {
  std::string description;
  std::vector<Lookup> lookups;
  std::vector<Condition> conditions;
  std::string document;  // compact JSON in the author's key order
  std::string digest;    // SHA-256 (hex) of the canonical form: sorted keys, no spaces
};

}  // namespace wangban::rules::internal
