#include "wangban/common/calendar.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace wangban {
namespace {

using namespace std::chrono;

// The repository's data/holidays-cn: from $WANGBAN_SOURCE_DIR (set by CTest), else relative to
// this source file.
std::string HolidayDir() {
  if (const char* dir = std::getenv("WANGBAN_SOURCE_DIR"); dir && *dir) return std::string(dir) + "/data/holidays-cn";
  std::string here = __FILE__;  // .../src/wangban/common/calendar_test.cpp
  for (int i = 0; i < 4; ++i) here = here.substr(0, here.find_last_of('/'));
  return here + "/data/holidays-cn";
}

std::string ReadHolidayFile(int y) {
  const std::string path = HolidayDir() + "/" + std::to_string(y) + ".json";
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path << " (set WANGBAN_SOURCE_DIR to the repository)";
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The calendar of the repository's data, 2020-2027 (2027 is an unpublished placeholder).
const WorkingCalendar& Official() {
  static const WorkingCalendar* calendar = [] {
    auto* c = new WorkingCalendar();
    for (int y = 2020; y <= 2027; ++y) {
      auto loaded = c->LoadYear(ReadHolidayFile(y));
      EXPECT_TRUE(loaded.has_value()) << y << ": " << (loaded ? "" : loaded.error().message);
    }
    return c;
  }();
  return *calendar;
}

year_month_day D(std::string_view iso) {
  auto d = ParseIsoDate(iso);
  EXPECT_TRUE(d.has_value()) << iso;
  return d.value_or(year_month_day{});
}

std::string Iso(const Result<year_month_day>& d) {
  return d ? FormatIsoDate(*d) : "error: " + std::string(d.error().StableCode()) + " " + d.error().message;
}

// ---------------------------------------------------------------------------------------------
// Dates and time zone

TEST(ChinaDateTest, FollowsBeijingTime) {
  const Timestamp midnight_utc{sys_days{2026y / 6 / 15}};
  EXPECT_EQ(ChinaDate(midnight_utc), 2026y / 6 / 15);
  EXPECT_EQ(ChinaDate(midnight_utc + hours(15) + minutes(59) + seconds(59)), 2026y / 6 / 15);
  EXPECT_EQ(ChinaDate(midnight_utc + hours(16)), 2026y / 6 / 16);
  EXPECT_EQ(ChinaDate(midnight_utc - hours(8)), 2026y / 6 / 15);
  EXPECT_EQ(ChinaDate(midnight_utc - hours(8) - microseconds(1)), 2026y / 6 / 14);
  // Before the epoch too (floor, not truncation).
  EXPECT_EQ(ChinaDate(Timestamp{sys_days{1969y / 12 / 31}} + hours(16)), 1970y / 1 / 1);
}

TEST(ChinaDateTest, StartOfDayIsMidnightInBeijing) {
  const year_month_day d = 2024y / 2 / 10;
  EXPECT_EQ(ChinaStartOfDay(d), Timestamp{sys_days{2024y / 2 / 9}} + hours(16));
  EXPECT_EQ(FormatRfc3339(ChinaStartOfDay(d)), "2024-02-10T00:00:00.000+08:00");
  EXPECT_EQ(ChinaDate(ChinaStartOfDay(d)), d);
  EXPECT_EQ(ChinaDate(ChinaStartOfDay(d) - microseconds(1)), 2024y / 2 / 9);
}

TEST(IsoDateTest, ParsesOnlyRealDates) {
  EXPECT_EQ(ParseIsoDate("2024-02-29"), 2024y / 2 / 29);
  EXPECT_EQ(ParseIsoDate("2020-01-01"), 2020y / 1 / 1);
  for (const char* bad :
       {"", "2023-02-29", "2024-13-01", "2024-00-10", "2024-01-00", "2024-1-01", "2024-01-1", "24-01-01", "2024/01/01",
        "2024-01-01T00:00", " 2024-01-01", "2024-01-0a", "+024-01-01", "2024-01-32"}) {
    EXPECT_FALSE(ParseIsoDate(bad).has_value()) << bad;
  }
  EXPECT_EQ(FormatIsoDate(2024y / 2 / 4), "2024-02-04");
  EXPECT_EQ(FormatIsoDate(2026y / 12 / 31), "2026-12-31");
}

// ---------------------------------------------------------------------------------------------
// The repository's data against the official notices

TEST(HolidayDataTest, EveryYearFileLoads) {
  for (int y = 2020; y <= 2027; ++y) {
    auto parsed = ParseHolidayYear(ReadHolidayFile(y));
    ASSERT_TRUE(parsed.has_value()) << y << ": " << parsed.error().message;
    EXPECT_EQ(parsed->year, year{y});
    EXPECT_EQ(parsed->Published(), y <= 2026) << y;
    if (y <= 2026) {
      EXPECT_FALSE(parsed->papers.empty()) << y;
      EXPECT_GE(parsed->days.size(), 30u) << y;
    }
  }
  const WorkingCalendar& cal = Official();
  for (int y = 2020; y <= 2026; ++y) EXPECT_TRUE(cal.Knows(year{y})) << y;
  EXPECT_FALSE(cal.Knows(2027y)) << "2027.json is a placeholder with no days";
  EXPECT_FALSE(cal.Knows(2019y));
  std::vector<year> expected;
  for (int y = 2020; y <= 2026; ++y) expected.push_back(year{y});
  EXPECT_EQ(cal.KnownYears(), expected);
}

// The State Council's notices for 2020-2026, transcribed independently of the JSON files:
// holidays as ranges and the weekend days worked (调休上班). 2020's Spring Festival is the
// extended one (国办发明电〔2020〕1号: to 2 February).
struct OfficialYear {
  int year;
  std::vector<std::pair<const char*, const char*>> off;
  std::vector<const char*> makeup;
};

const std::vector<OfficialYear>& OfficialNotices() {
  static const std::vector<OfficialYear> notices = {
      {2020,
       {{"2020-01-01", "2020-01-01"},
        {"2020-01-24", "2020-02-02"},
        {"2020-04-04", "2020-04-06"},
        {"2020-05-01", "2020-05-05"},
        {"2020-06-25", "2020-06-27"},
        {"2020-10-01", "2020-10-08"}},
       {"2020-01-19", "2020-04-26", "2020-05-09", "2020-06-28", "2020-09-27", "2020-10-10"}},
      {2021,
       {{"2021-01-01", "2021-01-03"},
        {"2021-02-11", "2021-02-17"},
        {"2021-04-03", "2021-04-05"},
        {"2021-05-01", "2021-05-05"},
        {"2021-06-12", "2021-06-14"},
        {"2021-09-19", "2021-09-21"},
        {"2021-10-01", "2021-10-07"}},
       {"2021-02-07", "2021-02-20", "2021-04-25", "2021-05-08", "2021-09-18", "2021-09-26", "2021-10-09"}},
      {2022,
       {{"2022-01-01", "2022-01-03"},
        {"2022-01-31", "2022-02-06"},
        {"2022-04-03", "2022-04-05"},
        {"2022-04-30", "2022-05-04"},
        {"2022-06-03", "2022-06-05"},
        {"2022-09-10", "2022-09-12"},
        {"2022-10-01", "2022-10-07"}},
       {"2022-01-29", "2022-01-30", "2022-04-02", "2022-04-24", "2022-05-07", "2022-10-08", "2022-10-09"}},
      {2023,
       {{"2022-12-31", "2023-01-02"},
        {"2023-01-21", "2023-01-27"},
        {"2023-04-05", "2023-04-05"},
        {"2023-04-29", "2023-05-03"},
        {"2023-06-22", "2023-06-24"},
        {"2023-09-29", "2023-10-06"}},
       {"2023-01-28", "2023-01-29", "2023-04-23", "2023-05-06", "2023-06-25", "2023-10-07", "2023-10-08"}},
      {2024,
       {{"2024-01-01", "2024-01-01"},
        {"2024-02-10", "2024-02-17"},
        {"2024-04-04", "2024-04-06"},
        {"2024-05-01", "2024-05-05"},
        {"2024-06-10", "2024-06-10"},
        {"2024-09-15", "2024-09-17"},
        {"2024-10-01", "2024-10-07"}},
       {"2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14", "2024-09-29",
        "2024-10-12"}},
      {2025,
       {{"2025-01-01", "2025-01-01"},
        {"2025-01-28", "2025-02-04"},
        {"2025-04-04", "2025-04-06"},
        {"2025-05-01", "2025-05-05"},
        {"2025-05-31", "2025-06-02"},
        {"2025-10-01", "2025-10-08"}},
       {"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"}},
      {2026,
       {{"2026-01-01", "2026-01-03"},
        {"2026-02-15", "2026-02-23"},
        {"2026-04-04", "2026-04-06"},
        {"2026-05-01", "2026-05-05"},
        {"2026-06-19", "2026-06-21"},
        {"2026-09-25", "2026-09-27"},
        {"2026-10-01", "2026-10-07"}},
       {"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"}},
  };
  return notices;
}

TEST(HolidayDataTest, AgreesWithOfficialCalendarsEveryDay2020To2026) {
  std::set<sys_days> off, makeup;
  for (const OfficialYear& y : OfficialNotices()) {
    for (const auto& [first, last] : y.off) {
      for (sys_days d{D(first)}; d <= sys_days{D(last)}; d += days{1}) off.insert(d);
    }
    for (const char* m : y.makeup) {
      ASSERT_TRUE(weekday{sys_days{D(m)}}.iso_encoding() >= 6) << m << " is not a weekend day";
      makeup.insert(sys_days{D(m)});
    }
  }
  const WorkingCalendar& cal = Official();
  int checked = 0, working = 0;
  for (sys_days d{2020y / 1 / 1}; d <= sys_days{2026y / 12 / 27}; d += days{1}) {
    const bool weekend = weekday{d}.iso_encoding() >= 6;
    const bool expected = makeup.contains(d) || (!off.contains(d) && !weekend);
    const year_month_day ymd{d};
    ASSERT_TRUE(cal.Covers(ymd)) << FormatIsoDate(ymd);
    EXPECT_EQ(cal.IsWorkingDay(ymd), expected) << FormatIsoDate(ymd);
    const DayInfo info = cal.Describe(ymd);
    EXPECT_EQ(info.working, expected) << FormatIsoDate(ymd);
    EXPECT_TRUE(info.covered);
    if (off.contains(d)) {
      EXPECT_EQ(info.kind, DayKind::kHoliday) << FormatIsoDate(ymd);
    } else if (makeup.contains(d)) {
      EXPECT_EQ(info.kind, DayKind::kMakeupWorkday) << FormatIsoDate(ymd);
    } else {
      EXPECT_EQ(info.kind, weekend ? DayKind::kWeekend : DayKind::kWorkday) << FormatIsoDate(ymd);
    }
    ++checked;
    working += expected ? 1 : 0;
  }
  EXPECT_EQ(checked, 2553);
  EXPECT_EQ(working, 249 + 250 + 249 + 249 + 251 + 248 + 244);  // 2026 to 27 December
  // Working days a year, as published (2025 gained two holidays: 248); (31 Dec, 31 Dec] is the
  // whole year with the convention of CountWorkingDays.
  const int totals[] = {249, 250, 249, 249, 251, 248};
  for (int y = 2020; y <= 2025; ++y) {
    EXPECT_EQ(cal.CountWorkingDays(year{y - 1} / 12 / 31, year{y} / 12 / 31), totals[y - 2020]) << y;
  }
}

TEST(HolidayDataTest, KnownDays) {
  const WorkingCalendar& cal = Official();
  // 2024-02-04 was a Sunday worked for the Spring Festival.
  EXPECT_EQ(weekday{sys_days{2024y / 2 / 4}}, Sunday);
  EXPECT_EQ(cal.Describe(2024y / 2 / 4), (DayInfo{DayKind::kMakeupWorkday, true, true, "春节"}));
  for (sys_days d{2024y / 2 / 10}; d <= sys_days{2024y / 2 / 17}; d += days{1}) {
    EXPECT_FALSE(cal.IsWorkingDay(year_month_day{d})) << FormatIsoDate(year_month_day{d});
  }
  EXPECT_TRUE(cal.IsWorkingDay(2024y / 2 / 18));  // Sunday, worked
  // 2020: the Spring Festival holiday extended to 2 February; 3 February is an ordinary Monday
  // that the file lists as a working day.
  for (sys_days d{2020y / 1 / 24}; d <= sys_days{2020y / 2 / 2}; d += days{1}) {
    EXPECT_EQ(cal.Describe(year_month_day{d}).kind, DayKind::kHoliday) << FormatIsoDate(year_month_day{d});
  }
  EXPECT_EQ(cal.Describe(2020y / 2 / 3), (DayInfo{DayKind::kWorkday, true, true, ""}));
  // National Day: 7 days in 2024, 8 in 2020 and 2025 (with the Mid-Autumn Festival).
  EXPECT_FALSE(cal.IsWorkingDay(2024y / 10 / 7));
  EXPECT_TRUE(cal.IsWorkingDay(2024y / 10 / 8));
  EXPECT_FALSE(cal.IsWorkingDay(2025y / 10 / 8));
  EXPECT_TRUE(cal.IsWorkingDay(2025y / 10 / 9));
  EXPECT_FALSE(cal.IsWorkingDay(2020y / 10 / 8));
  EXPECT_TRUE(cal.IsWorkingDay(2020y / 10 / 10));  // Saturday, worked
  // 2026: a nine-day Spring Festival, two Saturdays worked, Sunday 4 January worked.
  EXPECT_FALSE(cal.IsWorkingDay(2026y / 2 / 23));
  EXPECT_TRUE(cal.IsWorkingDay(2026y / 2 / 14));
  EXPECT_TRUE(cal.IsWorkingDay(2026y / 2 / 28));
  EXPECT_TRUE(cal.IsWorkingDay(2026y / 1 / 4));
  EXPECT_EQ(cal.Describe(2026y / 10 / 1).name, "国庆节");
  // 2022-12-31 (Saturday) is listed in the 2023 file, as the start of the 2023 New Year holiday.
  EXPECT_EQ(cal.Describe(2022y / 12 / 31), (DayInfo{DayKind::kHoliday, false, true, "元旦"}));
  // An ordinary weekend day.
  EXPECT_EQ(cal.Describe(2024y / 3 / 2), (DayInfo{DayKind::kWeekend, false, true, ""}));
}

// ---------------------------------------------------------------------------------------------
// Arithmetic

TEST(WorkingDaysTest, AcceptanceDayDoesNotCount) {
  const WorkingCalendar& cal = Official();
  // n = 0 (an instant item): the start day itself, even a holiday or an unknown year.
  EXPECT_EQ(Iso(cal.AddWorkingDays(2024y / 3 / 1, 0)), "2024-03-01");
  EXPECT_EQ(Iso(cal.AddWorkingDays(2024y / 2 / 12, 0)), "2024-02-12");
  EXPECT_EQ(Iso(cal.AddWorkingDays(2030y / 1 / 1, 0)), "2030-01-01");
  // Day 1 is the next working day: accepted Thursday, due Friday.
  EXPECT_EQ(Iso(cal.AddWorkingDays(2024y / 3 / 7, 1)), "2024-03-08");
  // Accepted on Friday or on the weekend after it: day 1 is Monday either way.
  EXPECT_EQ(Iso(cal.AddWorkingDays(2024y / 3 / 1, 1)), "2024-03-04");
  EXPECT_EQ(Iso(cal.AddWorkingDays(2024y / 3 / 2, 1)), "2024-03-04");
  EXPECT_EQ(Iso(cal.AddWorkingDays(2024y / 3 / 3, 1)), "2024-03-04");
  // Accepted on a holiday: counting starts after the holiday.
  EXPECT_EQ(Iso(cal.AddWorkingDays(2024y / 10 / 3, 1)), "2024-10-08");
  EXPECT_EQ(Iso(cal.AddWorkingDays(2024y / 10 / 3, 5)), "2024-10-12");  // Saturday, worked
  // Count excludes `from` and includes `to`.
  EXPECT_EQ(cal.CountWorkingDays(2024y / 3 / 1, 2024y / 3 / 1), 0);
  EXPECT_EQ(cal.CountWorkingDays(2024y / 3 / 1, 2024y / 3 / 4), 1);
  EXPECT_EQ(cal.CountWorkingDays(2024y / 3 / 2, 2024y / 3 / 4), 1);
  EXPECT_EQ(cal.CountWorkingDays(2024y / 3 / 4, 2024y / 3 / 8), 4);
}

TEST(WorkingDaysTest, AcrossSpringFestival) {
  const WorkingCalendar& cal = Official();
  // 2024: Thursday 8 February, then Friday 9, then the holiday 10-17, then Sunday 18 worked.
  EXPECT_EQ(Iso(cal.AddWorkingDays(2024y / 2 / 8, 1)), "2024-02-09");
  EXPECT_EQ(Iso(cal.AddWorkingDays(2024y / 2 / 8, 2)), "2024-02-18");
  EXPECT_EQ(Iso(cal.AddWorkingDays(2024y / 2 / 8, 3)), "2024-02-19");
  EXPECT_EQ(cal.CountWorkingDays(2024y / 2 / 8, 2024y / 2 / 19), 3);
  EXPECT_EQ(cal.CountWorkingDays(2024y / 2 / 9, 2024y / 2 / 17), 0);
  // 2025: Friday 24 January, Sunday 26 worked, Monday 27, then 28 January - 4 February off.
  EXPECT_EQ(Iso(cal.AddWorkingDays(2025y / 1 / 24, 1)), "2025-01-26");
  EXPECT_EQ(Iso(cal.AddWorkingDays(2025y / 1 / 24, 2)), "2025-01-27");
  EXPECT_EQ(Iso(cal.AddWorkingDays(2025y / 1 / 24, 3)), "2025-02-05");
  EXPECT_EQ(Iso(cal.AddWorkingDays(2025y / 1 / 24, 6)), "2025-02-08");  // Saturday, worked
  // 2026: Friday 13 February, Saturday 14 worked, then nine days off to Monday 23.
  EXPECT_EQ(Iso(cal.AddWorkingDays(2026y / 2 / 13, 1)), "2026-02-14");
  EXPECT_EQ(Iso(cal.AddWorkingDays(2026y / 2 / 13, 2)), "2026-02-24");
  // 2020, extended: Thursday 23 January to Monday 3 February.
  EXPECT_EQ(Iso(cal.AddWorkingDays(2020y / 1 / 23, 1)), "2020-02-03");
}

TEST(WorkingDaysTest, AcrossNationalDay) {
  const WorkingCalendar& cal = Official();
  // 2024: Friday 27 September; Sunday 29 worked; Monday 30; 1-7 October off; Saturday 12 worked.
  EXPECT_EQ(Iso(cal.AddWorkingDays(2024y / 9 / 27, 1)), "2024-09-29");
  EXPECT_EQ(Iso(cal.AddWorkingDays(2024y / 9 / 27, 2)), "2024-09-30");
  EXPECT_EQ(Iso(cal.AddWorkingDays(2024y / 9 / 27, 3)), "2024-10-08");
  // A 20-working-day case accepted Friday 20 September 2024 (worked out in docs/working-days.md).
  EXPECT_EQ(Iso(cal.AddWorkingDays(2024y / 9 / 20, 20)), "2024-10-23");
  // 2025: eight days off, 1-8 October; Sunday 28 September and Saturday 11 October worked.
  EXPECT_EQ(Iso(cal.AddWorkingDays(2025y / 9 / 26, 1)), "2025-09-28");
  EXPECT_EQ(Iso(cal.AddWorkingDays(2025y / 9 / 26, 3)), "2025-09-30");
  EXPECT_EQ(Iso(cal.AddWorkingDays(2025y / 9 / 26, 4)), "2025-10-09");
  EXPECT_EQ(Iso(cal.AddWorkingDays(2025y / 9 / 26, 6)), "2025-10-11");
  EXPECT_EQ(Iso(cal.AddWorkingDays(2026y / 9 / 30, 1)), "2026-10-08");
  EXPECT_EQ(Iso(cal.AddWorkingDays(2026y / 9 / 30, 3)), "2026-10-10");  // Saturday, worked
}

TEST(WorkingDaysTest, AcrossYearEnd) {
  const WorkingCalendar& cal = Official();
  // Friday 30 December 2022; 31 December - 2 January off (the 2023 notice).
  EXPECT_EQ(Iso(cal.AddWorkingDays(2022y / 12 / 30, 1)), "2023-01-03");
  EXPECT_EQ(Iso(cal.AddWorkingDays(2025y / 12 / 31, 1)), "2026-01-04");  // Sunday, worked
  EXPECT_EQ(cal.CountWorkingDays(2025y / 12 / 30, 2026y / 1 / 5), 3);    // 12-31, 01-04, 01-05
}

TEST(WorkingDaysTest, CountIsAntisymmetric) {
  const WorkingCalendar& cal = Official();
  EXPECT_EQ(cal.CountWorkingDays(2024y / 2 / 19, 2024y / 2 / 8), -3);
  EXPECT_EQ(cal.CountWorkingDays(2024y / 3 / 4, 2024y / 3 / 1), -1);
  EXPECT_EQ(cal.CountWorkingDays(2024y / 3 / 4, 2024y / 3 / 2), -1);
}

TEST(WorkingDaysTest, NegativeDaysAndBadDatesAreRefused) {
  const WorkingCalendar& cal = Official();
  auto negative = cal.AddWorkingDays(2024y / 3 / 1, -1);
  ASSERT_FALSE(negative.has_value());
  EXPECT_EQ(negative.error().code, ErrorCode::kValidationFailed);
  ASSERT_EQ(negative.error().field_errors.size(), 1u);
  EXPECT_EQ(negative.error().field_errors[0].field, "days");
  EXPECT_EQ(negative.error().field_errors[0].code, "negative");
  auto bad = cal.AddWorkingDays(2023y / 2 / 29, 1);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().field_errors.at(0).field, "date");
  EXPECT_FALSE(cal.CountWorkingDays(2024y / 3 / 1, 2023y / 2 / 29).has_value());
}

// Count(start, Add(start, n)) == n; the result is a working day and the smallest such date.
TEST(WorkingDaysTest, CountAndAddAgreeForRandomStartsInEveryYear) {
  const WorkingCalendar& cal = Official();
  std::mt19937 rng(20240204);
  int checked = 0, missing = 0;
  for (int y = 2020; y <= 2026; ++y) {
    const sys_days first{year{y} / 1 / 1};
    std::uniform_int_distribution<int> day_of_year(0, 364);
    std::uniform_int_distribution<int> days_to_add(0, 60);
    for (int trial = 0; trial < 400; ++trial) {
      const year_month_day start{first + days{day_of_year(rng)}};
      const int n = days_to_add(rng);
      auto end = cal.AddWorkingDays(start, n);
      if (!end) {
        // Only a 2026 start can run past 27 December 2026, which needs the unpublished 2027.
        EXPECT_EQ(y, 2026) << FormatIsoDate(start) << " + " << n;
        EXPECT_EQ(end.error().code, ErrorCode::kUnavailable);
        EXPECT_EQ(end.error().reason, "calendar_year_missing");
        ++missing;
        continue;
      }
      ++checked;
      ASSERT_EQ(cal.CountWorkingDays(start, *end), n) << FormatIsoDate(start) << " + " << n;
      ASSERT_EQ(cal.CountWorkingDays(*end, start), -n);
      if (n == 0) {
        EXPECT_EQ(*end, start);
      } else {
        EXPECT_TRUE(cal.IsWorkingDay(*end)) << FormatIsoDate(*end);
        EXPECT_EQ(cal.CountWorkingDays(start, year_month_day{sys_days{*end} - days{1}}), n - 1);
      }
      // Additivity: Add(Add(s, a), b) == Add(s, a + b).
      const int a = n / 2;
      auto mid = cal.AddWorkingDays(start, a);
      ASSERT_TRUE(mid.has_value());
      EXPECT_EQ(Iso(cal.AddWorkingDays(*mid, n - a)), FormatIsoDate(*end));
    }
  }
  EXPECT_GT(checked, 2700);
  EXPECT_GT(missing, 0);  // the 2026 year end is exercised
}

// ---------------------------------------------------------------------------------------------
// Unknown years

TEST(UnknownYearTest, ArithmeticRefusesUncoveredDates) {
  const WorkingCalendar& cal = Official();
  // 2019 is not loaded.
  auto before = cal.AddWorkingDays(2019y / 12 / 30, 1);
  ASSERT_FALSE(before.has_value());
  EXPECT_EQ(before.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(before.error().StableCode(), "calendar_year_missing");
  EXPECT_NE(before.error().message.find("2019"), std::string::npos) << before.error().message;
  // 28-31 December 2026 wait for the 2027 notice, which may start its New Year holiday there.
  EXPECT_TRUE(cal.Covers(2026y / 12 / 27));
  EXPECT_FALSE(cal.Covers(2026y / 12 / 28));
  EXPECT_FALSE(cal.Covers(2027y / 1 / 4));
  EXPECT_TRUE(cal.Covers(2022y / 12 / 31));
  EXPECT_EQ(cal.CountWorkingDays(2026y / 12 / 20, 2026y / 12 / 27), 5);
  auto spill = cal.CountWorkingDays(2026y / 12 / 20, 2026y / 12 / 28);
  ASSERT_FALSE(spill.has_value());
  EXPECT_EQ(spill.error().reason, "calendar_year_missing");
  EXPECT_NE(spill.error().message.find("2027"), std::string::npos) << spill.error().message;
  EXPECT_EQ(Iso(cal.AddWorkingDays(2026y / 12 / 24, 1)), "2026-12-25");
  EXPECT_EQ(cal.AddWorkingDays(2026y / 12 / 24, 2).error().reason, "calendar_year_missing");
  // IsWorkingDay still answers, from the plain week, and Describe says it is a guess.
  EXPECT_TRUE(cal.IsWorkingDay(2027y / 1 / 1));  // a Friday; probably a holiday, unknown yet
  EXPECT_FALSE(cal.Describe(2027y / 1 / 1).covered);
  EXPECT_FALSE(cal.IsWorkingDay(2027y / 1 / 2));
}

TEST(UnknownYearTest, EmptyCalendarKnowsNothing) {
  WorkingCalendar cal;
  EXPECT_FALSE(cal.Knows(2024y));
  EXPECT_FALSE(cal.Covers(2024y / 3 / 1));
  EXPECT_EQ(Iso(cal.AddWorkingDays(2024y / 3 / 1, 0)), "2024-03-01");
  EXPECT_FALSE(cal.AddWorkingDays(2024y / 3 / 1, 1).has_value());
  EXPECT_EQ(cal.CountWorkingDays(2024y / 3 / 1, 2024y / 3 / 1), 0);
  EXPECT_FALSE(cal.CountWorkingDays(2024y / 3 / 1, 2024y / 3 / 2).has_value());
}

TEST(UnknownYearTest, LoadingTheNextYearCoversDecember) {
  WorkingCalendar cal;
  ASSERT_TRUE(cal.LoadYear(ReadHolidayFile(2022)).has_value());
  EXPECT_FALSE(cal.Covers(2022y / 12 / 30));
  EXPECT_FALSE(cal.CountWorkingDays(2022y / 12 / 23, 2022y / 12 / 30).has_value());
  ASSERT_TRUE(cal.LoadYear(ReadHolidayFile(2023)).has_value());
  EXPECT_TRUE(cal.Covers(2022y / 12 / 30));
  EXPECT_EQ(cal.CountWorkingDays(2022y / 12 / 23, 2022y / 12 / 30), 5);
}

// ---------------------------------------------------------------------------------------------
// Loading

const char* kTiny2024 = R"({"year": 2024, "papers": [], "days": [
  {"name": "测试", "date": "2024-03-05", "isOffDay": true},
  {"name": "测试", "date": "2024-03-09", "isOffDay": false}]})";

