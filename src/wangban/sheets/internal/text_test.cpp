#include "wangban/sheets/internal/text.hpp"

#include <gtest/gtest.h>

namespace wangban::sheets::internal {
namespace {

TEST(FindInvalidUtf8Test, AcceptsWellFormedText) {
  EXPECT_EQ(FindInvalidUtf8(""), std::nullopt);
  EXPECT_EQ(FindInvalidUtf8("abc 事项名称 😀 𠮷"), std::nullopt);
  EXPECT_EQ(FindInvalidUtf8("\xF4\x8F\xBF\xBF"), std::nullopt);  // U+10FFFF
}

TEST(FindInvalidUtf8Test, FindsTheFirstBadByte) {
  EXPECT_EQ(FindInvalidUtf8("ab\xC0\xAF"), 2u);        // overlong "/"
  EXPECT_EQ(FindInvalidUtf8("\xE0\x80\xAF"), 0u);      // overlong, three bytes
  EXPECT_EQ(FindInvalidUtf8("x\xED\xA0\x80"), 1u);     // a surrogate
  EXPECT_EQ(FindInvalidUtf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("ok\xE4\xBA"), 2u);        // truncated at the end
  EXPECT_EQ(FindInvalidUtf8("\x80"), 0u);              // a lone continuation byte
  EXPECT_EQ(FindInvalidUtf8("\xCA\xC2\xCF\xEE"), 0u);  // "事项" in GBK
  EXPECT_EQ(FindInvalidUtf8("\xFF"), 0u);
}

TEST(Utf16LengthTest, CountsSurrogatePairsTwice) {
  EXPECT_EQ(Utf16Length("abc"), 3u);
  EXPECT_EQ(Utf16Length("事项"), 2u);
  EXPECT_EQ(Utf16Length("😀𠮷"), 4u);
}

TEST(DisplayWidthTest, CountsWideCharactersTwiceAndTakesTheWidestLine) {
  EXPECT_EQ(DisplayWidth("abc", 60), 3u);
  EXPECT_EQ(DisplayWidth("事项名称", 60), 8u);
  EXPECT_EQ(DisplayWidth("ab\n事项名称x\nc", 60), 9u);
  EXPECT_EQ(DisplayWidth(std::string(1000, 'a'), 60), 60u);
}

TEST(LineOfTest, CountsCrLfLfAndLoneCr) {
  const std::string_view text = "a\r\nb\nc\rd";
  EXPECT_EQ(LineOf(text, 0), 1u);
  EXPECT_EQ(LineOf(text, 1), 1u);  // the CR of CRLF
  EXPECT_EQ(LineOf(text, 2), 1u);  // its LF
  EXPECT_EQ(LineOf(text, 3), 2u);
  EXPECT_EQ(LineOf(text, 5), 3u);
  EXPECT_EQ(LineOf(text, 7), 4u);
}

TEST(XstringTest, DecodesEscapes) {
  EXPECT_EQ(DecodeXstring("a_x000D_b"), "a\rb");
  EXPECT_EQ(DecodeXstring("_x005F_x0041_"), "_x0041_");
  EXPECT_EQ(DecodeXstring("_x4e8b__x9879_"), "事项");
  EXPECT_EQ(DecodeXstring("_xD83D__xDE00_"), "😀");
  EXPECT_EQ(DecodeXstring("_xD83D_ lone"), "_xD83D_ lone");
  EXPECT_EQ(DecodeXstring("_x12_ _xZZZZ_ _x"), "_x12_ _xZZZZ_ _x");
  EXPECT_EQ(DecodeXstring("snake_case_x"), "snake_case_x");
}

TEST(XstringTest, EscapeThenDecodeGivesTheTextBack) {
  const std::string cases[] = {
      "plain 事项",   "_x0041_",
      "__x0041_",     "_x0041\x01",
      "\x01x0041_",   "a\rb\r\nc\td\ne",
      "\x0B\x1F\x7F", "\xEF\xBF\xBE\xEF\xBF\xBF",
      "_x005F_",      "_x0041_x0042_",
      "x_",           "_xD83D__xDE00_",
      "_x000",        "_x0041\xEF\xBF\xBF",
  };
  for (const std::string& text : cases) {
    const std::string escaped = EscapeXstring(text);
    EXPECT_EQ(DecodeXstring(escaped), text) << escaped;
    for (const char c : escaped) {
      EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') << escaped;
    }
  }
  EXPECT_EQ(EscapeXstring("_x0041_"), "_x005F_x0041_");
  EXPECT_EQ(EscapeXstring("a\rb"), "a_x000D_b");
}

TEST(FormatNumberTest, PrintsWhatExcelShows) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"5", "5"},
      {"5.0", "5"},
      {"-12", "-12"},
      {"-0", "0"},
      {"2.5", "2.5"},
      {"0.30000000000000004", "0.3"},
      {"1.0000000000000002", "1"},
      {"1E-4", "0.0001"},
      {"123456789012345", "123456789012345"},
      {"1.23E+20", "1.23e+20"},
      {"1e-10", "1e-10"},
      {"45292", "45292"},
      {" 7 ", "7"},
  };
  for (const auto& [in, out] : cases) EXPECT_EQ(FormatNumber(in), out) << in;
  EXPECT_EQ(FormatNumber(""), std::nullopt);
  EXPECT_EQ(FormatNumber("abc"), std::nullopt);
  EXPECT_EQ(FormatNumber("1.5x"), std::nullopt);
  EXPECT_EQ(FormatNumber("inf"), std::nullopt);
  EXPECT_EQ(FormatNumber("nan"), std::nullopt);
}

TEST(CellRefTest, ParsesAndNames) {
  auto b3 = ParseCellRef("B3");
  ASSERT_TRUE(b3);
  EXPECT_EQ(b3->row, 2u);
  EXPECT_EQ(b3->column, 1u);
  auto last = ParseCellRef("XFD1048576");
  ASSERT_TRUE(last);
  EXPECT_EQ(last->column, kMaxXlsxColumns - 1);
  EXPECT_EQ(last->row, kMaxXlsxRows - 1);
  EXPECT_EQ(ParseCellRef("aa10")->column, 26u);
  for (std::string_view bad : {"", "B", "3", "B0", "XFE1", "A1048577", "ABCD1", "B-3", "B3x", "$B$3"}) {
    EXPECT_EQ(ParseCellRef(bad).has_value(), false) << bad;
  }
  EXPECT_EQ(CellName(2, 1), "B3");
  EXPECT_EQ(CellName(0, 25), "Z1");
  EXPECT_EQ(CellName(0, 26), "AA1");
  EXPECT_EQ(CellName(9, kMaxXlsxColumns - 1), "XFD10");
}

TEST(SignatureTest, RecognizesZipAndOle2) {
  EXPECT_TRUE(LooksLikeZip(std::string_view("PK\x03\x04rest", 8)));
  EXPECT_FALSE(LooksLikeZip("PK"));
  EXPECT_TRUE(LooksLikeOle2(std::string_view("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0", 10)));
  EXPECT_FALSE(LooksLikeOle2("a,b\r\n"));
}

}  // namespace
}  // namespace wangban::sheets::internal
