#include "wangban/identity/phone.hpp"

#include <gtest/gtest.h>

#include <string>

namespace wangban::identity {
namespace {

std::string ErrorCodeOf(std::string_view text) {
  auto result = ValidatePhone(text);
  EXPECT_FALSE(result.has_value()) << text;
  if (result.has_value()) return {};
  EXPECT_EQ(result.error().code, ErrorCode::kValidationFailed);
  EXPECT_EQ(result.error().field_errors.size(), 1u);
  if (result.error().field_errors.size() != 1) return {};
  EXPECT_EQ(result.error().field_errors[0].field, "phone");
  return result.error().field_errors[0].code;
}

TEST(PhoneTest, AcceptsEverySecondDigitFromThreeToNine) {
  for (char second = '3'; second <= '9'; ++second) {
    std::string phone = std::string("1") + second + "012345678";
    auto result = ValidatePhone(phone);
    ASSERT_TRUE(result.has_value()) << phone;
    EXPECT_EQ(*result, phone);
  }
}

TEST(PhoneTest, NormalizesCountryCodeAndSeparators) {
  for (std::string_view written :
       {"13800138000", "+8613800138000", "8613800138000", "+86 138 0013 8000", "+86-138-0013-8000",
        "138-0013-8000", " 138 0013 8000 ", "86 138 0013 8000", "+ 86 13800138000"}) {
    EXPECT_EQ(NormalizePhone(written), "13800138000") << written;
    auto result = ValidatePhone(written);
    ASSERT_TRUE(result.has_value()) << written;
    EXPECT_EQ(*result, "13800138000");
  }
}

TEST(PhoneTest, NormalizeKeepsWhatItDoesNotUnderstand) {
  EXPECT_EQ(NormalizePhone(""), "");
  EXPECT_EQ(NormalizePhone(" - "), "");
  EXPECT_EQ(NormalizePhone("(010) 1234"), "(010)1234");
  EXPECT_EQ(NormalizePhone("861380013800"), "861380013800");  // 12 digits: no prefix stripped
  EXPECT_EQ(NormalizePhone("0086 13800138000"), "008613800138000");
}

TEST(PhoneTest, RequiresAValue) {
  EXPECT_EQ(ErrorCodeOf(""), "required");
  EXPECT_EQ(ErrorCodeOf("   "), "required");
  EXPECT_EQ(ErrorCodeOf("--"), "required");
  EXPECT_EQ(ErrorCodeOf("+86"), "format");  // a country code alone is not empty input
}

TEST(PhoneTest, RejectsMalformedNumbers) {
  for (std::string_view bad :
       {"1380013800", "138001380001", "23800138000", "10800138000", "11800138000", "12800138000",
        "1380013800a", "138.0013.8000", "(138)00138000", "+85213800138000", "+1 13800138000",
        "0086 13800138000", "010-12345678", "13800138000\n", "+86",
        "\xef\xbc\x91\xef\xbc\x93\xef\xbc\x98"}) {  // fullwidth 138
    EXPECT_EQ(ErrorCodeOf(bad), "format") << bad;
  }
}

TEST(PhoneTest, ReportsOnTheCallersField) {
  auto result = ValidatePhone("123", "contact.mobile");
  ASSERT_FALSE(result.has_value());
  ASSERT_EQ(result.error().field_errors.size(), 1u);
  EXPECT_EQ(result.error().field_errors[0].field, "contact.mobile");
  EXPECT_EQ(result.error().field_errors[0].code, "format");
}

}  // namespace
}  // namespace wangban::identity
