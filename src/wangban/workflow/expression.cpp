// The expression language: a lexer, a recursive-descent parser into a flat node array, and a
// tree-walking evaluator. Depth is bounded by kMaxExpressionNesting, so neither the parser nor
// the evaluator can overflow the stack; operator chains (a + b + c, a && b && c) and member
// paths are stored flat and evaluated iteratively.
#include "wangban/workflow/expression.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <set>
#include <utility>

namespace wangban::workflow {

Context& Context::Set(std::string name, Value value) {
  variables_.insert_or_assign(std::move(name), std::move(value));
  return *this;
}

Context Context::FromObject(const Value& object) {
  Context context;
  if (object.is_object()) {
    for (const auto& [name, value] : object.as_object()) context.Set(name, value);
  }
  return context;
}

const Value* Context::Find(std::string_view name) const {
  for (const Context* c = this; c != nullptr; c = c->parent_) {
    if (const auto it = c->variables_.find(name); it != c->variables_.end()) return &it->second;
  }
  return nullptr;
}

namespace internal {

enum class Op { kLiteral, kVariable, kPath, kList, kNot, kNegate, kAnd, kOr, kCompare, kIn, kArith, kCall };
enum class BinOp { kEq, kNe, kLt, kLe, kGt, kGe, kAdd, kSub, kMul, kDiv, kMod };
enum class Function { kLen, kContains, kStartsWith, kEndsWith };

// One step of a path: `.name` or `[index]`.
struct Segment {
  std::string name;  // for `.name`
  int index = -1;    // node of the index expression for `[index]`, else -1
  std::size_t pos = 0;
};

struct Node {
  Op op = Op::kLiteral;
  std::size_t pos = 0;  // byte offset of the token that names the operation, for messages
  Value literal;        // kLiteral
  std::string name;     // kVariable: the root name
  std::vector<int> args;
  // kArith: ops[i] and op_pos[i] combine the result so far with args[i + 1].
  // kCompare: ops[0] between args[0] and args[1].
  std::vector<BinOp> ops;
  std::vector<std::size_t> op_pos;
  std::vector<Segment> segments;  // kPath: applied to args[0]
  bool negated = false;           // kIn: `not in`
  Function function = Function::kLen;
};

struct Program {
  std::string source;
  std::vector<Node> nodes;
  int root = 0;
  std::vector<std::string> variables;
};

}  // namespace internal

namespace {

using internal::BinOp;
using internal::Function;
using internal::Node;
using internal::Op;
using internal::Program;
using internal::Segment;

// "column 7" or "line 2, column 3": characters (UTF-8 code points) counted from 1.
std::string Where(std::string_view source, std::size_t offset) {
  const bool multiline = source.find('\n') != std::string_view::npos;
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset && i < source.size(); ++i) {
    const auto c = static_cast<unsigned char>(source[i]);
    if (c == '\n') {
      ++line;
      column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++column;
    }
  }
  if (multiline) return "line " + std::to_string(line) + ", column " + std::to_string(column);
  return "column " + std::to_string(column);
}

std::string_view BinOpText(BinOp op) {
  switch (op) {
    case BinOp::kEq:
      return "==";
    case BinOp::kNe:
      return "!=";
    case BinOp::kLt:
      return "<";
    case BinOp::kLe:
      return "<=";
    case BinOp::kGt:
      return ">";
    case BinOp::kGe:
      return ">=";
    case BinOp::kAdd:
      return "+";
    case BinOp::kSub:
      return "-";
    case BinOp::kMul:
      return "*";
    case BinOp::kDiv:
      return "/";
    case BinOp::kMod:
      return "%";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// Lexer

enum class Tok {
  kEnd,
  kNumber,
  kString,
  kIdent,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kDot,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAndAnd,
  kOrOr,
  kBang,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kPercent,
};

struct Token {
  Tok kind = Tok::kEnd;
  std::size_t pos = 0;
  std::string_view text;  // as written
  Value value;            // kNumber, kString
};

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }

void AppendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The code point that starts at s[i] (U+FFFD when the bytes are not valid UTF-8), for messages.
std::uint32_t DecodeAt(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  int extra = 0;
  std::uint32_t cp = 0;
  if (c < 0x80) return c;
  if ((c & 0xE0) == 0xC0) {
    extra = 1;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    extra = 2;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    extra = 3;
    cp = c & 0x07;
  } else {
    return 0xFFFD;
  }
  if (i + static_cast<std::size_t>(extra) >= s.size()) return 0xFFFD;
  for (int k = 1; k <= extra; ++k) {
    const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((b & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (b & 0x3F);
  }
  return cp;
}

std::string DescribeChar(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c >= 0x20 && c < 0x7F) return std::string("'") + s[i] + "'";
  static constexpr char kHex[] = "0123456789ABCDEF";
  const std::uint32_t cp = DecodeAt(s, i);
  std::string out = "U+";
  bool started = false;
  for (int shift = 20; shift >= 0; shift -= 4) {
    const auto digit = (cp >> shift) & 0xF;
    if (digit != 0 || started || shift < 16) {
      out += kHex[digit];
      started = true;
    }
  }
  if (cp >= 0x80 && cp != 0xFFFD) {
    out += " '";
    AppendUtf8(out, cp);
    out += "'";
  }
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string_view source) : src_(source) {}

  Result<std::vector<Token>> Run() {
    std::vector<Token> tokens;
    while (true) {
      SkipSpace();
      if (i_ >= src_.size()) {
        tokens.push_back(Token{Tok::kEnd, i_, {}, {}});
        return tokens;
      }
      auto token = Next();
      if (!token) return std::unexpected(std::move(token.error()));
      tokens.push_back(std::move(*token));
    }
  }

 private:
  void SkipSpace() {
    while (i_ < src_.size() && (src_[i_] == ' ' || src_[i_] == '\t' || src_[i_] == '\n' || src_[i_] == '\r')) ++i_;
  }

  std::unexpected<Error> Bad(std::size_t pos, const std::string& what) const {
    return Fail(Error::BadRequest(Where(src_, pos) + ": " + what, "bad_expression"));
  }

  Token Simple(Tok kind, std::size_t length) {
    Token t{kind, i_, src_.substr(i_, length), {}};
    i_ += length;
    return t;
  }

  Result<Token> Next() {
    const char c = src_[i_];
    const char next = i_ + 1 < src_.size() ? src_[i_ + 1] : '\0';
    switch (c) {
      case '(':
        return Simple(Tok::kLParen, 1);
      case ')':
        return Simple(Tok::kRParen, 1);
      case '[':
        return Simple(Tok::kLBracket, 1);
      case ']':
        return Simple(Tok::kRBracket, 1);
      case ',':
        return Simple(Tok::kComma, 1);
      case '.':
        return Simple(Tok::kDot, 1);
      case '+':
        return Simple(Tok::kPlus, 1);
      case '-':
        return Simple(Tok::kMinus, 1);
      case '*':
        return Simple(Tok::kStar, 1);
      case '/':
        return Simple(Tok::kSlash, 1);
      case '%':
        return Simple(Tok::kPercent, 1);
      case '=':
        if (next == '=') return Simple(Tok::kEq, 2);
        return Bad(i_, "'=' is not an operator; compare with '=='");
      case '!':
        return next == '=' ? Simple(Tok::kNe, 2) : Simple(Tok::kBang, 1);
      case '<':
        return next == '=' ? Simple(Tok::kLe, 2) : Simple(Tok::kLt, 1);
      case '>':
        return next == '=' ? Simple(Tok::kGe, 2) : Simple(Tok::kGt, 1);
      case '&':
        if (next == '&') return Simple(Tok::kAndAnd, 2);
        return Bad(i_, "'&' is not an operator; use '&&' or 'and'");
      case '|':
        if (next == '|') return Simple(Tok::kOrOr, 2);
        return Bad(i_, "'|' is not an operator; use '||' or 'or'");
      case '\'':
      case '"':
        return String(c);
      default:
        break;
    }
    if (IsDigit(c)) return Number();
    if (IsIdentStart(c)) {
      const std::size_t start = i_;
      while (i_ < src_.size() && IsIdentChar(src_[i_])) ++i_;
      return Token{Tok::kIdent, start, src_.substr(start, i_ - start), {}};
    }
    return Bad(i_, "unexpected character " + DescribeChar(src_, i_));
  }

  Result<Token> Number() {
    const std::size_t start = i_;
    while (i_ < src_.size() && IsDigit(src_[i_])) ++i_;
    if (i_ < src_.size() && src_[i_] == '.') {
      ++i_;
      if (i_ >= src_.size() || !IsDigit(src_[i_])) return Bad(i_, "expected a digit after the decimal point");
      while (i_ < src_.size() && IsDigit(src_[i_])) ++i_;
    }
    if (i_ < src_.size() && (src_[i_] == 'e' || src_[i_] == 'E')) {
      ++i_;
      if (i_ < src_.size() && (src_[i_] == '+' || src_[i_] == '-')) ++i_;
      if (i_ >= src_.size() || !IsDigit(src_[i_])) return Bad(i_, "expected a digit in the exponent");
      while (i_ < src_.size() && IsDigit(src_[i_])) ++i_;
    }
    if (i_ < src_.size() && (IsIdentChar(src_[i_]) || src_[i_] == '.')) {
      return Bad(i_, "unexpected " + DescribeChar(src_, i_) + " after a number");
    }
    const std::string_view text = src_.substr(start, i_ - start);
    double number = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(number)) {
      return Bad(start, "number '" + std::string(text) + "' is out of range");
    }
    return Token{Tok::kNumber, start, text, Value(number)};
  }

  Result<std::uint32_t> Hex4() {
    if (i_ + 4 > src_.size()) return Bad(i_, "expected four hex digits after \\u");
    std::uint32_t cp = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = src_[i_ + static_cast<std::size_t>(k)];
      cp <<= 4;
      if (h >= '0' && h <= '9') {
        cp |= static_cast<std::uint32_t>(h - '0');
      } else if (h >= 'a' && h <= 'f') {
        cp |= static_cast<std::uint32_t>(h - 'a' + 10);
      } else if (h >= 'A' && h <= 'F') {
        cp |= static_cast<std::uint32_t>(h - 'A' + 10);
      } else {
        return Bad(i_, "expected four hex digits after \\u");
      }
    }
    i_ += 4;
    return cp;
  }

