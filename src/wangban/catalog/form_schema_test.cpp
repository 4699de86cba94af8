#include "wangban/catalog/form_schema.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace wangban::catalog {
namespace {

using nlohmann::json;
using Problem = std::pair<std::string, std::string>;  // {field, code}

std::string Describe(const Error& error) {
  std::string out = error.message;
  for (const auto& f : error.field_errors) out += "\n  " + f.field + " " + f.code + ": " + f.message;
  return out;
}

// The compiled schema; fails the test (and returns a trivial schema) if it does not compile.
FormSchema MustCompile(std::string_view text) {
  auto schema = FormSchema::Compile(text);
  if (!schema) {
    ADD_FAILURE() << "schema does not compile: " << Describe(schema.error());
    return *FormSchema::Compile(R"({"type": "object"})");
  }
  return *std::move(schema);
}

std::vector<Problem> Problems(const Error& error) {
  EXPECT_EQ(error.code, ErrorCode::kValidationFailed);
  std::vector<Problem> out;
  for (const auto& f : error.field_errors) {
    EXPECT_FALSE(f.message.empty()) << f.field << " " << f.code;
    out.emplace_back(f.field, f.code);
  }
  return out;
}

// {field, code} of every compile error; empty if the schema compiles.
std::vector<Problem> CompileProblems(std::string_view text) {
  auto schema = FormSchema::Compile(text);
  if (schema) return {};
  return Problems(schema.error());
}

// {field, code} of every validation error; empty if the form is valid.
std::vector<Problem> FormProblems(const FormSchema& schema, const json& form) {
  auto result = schema.Validate(form);
  if (result) return {};
  return Problems(result.error());
}

// The only validation error of `form`; fails the test unless there is exactly one.
FieldError OnlyError(const FormSchema& schema, const json& form) {
  auto result = schema.Validate(form);
  EXPECT_FALSE(result.has_value()) << form.dump();
  if (result) return {};
  EXPECT_EQ(result.error().field_errors.size(), 1u) << Describe(result.error());
  if (result.error().field_errors.empty()) return {};
  return result.error().field_errors[0];
}

// The code of the only validation error of {"v": value} against {"v": property} (not required).
std::string CodeFor(const FormSchema& schema, const json& value) {
  auto result = schema.Validate(json{{"v", value}});
  if (result) return "ok";
  EXPECT_EQ(result.error().field_errors.size(), 1u) << Describe(result.error());
  EXPECT_EQ(result.error().field_errors[0].field, "v");
  return result.error().field_errors[0].code;
}

// A schema with one optional property "v" whose schema is `property`.
FormSchema OneField(const std::string& property) {
  return MustCompile(R"({"type": "object", "properties": {"v": )" + property + "}}");
}

// --- compiling ------------------------------------------------------------------------------

TEST(FormSchemaCompileTest, AcceptsTheSmallestSchemaAndKeepsItsText) {
  const std::string text = R"({ "type" : "object" })";
  FormSchema schema = MustCompile(text);
  EXPECT_EQ(schema.text(), text);
  EXPECT_TRUE(schema.FieldPaths().empty());
  EXPECT_TRUE(schema.Validate(json::object()).has_value());
  EXPECT_TRUE(schema.Validate(json{{"anything", {1, 2, 3}}}).has_value());
}

TEST(FormSchemaCompileTest, AcceptsThe202012DialectOnly) {
  EXPECT_TRUE(FormSchema::Compile(R"({"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"})")
                  .has_value());
  EXPECT_TRUE(FormSchema::Compile(R"({"$schema": "https://json-schema.org/draft/2020-12/schema#", "type": "object"})")
                  .has_value());
  EXPECT_EQ(CompileProblems(R"({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"})"),
            (std::vector<Problem>{{"schema.$schema", "unsupported_dialect"}}));
}

TEST(FormSchemaCompileTest, RejectsTextThatIsNotJson) {
  auto result = FormSchema::Compile(R"({"type": "object",})");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(Problems(result.error()), (std::vector<Problem>{{"schema", "malformed_json"}}));
  EXPECT_NE(result.error().field_errors[0].message.find("byte"), std::string::npos);
  EXPECT_EQ(CompileProblems(""), (std::vector<Problem>{{"schema", "malformed_json"}}));
  EXPECT_EQ(CompileProblems(R"({"type": "object"} {})"), (std::vector<Problem>{{"schema", "malformed_json"}}));
  EXPECT_EQ(CompileProblems(R"({"type": "object", "maximum": 1e400})"),
            (std::vector<Problem>{{"schema", "malformed_json"}}));
  EXPECT_EQ(CompileProblems("{\"type\": \"object\", \"title\": \"\xff\"}"),
            (std::vector<Problem>{{"schema", "malformed_json"}}))
      << "invalid UTF-8";
}

TEST(FormSchemaCompileTest, RejectsASchemaThatIsNotAnObject) {
  for (std::string_view text : {"[]", "true", "\"object\"", "null"}) {
    EXPECT_EQ(CompileProblems(text), (std::vector<Problem>{{"schema", "not_a_schema"}})) << text;
  }
  EXPECT_EQ(CompileProblems(R"({"type": "object", "properties": {"age": "integer"}})"),
            (std::vector<Problem>{{"schema.properties.age", "not_a_schema"}}));
}

TEST(FormSchemaCompileTest, LimitsTheSchemaTo64KiB) {
  const std::string head = R"({"type": "object", "description": ")";
  const std::string tail = R"("})";
  std::string at_limit = head + std::string(FormSchema::kMaxSchemaBytes - head.size() - tail.size(), 'x') + tail;
  ASSERT_EQ(at_limit.size(), 64u * 1024u);
  EXPECT_TRUE(FormSchema::Compile(at_limit).has_value());

  std::string over = head + std::string(FormSchema::kMaxSchemaBytes - head.size() - tail.size() + 1, 'x') + tail;
  EXPECT_EQ(CompileProblems(over), (std::vector<Problem>{{"schema", "too_large"}}));
}

TEST(FormSchemaCompileTest, TheRootMustBeAnObjectSchema) {
  EXPECT_EQ(CompileProblems(R"({"properties": {}})"), (std::vector<Problem>{{"schema.type", "bad_type"}}));
  EXPECT_EQ(CompileProblems(R"({"type": "string"})"), (std::vector<Problem>{{"schema.type", "bad_type"}}));
  EXPECT_EQ(CompileProblems(R"({"type": ["object", "null"]})"), (std::vector<Problem>{{"schema.type", "bad_type"}}));
  // A bad type name is reported once, not again as "not an object".
  EXPECT_EQ(CompileProblems(R"({"type": "obj"})"), (std::vector<Problem>{{"schema.type", "bad_type"}}));
}