TEST(LoadYearTest, ReloadingAYearReplacesIt) {
  WorkingCalendar cal;
  ASSERT_TRUE(cal.LoadYear(ReadHolidayFile(2024)).has_value());
  EXPECT_FALSE(cal.IsWorkingDay(2024y / 2 / 12));
  EXPECT_TRUE(cal.IsWorkingDay(2024y / 3 / 5));
  ASSERT_TRUE(cal.LoadYear(kTiny2024).has_value());
  EXPECT_TRUE(cal.IsWorkingDay(2024y / 2 / 12)) << "the old 2024 entries are gone";
  EXPECT_FALSE(cal.IsWorkingDay(2024y / 3 / 5));
  EXPECT_TRUE(cal.IsWorkingDay(2024y / 3 / 9));
  EXPECT_EQ(cal.Describe(2024y / 3 / 9).kind, DayKind::kMakeupWorkday);
  ASSERT_TRUE(cal.LoadYear(ReadHolidayFile(2024)).has_value());
  EXPECT_FALSE(cal.IsWorkingDay(2024y / 2 / 12));
  EXPECT_TRUE(cal.IsWorkingDay(2024y / 3 / 5));
}

TEST(LoadYearTest, PlaceholderNeverErasesAPublishedYear) {
  WorkingCalendar cal;
  const char* empty2024 = R"({"year": 2024, "papers": [], "days": []})";
  ASSERT_TRUE(cal.LoadYear(empty2024).has_value());
  EXPECT_FALSE(cal.Knows(2024y));
  ASSERT_TRUE(cal.LoadYear(ReadHolidayFile(2024)).has_value());
  ASSERT_TRUE(cal.LoadYear(empty2024).has_value());
  EXPECT_TRUE(cal.Knows(2024y));
  EXPECT_FALSE(cal.IsWorkingDay(2024y / 2 / 12));
}