  Result<Token> String(char quote) {
    const std::size_t start = i_;
    ++i_;
    std::string value;
    while (true) {
      if (i_ >= src_.size()) return Bad(start, "unterminated string");
      const char c = src_[i_];
      if (c == quote) {
        ++i_;
        break;
      }
      if (c != '\\') {
        value += c;
        ++i_;
        continue;
      }
      const std::size_t escape = i_;
      ++i_;
      if (i_ >= src_.size()) return Bad(start, "unterminated string");
      const char e = src_[i_++];
      switch (e) {
        case '\\':
          value += '\\';
          break;
        case '\'':
          value += '\'';
          break;
        case '"':
          value += '"';
          break;
        case 'n':
          value += '\n';
          break;
        case 't':
          value += '\t';
          break;
        case 'r':
          value += '\r';
          break;
        case 'u': {
          auto cp = Hex4();
          if (!cp) return std::unexpected(std::move(cp.error()));
          std::uint32_t code = *cp;
          if (code >= 0xDC00 && code <= 0xDFFF) return Bad(escape, "unpaired surrogate in \\u escape");
          if (code >= 0xD800 && code <= 0xDBFF) {
            if (i_ + 1 >= src_.size() || src_[i_] != '\\' || src_[i_ + 1] != 'u') {
              return Bad(escape, "unpaired surrogate in \\u escape");
            }
            i_ += 2;
            auto low = Hex4();
            if (!low) return std::unexpected(std::move(low.error()));
            if (*low < 0xDC00 || *low > 0xDFFF) return Bad(escape, "unpaired surrogate in \\u escape");
            code = 0x10000 + ((code - 0xD800) << 10) + (*low - 0xDC00);
          }
          AppendUtf8(value, code);
          break;
        }
        default:
          return Bad(escape, "unknown escape '\\" + std::string(1, e) + "' in string");
      }
    }
    return Token{Tok::kString, start, src_.substr(start, i_ - start), Value(std::move(value))};
  }