TEST(FormSchemaCompileTest, RejectsUnsupportedKeywordsWhereverTheyAre) {
  EXPECT_EQ(CompileProblems(R"({
    "type": "object",
    "$defs": {},
    "properties": {
      "age": {"type": "integer", "oneOf": [{"minimum": 1}]},
      "kids": {"type": "array", "prefixItems": [], "items": {"type": "object", "properties": {
        "name": {"$ref": "#/$defs/name"}}}},
      "note": {"type": "string", "minlength": 3}
    }
  })"),
            (std::vector<Problem>{{"schema.$defs", "unsupported_keyword"},
                                  {"schema.properties.age.oneOf", "unsupported_keyword"},
                                  {"schema.properties.kids.prefixItems", "unsupported_keyword"},
                                  {"schema.properties.kids.items.properties.name.$ref", "unsupported_keyword"},
                                  {"schema.properties.note.minlength", "unsupported_keyword"}}));
}

TEST(FormSchemaCompileTest, AcceptsAnnotationsAndKeepsThemInTheText) {
  const std::string text = R"({
    "type": "object", "title": "申请表", "description": "说明",
    "x-ui-order": ["name"],
    "properties": {
      "name": {"type": "string", "title": "姓名", "default": "", "x-ui-label": "姓名",
               "x-ui-widget": "input", "x-ui-placeholder": {"zh": "请输入"}}
    }
  })";
  FormSchema schema = MustCompile(text);
  EXPECT_EQ(schema.text(), text);
  EXPECT_NE(schema.text().find("x-ui-widget"), std::string::npos);
  EXPECT_TRUE(schema.Validate(json{{"name", "张三"}}).has_value());
  // Annotations are not assertions: a default of the wrong type is not checked either.
  EXPECT_TRUE(FormSchema::Compile(R"({"type": "object", "properties": {"n": {"type": "integer", "default": "x"}}})")
                  .has_value());
  EXPECT_EQ(CompileProblems(R"({"type": "object", "title": 5})"),
            (std::vector<Problem>{{"schema.title", "bad_value"}}));
}

TEST(FormSchemaCompileTest, RejectsBadTypes) {
  EXPECT_EQ(CompileProblems(R"({"type": "object", "properties": {
    "a": {"type": "text"},
    "b": {"type": ["string", "string"]},
    "c": {"type": []},
    "d": {"type": ["string", 1]},
    "e": {"type": 7},
    "f": {"type": ["string", "null"]}
  }})"),
            (std::vector<Problem>{{"schema.properties.a.type", "bad_type"},
                                  {"schema.properties.b.type[1]", "bad_type"},
                                  {"schema.properties.c.type", "bad_type"},
                                  {"schema.properties.d.type[1]", "bad_type"},
                                  {"schema.properties.e.type", "bad_type"}}));
}

TEST(FormSchemaCompileTest, RejectsKeywordValuesOfTheWrongKind) {
  EXPECT_EQ(CompileProblems(R"({"type": "object", "properties": {
    "a": {"type": "string", "minLength": -1, "maxLength": "3", "pattern": 5, "format": true},
    "b": {"type": "string", "minLength": 1.5},
    "c": {"type": "array", "items": [{"type": "string"}], "minItems": null},
    "d": {"type": "object", "additionalProperties": {"type": "string"}, "properties": []},
    "e": {"type": "integer", "minimum": "1", "exclusiveMaximum": true},
    "f": {"enum": []},
    "g": {"type": "object", "required": "x"},
    "h": {"type": "object", "properties": {"x": {}}, "required": ["x", 1, "x"]},
    "i": {"description": ["no"]}
  }})"),
            (std::vector<Problem>{{"schema.properties.a.minLength", "bad_value"},
                                  {"schema.properties.a.maxLength", "bad_value"},
                                  {"schema.properties.a.pattern", "bad_value"},
                                  {"schema.properties.a.format", "bad_value"},
                                  {"schema.properties.b.minLength", "bad_value"},
                                  {"schema.properties.c.items", "not_a_schema"},
                                  {"schema.properties.c.minItems", "bad_value"},
                                  {"schema.properties.d.additionalProperties", "bad_value"},
                                  {"schema.properties.d.properties", "bad_value"},
                                  {"schema.properties.e.minimum", "bad_value"},
                                  {"schema.properties.e.exclusiveMaximum", "bad_value"},
                                  {"schema.properties.f.enum", "bad_value"},
                                  {"schema.properties.g.required", "bad_value"},
                                  {"schema.properties.h.required[1]", "bad_value"},
                                  {"schema.properties.h.required[2]", "bad_value"},
                                  {"schema.properties.i.description", "bad_value"}}));
  // Integral numbers written with a fraction are integers, as in JSON Schema.
  EXPECT_TRUE(FormSchema::Compile(R"({"type": "object", "properties": {"a": {"type": "string", "maxLength": 3.0}}})")
                  .has_value());
}

TEST(FormSchemaCompileTest, RejectsEmptyRanges) {
  EXPECT_EQ(CompileProblems(R"({"type": "object", "properties": {
    "a": {"type": "string", "minLength": 5, "maxLength": 3},
    "b": {"type": "array", "minItems": 2, "maxItems": 1},
    "c": {"type": "number", "minimum": 10, "maximum": 1},
    "d": {"type": "number", "exclusiveMinimum": 5, "exclusiveMaximum": 5},
    "e": {"type": "number", "minimum": 5, "exclusiveMaximum": 5},
    "ok1": {"type": "number", "minimum": 5, "maximum": 5},
    "ok2": {"type": "string", "minLength": 3, "maxLength": 3}
  }})"),
            (std::vector<Problem>{{"schema.properties.a.maxLength", "bad_range"},
                                  {"schema.properties.b.maxItems", "bad_range"},
                                  {"schema.properties.c.maximum", "bad_range"},
                                  {"schema.properties.d.exclusiveMaximum", "bad_range"},
                                  {"schema.properties.e.exclusiveMaximum", "bad_range"}}));
}

