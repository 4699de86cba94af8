#include "wangban/workflow/expression.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

namespace wangban::workflow {
namespace {

// The case data most tests evaluate against.
Context CaseContext() {
  const auto data = nlohmann::json::parse(R"({
    "form": {"amount": 1200, "name": "张三", "tags": ["urgent", "food"], "in": 1,
             "owners": [{"kind": "person"}, {"kind": "company"}], "empty": "", "ratio": 0.5},
    "case": {"applicant": {"kind": "company"}, "department": "HK-SCJG"},
    "outcome": "accept",
    "nrOfInstances": 3, "nrOfCompletedInstances": 2,
    "outcomes": {"agree": 2, "object": 0},
    "visits": {"wait-supplement": 1}
  })");
  return Context::FromObject(ValueFromJson(data));
}

Value Eval(std::string_view source, const Context& context = CaseContext()) {
  auto expr = Compile(source);
  EXPECT_TRUE(expr.has_value()) << source << ": " << expr.error().message;
  if (!expr) return Value("<compile error>");
  auto v = expr->Evaluate(context);
  EXPECT_TRUE(v.has_value()) << source << ": " << v.error().message;
  if (!v) return Value("<evaluation error>");
  return *v;
}

// The message of the compile error for `source`, or "" if it compiles.
std::string CompileError(std::string_view source) {
  auto expr = Compile(source);
  if (expr) return "";
  EXPECT_EQ(expr.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(expr.error().reason, "bad_expression");
  return expr.error().message;
}

// The message of the evaluation error for `source`, or "" if it evaluates.
std::string EvalError(std::string_view source, const Context& context = CaseContext()) {
  auto expr = Compile(source);
  EXPECT_TRUE(expr.has_value()) << source << ": " << expr.error().message;
  if (!expr) return "<compile error>";
  auto v = expr->Evaluate(context);
  if (v) return "";
  EXPECT_EQ(v.error().code, ErrorCode::kUnprocessable);
  EXPECT_EQ(v.error().reason, "expression_error");
  return v.error().message;
}

TEST(ExpressionTest, Literals) {
  EXPECT_EQ(Eval("42"), Value(42));
  EXPECT_EQ(Eval("3.25"), Value(3.25));
  EXPECT_EQ(Eval("1e3"), Value(1000));
  EXPECT_EQ(Eval("2.5E-1"), Value(0.25));
  EXPECT_EQ(Eval("'single'"), Value("single"));
  EXPECT_EQ(Eval("\"double\""), Value("double"));
  EXPECT_EQ(Eval(R"('it\'s' + "\"q\"" + '\\\n\t\r')"), Value("it's\"q\"\\\n\t\r"));
  EXPECT_EQ(Eval(R"('\u5ba1\u6279')"), Value("审批"));
  EXPECT_EQ(Eval(R"('\ud83d\ude00')"), Value("\xF0\x9F\x98\x80"));
  EXPECT_EQ(Eval("'受理'"), Value("受理"));
  EXPECT_EQ(Eval("true"), Value(true));
  EXPECT_EQ(Eval("false"), Value(false));
  EXPECT_EQ(Eval("null"), Value());
  EXPECT_EQ(Eval("[]"), Value(Value::List{}));
  EXPECT_EQ(Eval("[1, 'a', [null]]"), Value(Value::List{1, "a", Value(Value::List{Value()})}));
}

TEST(ExpressionTest, VariablesAndPaths) {
  EXPECT_EQ(Eval("outcome"), Value("accept"));
  EXPECT_EQ(Eval("form.amount"), Value(1200));
  EXPECT_EQ(Eval("case.applicant.kind"), Value("company"));
  EXPECT_EQ(Eval("form.owners[1].kind"), Value("company"));
  EXPECT_EQ(Eval("form['name']"), Value("张三"));
  EXPECT_EQ(Eval("visits['wait-supplement']"), Value(1));
  EXPECT_EQ(Eval("form.in"), Value(1)) << "keywords may follow a dot";
  EXPECT_EQ(Eval("form.tags[0 + 1]"), Value("food"));
  EXPECT_EQ(Eval("(form).amount"), Value(1200));
}

TEST(ExpressionTest, MissingVariablesAreNull) {
  EXPECT_EQ(Eval("nrOfApproved"), Value());
  EXPECT_EQ(Eval("form.missing"), Value());
  EXPECT_EQ(Eval("nothing.at.all"), Value());
  EXPECT_EQ(Eval("nothing[3].x"), Value());
  EXPECT_EQ(Eval("form.tags[7]"), Value()) << "out of range";
  EXPECT_EQ(Eval("form.tags[-1]"), Value());
  EXPECT_EQ(Eval("form.missing == null"), Value(true));
  EXPECT_EQ(Eval("nrOfApproved != null and nrOfApproved > 1"), Value(false));
}

TEST(ExpressionTest, PathTypeErrors) {
  EXPECT_EQ(EvalError("outcome.kind"), "column 8: cannot read '.kind' of a string");
  EXPECT_EQ(EvalError("form.amount[0]"), "column 12: cannot index the number 1200");
  EXPECT_EQ(EvalError("form.tags[0.5]"), "column 10: a list index must be a whole number, got the number 0.5");
  EXPECT_EQ(EvalError("form.tags['x']"), "column 10: a list index must be a whole number, got a string");
  EXPECT_EQ(EvalError("form[1]"), "column 5: an object member name must be a string, got the number 1");
}

TEST(ExpressionTest, ArithmeticPrecedenceAndAssociativity) {
  EXPECT_EQ(Eval("1 + 2 * 3"), Value(7));
  EXPECT_EQ(Eval("(1 + 2) * 3"), Value(9));
  EXPECT_EQ(Eval("10 - 3 - 2"), Value(5));
  EXPECT_EQ(Eval("100 / 10 / 5"), Value(2));
  EXPECT_EQ(Eval("7 % 4 * 2"), Value(6));
  EXPECT_EQ(Eval("-2 * 3"), Value(-6));
  EXPECT_EQ(Eval("- -2"), Value(2));
  EXPECT_EQ(Eval("2 - -2"), Value(4));
  EXPECT_EQ(Eval("7 / 2"), Value(3.5));
  EXPECT_EQ(Eval("-7 % 3"), Value(-1));
  EXPECT_EQ(Eval("form.amount * form.ratio"), Value(600));
  EXPECT_EQ(Eval("'a' + 'b' + form.name"), Value("ab张三"));
  EXPECT_EQ(Eval("nrOfCompletedInstances / nrOfInstances >= 0.6"), Value(true));
}

TEST(ExpressionTest, ArithmeticErrors) {
  EXPECT_EQ(EvalError("1 / 0"), "column 3: division by zero");
  EXPECT_EQ(EvalError("1 % 0"), "column 3: remainder of a division by zero");
  EXPECT_EQ(EvalError("1e308 * 10"), "column 7: arithmetic overflow");
  EXPECT_EQ(EvalError("'a' + 1"), "column 5: '+' needs two numbers or two strings, not a string and the number 1");
  EXPECT_EQ(EvalError("1 + 2 - 'x'"), "column 7: '-' needs two numbers, not the number 3 and a string");
  EXPECT_EQ(EvalError("form.missing * 2"), "column 14: '*' needs two numbers, not null and the number 2");
  EXPECT_EQ(EvalError("-'x'"), "column 1: '-' needs a number, got a string");
}

TEST(ExpressionTest, Comparisons) {
  EXPECT_EQ(Eval("form.amount > 1000"), Value(true));
  EXPECT_EQ(Eval("form.amount <= 1200"), Value(true));
  EXPECT_EQ(Eval("form.amount < 1200"), Value(false));
  EXPECT_EQ(Eval("form.amount >= 1200.5"), Value(false));
  EXPECT_EQ(Eval("'abc' < 'abd'"), Value(true));
  EXPECT_EQ(Eval("'b' > 'abc'"), Value(true));
  EXPECT_EQ(Eval("outcome == 'accept'"), Value(true));
  EXPECT_EQ(Eval("outcome != \"accept\""), Value(false));
  EXPECT_EQ(Eval("1 == '1'"), Value(false)) << "no coercion";
  EXPECT_EQ(Eval("0 == false"), Value(false));
  EXPECT_EQ(Eval("null == false"), Value(false));
  EXPECT_EQ(Eval("[1, [2]] == [1, [2]]"), Value(true));
  EXPECT_EQ(Eval("form.tags == ['urgent', 'food']"), Value(true));
  EXPECT_EQ(Eval("case.applicant == case.applicant"), Value(true));
  EXPECT_EQ(Eval("1 + 1 == 2"), Value(true)) << "arithmetic binds tighter than comparison";
}

TEST(ExpressionTest, OrderingNeedsTwoNumbersOrTwoStrings) {
  EXPECT_EQ(EvalError("form.missing > 1000"),
            "column 14: '>' compares two numbers or two strings, not null and the number 1000");
  EXPECT_EQ(EvalError("'1' < 2"), "column 5: '<' compares two numbers or two strings, not a string and the number 2");
  EXPECT_EQ(EvalError("true >= false"), "column 6: '>=' compares two numbers or two strings, not true and false");
  EXPECT_EQ(EvalError("[1] <= [2]"), "column 5: '<=' compares two numbers or two strings, not a list and a list");
}

TEST(ExpressionTest, LogicalOperatorsAndKeywords) {
  EXPECT_EQ(Eval("true && false"), Value(false));
  EXPECT_EQ(Eval("true and true"), Value(true));
  EXPECT_EQ(Eval("false || true"), Value(true));
  EXPECT_EQ(Eval("false or false"), Value(false));
  EXPECT_EQ(Eval("!false"), Value(true));
  EXPECT_EQ(Eval("not true"), Value(false));
  EXPECT_EQ(Eval("not not true"), Value(true));
  // && binds tighter than ||.
  EXPECT_EQ(Eval("true || false && false"), Value(true));
  EXPECT_EQ(Eval("(true || false) && false"), Value(false));
  EXPECT_EQ(Eval("false and false or true"), Value(true));
  EXPECT_EQ(Eval("true and false || true and true"), Value(true));
}

TEST(ExpressionTest, NotAtTheStartOfAnOperandBindsLooserThanComparison) {
  // !1 == 2 is !(1 == 2); if ! bound tighter this would be a type error on !1.
  EXPECT_EQ(Eval("!1 == 2"), Value(true));
  EXPECT_EQ(Eval("not outcome in ['refuse', 'request_supplement']"), Value(true));
  EXPECT_EQ(Eval("not outcome == 'accept' and true"), Value(false));
  // Inside a comparison operand, ! applies to what follows.
  EXPECT_EQ(Eval("false == !true"), Value(true));
  EXPECT_EQ(Eval("true == not false && true"), Value(true));
}

TEST(ExpressionTest, LogicalShortCircuitsAndRequiresBooleans) {
  EXPECT_EQ(Eval("false && 1 / 0 == 1"), Value(false));
  EXPECT_EQ(Eval("true || form.amount.x.y"), Value(true));
  EXPECT_EQ(Eval("form.missing != null && form.missing > 1"), Value(false));
  EXPECT_EQ(EvalError("form.missing && true"), "column 14: '&&' needs booleans, got null");
  EXPECT_EQ(EvalError("false or 1"), "column 7: 'or' needs booleans, got the number 1");
  EXPECT_EQ(EvalError("true and true and 'x'"), "column 6: 'and' needs booleans, got a string");
  EXPECT_EQ(EvalError("!'x'"), "column 1: '!' needs a boolean, got a string");
  EXPECT_EQ(EvalError("not form.missing"), "column 1: 'not' needs a boolean, got null");
}

TEST(ExpressionTest, Membership) {
  EXPECT_EQ(Eval("outcome in ['accept', 'refuse']"), Value(true));
  EXPECT_EQ(Eval("outcome not in ['accept', 'refuse']"), Value(false));
  EXPECT_EQ(Eval("'food' in form.tags"), Value(true));
  EXPECT_EQ(Eval("3 in [1, 2, 1 + 2]"), Value(true));
  EXPECT_EQ(Eval("'3' in [1, 2, 3]"), Value(false));
  EXPECT_EQ(Eval("'agree' in outcomes"), Value(true)) << "member names of an object";
  EXPECT_EQ(Eval("'veto' in outcomes"), Value(false));
  EXPECT_EQ(Eval("'SCJG' in case.department"), Value(true)) << "substring";
  EXPECT_EQ(Eval("'x' in form.missing"), Value(false)) << "nothing is in null";
  EXPECT_EQ(Eval("'x' not in form.missing"), Value(true));
  EXPECT_EQ(Eval("1 + 2 in [3]"), Value(true)) << "arithmetic binds tighter than in";
  EXPECT_EQ(EvalError("1 in 2"), "column 3: 'in' needs a list, an object or a string on its right, got the number 2");
  EXPECT_EQ(EvalError("1 in 'abc'"), "column 3: 'in' a string looks for a substring, not the number 1");
  EXPECT_EQ(EvalError("1 in outcomes"),
            "column 3: 'in' an object looks up a member name, which must be a string, not the number 1");
}

TEST(ExpressionTest, Functions) {
  EXPECT_EQ(Eval("len(form.name)"), Value(2)) << "characters, not bytes";
  EXPECT_EQ(Eval("len(form.tags)"), Value(2));
  EXPECT_EQ(Eval("len(case)"), Value(2));
  EXPECT_EQ(Eval("len(form.missing)"), Value(0));
  EXPECT_EQ(Eval("len('')"), Value(0));
  EXPECT_EQ(Eval("contains(case.department, 'SCJG')"), Value(true));
  EXPECT_EQ(Eval("contains(form.tags, 'urgent')"), Value(true));
  EXPECT_EQ(Eval("contains(form.tags, 'rare')"), Value(false));
  EXPECT_EQ(Eval("contains(form.missing, 'x')"), Value(false));
  EXPECT_EQ(Eval("startsWith(case.department, 'HK-')"), Value(true));
  EXPECT_EQ(Eval("startsWith(form.missing, 'HK-')"), Value(false));
  EXPECT_EQ(Eval("endsWith(case.department, 'SCJG')"), Value(true));
  EXPECT_EQ(Eval("endsWith(form.name, '三')"), Value(true));
  EXPECT_EQ(Eval("len(form.tags) > 1 && startsWith(form.tags[0], 'ur')"), Value(true));
  EXPECT_EQ(EvalError("len(1)"), "column 1: len() needs a string, a list or an object, got the number 1");
  EXPECT_EQ(EvalError("contains('abc', 1)"),
            "column 1: contains() needs a string and a string, or a list and a value, not a string and the number 1");
  EXPECT_EQ(EvalError("startsWith(1, 'a')"), "column 1: startsWith() needs two strings, not the number 1 and a string");
  EXPECT_EQ(EvalError("endsWith('a', null)"), "column 1: endsWith() needs two strings, not a string and null");
}

TEST(ExpressionTest, CompileErrorsArePositioned) {
  EXPECT_EQ(CompileError("outcome = 'accept'"), "column 9: '=' is not an operator; compare with '=='");
  EXPECT_EQ(CompileError("a == "), "column 6: expected an operand, found end of expression");
  EXPECT_EQ(CompileError("a &b"), "column 3: '&' is not an operator; use '&&' or 'and'");
  EXPECT_EQ(CompileError("a | b"), "column 3: '|' is not an operator; use '||' or 'or'");
  EXPECT_EQ(CompileError("(a == 1"), "column 8: expected ')', found end of expression");
  EXPECT_EQ(CompileError("a == 1)"), "column 7: unexpected ')'");
  EXPECT_EQ(CompileError("'abc"), "column 1: unterminated string");
  EXPECT_EQ(CompileError("x == 'a\\qb'"), "column 8: unknown escape '\\q' in string");
  EXPECT_EQ(CompileError("'\\u12'"), "column 4: expected four hex digits after \\u");
  EXPECT_EQ(CompileError("'\\ud800'"), "column 2: unpaired surrogate in \\u escape");
  EXPECT_EQ(CompileError("1.x"), "column 3: expected a digit after the decimal point");
  EXPECT_EQ(CompileError("1e+"), "column 4: expected a digit in the exponent");
  EXPECT_EQ(CompileError("12abc"), "column 3: unexpected 'a' after a number");
  EXPECT_EQ(CompileError("1e999"), "column 1: number '1e999' is out of range");
  EXPECT_EQ(CompileError("a < b < c"), "column 7: comparisons do not chain; combine them with '&&' or 'and'");
  EXPECT_EQ(CompileError("a == b in c"), "column 8: comparisons do not chain; combine them with '&&' or 'and'");
  EXPECT_EQ(CompileError("a in b in c"), "column 8: comparisons do not chain; combine them with '&&' or 'and'");
  EXPECT_EQ(CompileError("foo(1)"),
            "column 1: unknown function 'foo'; the functions are len, contains, startsWith and endsWith");
  EXPECT_EQ(CompileError("len(1, 2)"), "column 1: len() takes 1 argument, not 2");
  EXPECT_EQ(CompileError("contains('a')"), "column 1: contains() takes 2 arguments, not 1");
  EXPECT_EQ(CompileError("len()"), "column 1: len() takes 1 argument, not 0");
  EXPECT_EQ(CompileError("form."), "column 6: expected a name after '.', found end of expression");
  EXPECT_EQ(CompileError("form[1"), "column 7: expected ']', found end of expression");
  EXPECT_EQ(CompileError("[1, 2"), "column 6: expected ',' or ']' in list, found end of expression");
  EXPECT_EQ(CompileError("[1,]"), "column 4: expected an operand, found ']'");
  EXPECT_EQ(CompileError("and"), "column 1: expected an operand, found 'and'");
  EXPECT_EQ(CompileError("a not b"), "column 3: unexpected 'not'");
  EXPECT_EQ(CompileError(""), "column 1: expected an operand, found end of expression");
  EXPECT_EQ(CompileError("a $ b"), "column 3: unexpected character '$'");
  EXPECT_EQ(CompileError("x = = y"), "column 3: '=' is not an operator; compare with '=='");
}

TEST(ExpressionTest, PositionsCountCharactersAndLines) {
  // A full-width equals sign typed by an input method: columns count characters, not bytes.
  EXPECT_EQ(CompileError("'审批' ＝＝ x"), "column 6: unexpected character U+FF1D '＝'");
  EXPECT_EQ(CompileError("outcome == 'a'\n  and x =="),
            "line 2, column 11: expected an operand, found end of expression");
  EXPECT_EQ(EvalError("true and\n  1 > 'x'"),
            "line 2, column 5: '>' compares two numbers or two strings, not the number 1 and a string");
}

TEST(ExpressionTest, NestingIsBounded) {
  const auto nested = [](int depth) { return std::string(depth, '(') + "1" + std::string(depth, ')'); };
  EXPECT_EQ(Eval(nested(kMaxExpressionNesting)), Value(1));
  EXPECT_EQ(CompileError(nested(kMaxExpressionNesting + 1)), "column 65: nested more than 64 levels deep");
  EXPECT_EQ(CompileError(std::string(65, '!') + "true"), "column 65: nested more than 64 levels deep");
  EXPECT_EQ(CompileError(std::string(65, '-') + "1"), "column 65: nested more than 64 levels deep");
  std::string lists;
  for (int i = 0; i < 65; ++i) lists += "[";
  EXPECT_EQ(CompileError(lists), "column 65: nested more than 64 levels deep");
  std::string calls;
  for (int i = 0; i < 65; ++i) calls += "len(";
  EXPECT_EQ(CompileError(calls), "column 260: nested more than 64 levels deep");
  std::string indexes = "a";
  for (int i = 0; i < 65; ++i) indexes += "[a";
  EXPECT_EQ(CompileError(indexes), "column 130: nested more than 64 levels deep");
}

TEST(ExpressionTest, LongFlatChainsAreFine) {
  // Flat chains are stored flat, so only nesting counts against the limit.
  std::string sum = "1";
  for (int i = 0; i < 1000; ++i) sum += "+1";
  EXPECT_EQ(Eval(sum), Value(1001));
  std::string ors = "false";
  for (int i = 0; i < 500; ++i) ors += "||false";
  EXPECT_EQ(Eval(ors + "||outcome=='accept'"), Value(true));
  std::string path = "form";
  for (int i = 0; i < 1000; ++i) path += ".x";
  EXPECT_EQ(Eval(path), Value());
}

TEST(ExpressionTest, SourceIsBounded) {
  std::string source = "1";
  while (source.size() < kMaxExpressionBytes) source += "+1";
  source.resize(kMaxExpressionBytes);
  if (source.back() == '+') source.back() = ' ';
  EXPECT_TRUE(Compile(source).has_value());
  EXPECT_EQ(CompileError(source + " "), "column 4097: the expression is longer than 4096 bytes");
}

TEST(ExpressionTest, EvaluateBool) {
  auto expr = Compile("form.amount > 1000");
  ASSERT_TRUE(expr.has_value());
  auto b = expr->EvaluateBool(CaseContext());
  ASSERT_TRUE(b.has_value());
  EXPECT_TRUE(*b);

  auto not_bool = Compile("form.amount");
  ASSERT_TRUE(not_bool.has_value());
  auto r = not_bool->EvaluateBool(CaseContext());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason, "expression_error");
  EXPECT_EQ(r.error().message, "the condition must be true or false, not number (1200)");

  auto missing = Compile("nrOfApproved");
  ASSERT_TRUE(missing.has_value());
  EXPECT_FALSE(missing->EvaluateBool(CaseContext()).has_value()) << "null is not false";
}

TEST(ExpressionTest, CompiledOnceEvaluatedMany) {
  auto expr = Compile("nrOfCompletedInstances >= nrOfInstances or outcomes.object > 0");
  ASSERT_TRUE(expr.has_value());
  const Expression copy = *expr;  // copies share the compiled program
  EXPECT_EQ(copy.source(), "nrOfCompletedInstances >= nrOfInstances or outcomes.object > 0");
  Context counters;
  counters.Set("nrOfInstances", 3).Set("outcomes", Value(Value::Object{{"object", 0}}));
  for (int done = 0; done <= 3; ++done) {
    counters.Set("nrOfCompletedInstances", done);
    auto r = copy.EvaluateBool(counters);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(*r, done == 3);
  }
  counters.Set("outcomes", Value(Value::Object{{"object", 1}})).Set("nrOfCompletedInstances", 1);
  EXPECT_EQ(copy.EvaluateBool(counters).value_or(false), true);
}

TEST(ExpressionTest, VariablesListsPathsRead) {
  auto expr = Compile(
      "form.amount > 1 and case.applicant.kind == 'person' or outcome in list and visits['wait'] < 2 "
      "and form.owners[i].kind == 'x' and form.amount != 3 and len(form.tags) > 0");
  ASSERT_TRUE(expr.has_value());
  EXPECT_EQ(expr->Variables(), (std::vector<std::string>{"case.applicant.kind", "form.amount", "form.owners",
                                                         "form.tags", "i", "list", "outcome", "visits.wait"}));
}

TEST(ExpressionTest, ContextLayersOverAParent) {
  Context base;
  base.Set("outcome", "approve").Set("form", Value(Value::Object{{"amount", 5}}));
  Context instance(&base);
  instance.Set("outcome", "object").Set("department", "HK-ZJJ");
  EXPECT_EQ(Eval("outcome", instance), Value("object"));
  EXPECT_EQ(Eval("form.amount", instance), Value(5));
  EXPECT_EQ(Eval("department", base), Value());
  EXPECT_EQ(Eval("outcome", base), Value("approve"));
  EXPECT_EQ(Context::FromObject(Value(3)).Find("x"), nullptr);
}

// A deterministic stand-in for the libFuzzer target (expression_fuzz.cpp): random token soup
// and mutations of valid expressions must compile or fail cleanly, and evaluate or fail
// cleanly, never crash (this binary runs under ASan and UBSan in `make test`).
TEST(ExpressionTest, RandomInputsNeverCrash) {
  static const char* const kPieces[] = {
      "form",  ".",   "amount",   "[",          "]",        "(",       ")",    "'x'",  "\"y\"",    "1",         "0",
      "2.5",   "-",   "+",        "*",          "/",        "%",       "==",   "!=",   "<",        "<=",        ">",
      ">=",    "&&",  "||",       "!",          "and",      "or",      "not",  "in",   "true",     "false",     "null",
      ",",     "len", "contains", "startsWith", "endsWith", "outcome", "tags", " ",    "\n",       "'\\u00e9'", "'审'",
      "1e308", "=",   "&",        "|",          "'",        "\\",      "$",    "\xff", "outcomes", "visits"};
  std::mt19937 rng(20240601);
  std::uniform_int_distribution<std::size_t> piece(0, std::size(kPieces) - 1);
  std::uniform_int_distribution<int> length(1, 40);
  const Context context = CaseContext();
  int compiled = 0;
  int evaluated = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string source;
    const int n = length(rng);
    for (int k = 0; k < n; ++k) source += kPieces[piece(rng)];
    auto expr = Compile(source);
    if (!expr) {
      EXPECT_FALSE(expr.error().message.empty());
      continue;
    }
    ++compiled;
    auto v = expr->Evaluate(context);
    if (v) ++evaluated;
    (void)expr->Variables();
  }
  // The generator must reach the evaluator often enough to be worth running.
  EXPECT_GT(compiled, 200);
  EXPECT_GT(evaluated, 50);
}

}  // namespace
}  // namespace wangban::workflow