  std::string_view src_;
  std::size_t i_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Parser

struct FunctionInfo {
  std::string_view name;
  Function function;
  std::size_t arity;
};

constexpr FunctionInfo kFunctions[] = {
    {"len", Function::kLen, 1},
    {"contains", Function::kContains, 2},
    {"startsWith", Function::kStartsWith, 2},
    {"endsWith", Function::kEndsWith, 2},
};

bool IsKeyword(const Token& t, std::string_view word) { return t.kind == Tok::kIdent && t.text == word; }

bool IsReserved(std::string_view word) {
  return word == "and" || word == "or" || word == "not" || word == "in" || word == "true" || word == "false" ||
         word == "null";
}

class Parser {
 public:
  Parser(std::string_view source, std::vector<Token> tokens, Program& program)
      : src_(source), tokens_(std::move(tokens)), program_(program) {}

  Result<int> Run() {
    auto root = ParseOr();
    if (!root) return root;
    if (Peek().kind != Tok::kEnd) return Bad(Peek().pos, "unexpected " + Describe(Peek()));
    return root;
  }

 private:
  // Counts one level of nesting for as long as it lives.
  class Nest {
   public:
    explicit Nest(int& depth) : depth_(depth) { ++depth_; }
    ~Nest() { --depth_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;
    bool too_deep() const { return depth_ > kMaxExpressionNesting; }

   private:
    int& depth_;
  };

  const Token& Peek(std::size_t ahead = 0) const {
    const std::size_t k = std::min(pos_ + ahead, tokens_.size() - 1);
    return tokens_[k];
  }
  const Token& Take() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }

  std::unexpected<Error> Bad(std::size_t pos, const std::string& what) const {
    return Fail(Error::BadRequest(Where(src_, pos) + ": " + what, "bad_expression"));
  }
  std::unexpected<Error> TooDeep(std::size_t pos) const {
    return Bad(pos, "nested more than " + std::to_string(kMaxExpressionNesting) + " levels deep");
  }