TEST(FormSchemaCompileTest, PropertyNamesAreAsciiIdentifiers) {
  EXPECT_EQ(CompileProblems(R"({"type": "object", "properties": {
    "applicant.name": {}, "姓名": {}, "1st": {}, "": {}, "a b": {}, "kids[0]": {},
    "_private": {}, "id-number": {}, "phone2": {}
  }})"),
            (std::vector<Problem>{{"schema.properties.applicant.name", "bad_property_name"},
                                  {"schema.properties.姓名", "bad_property_name"},
                                  {"schema.properties.1st", "bad_property_name"},
                                  {"schema.properties.", "bad_property_name"},
                                  {"schema.properties.a b", "bad_property_name"},
                                  {"schema.properties.kids[0]", "bad_property_name"}}));
  const std::string long_name(65, 'a');
  EXPECT_EQ(CompileProblems(R"({"type": "object", "properties": {")" + long_name + R"(": {}}})"),
            (std::vector<Problem>{{"schema.properties." + long_name, "bad_property_name"}}));
  EXPECT_TRUE(
      FormSchema::Compile(R"({"type": "object", "properties": {")" + std::string(64, 'a') + R"(": {}}})").has_value());
}

TEST(FormSchemaCompileTest, RequiredFieldsMustBeDeclared) {
  EXPECT_EQ(CompileProblems(R"({"type": "object", "required": ["name", "nmae"],
                                "properties": {"name": {"type": "string"}}})"),
            (std::vector<Problem>{{"schema.required[1]", "undeclared_required"}}));
  // A declared field whose own schema is broken is reported once, at its schema.
  EXPECT_EQ(CompileProblems(R"({"type": "object", "required": ["name"],
                                "properties": {"name": {"type": "strnig"}}})"),
            (std::vector<Problem>{{"schema.properties.name.type", "bad_type"}}));
}

TEST(FormSchemaCompileTest, EnumAndConstValuesMustFitTheType) {
  EXPECT_EQ(CompileProblems(R"({"type": "object", "properties": {
    "a": {"type": "string", "enum": ["x", 1, "y", "x"]},
    "b": {"type": "integer", "enum": [1, 2.5]},
    "c": {"type": "boolean", "const": "true"},
    "d": {"enum": ["x", 1, null, {"k": [1]}]},
    "e": {"type": "integer", "enum": [1, 2.0]}
  }})"),
            (std::vector<Problem>{{"schema.properties.a.enum[1]", "bad_value"},
                                  {"schema.properties.a.enum[3]", "bad_value"},
                                  {"schema.properties.b.enum[1]", "bad_value"},
                                  {"schema.properties.c.const", "bad_value"}}));
}

TEST(FormSchemaCompileTest, RejectsBadPatterns) {
  const auto pattern_problems = [](const std::string& pattern) {
    return CompileProblems(R"({"type": "object", "properties": {"p": {"type": "string", "pattern": )" +
                           json(pattern).dump() + "}}}");
  };
  const std::vector<Problem> bad = {{"schema.properties.p.pattern", "bad_pattern"}};
  EXPECT_EQ(pattern_problems("("), bad);
  EXPECT_EQ(pattern_problems("a)|(b"), bad);
  EXPECT_EQ(pattern_problems("[z-a]"), bad);
  EXPECT_EQ(pattern_problems("*a"), bad);
  EXPECT_EQ(pattern_problems("a{2,1}"), bad);
  EXPECT_EQ(pattern_problems("\\"), bad);
  EXPECT_EQ(pattern_problems("(a)\\1"), bad) << "back-references need the exponential matcher";
  EXPECT_EQ(pattern_problems(std::string(513, 'a')), bad);
  EXPECT_EQ(pattern_problems("(?:a{100}){100}"), bad) << "a 10,000-state automaton";
  EXPECT_EQ(pattern_problems("a{100000}"), bad);
  EXPECT_EQ(pattern_problems("((((a{10}){10}){10}){10})"), bad);

  EXPECT_TRUE(pattern_problems(std::string(512, 'a')).empty());
  EXPECT_EQ(pattern_problems("^.{0,1000}$"), bad) << "that is maxLength's job";
  EXPECT_TRUE(pattern_problems("^.{0,900}$").empty());
  EXPECT_TRUE(pattern_problems("^(\\d{3}-){2}\\d{4}$").empty());
  EXPECT_TRUE(pattern_problems("^[\\u4e00-\\u9fa5·]{2,20}$").empty());
  EXPECT_TRUE(pattern_problems("^(?=.*\\d)(?!.*\\s).{8,32}$").empty());
}

TEST(FormSchemaCompileTest, RejectsUnknownFormats) {
  EXPECT_EQ(CompileProblems(R"({"type": "object", "properties": {
    "a": {"type": "string", "format": "date-time"},
    "b": {"type": "string", "format": "Date"},
    "c": {"type": "string", "format": "uscc"}
  }})"),
            (std::vector<Problem>{{"schema.properties.a.format", "unsupported_format"},
                                  {"schema.properties.b.format", "unsupported_format"}}));
}

// {"type": "object", "properties": {"n": {... `levels` - 1 times}}}: `levels` nested schemas.
std::string NestedSchema(int levels) {
  std::string text = R"({"type": "object")";
  for (int i = 1; i < levels; ++i) text += R"(, "properties": {"n": {"type": "object")";
  for (int i = 1; i < levels; ++i) text += "}}";
  return text + "}";
}

TEST(FormSchemaCompileTest, LimitsSchemaNesting) {
  EXPECT_TRUE(FormSchema::Compile(NestedSchema(16)).has_value());
  std::string seventeenth = "schema";
  for (int i = 1; i < 17; ++i) seventeenth += ".properties.n";
  EXPECT_EQ(CompileProblems(NestedSchema(17)), (std::vector<Problem>{{seventeenth, "too_deep"}}));

  // Items count as a level too.
  std::string items = R"({"type": "object", "properties": {"a": )";
  for (int i = 0; i < 20; ++i) items += R"({"type": "array", "items": )";
  items += "{}" + std::string(20, '}') + "}}";
  auto problems = CompileProblems(items);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].second, "too_deep");

  // Deep JSON anywhere (here an enum value) is refused before anything walks it recursively.
  std::string deep_enum = R"({"type": "object", "properties": {"e": {"enum": [)" + std::string(30000, '[') +
                          std::string(30000, ']') + "]}}}";
  problems = CompileProblems(deep_enum);
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0], (Problem{"schema", "too_deep"}));
}

