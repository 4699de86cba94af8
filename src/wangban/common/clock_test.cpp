#include "wangban/common/clock.hpp"

#include <gtest/gtest.h>

#include "wangban/common/ids.hpp"

#include <set>

namespace wangban {
namespace {

using namespace std::chrono;

TEST(ClockTest, FakeClockMovesOnlyWhenTold) {
  FakeClock clock(FromMicros(1'000'000));
  EXPECT_EQ(ToMicros(clock.Now()), 1'000'000);
  clock.Advance(seconds(2));
  EXPECT_EQ(ToMicros(clock.Now()), 3'000'000);
  clock.Set(FromMicros(5));
  EXPECT_EQ(ToMicros(clock.Now()), 5);
}

TEST(ClockTest, FormatsInChinaStandardTime) {
  // 2026-11-21T01:30:00.250Z is 09:30 in Beijing.
  const Timestamp t = sys_days{2026y / 11 / 21} + hours(1) + minutes(30) + milliseconds(250);
  EXPECT_EQ(FormatRfc3339(t), "2026-11-21T09:30:00.250+08:00");
  EXPECT_EQ(FormatRfc3339(t, minutes(0)), "2026-11-21T01:30:00.250+00:00");
  EXPECT_EQ(FormatRfc3339(t, -minutes(330)), "2026-11-20T20:00:00.250-05:30");
}

TEST(ClockTest, ParsesRfc3339) {
  const Timestamp t = sys_days{2026y / 11 / 21} + hours(1) + minutes(30);
  EXPECT_EQ(ParseRfc3339("2026-11-21T01:30:00Z"), t);
  EXPECT_EQ(ParseRfc3339("2026-11-21T09:30:00+08:00"), t);
  EXPECT_EQ(ParseRfc3339("2026-11-21T09:30:00.000+08:00"), t);
  EXPECT_EQ(ParseRfc3339("2026-11-21T01:30:00.5Z"), t + milliseconds(500));
  auto round = ParseRfc3339(FormatRfc3339(t + milliseconds(7)));
  EXPECT_EQ(round, t + milliseconds(7));
  for (const char* bad : {"", "2026-11-21", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                          "2026-11-21T24:00:00Z", "2026-11-21T01:30:00", "2026-11-21T01:30:00+0800",
                          "2026-11-21T01:30:00Zjunk", "2026-11-21T01:30:00.Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
  }
}

TEST(IdsTest, UuidV7IsWellFormedAndOrdered) {
  FakeClock clock(FromMicros(1'700'000'000'000'000));
  std::string prev;
  std::set<std::string> seen;
  for (int i = 0; i < 5000; ++i) {
    if (i % 1000 == 0) clock.Advance(milliseconds(1));
    std::string id = NewId(clock);
    ASSERT_TRUE(IsUuid(id)) << id;
    EXPECT_EQ(id[14], '7');  // version
    EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b') << id;  // variant
    EXPECT_LT(prev, id);  // strictly increasing within and across milliseconds
    prev = id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 5000u);
}

TEST(IdsTest, UuidV7StartsWithTheTimestamp) {
  FakeClock clock(FromMicros(0x0123456789ABLL * 1000 + 999));
  // Move the global generator past any earlier test's millisecond by using a later time.
  clock.Set(FromMicros(0x7123456789ABLL * 1000));
  const std::string id = NewId(clock);
  EXPECT_EQ(id.substr(0, 13), "71234567-89ab");
}

TEST(IdsTest, IsUuidRejectsMalformed) {
  EXPECT_TRUE(IsUuid("0190b3c4-8f2a-7cde-9abc-0123456789ab"));
  EXPECT_FALSE(IsUuid("0190b3c4-8f2a-7cde-9abc-0123456789a"));
  EXPECT_FALSE(IsUuid("0190b3c48f2a-7cde-9abc-0123456789abc"));
  EXPECT_FALSE(IsUuid("0190b3c4-8f2a-7cde-9abc-0123456789ag"));
}

TEST(IdsTest, RandomHexHasRequestedLengthAndVaries) {
  const auto a = RandomHex(32);
  const auto b = RandomHex(32);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
  EXPECT_EQ(ToHex(std::string("\x00\xff\x10", 3)), "00ff10");
}

}  // namespace
}  // namespace wangban
