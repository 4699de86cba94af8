#include "wangban/identity/internal/region_code.hpp"

#include <gtest/gtest.h>

#include <string>

namespace wangban::identity::internal {
namespace {

TEST(RegionCodeTest, AcceptsEveryProvinceOfGbt2260) {
  for (const char* code : {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34",
                           "35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52",
                           "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"}) {
    EXPECT_TRUE(IsProvinceCode(code)) << code;
  }
}

TEST(RegionCodeTest, CountsExactlyThirtyFourProvinces) {
  int count = 0;
  for (int i = 0; i < 100; ++i) {
    std::string code = {static_cast<char>('0' + i / 10), static_cast<char>('0' + i % 10)};
    if (IsProvinceCode(code)) ++count;
  }
  EXPECT_EQ(count, 34);
}

TEST(RegionCodeTest, RejectsGapsAndMalformedInput) {
  for (const char* code : {"00", "10", "16", "20", "24", "30", "38", "40", "47",  "55", "60",
                           "66", "70", "72", "80", "83", "99", "",   "1",  "110", "1a", " 11"}) {
    EXPECT_FALSE(IsProvinceCode(code)) << '"' << code << '"';
  }
}

}  // namespace
}  // namespace wangban::identity::internal