TEST(FormSchemaCompileTest, ReportsEveryProblemAtOnce) {
  auto result = FormSchema::Compile(R"({
    "type": "object",
    "required": ["ghost"],
    "properties": {
      "age": {"type": "int", "minimum": 200, "maximum": 100},
      "name": {"type": "string", "pattern": "([a-z]"},
      "when": {"type": "string", "format": "datetime"},
      "kids": {"type": "array", "items": {"type": "object", "properties": {"x": {"allOf": []}}}}
    }
  })");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().message, "the form schema is invalid");
  EXPECT_EQ(Problems(result.error()), (std::vector<Problem>{
                                          {"schema.properties.age.type", "bad_type"},
                                          {"schema.properties.age.maximum", "bad_range"},
                                          {"schema.properties.name.pattern", "bad_pattern"},
                                          {"schema.properties.when.format", "unsupported_format"},
                                          {"schema.properties.kids.items.properties.x.allOf", "unsupported_keyword"},
                                          {"schema.required[0]", "undeclared_required"},
                                      }));
}

// --- validating: the form as a whole -------------------------------------------------------

TEST(FormSchemaValidateTest, AFormMustBeAnObject) {
  FormSchema schema = MustCompile(R"({"type": "object", "required": ["a"], "properties": {"a": {}}})");
  for (const json& form : {json::array(), json("x"), json(nullptr), json(3), json(true)}) {
    auto result = schema.Validate(form);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(Problems(result.error()), (std::vector<Problem>{{"", "type"}})) << form.dump();
  }
}

TEST(FormSchemaValidateTest, LimitsFormNesting) {
  FormSchema schema = MustCompile(R"({"type": "object"})");
  const auto nested = [](int levels) {  // the form itself is level 1; even levels are arrays
    json form = json::object();
    json* innermost = &form;
    for (int level = 2; level <= levels; ++level) {
      json* child = level % 2 == 0 ? &(*innermost)["n"] : &(*innermost).emplace_back();
      *child = level % 2 == 0 ? json::array() : json::object();
      innermost = child;
    }
    return form;
  };
  EXPECT_TRUE(schema.Validate(nested(32)).has_value());
  EXPECT_EQ(FormProblems(schema, nested(33)), (std::vector<Problem>{{"", "too_deep"}}));
  EXPECT_EQ(FormProblems(schema, nested(5000)), (std::vector<Problem>{{"", "too_deep"}}));
}

TEST(FormSchemaValidateTest, ErrorsAreValidationFailures) {
  FormSchema schema = MustCompile(R"({"type": "object", "required": ["a"], "properties": {"a": {}}})");
  auto result = schema.Validate(json::object());
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kValidationFailed);
  EXPECT_EQ(result.error().field_errors, (std::vector<FieldError>{{"a", "required", "is required"}}));
}

// --- validating: keywords ------------------------------------------------------------------

TEST(FormSchemaValidateTest, Required) {
  FormSchema schema = MustCompile(R"({"type": "object", "required": ["name", "age"], "properties": {
    "name": {"type": "string"}, "age": {"type": "integer"}, "note": {"type": "string"}}})");
  EXPECT_TRUE(schema.Validate(json{{"name", "张三"}, {"age", 30}}).has_value());
  EXPECT_EQ(FormProblems(schema, json::object()), (std::vector<Problem>{{"name", "required"}, {"age", "required"}}));
  // Present is present, as in JSON Schema: an empty string satisfies "required", null is a
  // type error.
  EXPECT_TRUE(schema.Validate(json{{"name", ""}, {"age", 0}}).has_value());
  EXPECT_EQ(FormProblems(schema, json{{"name", nullptr}, {"age", 1}}), (std::vector<Problem>{{"name", "type"}}));
}

TEST(FormSchemaValidateTest, Types) {
  FormSchema schema = MustCompile(R"({"type": "object", "properties": {
    "o": {"type": "object"}, "a": {"type": "array"}, "s": {"type": "string"}, "i": {"type": "integer"},
    "n": {"type": "number"}, "b": {"type": "boolean"}, "z": {"type": "null"},
    "sn": {"type": ["string", "null"]}, "any": {}}})");
  EXPECT_TRUE(schema
                  .Validate(json{{"o", json::object()},
                                 {"a", json::array()},
                                 {"s", ""},
                                 {"i", -3},
                                 {"n", 2.5},
                                 {"b", false},
                                 {"z", nullptr},
                                 {"sn", nullptr},
                                 {"any", {{"x", 1}}}})
                  .has_value());
  EXPECT_TRUE(schema.Validate(json{{"i", 3.0}, {"n", 7}, {"sn", "x"}}).has_value());
  EXPECT_TRUE(schema.Validate(json{{"i", 18446744073709551615ull}}).has_value());
  EXPECT_EQ(OnlyError(schema, json{{"o", json::array()}}), (FieldError{"o", "type", "must be an object"}));
  EXPECT_EQ(OnlyError(schema, json{{"a", json::object()}}), (FieldError{"a", "type", "must be an array"}));
  EXPECT_EQ(OnlyError(schema, json{{"s", 1}}), (FieldError{"s", "type", "must be a string"}));
  EXPECT_EQ(OnlyError(schema, json{{"i", 3.5}}), (FieldError{"i", "type", "must be an integer"}));
  EXPECT_EQ(OnlyError(schema, json{{"i", "3"}}), (FieldError{"i", "type", "must be an integer"}));
  EXPECT_EQ(OnlyError(schema, json{{"n", "2.5"}}), (FieldError{"n", "type", "must be a number"}));
  EXPECT_EQ(OnlyError(schema, json{{"b", 0}}), (FieldError{"b", "type", "must be a boolean"}));
  EXPECT_EQ(OnlyError(schema, json{{"z", false}}), (FieldError{"z", "type", "must be null"}));
  EXPECT_EQ(OnlyError(schema, json{{"sn", 1}}), (FieldError{"sn", "type", "must be a string or null"}));
}

TEST(FormSchemaValidateTest, EnumAndConst) {
  FormSchema schema = MustCompile(R"({"type": "object", "properties": {
    "purpose": {"type": "string", "enum": ["就业", "入学"]},
    "level": {"enum": [1, 2, "three", null]},
    "many": {"type": "integer", "enum": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]},
    "agree": {"const": true}}})");
  EXPECT_TRUE(schema.Validate(json{{"purpose", "就业"}, {"level", nullptr}, {"agree", true}}).has_value());
  EXPECT_TRUE(schema.Validate(json{{"level", 2.0}}).has_value()) << "numbers compare by value";
  EXPECT_EQ(OnlyError(schema, json{{"purpose", "旅游"}}),
            (FieldError{"purpose", "enum", R"(must be one of: "就业", "入学")"}));
  EXPECT_EQ(OnlyError(schema, json{{"level", "1"}}).code, "enum");
  EXPECT_EQ(OnlyError(schema, json{{"many", 12}}), (FieldError{"many", "enum", "must be one of the allowed values"}));
  EXPECT_EQ(OnlyError(schema, json{{"agree", false}}), (FieldError{"agree", "const", "must be true"}));
  EXPECT_EQ(OnlyError(schema, json{{"agree", 1}}).code, "const");
}

