#include "wangban/common/log.hpp"

#include <gtest/gtest.h>

namespace wangban::log {
namespace {

TEST(LogTest, FormatsOneJsonObject) {
  EXPECT_EQ(FormatForTest(Level::kInfo, "listening", {{"port", 8080}, {"db", "sqlite"}, {"tls", false}}),
            R"({"level":"info","event":"listening","port":8080,"db":"sqlite","tls":false})");
}

TEST(LogTest, EscapesAndSurvivesInvalidUtf8) {
  const std::string s = FormatForTest(Level::kWarn, "bad", {{"path", "/a\"b\n\xff"}});
  EXPECT_NE(s.find(R"(\"b\n)"), std::string::npos) << s;
  EXPECT_EQ(s.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace wangban::log