TEST(LoadYearTest, LaterNoticeWinsOnASharedDate) {
  // A (fictional) 2022 notice says 31 December 2022 is worked; the 2023 notice says it is off.
  const char* odd2022 = R"({"year": 2022, "papers": [], "days": [
    {"name": "x", "date": "2022-12-31", "isOffDay": false}]})";
  for (bool later_first : {false, true}) {
    WorkingCalendar cal;
    if (later_first) {
      ASSERT_TRUE(cal.LoadYear(ReadHolidayFile(2023)).has_value());
    }
    ASSERT_TRUE(cal.LoadYear(odd2022).has_value());
    if (!later_first) {
      ASSERT_TRUE(cal.LoadYear(ReadHolidayFile(2023)).has_value());
    }
    EXPECT_FALSE(cal.IsWorkingDay(2022y / 12 / 31)) << later_first;
  }
}

std::vector<FieldError> FieldErrorsOf(std::string_view json) {
  auto parsed = ParseHolidayYear(json);
  EXPECT_FALSE(parsed.has_value()) << json;
  if (parsed) return {};
  EXPECT_EQ(parsed.error().code, ErrorCode::kValidationFailed) << json;
  for (auto& f : parsed.error().field_errors) f.message.clear();
  return parsed.error().field_errors;
}