TEST(FormSchemaValidateTest, LengthsCountCodePoints) {
  FormSchema schema = OneField(R"({"type": "string", "minLength": 2, "maxLength": 3})");
  EXPECT_EQ(CodeFor(schema, "张三"), "ok");
  EXPECT_EQ(CodeFor(schema, "欧阳娜"), "ok") << "9 bytes, 3 characters";
  EXPECT_EQ(CodeFor(schema, "欧阳娜娜"), "max_length");
  EXPECT_EQ(CodeFor(schema, "张"), "min_length");
  EXPECT_EQ(CodeFor(schema, "😀😀"), "ok") << "4-byte characters count once";
  EXPECT_EQ(CodeFor(schema, "ab"), "ok");
  EXPECT_EQ(CodeFor(schema, "abcd"), "max_length");
  EXPECT_EQ(OnlyError(schema, json{{"v", "abcd"}}).message, "must be at most 3 characters");
  EXPECT_EQ(OnlyError(schema, json{{"v", "a"}}).message, "must be at least 2 characters");
  EXPECT_EQ(OnlyError(OneField(R"({"minLength": 1})"), json{{"v", ""}}).message, "must be at least 1 character");
  EXPECT_EQ(CodeFor(OneField(R"({"maxLength": 1})"), 12345), "ok") << "string keywords ignore other types";
}

TEST(FormSchemaValidateTest, PatternsSearchUnlessAnchored) {
  FormSchema digit = OneField(R"({"type": "string", "pattern": "\\d"})");
  EXPECT_EQ(CodeFor(digit, "abc1def"), "ok");
  EXPECT_EQ(CodeFor(digit, "abcdef"), "pattern");
  EXPECT_EQ(OnlyError(digit, json{{"v", "x"}}).message, "does not match the required pattern");

  FormSchema postcode = OneField(R"({"type": "string", "pattern": "^\\d{6}$"})");
  EXPECT_EQ(CodeFor(postcode, "100000"), "ok");
  EXPECT_EQ(CodeFor(postcode, "1000000"), "pattern");
  EXPECT_EQ(CodeFor(postcode, "10000\n"), "pattern");
  EXPECT_EQ(CodeFor(postcode, "\n100000"), "pattern");

  FormSchema either = OneField(R"({"type": "string", "pattern": "^a$|^b$"})");
  EXPECT_EQ(CodeFor(either, "b"), "ok");
  EXPECT_EQ(CodeFor(either, "ab"), "pattern");

  FormSchema lookahead = OneField(R"({"type": "string", "pattern": "^(?=.*\\d)(?=.*[a-z]).{8,}$"})");
  EXPECT_EQ(CodeFor(lookahead, "abcdefg1"), "ok");
  EXPECT_EQ(CodeFor(lookahead, "abcdefgh"), "pattern");
}

TEST(FormSchemaValidateTest, PatternsMatchChineseCharacters) {
  // As escapes in the pattern, and as characters (the JSON string holds them directly).
  for (std::string pattern : {R"("^[\\u4e00-\\u9fa5·]{2,5}$")", R"("^[一-龥·]{2,5}$")"}) {
    FormSchema name = OneField(R"({"type": "string", "pattern": )" + pattern + "}");
    EXPECT_EQ(CodeFor(name, "张三"), "ok") << pattern;
    EXPECT_EQ(CodeFor(name, "阿依·古丽"), "ok") << pattern;
    EXPECT_EQ(CodeFor(name, "Zhang San"), "pattern") << pattern;
    EXPECT_EQ(CodeFor(name, "张三丰李四"), "ok") << "5 characters, not 15 bytes: " << pattern;
    EXPECT_EQ(CodeFor(name, "张三丰李四五"), "pattern") << pattern;
    EXPECT_EQ(CodeFor(name, "张"), "pattern") << pattern;
  }
  FormSchema dot = OneField(R"({"type": "string", "pattern": "^.$"})");
  EXPECT_EQ(CodeFor(dot, "中"), "ok") << "'.' is one code point";
  EXPECT_EQ(CodeFor(dot, "😀"), "ok");
}

TEST(FormSchemaValidateTest, PatternsCheckAtMost1000Characters) {
  FormSchema schema = OneField(R"({"type": "string", "pattern": "^a+$"})");
  EXPECT_EQ(CodeFor(schema, std::string(1000, 'a')), "ok");
  auto error = OnlyError(schema, json{{"v", std::string(1001, 'a')}});
  EXPECT_EQ(error.code, "pattern");
  EXPECT_NE(error.message.find("1000"), std::string::npos);
  std::string chinese;
  for (int i = 0; i < 1000; ++i) chinese += "中";
  EXPECT_EQ(CodeFor(OneField(R"({"type": "string", "pattern": "^中+$"})"), chinese), "ok") << "counted in characters";
}

TEST(FormSchemaValidateTest, PatternsThatBacktrackExponentiallyRunInPolynomialTime) {
  // A backtracking matcher needs ~2^1000 steps for each of these; the Thompson matcher a few
  // million at most. The bound is generous so that sanitizer builds on a busy machine pass.
  const auto start = std::chrono::steady_clock::now();
  for (std::string pattern : {R"("^(a+)+$")", R"("(a|aa)*c")", R"("^(a|a?)+$")", R"("^(.*a){12}$")"}) {
    FormSchema schema = OneField(R"({"type": "string", "pattern": )" + pattern + "}");
    EXPECT_EQ(CodeFor(schema, std::string(999, 'a') + "b"), "pattern") << pattern;
  }
  // Unanchored search over a long input stays linear too.
  FormSchema schema = OneField(R"({"type": "string", "pattern": "x[0-9]{20}y"})");
  EXPECT_EQ(CodeFor(schema, std::string(1000, 'x')), "pattern");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST(FormSchemaValidateTest, NumericBounds) {
  FormSchema schema = MustCompile(R"({"type": "object", "properties": {
    "age": {"type": "integer", "minimum": 18, "maximum": 120},
    "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1.5},
    "fee": {"type": "number", "minimum": 0.5}}})");
  EXPECT_TRUE(schema.Validate(json{{"age", 18}, {"ratio", 0.001}, {"fee", 0.5}}).has_value());
  EXPECT_TRUE(schema.Validate(json{{"age", 120}, {"ratio", 1.499}}).has_value());
  EXPECT_EQ(OnlyError(schema, json{{"age", 17}}), (FieldError{"age", "minimum", "must be at least 18"}));
  EXPECT_EQ(OnlyError(schema, json{{"age", 121}}), (FieldError{"age", "maximum", "must be at most 120"}));
  EXPECT_EQ(OnlyError(schema, json{{"ratio", 0}}), (FieldError{"ratio", "minimum", "must be greater than 0"}));
  EXPECT_EQ(OnlyError(schema, json{{"ratio", 1.5}}), (FieldError{"ratio", "maximum", "must be less than 1.5"}));
  EXPECT_EQ(OnlyError(schema, json{{"ratio", -7}}).code, "minimum");
  EXPECT_EQ(OnlyError(schema, json{{"fee", 0.49}}), (FieldError{"fee", "minimum", "must be at least 0.5"}));
  EXPECT_EQ(OnlyError(schema, json{{"age", 17.5}}).code, "type") << "the type is checked first";
}

