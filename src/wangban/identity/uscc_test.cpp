#include "wangban/identity/uscc.hpp"

#include <gtest/gtest.h>

#include <string>

namespace wangban::identity {
namespace {

// The check character written out independently of the code under test (GB 32100-2015 §5).
char ReferenceCheckChar(std::string_view first17) {
  static constexpr std::string_view kChars = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  static constexpr int kWeights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                       29, 25, 13, 8,  24, 10, 30, 28};
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) {
    sum += static_cast<int>(kChars.find(first17[i])) * kWeights[i];
  }
  return kChars[static_cast<std::size_t>((31 - sum % 31) % 31)];
}

std::string Complete(std::string_view first17) {
  return std::string(first17) + ReferenceCheckChar(first17);
}

FieldError OnlyFieldError(const Result<void>& result) {
  EXPECT_FALSE(result.has_value());
  if (result.has_value()) return {};
  EXPECT_EQ(result.error().code, ErrorCode::kValidationFailed);
  EXPECT_EQ(result.error().field_errors.size(), 1u);
  if (result.error().field_errors.size() != 1) return {};
  return result.error().field_errors[0];
}

std::string ErrorCodeOf(std::string_view code) { return OnlyFieldError(ValidateUscc(code)).code; }

TEST(UsccTest, AcceptsPublishedCodes) {
  // Codes printed on real business licences (published registration data).
  for (std::string_view code : {"91350100M000100Y43", "91230184MA1BUFLT44", "92371000MA3MXH0E3W",
                                "91350200776049653A", "91440101MA5CJQ4N59", "123502001549897397"}) {
    EXPECT_TRUE(ValidateUscc(code).has_value()) << code;
    EXPECT_EQ(UsccCheckChar(code.substr(0, 17)), code[17]) << code;
    EXPECT_EQ(ReferenceCheckChar(code.substr(0, 17)), code[17]) << code;
  }
}

TEST(UsccTest, AcceptsEveryRegistrationAuthority) {
  for (char authority : std::string_view("123456789ANY")) {
    std::string first17 = std::string(1, authority) + "1110105MA01ABCDE";
    EXPECT_TRUE(ValidateUscc(Complete(first17)).has_value()) << first17;
  }
}

TEST(UsccTest, RejectsUndefinedRegistrationAuthorities) {
  for (char authority : std::string_view("0BCDEFGHJKLMPQRTUWX")) {
    std::string first17 = std::string(1, authority) + "1110105MA01ABCDE";
    auto error = OnlyFieldError(ValidateUscc(Complete(first17)));
    EXPECT_EQ(error.code, "format") << first17;
  }
}

TEST(UsccTest, AcceptsLowercaseAndNormalizesIt) {
  EXPECT_TRUE(ValidateUscc("91350100m000100y43").has_value());
  EXPECT_EQ(NormalizeUscc(" 91350100m000100y43\n"), "91350100M000100Y43");
  EXPECT_EQ(NormalizeUscc("91350100M000100Y43"), "91350100M000100Y43");
  EXPECT_EQ(NormalizeUscc(""), "");
  EXPECT_EQ(NormalizeUscc("\t \r"), "");
  // Non-ASCII bytes pass through untouched, to be rejected by validation.
  const std::string han_one = "\xe4\xb8\x80";  // 一
  EXPECT_EQ(NormalizeUscc(han_one + "a"), han_one + "A");
}

TEST(UsccTest, RequiresANonEmptyValue) {
  auto error = OnlyFieldError(ValidateUscc(""));
  EXPECT_EQ(error.field, "uscc");
  EXPECT_EQ(error.code, "required");
}

TEST(UsccTest, RejectsWrongLengths) {
  EXPECT_EQ(ErrorCodeOf("9"), "length");
  EXPECT_EQ(ErrorCodeOf("91350100M000100Y4"), "length");
  EXPECT_EQ(ErrorCodeOf("91350100M000100Y433"), "length");
  EXPECT_EQ(ErrorCodeOf("M000100Y4"), "length");        // the old 9-character organisation code
  EXPECT_EQ(ErrorCodeOf("350100400000121"), "length");  // the old 15-digit registration number
}