TEST(LoadYearTest, RejectsMalformedDocuments) {
  for (const char* text : {"", "{", "not json", "[1, 2]", "2024", "\"2024\"", "null"}) {
    auto parsed = ParseHolidayYear(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kBadRequest) << text;
    EXPECT_EQ(parsed.error().StableCode(), "malformed_json") << text;
  }
  using V = std::vector<FieldError>;
  EXPECT_EQ(FieldErrorsOf("{}"), (V{{"year", "required", ""}, {"papers", "required", ""}, {"days", "required", ""}}));
  EXPECT_EQ(FieldErrorsOf(R"({"year": "2024", "papers": {}, "days": {}})"),
            (V{{"year", "type", ""}, {"papers", "type", ""}, {"days", "type", ""}}));
  EXPECT_EQ(FieldErrorsOf(R"({"year": 2024.5, "papers": [], "days": []})"), (V{{"year", "type", ""}}));
  EXPECT_EQ(FieldErrorsOf(R"({"year": 1999, "papers": [], "days": []})"), (V{{"year", "range", ""}}));
  EXPECT_EQ(FieldErrorsOf(R"({"year": -2024, "papers": [], "days": []})"), (V{{"year", "range", ""}}));
  EXPECT_EQ(FieldErrorsOf(R"({"year": 18446744073709551615, "papers": [], "days": []})"), (V{{"year", "range", ""}}));
  EXPECT_EQ(FieldErrorsOf(R"({"year": 2024, "papers": [1], "days": []})"), (V{{"papers[0]", "type", ""}}));
  EXPECT_EQ(FieldErrorsOf(R"({"year": 2024, "papers": [], "days": [1,
      {"date": "2024-01-01", "isOffDay": true},
      {"name": "", "date": "2024-01-02", "isOffDay": true},
      {"name": 7, "date": "2024-01-03", "isOffDay": true},
      {"name": "a", "isOffDay": true},
      {"name": "a", "date": 20240105, "isOffDay": true},
      {"name": "a", "date": "2024-1-06", "isOffDay": true},
      {"name": "a", "date": "2024-02-30", "isOffDay": true},
      {"name": "a", "date": "2025-01-01", "isOffDay": true},
      {"name": "a", "date": "2023-11-30", "isOffDay": true},
      {"name": "a", "date": "2024-01-01", "isOffDay": true},
      {"name": "a", "date": "2024-01-11"},
      {"name": "a", "date": "2024-01-12", "isOffDay": "true"},
      {"name": "a", "date": "2023-12-31", "isOffDay": true}]})"),
            (V{{"days[0]", "type", ""},
               {"days[1].name", "required", ""},
               {"days[2].name", "required", ""},
               {"days[3].name", "type", ""},
               {"days[4].date", "required", ""},
               {"days[5].date", "type", ""},
               {"days[6].date", "format", ""},
               {"days[7].date", "format", ""},
               {"days[8].date", "out_of_year", ""},
               {"days[9].date", "out_of_year", ""},
               {"days[10].date", "duplicate", ""},
               {"days[11].isOffDay", "required", ""},
               {"days[12].isOffDay", "type", ""}}))
      << "the last entry, 2023-12-31, is allowed: December of the year before";
}