TEST(FormSchemaValidateTest, FormatDate) {
  FormSchema schema = OneField(R"({"type": "string", "format": "date"})");
  for (std::string_view ok : {"2024-02-29", "2023-02-28", "2000-02-29", "1999-12-31", "2024-01-01"}) {
    EXPECT_EQ(CodeFor(schema, ok), "ok") << ok;
  }
  for (std::string_view bad :
       {"2023-02-29", "1900-02-29", "2024-04-31", "2024-13-01", "2024-00-10", "2024-01-00", "2024-1-01", "2024/01/01",
        "20240101", "2024-01-01T00:00:00Z", " 2024-01-01", "２０２４-01-01", ""}) {
    EXPECT_EQ(CodeFor(schema, bad), "format") << bad;
  }
  EXPECT_EQ(OnlyError(schema, json{{"v", "2023-02-29"}}).message, "must be a date written YYYY-MM-DD");
}

TEST(FormSchemaValidateTest, FormatEmail) {
  FormSchema schema = OneField(R"({"type": "string", "format": "email"})");
  for (std::string_view ok :
       {"zhang.san@example.com", "a+tag@mail.gov.cn", "x_y-z@sub-domain.example.org", "12345@qq.com"}) {
    EXPECT_EQ(CodeFor(schema, ok), "ok") << ok;
  }
  for (std::string_view bad :
       {"", "zhangsan", "@example.com", "a@", "a@b", "a@@b.com", "a@b@c.com", ".a@b.com", "a.@b.com", "a..b@c.com",
        "a b@c.com", "a@-b.com", "a@b-.com", "a@b..com", "a@b.c", "a@b.c1", "张三@example.com", "a@例子.中国"}) {
    EXPECT_EQ(CodeFor(schema, bad), "format") << bad;
  }
  EXPECT_EQ(CodeFor(schema, std::string(64, 'a') + "@example.com"), "ok");
  EXPECT_EQ(CodeFor(schema, std::string(65, 'a') + "@example.com"), "format");
}

TEST(FormSchemaValidateTest, FormatPhone) {
  FormSchema schema = OneField(R"({"type": "string", "format": "phone"})");
  for (std::string_view ok : {"13800138000", "19912345678", "15000000000"}) EXPECT_EQ(CodeFor(schema, ok), "ok") << ok;
  for (std::string_view bad : {"12800138000", "10800138000", "1380013800", "138001380000", "+8613800138000",
                               "138-0013-8000", "1380013800a", "", "23800138000"}) {
    EXPECT_EQ(CodeFor(schema, bad), "format") << bad;
  }
}

TEST(FormSchemaValidateTest, FormatIdNumber) {
  FormSchema schema = OneField(R"({"type": "string", "format": "id_number"})");
  EXPECT_EQ(CodeFor(schema, "11010519491231002X"), "ok") << "the GB 11643 example, check character X";
  EXPECT_EQ(CodeFor(schema, "11010519491231002x"), "ok");
  EXPECT_EQ(CodeFor(schema, "440304202402290012"), "ok") << "born on a leap day";
  EXPECT_EQ(CodeFor(schema, "110101200001011232"), "ok");
  for (std::string_view bad : {"110105194912310021",   // wrong check character
                               "110101200001011231",   // wrong check digit
                               "440304202302290013",   // born 2023-02-29
                               "11010519491231002",    // 17 characters
                               "11010519491231002XX",  // 19
                               "1101051949123100AX",   // letter in the body
                               ""}) {
    EXPECT_EQ(CodeFor(schema, bad), "format") << bad;
  }
  EXPECT_EQ(OnlyError(schema, json{{"v", "110105194912310021"}}).message, "must be a valid 18-character ID number");
}

TEST(FormSchemaValidateTest, FormatUscc) {
  FormSchema schema = OneField(R"({"type": "string", "format": "uscc"})");
  EXPECT_EQ(CodeFor(schema, "91350100M000100Y43"), "ok");
  EXPECT_EQ(CodeFor(schema, "91350200776049653A"), "ok");
  EXPECT_EQ(CodeFor(schema, "91350100m000100y43"), "ok");
  EXPECT_EQ(CodeFor(schema, "91350100M000100Y44"), "format");
  EXPECT_EQ(CodeFor(schema, "91350100M000100Y4"), "format");
  EXPECT_EQ(CodeFor(schema, "91350100I000100Y43"), "format") << "I is not in the character set";
}

TEST(FormSchemaValidateTest, FormatsIgnoreOtherTypes) {
  FormSchema schema = OneField(R"({"format": "date"})");
  EXPECT_EQ(CodeFor(schema, 20240229), "ok");
  EXPECT_EQ(CodeFor(schema, nullptr), "ok");
  EXPECT_EQ(CodeFor(schema, "tomorrow"), "format");
}

TEST(FormSchemaValidateTest, AdditionalProperties) {
  FormSchema open = MustCompile(R"({"type": "object", "properties": {"a": {"type": "string"}}})");
  EXPECT_TRUE(open.Validate(json{{"a", "x"}, {"b", 1}}).has_value());

  FormSchema closed = MustCompile(R"({"type": "object", "additionalProperties": false, "properties": {
    "a": {"type": "string"},
    "inner": {"type": "object", "additionalProperties": false, "properties": {"x": {}}},
    "loose": {"type": "object", "properties": {"x": {}}}}})");
  EXPECT_TRUE(closed.Validate(json{{"a", "x"}, {"inner", {{"x", 1}}}, {"loose", {{"y", 2}}}}).has_value());
  EXPECT_EQ(
      FormProblems(closed, json{{"b", 1}, {"inner", {{"x", 1}, {"y", 2}, {"z", 3}}}, {"c", 2}}),
      (std::vector<Problem>{
          {"inner.y", "unknown_field"}, {"inner.z", "unknown_field"}, {"b", "unknown_field"}, {"c", "unknown_field"}}));
  EXPECT_EQ(OnlyError(closed, json{{"zz", 1}}).message, "is not a field of this form");
}

