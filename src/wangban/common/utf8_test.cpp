#include "wangban/common/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace wangban {
namespace {

TEST(Utf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("ascii 123"));
  EXPECT_TRUE(IsValidUtf8("网办 不见面审批"));
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80"));  // U+1F600, four bytes
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
  auto han = DecodeUtf8At("办", 0);
  ASSERT_TRUE(han.has_value());
  EXPECT_EQ(han->code_point, U'办');
  EXPECT_EQ(han->length, 3u);
}

TEST(Utf8Test, RefusesEverythingRfc3629Excludes) {
  for (const std::string& bad : {
           std::string("\x80"),              // a continuation byte alone
           std::string("\xE5\x8A"),          // a truncated 办
           std::string("a\xE5\x8A") + "b",   // truncated, then ASCII
           std::string("\xC0\xAF"),          // an overlong '/'
           std::string("\xE0\x80\xAF"),      // another overlong '/'
           std::string("\xED\xA0\x80"),      // a surrogate (U+D800)
           std::string("\xF4\x90\x80\x80"),  // beyond U+10FFFF
           std::string("\xFF"),              // never a lead byte
           std::string("\xB7"),              // the byte a garbage cursor decoded to
       }) {
    EXPECT_FALSE(IsValidUtf8(bad)) << testing::PrintToString(bad);
  }
}

}  // namespace
}  // namespace wangban