TEST(LoadYearTest, AFailedLoadChangesNothing) {
  WorkingCalendar cal;
  ASSERT_TRUE(cal.LoadYear(ReadHolidayFile(2024)).has_value());
  auto bad = cal.LoadYear(R"({"year": 2024, "papers": [], "days": [{"name": "x", "date": "2024-03-05"}]})");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kValidationFailed);
  EXPECT_FALSE(cal.IsWorkingDay(2024y / 2 / 12));
  EXPECT_TRUE(cal.IsWorkingDay(2024y / 3 / 5));
}

TEST(LoadYearTest, ParsesTheOfficialDocument) {
  auto parsed = ParseHolidayYear(ReadHolidayFile(2024));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->papers,
            (std::vector<std::string>{"https://www.gov.cn/zhengce/zhengceku/202310/content_6911528.htm"}));
  ASSERT_EQ(parsed->days.size(), 36u);
  EXPECT_EQ(parsed->days[1], (HolidayDay{2024y / 2 / 4, "春节", false}));
}

// Readers run while a writer swaps 2024 between two versions: every answer is one version's.
TEST(LoadYearTest, ConcurrentReadersSeeWholeVersions) {
  WorkingCalendar cal;
  const std::string official = ReadHolidayFile(2024);
  ASSERT_TRUE(cal.LoadYear(official).has_value());
  // Official: Fri 03-01 + 3 = Wed 03-06. Tiny (03-05 off, 03-09 worked): Thu 03-07.
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0}, reads{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        auto d = cal.AddWorkingDays(2024y / 3 / 1, 3);
        if (!d || (*d != 2024y / 3 / 6 && *d != 2024y / 3 / 7)) bad.fetch_add(1);
        auto c = cal.CountWorkingDays(2024y / 3 / 1, 2024y / 3 / 10);
        if (!c || (*c != 6 && *c != 5)) bad.fetch_add(1);
        reads.fetch_add(1);
      }
    });
  }
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(cal.LoadYear(i % 2 ? official : std::string(kTiny2024)).has_value());
  }
  while (reads.load() < 100) std::this_thread::yield();
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
TEST(OfficialYearsTest, TheBinaryCarriesEveryShippedYear) {
  WorkingCalendar calendar;
  ASSERT_TRUE(LoadOfficialYears(calendar).has_value());
  for (int y = 2020; y <= 2026; ++y) EXPECT_TRUE(calendar.Knows(std::chrono::year{y})) << y;
  // 2024-02-04 (a Sunday) was a make-up working day; 2024-02-12 was Spring Festival.
  using namespace std::chrono;
  EXPECT_TRUE(calendar.IsWorkingDay(2024y / 2 / 4));
  EXPECT_FALSE(calendar.IsWorkingDay(2024y / 2 / 12));
}

}  // namespace wangban
