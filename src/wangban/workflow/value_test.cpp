#include "wangban/workflow/value.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace wangban::workflow {
namespace {

TEST(ValueTest, KindsAndAccessors) {
  EXPECT_TRUE(Value().is_null());
  EXPECT_TRUE(Value(nullptr).is_null());
  EXPECT_TRUE(Value(false).is_bool());
  EXPECT_EQ(Value(7).as_number(), 7.0);
  EXPECT_EQ(Value(std::int64_t{1} << 40).as_number(), 1099511627776.0);
  EXPECT_EQ(Value("x").as_string(), "x");
  EXPECT_EQ(Value(std::string_view("sv")).as_string(), "sv");
  EXPECT_EQ(Value(Value::List{1, 2}).as_list().size(), 2u);
  const Value object(Value::Object{{"a", 1}});
  ASSERT_NE(object.Find("a"), nullptr);
  EXPECT_EQ(*object.Find("a"), Value(1));
  EXPECT_EQ(object.Find("b"), nullptr);
  EXPECT_EQ(Value(1).Find("a"), nullptr);
  EXPECT_EQ(KindName(Value::Kind::kObject), "object");
}

TEST(ValueTest, EqualityIsDeepAndNeverCoerces) {
  EXPECT_EQ(Value(1), Value(1.0));
  EXPECT_NE(Value(1), Value("1"));
  EXPECT_NE(Value(0), Value(false));
  EXPECT_NE(Value(), Value(false));
  EXPECT_EQ(Value(Value::List{1, "a"}), Value(Value::List{1, "a"}));
  EXPECT_NE(Value(Value::List{1, "a"}), Value(Value::List{"a", 1}));
  EXPECT_EQ(Value(Value::Object{{"k", Value::List{}}}), Value(Value::Object{{"k", Value::List{}}}));
  EXPECT_NE(Value(Value::Object{{"k", 1}}), Value(Value::Object{{"j", 1}}));
}

TEST(ValueTest, ToStringIsCompactJson) {
  EXPECT_EQ(Value().ToString(), "null");
  EXPECT_EQ(Value(3).ToString(), "3");
  EXPECT_EQ(Value(-0.25).ToString(), "-0.25");
  EXPECT_EQ(Value(1e300).ToString(), "1e+300");
  EXPECT_EQ(Value("a\"b\n\x01").ToString(), R"("a\"b\n\u0001")");
  EXPECT_EQ(Value(Value::Object{{"b", Value::List{true, Value()}}, {"a", "审"}}).ToString(),
            R"({"a":"审","b":[true,null]})");
}

TEST(ValueTest, JsonRoundTrip) {
  const auto json = nlohmann::json::parse(
      R"({"amount": 1200, "ratio": 0.5, "big": 18446744073709551615, "neg": -3, "name": "张三",
          "tags": ["a", null, false], "nested": {"x": {}}})");
  const Value v = ValueFromJson(json);
  EXPECT_EQ(*v.Find("amount"), Value(1200));
  EXPECT_EQ(*v.Find("neg"), Value(-3));
  EXPECT_TRUE(v.Find("big")->is_number());
  const nlohmann::json back = ValueToJson(v);
  EXPECT_EQ(back["amount"], 1200);
  EXPECT_TRUE(back["amount"].is_number_integer());
  EXPECT_EQ(back["ratio"], 0.5);
  EXPECT_EQ(back["name"], "张三");
  EXPECT_EQ(back["tags"], nlohmann::json::parse(R"(["a", null, false])"));
  EXPECT_EQ(back["nested"], nlohmann::json::parse(R"({"x": {}})"));
  EXPECT_TRUE(back["big"].is_number_float()) << "beyond 2^53 a number stays a double";
}

}  // namespace
}  // namespace wangban::workflow