TEST(FormSchemaValidateTest, ArraysWithPaths) {
  FormSchema schema = MustCompile(R"({"type": "object", "properties": {
    "children": {"type": "array", "minItems": 1, "maxItems": 3, "items": {
      "type": "object", "required": ["name"], "properties": {
        "name": {"type": "string", "minLength": 1},
        "birth": {"type": "string", "format": "date"}}}},
    "tags": {"type": "array", "items": {"type": "string", "maxLength": 2}},
    "matrix": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
    "any": {"type": "array"}}})");
  EXPECT_TRUE(schema
                  .Validate(json{{"children", {{{"name", "小明"}, {"birth", "2015-06-01"}}}},
                                 {"tags", {"ab", "c"}},
                                 {"matrix", {{1, 2}, json::array()}},
                                 {"any", {1, "x", nullptr}}})
                  .has_value());
  EXPECT_EQ(FormProblems(schema, json{{"children", {{{"name", "小明"}}, {{"name", ""}}, {{"birth", "2015-02-30"}}}},
                                      {"tags", {"ok", "toolong", 3}},
                                      {"matrix", {{1}, {2, "x", 3.5}}}}),
            (std::vector<Problem>{{"children[1].name", "min_length"},
                                  {"children[2].name", "required"},
                                  {"children[2].birth", "format"},
                                  {"tags[1]", "max_length"},
                                  {"tags[2]", "type"},
                                  {"matrix[1][1]", "type"},
                                  {"matrix[1][2]", "type"}}));
  EXPECT_EQ(OnlyError(schema, json{{"children", json::array()}}),
            (FieldError{"children", "min_items", "must have at least 1 item"}));
  // Too many items, and the items are still checked: they are other fields.
  EXPECT_EQ(
      FormProblems(schema, json{{"children", {{{"name", "a"}}, {{"name", "b"}}, {{"name", "c"}}, json::object()}}}),
      (std::vector<Problem>{{"children", "max_items"}, {"children[3].name", "required"}}));
  EXPECT_EQ(OnlyError(schema, json{{"children", {{{"name", "a"}}, {{"name", "b"}}, {{"name", "c"}}, {{"name", "d"}}}}}),
            (FieldError{"children", "max_items", "must have at most 3 items"}));
}

TEST(FormSchemaValidateTest, AWrongContainerIsNotLookedInto) {
  FormSchema schema = MustCompile(R"({"type": "object", "properties": {
    "address": {"type": "object", "required": ["city"], "properties": {"city": {"type": "string"}}},
    "kids": {"type": "array", "items": {"type": "string"}}}})");
  EXPECT_EQ(FormProblems(schema, json{{"address", "北京市"}, {"kids", {{"k", 1}}}}),
            (std::vector<Problem>{{"address", "type"}, {"kids", "type"}}));
}

TEST(FormSchemaValidateTest, ReportsEveryBadFieldOnceInSchemaOrder) {
  FormSchema schema = MustCompile(R"({"type": "object", "additionalProperties": false,
    "required": ["name", "phone", "email", "age"],
    "properties": {
      "name": {"type": "string", "minLength": 2, "maxLength": 4, "pattern": "^[一-龥]+$"},
      "phone": {"type": "string", "format": "phone"},
      "email": {"type": "string", "format": "email"},
      "age": {"type": "integer", "minimum": 18},
      "zeta": {"type": "string", "maxLength": 1}}})");
  // "name" fails both maxLength and pattern; only the first is reported.
  EXPECT_EQ(FormProblems(schema, json{{"zeta", "long"}, {"name", "Zhang San"}, {"age", 3}, {"aaa", 1}}),
            (std::vector<Problem>{{"name", "max_length"},
                                  {"phone", "required"},
                                  {"email", "required"},
                                  {"age", "minimum"},
                                  {"zeta", "max_length"},
                                  {"aaa", "unknown_field"}}));
}

TEST(FormSchemaValidateTest, CapsTheNumberOfErrors) {
  FormSchema schema = MustCompile(R"({"type": "object", "additionalProperties": false, "properties": {
    "list": {"type": "array", "items": {"type": "string"}}}})");
  json form = json::object();
  for (int i = 0; i < 5000; ++i) form["f" + std::to_string(i)] = i;
  auto result = schema.Validate(form);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().field_errors.size(), FormSchema::kMaxFieldErrors);

  auto list = schema.Validate(json{{"list", json(std::vector<int>(5000, 1))}});
  ASSERT_FALSE(list.has_value());
  EXPECT_EQ(list.error().field_errors.size(), FormSchema::kMaxFieldErrors);
  EXPECT_EQ(list.error().field_errors.back().field, "list[99]");
}

TEST(FormSchemaTest, FieldPathsFollowTheSchema) {
  FormSchema schema = MustCompile(R"({"type": "object", "properties": {
    "applicant": {"type": "object", "properties": {"name": {}, "id_number": {}}},
    "purpose": {"type": "string"},
    "children": {"type": "array", "items": {"type": "object", "properties": {"name": {}, "age": {}}}},
    "matrix": {"type": "array", "items": {"type": "array", "items": {"properties": {"x": {}}}}},
    "tags": {"type": "array", "items": {"type": "string"}}}})");
  EXPECT_EQ(schema.FieldPaths(),
            (std::vector<std::string>{"applicant", "applicant.name", "applicant.id_number", "purpose", "children",
                                      "children[].name", "children[].age", "matrix", "matrix[][].x", "tags"}));
}

TEST(FormSchemaTest, CopiesShareTheCompiledSchemaAcrossThreads) {
  FormSchema original = MustCompile(R"({"type": "object", "required": ["name"], "properties": {
    "name": {"type": "string", "pattern": "^[一-龥]{2,4}$"}}})");
  const FormSchema copy = original;  // NOLINT(performance-unnecessary-copy-initialization)
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const FormSchema& schema = t % 2 == 0 ? original : copy;
        if (!schema.Validate(json{{"name", "张三"}}).has_value()) ++failures[t];
        if (schema.Validate(json{{"name", "Zhang"}}).has_value()) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, (std::vector<int>{0, 0, 0, 0}));
  EXPECT_EQ(copy.text(), original.text());
}

// --- a real form ---------------------------------------------------------------------------