  static std::string Describe(const Token& t) {
    if (t.kind == Tok::kEnd) return "end of expression";
    return "'" + std::string(t.text) + "'";
  }

  int Add(Node node) {
    program_.nodes.push_back(std::move(node));
    return static_cast<int>(program_.nodes.size() - 1);
  }

  bool AtOr() const { return Peek().kind == Tok::kOrOr || IsKeyword(Peek(), "or"); }
  bool AtAnd() const { return Peek().kind == Tok::kAndAnd || IsKeyword(Peek(), "and"); }
  bool AtNot() const { return Peek().kind == Tok::kBang || IsKeyword(Peek(), "not"); }

  Result<int> ParseOr() {
    auto first = ParseAnd();
    if (!first || !AtOr()) return first;
    Node node{.op = Op::kOr, .pos = Peek().pos, .name = std::string(Peek().text)};
    node.args.push_back(*first);
    while (AtOr()) {
      Take();
      auto next = ParseAnd();
      if (!next) return next;
      node.args.push_back(*next);
    }
    return Add(std::move(node));
  }

  Result<int> ParseAnd() {
    auto first = ParseNot();
    if (!first || !AtAnd()) return first;
    Node node{.op = Op::kAnd, .pos = Peek().pos, .name = std::string(Peek().text)};
    node.args.push_back(*first);
    while (AtAnd()) {
      Take();
      auto next = ParseNot();
      if (!next) return next;
      node.args.push_back(*next);
    }
    return Add(std::move(node));
  }

  // `!` and `not` at the start of an operand of && and || bind looser than comparisons:
  // `not outcome in ['a', 'b']` is `not (outcome in ['a', 'b'])`.
  Result<int> ParseNot() {
    if (!AtNot()) return ParseComparison();
    const Token& op = Take();
    const std::size_t pos = op.pos;
    Nest nest(depth_);
    if (nest.too_deep()) return TooDeep(pos);
    auto operand = ParseNot();
    if (!operand) return operand;
    return Add(Node{.op = Op::kNot, .pos = pos, .name = std::string(op.text), .args = {*operand}});
  }

  std::optional<BinOp> ComparisonAt() const {
    switch (Peek().kind) {
      case Tok::kEq:
        return BinOp::kEq;
      case Tok::kNe:
        return BinOp::kNe;
      case Tok::kLt:
        return BinOp::kLt;
      case Tok::kLe:
        return BinOp::kLe;
      case Tok::kGt:
        return BinOp::kGt;
      case Tok::kGe:
        return BinOp::kGe;
      default:
        return std::nullopt;
    }
  }
  bool AtIn() const { return IsKeyword(Peek(), "in") || (IsKeyword(Peek(), "not") && IsKeyword(Peek(1), "in")); }

  Result<int> ParseComparison() {
    auto left = ParseAdditive();
    if (!left) return left;
    int result = *left;
    if (const auto op = ComparisonAt()) {
      const std::size_t pos = Take().pos;
      auto right = ParseAdditive();
      if (!right) return right;
      result = Add(Node{.op = Op::kCompare, .pos = pos, .args = {*left, *right}, .ops = {*op}});
    } else if (AtIn()) {
      const std::size_t pos = Peek().pos;
      const bool negated = IsKeyword(Peek(), "not");
      Take();
      if (negated) Take();
      auto right = ParseAdditive();
      if (!right) return right;
      result = Add(Node{.op = Op::kIn, .pos = pos, .args = {*left, *right}, .negated = negated});
    } else {
      return result;
    }
    if (ComparisonAt() || AtIn()) {
      return Bad(Peek().pos, "comparisons do not chain; combine them with '&&' or 'and'");
    }
    return result;
  }

  Result<int> ParseAdditive() {
    auto first = ParseMultiplicative();
    if (!first) return first;
    if (Peek().kind != Tok::kPlus && Peek().kind != Tok::kMinus) return first;
    Node node{.op = Op::kArith, .pos = Peek().pos};
    node.args.push_back(*first);
    while (Peek().kind == Tok::kPlus || Peek().kind == Tok::kMinus) {
      const Token& t = Take();
      node.ops.push_back(t.kind == Tok::kPlus ? BinOp::kAdd : BinOp::kSub);
      node.op_pos.push_back(t.pos);
      auto next = ParseMultiplicative();
      if (!next) return next;
      node.args.push_back(*next);
    }
    return Add(std::move(node));
  }

  bool AtMultiplicative() const {
    const Tok k = Peek().kind;
    return k == Tok::kStar || k == Tok::kSlash || k == Tok::kPercent;
  }

