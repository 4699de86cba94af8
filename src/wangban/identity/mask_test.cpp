#include "wangban/identity/mask.hpp"

#include <gtest/gtest.h>

#include <string>

namespace wangban::identity {
namespace {

TEST(MaskTest, MasksIdNumbersToFourAndFour) {
  EXPECT_EQ(MaskIdNumber("460100198801011234"), "4601**********1234");
  EXPECT_EQ(MaskIdNumber("11010519491231002X"), "1101**********002X");
  EXPECT_EQ(MaskIdNumber("460100198801011234").size(), 18u);
}

TEST(MaskTest, MasksPhonesToThreeAndFour) { EXPECT_EQ(MaskPhone("13812345678"), "138****5678"); }

TEST(MaskTest, MasksUsccToFourAndFour) {
  EXPECT_EQ(MaskUscc("91350100M000100Y43"), "9135**********0Y43");
}

TEST(MaskTest, KeepsTheLengthOfOddSizedInput) {
  EXPECT_EQ(MaskIdNumber("123456789"), "1234*6789");
  EXPECT_EQ(MaskIdNumber("1101054912310021"), "1101********0021");
  EXPECT_EQ(MaskPhone("123456789"), "123**6789");
  EXPECT_EQ(MaskPhone("+8613812345678"), "+86*******5678");
  EXPECT_EQ(MaskUscc("1234567890123456789012"), "1234**************9012");
}

TEST(MaskTest, MasksEverythingWhenShorterThanNine) {
  for (auto mask : {&MaskIdNumber, &MaskPhone, &MaskUscc}) {
    EXPECT_EQ(mask(""), "");
    EXPECT_EQ(mask("1"), "*");
    EXPECT_EQ(mask("12345678"), "********");
  }
}

TEST(MaskTest, MasksNonAsciiInputWithoutSplittingCharacters) {
  // "张三的身份证号码" and a number typed with a fullwidth digit.
  const std::string chinese =
      "\xe5\xbc\xa0\xe4\xb8\x89\xe7\x9a\x84\xe8\xba\xab\xe4\xbb\xbd"
      "\xe8\xaf\x81\xe5\x8f\xb7\xe7\xa0\x81";
  EXPECT_EQ(MaskIdNumber(chinese), "********");
  const std::string fullwidth_one = "\xef\xbc\x91";
  EXPECT_EQ(MaskPhone(fullwidth_one + "3812345678"), "***********");
  EXPECT_EQ(MaskUscc("91350100M000100Y4\xff"), "******************");
}

TEST(MaskTest, NeverRevealsTheMiddle) {
  const std::string id = "460100198801011234";
  const std::string masked = MaskIdNumber(id);
  EXPECT_EQ(masked.find("19880101"), std::string::npos);
  EXPECT_EQ(masked.substr(4, 10), std::string(10, '*'));
}

}  // namespace
}  // namespace wangban::identity