TEST(UsccTest, RejectsCharactersOutsideTheCharset) {
  // I, O, Z, S and V are excluded to avoid confusion with 1, 0, 2, 5 and U.
  for (char bad : std::string_view("IOZSVioszv-* ")) {
    std::string code = "91350100M000100Y43";
    code[10] = bad;
    EXPECT_EQ(ErrorCodeOf(code), "format") << bad;
  }
  EXPECT_EQ(ErrorCodeOf("91350100M000100Y4\xff"), "format");
  EXPECT_EQ(ErrorCodeOf(std::string("91350100M000100Y4") + '\0'), "format");
}

TEST(UsccTest, RequiresDigitsInTheRegionCode) {
  EXPECT_EQ(ErrorCodeOf(Complete("913501A0M000100Y4")), "format");
  EXPECT_EQ(ErrorCodeOf(Complete("91A50100M000100Y4")), "format");
}

TEST(UsccTest, RejectsUnknownProvinces) {
  for (std::string_view first17 :
       {"91000100M000100Y4", "91990100M000100Y4", "91830100M000100Y4", "91100100M000100Y4"}) {
    EXPECT_EQ(ErrorCodeOf(Complete(first17)), "region") << first17;
  }
}

TEST(UsccTest, RejectsAWrongCheckCharacter) {
  EXPECT_EQ(ErrorCodeOf("91350100M000100Y44"), "checksum");
  EXPECT_EQ(ErrorCodeOf("91350100M000100Y4Y"), "checksum");
  EXPECT_EQ(ErrorCodeOf("91350100M000101Y43"), "checksum");  // one changed character
  EXPECT_EQ(ErrorCodeOf("91350100M001000Y43"), "checksum");  // two swapped characters
  // The check character is compared after uppercasing, like the rest.
  EXPECT_TRUE(ValidateUscc("92371000MA3MXH0E3w").has_value());  // w is W
  EXPECT_EQ(ErrorCodeOf("92371000MA3MXH0E3x"), "checksum");
}

TEST(UsccTest, ReportsOnTheCallersField) {
  auto error = OnlyFieldError(ValidateUscc("91350100M000100Y44", "company.uscc"));
  EXPECT_EQ(error.field, "company.uscc");
  EXPECT_EQ(error.code, "checksum");
}

TEST(UsccCheckCharTest, RejectsAnythingButSeventeenCharsetCharacters) {
  EXPECT_EQ(UsccCheckChar("91350100M000100Y4"), '3');
  EXPECT_EQ(UsccCheckChar(""), std::nullopt);
  EXPECT_EQ(UsccCheckChar("91350100M000100Y"), std::nullopt);
  EXPECT_EQ(UsccCheckChar("91350100M000100Y43"), std::nullopt);
  EXPECT_EQ(UsccCheckChar("91350100M000100YI"), std::nullopt);
  EXPECT_EQ(UsccCheckChar("91350100m000100Y4"), std::nullopt);  // lowercase is not normalised
}

TEST(UsccCheckCharTest, ProducesCheckValueZeroAsTheDigitZero) {
  // (31 - sum % 31) % 31 maps a sum divisible by 31 to '0', not to an out-of-range index.
  bool saw_zero = false;
  for (int n = 0; n < 31 * 31 && !saw_zero; ++n) {
    std::string first17 = "91350100M0001";
    first17 += kUsccCharset[static_cast<std::size_t>(n / 31)];
    first17 += kUsccCharset[static_cast<std::size_t>(n % 31)];
    first17 += "Y4";
    char c = UsccCheckChar(first17).value();
    EXPECT_EQ(c, ReferenceCheckChar(first17));
    saw_zero = c == '0';
  }
  EXPECT_TRUE(saw_zero);
}

TEST(UsccCheckCharTest, CharsetHasThirtyOneDistinctCharacters) {
  EXPECT_EQ(kUsccCharset.size(), 31u);
  for (char c : std::string_view("IOZSV")) EXPECT_EQ(kUsccCharset.find(c), std::string_view::npos);
}

}  // namespace
}  // namespace wangban::identity