  Result<int> ParseMultiplicative() {
    auto first = ParseUnary();
    if (!first || !AtMultiplicative()) return first;
    Node node{.op = Op::kArith, .pos = Peek().pos};
    node.args.push_back(*first);
    while (AtMultiplicative()) {
      const Token& t = Take();
      node.ops.push_back(t.kind == Tok::kStar ? BinOp::kMul : t.kind == Tok::kSlash ? BinOp::kDiv : BinOp::kMod);
      node.op_pos.push_back(t.pos);
      auto next = ParseUnary();
      if (!next) return next;
      node.args.push_back(*next);
    }
    return Add(std::move(node));
  }

  // Inside an operand (a == !b, -x), `!`, `not` and `-` apply to the operand that follows.
  Result<int> ParseUnary() {
    const bool negate = Peek().kind == Tok::kMinus;
    if (!negate && !AtNot()) return ParsePostfix();
    const Token& op = Take();
    const std::size_t pos = op.pos;
    Nest nest(depth_);
    if (nest.too_deep()) return TooDeep(pos);
    auto operand = ParseUnary();
    if (!operand) return operand;
    return Add(
        Node{.op = negate ? Op::kNegate : Op::kNot, .pos = pos, .name = std::string(op.text), .args = {*operand}});
  }

  Result<int> ParsePostfix() {
    auto base = ParsePrimary();
    if (!base) return base;
    if (Peek().kind != Tok::kDot && Peek().kind != Tok::kLBracket) return base;
    Node node{.op = Op::kPath, .pos = Peek().pos, .args = {*base}};
    while (Peek().kind == Tok::kDot || Peek().kind == Tok::kLBracket) {
      const Token& t = Take();
      if (t.kind == Tok::kDot) {
        // Any word may follow a dot, keywords included (form.in, case.not).
        if (Peek().kind != Tok::kIdent) return Bad(Peek().pos, "expected a name after '.', found " + Describe(Peek()));
        const Token& name = Take();
        node.segments.push_back(Segment{.name = std::string(name.text), .pos = t.pos});
        continue;
      }
      Nest nest(depth_);
      if (nest.too_deep()) return TooDeep(t.pos);
      auto index = ParseOr();
      if (!index) return index;
      if (Peek().kind != Tok::kRBracket) return Bad(Peek().pos, "expected ']', found " + Describe(Peek()));
      Take();
      node.segments.push_back(Segment{.index = *index, .pos = t.pos});
    }
    return Add(std::move(node));
  }

  Result<int> ParsePrimary() {
    const Token& t = Peek();
    switch (t.kind) {
      case Tok::kNumber:
      case Tok::kString: {
        Take();
        return Add(Node{.op = Op::kLiteral, .pos = t.pos, .literal = t.value});
      }
      case Tok::kLParen: {
        Take();
        Nest nest(depth_);
        if (nest.too_deep()) return TooDeep(t.pos);
        auto inner = ParseOr();
        if (!inner) return inner;
        if (Peek().kind != Tok::kRParen) return Bad(Peek().pos, "expected ')', found " + Describe(Peek()));
        Take();
        return inner;
      }
      case Tok::kLBracket: {
        Take();
        Nest nest(depth_);
        if (nest.too_deep()) return TooDeep(t.pos);
        Node node{.op = Op::kList, .pos = t.pos};
        if (Peek().kind == Tok::kRBracket) {
          Take();
          return Add(std::move(node));
        }
        while (true) {
          auto item = ParseOr();
          if (!item) return item;
          node.args.push_back(*item);
          if (Peek().kind == Tok::kComma) {
            Take();
            continue;
          }
          if (Peek().kind == Tok::kRBracket) {
            Take();
            return Add(std::move(node));
          }
          return Bad(Peek().pos, "expected ',' or ']' in list, found " + Describe(Peek()));
        }
      }
      case Tok::kIdent:
        return ParseName();
      default:
        return Bad(t.pos, "expected an operand, found " + Describe(t));
    }
  }

