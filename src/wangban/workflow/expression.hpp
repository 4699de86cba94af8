// The safe expression language of process conditions (exclusive gateway flows, multi-instance
// completion and collection): compiled once from text, evaluated many times over a Context.
// It has no loops, assignments or calls into the host beyond four pure functions, so any text
// an administrator uploads runs in time linear in its length. Grammar and semantics:
// docs/bpmn.md, "Expressions".
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "wangban/common/error.hpp"
#include "wangban/workflow/value.hpp"

namespace wangban::workflow {

// Limits that keep compilation and evaluation bounded whatever the input.
inline constexpr std::size_t kMaxExpressionBytes = 4096;
inline constexpr int kMaxExpressionNesting = 64;

// The variables an expression can read, by root name ("form", "outcome", "nrOfInstances").
// A context may sit on a parent (e.g. one multi-instance task's counters over the case's
// variables); names set here hide the parent's. Not thread-safe to modify while evaluating.
class Context {
 public:
  Context() = default;
  // REQUIRES: `parent` outlives this context.
  explicit Context(const Context* parent) : parent_(parent) {}

  // Defines (or replaces) a root variable. Returns *this for chaining.
  Context& Set(std::string name, Value value);

  // A context whose root variables are the members of `object` (ignored unless an object).
  static Context FromObject(const Value& object);

  // The root variable `name` here or in a parent, or nullptr when none defines it.
  const Value* Find(std::string_view name) const;

 private:
  const Context* parent_ = nullptr;
  std::map<std::string, Value, std::less<>> variables_;
};

namespace internal {
struct Program;
}  // namespace internal

// A compiled expression. Immutable and cheap to copy; safe to evaluate from many threads.
class Expression {
 public:
  // Compiles `source`. Fails with kBadRequest, reason "bad_expression", and a message that
  // starts with the position in the source ("column 7: ..." for one-line sources, "line 2,
  // column 3: ..." otherwise; columns count characters, not bytes) when the text is not a
  // valid expression, is longer than kMaxExpressionBytes bytes, nests deeper than
  // kMaxExpressionNesting, chains comparisons (a < b < c) or calls an unknown function or a
  // function with the wrong number of arguments.
  static Result<Expression> Compile(std::string_view source);

  // The value of the expression. Variables that no context defines, and members an object
  // lacks, are null. Fails with kUnprocessable, reason "expression_error", and a message with
  // the position of the failing operator on a type error (e.g. `<` between a string and a
  // number, `&&` on a non-boolean), division by zero, or a non-finite arithmetic result.
  Result<Value> Evaluate(const Context& context) const;

  // As Evaluate, and also fails (reason "expression_error") unless the result is a boolean.
  Result<bool> EvaluateBool(const Context& context) const;

  // The text it was compiled from.
  const std::string& source() const;

  // The variable paths it reads, sorted and unique: "form.amount", "outcome",
  // "visits.wait_supplement" (for visits['wait_supplement']). A path stops at the first index
  // that is not a string literal: a[i].b reads "a" (and "i").
  const std::vector<std::string>& Variables() const;

 private:
  explicit Expression(std::shared_ptr<const internal::Program> program) : program_(std::move(program)) {}
  std::shared_ptr<const internal::Program> program_;  // never null
};

// Shorthand for Expression::Compile.
inline Result<Expression> Compile(std::string_view source) { return Expression::Compile(source); }

}  // namespace wangban::workflow