// 无犯罪记录证明 (certificate of no criminal record), as a catalog administrator would write it.
constexpr std::string_view kNoCriminalRecordSchema = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "无犯罪记录证明申请",
  "type": "object",
  "additionalProperties": false,
  "required": ["applicant", "purpose", "delivery"],
  "properties": {
    "applicant": {
      "type": "object",
      "title": "申请人",
      "additionalProperties": false,
      "required": ["name", "id_number", "phone"],
      "properties": {
        "name": {"type": "string", "title": "姓名", "minLength": 2, "maxLength": 20,
                 "pattern": "^[\\u4e00-\\u9fa5·]+$", "x-ui-label": "姓名"},
        "id_number": {"type": "string", "format": "id_number", "x-ui-label": "公民身份号码",
                      "x-ui-widget": "id-number"},
        "phone": {"type": "string", "format": "phone", "x-ui-widget": "tel"},
        "email": {"type": "string", "format": "email"}
      }
    },
    "purpose": {"type": "string", "title": "用途", "enum": ["就业", "出国（境）", "入学", "其他"],
                "x-ui-widget": "select"},
    "purpose_detail": {"type": "string", "maxLength": 200},
    "destination_country": {"type": ["string", "null"], "maxLength": 50},
    "copies": {"type": "integer", "minimum": 1, "maximum": 5, "default": 1},
    "delivery": {
      "type": "object",
      "required": ["method"],
      "properties": {
        "method": {"type": "string", "enum": ["pickup", "post"]},
        "address": {
          "type": "object",
          "additionalProperties": false,
          "required": ["province", "city", "detail", "recipient", "phone"],
          "properties": {
            "province": {"type": "string", "minLength": 2, "maxLength": 20},
            "city": {"type": "string", "minLength": 2, "maxLength": 20},
            "district": {"type": "string", "maxLength": 20},
            "detail": {"type": "string", "minLength": 5, "maxLength": 100},
            "postcode": {"type": "string", "pattern": "^\\d{6}$"},
            "recipient": {"type": "string", "minLength": 2, "maxLength": 20},
            "phone": {"type": "string", "format": "phone"}
          }
        }
      }
    },
    "attachments": {
      "type": "array", "maxItems": 3,
      "items": {"type": "object", "required": ["file_id"],
                "properties": {"file_id": {"type": "string", "minLength": 1}, "kind": {"const": "id_card"}}}
    },
    "agree": {"const": true, "x-ui-label": "本人承诺所填信息真实有效"}
  }
})json";

json ValidNoCriminalRecordForm() {
  return json::parse(R"json({
    "applicant": {"name": "张三", "id_number": "11010519491231002X", "phone": "13800138000",
                  "email": "zhangsan@example.com"},
    "purpose": "出国（境）",
    "destination_country": null,
    "copies": 2,
    "delivery": {
      "method": "post",
      "address": {"province": "北京市", "city": "北京市", "district": "朝阳区",
                  "detail": "建国路88号院3号楼1单元101", "postcode": "100022",
                  "recipient": "张三", "phone": "13800138000"}
    },
    "attachments": [{"file_id": "f_01HZX", "kind": "id_card"}],
    "agree": true
  })json");
}

TEST(FormSchemaTest, NoCriminalRecordCertificateAcceptsAGoodApplication) {
  FormSchema schema = MustCompile(kNoCriminalRecordSchema);
  EXPECT_EQ(FormProblems(schema, ValidNoCriminalRecordForm()), std::vector<Problem>{});

  json pickup = ValidNoCriminalRecordForm();
  pickup["delivery"] = {{"method", "pickup"}};
  pickup.erase("attachments");
  pickup["applicant"].erase("email");
  pickup["applicant"]["name"] = "阿依古丽·买买提";
  EXPECT_EQ(FormProblems(schema, pickup), std::vector<Problem>{});

  EXPECT_EQ(schema.FieldPaths(), (std::vector<std::string>{"applicant",
                                                           "applicant.name",
                                                           "applicant.id_number",
                                                           "applicant.phone",
                                                           "applicant.email",
                                                           "purpose",
                                                           "purpose_detail",
                                                           "destination_country",
                                                           "copies",
                                                           "delivery",
                                                           "delivery.method",
                                                           "delivery.address",
                                                           "delivery.address.province",
                                                           "delivery.address.city",
                                                           "delivery.address.district",
                                                           "delivery.address.detail",
                                                           "delivery.address.postcode",
                                                           "delivery.address.recipient",
                                                           "delivery.address.phone",
                                                           "attachments",
                                                           "attachments[].file_id",
                                                           "attachments[].kind",
                                                           "agree"}));
}

TEST(FormSchemaTest, NoCriminalRecordCertificateReportsEveryMistake) {
  FormSchema schema = MustCompile(kNoCriminalRecordSchema);
  json form = ValidNoCriminalRecordForm();
  form["applicant"]["name"] = "Zhang San";
  form["applicant"]["id_number"] = "110105194912310021";
  form["applicant"].erase("phone");
  form["purpose"] = "旅游";
  form["copies"] = 6;
  form["delivery"]["address"]["postcode"] = "10002";
  form["delivery"]["address"]["phone"] = "12345";
  form["delivery"]["address"]["floor"] = 3;
  form["delivery"]["address"].erase("detail");
  form["attachments"] = {{{"file_id", ""}}, {{"kind", "passport"}}};
  form["agree"] = false;
  form["captcha"] = "1234";

  auto result = schema.Validate(form);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(Problems(result.error()), (std::vector<Problem>{
                                          {"applicant.name", "pattern"},
                                          {"applicant.id_number", "format"},
                                          {"applicant.phone", "required"},
                                          {"purpose", "enum"},
                                          {"copies", "maximum"},
                                          {"delivery.address.detail", "required"},
                                          {"delivery.address.postcode", "pattern"},
                                          {"delivery.address.phone", "format"},
                                          {"delivery.address.floor", "unknown_field"},
                                          {"attachments[0].file_id", "min_length"},
                                          {"attachments[1].file_id", "required"},
                                          {"attachments[1].kind", "const"},
                                          {"agree", "const"},
                                          {"captcha", "unknown_field"},
                                      }));
  EXPECT_EQ(result.error().field_errors[3].message, R"(must be one of: "就业", "出国（境）", "入学", "其他")");
  EXPECT_EQ(result.error().field_errors[4].message, "must be at most 5");

  EXPECT_EQ(FormProblems(schema, json::object()),
            (std::vector<Problem>{{"applicant", "required"}, {"purpose", "required"}, {"delivery", "required"}}));
}

}  // namespace
}  // namespace wangban::catalog