  Result<int> ParseName() {
    const Token& t = Take();
    if (t.text == "true") return Add(Node{.op = Op::kLiteral, .pos = t.pos, .literal = Value(true)});
    if (t.text == "false") return Add(Node{.op = Op::kLiteral, .pos = t.pos, .literal = Value(false)});
    if (t.text == "null") return Add(Node{.op = Op::kLiteral, .pos = t.pos, .literal = Value()});
    if (IsReserved(t.text)) return Bad(t.pos, "expected an operand, found " + Describe(t));
    if (Peek().kind != Tok::kLParen) {
      return Add(Node{.op = Op::kVariable, .pos = t.pos, .name = std::string(t.text)});
    }
    const FunctionInfo* info = nullptr;
    for (const FunctionInfo& f : kFunctions) {
      if (f.name == t.text) info = &f;
    }
    if (info == nullptr) {
      return Bad(t.pos, "unknown function '" + std::string(t.text) +
                            "'; the functions are len, contains, "
                            "startsWith and endsWith");
    }
    const std::size_t open = Take().pos;
    Nest nest(depth_);
    if (nest.too_deep()) return TooDeep(open);
    Node node{.op = Op::kCall, .pos = t.pos, .function = info->function};
    if (Peek().kind != Tok::kRParen) {
      while (true) {
        auto arg = ParseOr();
        if (!arg) return arg;
        node.args.push_back(*arg);
        if (Peek().kind == Tok::kComma) {
          Take();
          continue;
        }
        break;
      }
    }
    if (Peek().kind != Tok::kRParen) return Bad(Peek().pos, "expected ',' or ')', found " + Describe(Peek()));
    Take();
    if (node.args.size() != info->arity) {
      return Bad(t.pos, std::string(info->name) + "() takes " + std::to_string(info->arity) + " argument" +
                            (info->arity == 1 ? "" : "s") + ", not " + std::to_string(node.args.size()));
    }
    return Add(std::move(node));
  }

  std::string_view src_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  Program& program_;
};

// The variable paths a program reads (see Expression::Variables).
std::vector<std::string> CollectVariables(const Program& program) {
  std::set<std::string> paths;
  std::vector<bool> is_path_base(program.nodes.size(), false);
  for (const Node& node : program.nodes) {
    if (node.op != Op::kPath) continue;
    const Node& base = program.nodes[static_cast<std::size_t>(node.args[0])];
    if (base.op != Op::kVariable) continue;
    is_path_base[static_cast<std::size_t>(node.args[0])] = true;
    std::string path = base.name;
    for (const Segment& s : node.segments) {
      if (s.index < 0) {
        path += '.';
        path += s.name;
        continue;
      }
      const Node& index = program.nodes[static_cast<std::size_t>(s.index)];
      if (index.op != Op::kLiteral || !index.literal.is_string()) break;
      path += '.';
      path += index.literal.as_string();
    }
    paths.insert(std::move(path));
  }
  for (std::size_t i = 0; i < program.nodes.size(); ++i) {
    if (program.nodes[i].op == Op::kVariable && !is_path_base[i]) paths.insert(program.nodes[i].name);
  }
  return {paths.begin(), paths.end()};
}

// ---------------------------------------------------------------------------------------------
// Evaluator

std::size_t CodePoints(const std::string& s) {
  std::size_t n = 0;
  for (const char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

class Evaluator {
 public:
  Evaluator(const Program& program, const Context& context) : program_(program), context_(context) {}

  Result<Value> Eval(int index) {
    const Node& node = program_.nodes[static_cast<std::size_t>(index)];
    switch (node.op) {
      case Op::kLiteral:
        return node.literal;
      case Op::kVariable: {
        const Value* v = context_.Find(node.name);
        return v != nullptr ? *v : Value();
      }
      case Op::kPath:
        return EvalPath(node);
      case Op::kList: {
        Value::List items;
        items.reserve(node.args.size());
        for (const int arg : node.args) {
          auto v = Eval(arg);
          if (!v) return v;
          items.push_back(std::move(*v));
        }
        return Value(std::move(items));
      }
      case Op::kNot: {
        auto v = Eval(node.args[0]);
        if (!v) return v;
        if (!v->is_bool()) return Bad(node.pos, "'" + node.name + "' needs a boolean, got " + Describe(*v));
        return Value(!v->as_bool());
      }
      case Op::kNegate: {
        auto v = Eval(node.args[0]);
        if (!v) return v;
        if (!v->is_number()) return Bad(node.pos, "'-' needs a number, got " + Describe(*v));
        return Value(-v->as_number());
      }
      case Op::kAnd:
      case Op::kOr: {
        const bool is_and = node.op == Op::kAnd;
        for (const int arg : node.args) {
          auto v = Eval(arg);
          if (!v) return v;
          if (!v->is_bool()) return Bad(node.pos, "'" + node.name + "' needs booleans, got " + Describe(*v));
          if (v->as_bool() != is_and) return Value(!is_and);
        }
        return Value(is_and);
      }
      case Op::kCompare:
        return EvalCompare(node);
      case Op::kIn:
        return EvalIn(node);
      case Op::kArith:
        return EvalArith(node);
      case Op::kCall:
        return EvalCall(node);
    }
    return Bad(node.pos, "unknown operation");
  }

 private:
  std::unexpected<Error> Bad(std::size_t pos, const std::string& what) const {
    return Fail(Error::Unprocessable(Where(program_.source, pos) + ": " + what, "expression_error"));
  }

  // "a string", "null", "the number 3" — short, and never the whole of a large value.
  static std::string Describe(const Value& v) {
    switch (v.kind()) {
      case Value::Kind::kNull:
        return "null";
      case Value::Kind::kBool:
        return v.as_bool() ? "true" : "false";
      case Value::Kind::kNumber:
        return "the number " + v.ToString();
      case Value::Kind::kString:
        return "a string";
      case Value::Kind::kList:
        return "a list";
      case Value::Kind::kObject:
        return "an object";
    }
    return "a value";
  }

  Result<Value> EvalPath(const Node& node) {
    auto current = Eval(node.args[0]);
    if (!current) return current;
    Value value = std::move(*current);
    for (const Segment& s : node.segments) {
      if (s.index < 0) {
        if (value.is_null()) continue;
        if (!value.is_object()) return Bad(s.pos, "cannot read '." + s.name + "' of " + Describe(value));
        const Value* member = value.Find(s.name);
        value = member != nullptr ? *member : Value();
        continue;
      }
      auto key = Eval(s.index);
      if (!key) return key;
      if (value.is_null()) continue;
      if (value.is_list()) {
        if (!key->is_number() || key->as_number() != std::trunc(key->as_number())) {
          return Bad(s.pos, "a list index must be a whole number, got " + Describe(*key));
        }
        const double i = key->as_number();
        const Value::List& list = value.as_list();
        value = i >= 0 && i < static_cast<double>(list.size()) ? list[static_cast<std::size_t>(i)] : Value();
        continue;
      }
      if (value.is_object()) {
        if (!key->is_string()) return Bad(s.pos, "an object member name must be a string, got " + Describe(*key));
        const Value* member = value.Find(key->as_string());
        value = member != nullptr ? *member : Value();
        continue;
      }
      return Bad(s.pos, "cannot index " + Describe(value));
    }
    return value;
  }

  Result<Value> EvalCompare(const Node& node) {
    auto left = Eval(node.args[0]);
    if (!left) return left;
    auto right = Eval(node.args[1]);
    if (!right) return right;
    const BinOp op = node.ops[0];
    if (op == BinOp::kEq) return Value(*left == *right);
    if (op == BinOp::kNe) return Value(!(*left == *right));
    int order = 0;
    if (left->is_number() && right->is_number()) {
      order = left->as_number() < right->as_number() ? -1 : left->as_number() > right->as_number() ? 1 : 0;
    } else if (left->is_string() && right->is_string()) {
      const int c = left->as_string().compare(right->as_string());
      order = c < 0 ? -1 : c > 0 ? 1 : 0;
    } else {
      return Bad(node.pos, "'" + std::string(BinOpText(op)) + "' compares two numbers or two strings, not " +
                               Describe(*left) + " and " + Describe(*right));
    }
    switch (op) {
      case BinOp::kLt:
        return Value(order < 0);
      case BinOp::kLe:
        return Value(order <= 0);
      case BinOp::kGt:
        return Value(order > 0);
      case BinOp::kGe:
        return Value(order >= 0);
      default:
        break;
    }
    return Bad(node.pos, "unknown comparison");
  }

  Result<Value> EvalIn(const Node& node) {
    auto needle = Eval(node.args[0]);
    if (!needle) return needle;
    auto haystack = Eval(node.args[1]);
    if (!haystack) return haystack;
    bool found = false;
    switch (haystack->kind()) {
      case Value::Kind::kNull:
        break;
      case Value::Kind::kList: {
        const Value::List& list = haystack->as_list();
        found = std::find(list.begin(), list.end(), *needle) != list.end();
        break;
      }
      case Value::Kind::kObject:
        if (!needle->is_string()) {
          return Bad(node.pos,
                     "'in' an object looks up a member name, which must be a string, not " + Describe(*needle));
        }
        found = haystack->Find(needle->as_string()) != nullptr;
        break;
      case Value::Kind::kString:
        if (!needle->is_string()) {
          return Bad(node.pos, "'in' a string looks for a substring, not " + Describe(*needle));
        }
        found = haystack->as_string().find(needle->as_string()) != std::string::npos;
        break;
      default:
        return Bad(node.pos, "'in' needs a list, an object or a string on its right, got " + Describe(*haystack));
    }
    return Value(found != node.negated);
  }

  Result<Value> EvalArith(const Node& node) {
    auto first = Eval(node.args[0]);
    if (!first) return first;
    Value acc = std::move(*first);
    for (std::size_t k = 0; k < node.ops.size(); ++k) {
      auto next = Eval(node.args[k + 1]);
      if (!next) return next;
      const BinOp op = node.ops[k];
      const std::size_t pos = node.op_pos[k];
      if (op == BinOp::kAdd && acc.is_string() && next->is_string()) {
        if (acc.as_string().size() + next->as_string().size() > kMaxStringBytes) {
          return Bad(pos, "string longer than " + std::to_string(kMaxStringBytes) + " bytes");
        }
        acc = Value(acc.as_string() + next->as_string());
        continue;
      }
      if (!acc.is_number() || !next->is_number()) {
        const std::string needs = op == BinOp::kAdd ? "two numbers or two strings" : "two numbers";
        return Bad(pos, "'" + std::string(BinOpText(op)) + "' needs " + needs + ", not " + Describe(acc) + " and " +
                            Describe(*next));
      }
      const double a = acc.as_number();
      const double b = next->as_number();
      double r = 0;
      switch (op) {
        case BinOp::kAdd:
          r = a + b;
          break;
        case BinOp::kSub:
          r = a - b;
          break;
        case BinOp::kMul:
          r = a * b;
          break;
        case BinOp::kDiv:
          if (b == 0) return Bad(pos, "division by zero");
          r = a / b;
          break;
        case BinOp::kMod:
          if (b == 0) return Bad(pos, "remainder of a division by zero");
          r = std::fmod(a, b);
          break;
        default:
          return Bad(pos, "unknown operator");
      }
      if (!std::isfinite(r)) return Bad(pos, "arithmetic overflow");
      acc = Value(r);
    }
    return acc;
  }

  Result<Value> EvalCall(const Node& node) {
    std::vector<Value> args;
    args.reserve(node.args.size());
    for (const int arg : node.args) {
      auto v = Eval(arg);
      if (!v) return v;
      args.push_back(std::move(*v));
    }
    switch (node.function) {
      case Function::kLen:
        switch (args[0].kind()) {
          case Value::Kind::kNull:
            return Value(0);
          case Value::Kind::kString:
            return Value(CodePoints(args[0].as_string()));
          case Value::Kind::kList:
            return Value(args[0].as_list().size());
          case Value::Kind::kObject:
            return Value(args[0].as_object().size());
          default:
            return Bad(node.pos, "len() needs a string, a list or an object, got " + Describe(args[0]));
        }
      case Function::kContains:
        if (args[0].is_null()) return Value(false);
        if (args[0].is_list()) {
          const Value::List& list = args[0].as_list();
          return Value(std::find(list.begin(), list.end(), args[1]) != list.end());
        }
        if (args[0].is_string() && args[1].is_string()) {
          return Value(args[0].as_string().find(args[1].as_string()) != std::string::npos);
        }
        return Bad(node.pos, "contains() needs a string and a string, or a list and a value, not " + Describe(args[0]) +
                                 " and " + Describe(args[1]));
      case Function::kStartsWith:
      case Function::kEndsWith: {
        const bool starts = node.function == Function::kStartsWith;
        if (args[0].is_null()) return Value(false);
        if (!args[0].is_string() || !args[1].is_string()) {
          return Bad(node.pos, std::string(starts ? "startsWith" : "endsWith") + "() needs two strings, not " +
                                   Describe(args[0]) + " and " + Describe(args[1]));
        }
        const std::string& s = args[0].as_string();
        const std::string& affix = args[1].as_string();
        return Value(starts ? s.starts_with(affix) : s.ends_with(affix));
      }
    }
    return Bad(node.pos, "unknown function");
  }

  // Bounds what string concatenation can build from small inputs.
  static constexpr std::size_t kMaxStringBytes = 1 << 20;

  const Program& program_;
  const Context& context_;
};

}  // namespace

Result<Expression> Expression::Compile(std::string_view source) {
  if (source.size() > kMaxExpressionBytes) {
    return Fail(Error::BadRequest(Where(source, kMaxExpressionBytes) + ": the expression is longer than " +
                                      std::to_string(kMaxExpressionBytes) + " bytes",
                                  "bad_expression"));
  }
  auto tokens = Lexer(source).Run();
  if (!tokens) return std::unexpected(std::move(tokens.error()));
  auto program = std::make_shared<Program>();
  program->source = std::string(source);
  auto root = Parser(program->source, std::move(*tokens), *program).Run();
  if (!root) return std::unexpected(std::move(root.error()));
  program->root = *root;
  program->variables = CollectVariables(*program);
  return Expression(std::move(program));
}

Result<Value> Expression::Evaluate(const Context& context) const {
  return Evaluator(*program_, context).Eval(program_->root);
}

Result<bool> Expression::EvaluateBool(const Context& context) const {
  auto value = Evaluate(context);
  if (!value) return std::unexpected(std::move(value.error()));
  if (!value->is_bool()) {
    return Fail(Error::Unprocessable("the condition must be true or false, not " +
                                         std::string(KindName(value->kind())) + " (" + value->ToString().substr(0, 80) +
                                         ")",
                                     "expression_error"));
  }
  return value->as_bool();
}

const std::string& Expression::source() const { return program_->source; }

const std::vector<std::string>& Expression::Variables() const { return program_->variables; }

}  // namespace wangban::workflow
