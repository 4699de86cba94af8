#include "wangban/common/case_clock.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace wangban {
namespace {

using namespace std::chrono;

std::string HolidayDir() {
  if (const char* dir = std::getenv("WANGBAN_SOURCE_DIR"); dir && *dir) return std::string(dir) + "/data/holidays-cn";
  std::string here = __FILE__;  // .../src/wangban/common/case_clock_test.cpp
  for (int i = 0; i < 4; ++i) here = here.substr(0, here.find_last_of('/'));
  return here + "/data/holidays-cn";
}

// The repository's calendars 2020-2027.
const WorkingCalendar& Cal() {
  static const WorkingCalendar* calendar = [] {
    auto* c = new WorkingCalendar();
    for (int y = 2020; y <= 2027; ++y) {
      std::ifstream in(HolidayDir() + "/" + std::to_string(y) + ".json", std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      EXPECT_TRUE(c->LoadYear(text.str()).has_value()) << y << " (set WANGBAN_SOURCE_DIR to the repository)";
    }
    return c;
  }();
  return *calendar;
}

// `hour` o'clock in Beijing on `date`.
Timestamp At(year_month_day date, int hour = 10) { return ChinaStartOfDay(date) + hours(hour); }

CaseClock StartOrDie(year_month_day accepted_on, int limit) {
  auto clock = CaseClock::Start(At(accepted_on, 9), limit, "window-01", Cal());
  EXPECT_TRUE(clock.has_value()) << (clock ? "" : clock.error().message);
  return *std::move(clock);
}

ClockStatus StatusOn(const CaseClock& clock, year_month_day today, WarningPolicy policy = {}) {
  auto status = clock.Status(today, Cal(), policy);
  EXPECT_TRUE(status.has_value()) << (status ? "" : status.error().message);
  return status.value_or(ClockStatus{});
}

ClockStatus Expect(ClockState state, year_month_day due, int limit, int used, double share) {
  return ClockStatus{.state = state,
                     .due = due,
                     .limit_days = limit,
                     .used_days = used,
                     .remaining_days = limit - used,
                     .share_used = share};
}

void ExpectError(const Result<void>& r, ErrorCode code, std::string_view stable_code) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, code) << r.error().message;
  if (code == ErrorCode::kValidationFailed) {
    ASSERT_FALSE(r.error().field_errors.empty());
    EXPECT_EQ(r.error().field_errors[0].field + ":" + r.error().field_errors[0].code, stable_code);
  } else {
    EXPECT_EQ(r.error().StableCode(), stable_code);
  }
}

// ---------------------------------------------------------------------------------------------
// Start

TEST(CaseClockTest, StartsFromTheDayAfterAcceptance) {
  // Accepted Friday 20 September 2024, 20 working days: through National Day to 23 October.
  auto clock = CaseClock::Start(At(2024y / 9 / 20), 20, "window-01", Cal());
  ASSERT_TRUE(clock.has_value());
  EXPECT_EQ(clock->accepted_on(), 2024y / 9 / 20);
  EXPECT_EQ(clock->due(), 2024y / 10 / 23);
  EXPECT_EQ(clock->limit_days(), 20);
  EXPECT_FALSE(clock->suspended());
  ASSERT_EQ(clock->history().size(), 1u);
  EXPECT_EQ(clock->history()[0], (DueChange{.at = At(2024y / 9 / 20),
                                            .kind = DueChangeKind::kStart,
                                            .old_due = std::nullopt,
                                            .new_due = 2024y / 10 / 23,
                                            .days = 20,
                                            .reason = "accepted",
                                            .note = "",
                                            .actor = "window-01"}));
}

TEST(CaseClockTest, AcceptanceDateIsTheDateInBeijing) {
  // 23:30 UTC on 19 September is 07:30 on 20 September in Beijing.
  auto clock = CaseClock::Start(Timestamp{sys_days{2024y / 9 / 19}} + hours(23) + minutes(30), 1, "w", Cal());
  ASSERT_TRUE(clock.has_value());
  EXPECT_EQ(clock->accepted_on(), 2024y / 9 / 20);
  EXPECT_EQ(clock->due(), 2024y / 9 / 23);
}

TEST(CaseClockTest, WeekendAcceptanceCountsFromTheNextWorkingDay) {
  EXPECT_EQ(StartOrDie(2024y / 3 / 1, 1).due(), 2024y / 3 / 4);    // Friday
  EXPECT_EQ(StartOrDie(2024y / 3 / 2, 1).due(), 2024y / 3 / 4);    // Saturday
  EXPECT_EQ(StartOrDie(2024y / 2 / 12, 1).due(), 2024y / 2 / 18);  // a Spring Festival holiday
}

TEST(CaseClockTest, InstantItemIsDueTheSameDay) {
  const CaseClock clock = StartOrDie(2024y / 3 / 2, 0);  // a Saturday: due that very day
  EXPECT_EQ(clock.due(), 2024y / 3 / 2);
  EXPECT_EQ(StatusOn(clock, 2024y / 3 / 2), Expect(ClockState::kNormal, 2024y / 3 / 2, 0, 0, 0.0));
  // Red from the next calendar day, a Sunday, with no working day past due yet.
  EXPECT_EQ(StatusOn(clock, 2024y / 3 / 3), Expect(ClockState::kRed, 2024y / 3 / 2, 0, 0, 1.0));
  EXPECT_EQ(StatusOn(clock, 2024y / 3 / 4), Expect(ClockState::kRed, 2024y / 3 / 2, 0, 1, 1.0));
  EXPECT_EQ(clock.Warnings(Cal()), (WarningDates{std::nullopt, 2024y / 3 / 3}));
}

TEST(CaseClockTest, StartValidates) {
  auto negative = CaseClock::Start(At(2024y / 3 / 1), -1, " ", Cal());
  ASSERT_FALSE(negative.has_value());
  ASSERT_EQ(negative.error().field_errors.size(), 2u);
  EXPECT_EQ(negative.error().field_errors[0].field, "promised_limit_days");
  EXPECT_EQ(negative.error().field_errors[1].field, "actor");
  // A due date in a year whose notice is not published yet.
  auto unknown = CaseClock::Start(At(2026y / 12 / 10), 20, "w", Cal());
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(unknown.error().reason, "calendar_year_missing");
}

// ---------------------------------------------------------------------------------------------
// Suspension

TEST(CaseClockTest, SuspensionMovesTheDueDateByTheWorkingDaysSuspended) {
  // Accepted Friday 1 March 2024, 10 days: due Friday 15 March.
  CaseClock clock = StartOrDie(2024y / 3 / 1, 10);
  EXPECT_EQ(clock.due(), 2024y / 3 / 15);
  // Suspended Monday 4 March for expert review; Monday is charged.
  ASSERT_TRUE(clock.Suspend(At(2024y / 3 / 4), SuspensionKind::kExpertReview, "reviewer-7", "三位专家").has_value());
  EXPECT_TRUE(clock.suspended());
  EXPECT_EQ(clock.due(), 2024y / 3 / 15) << "the due date moves only at resumption";
  EXPECT_EQ(StatusOn(clock, 2024y / 3 / 6), Expect(ClockState::kSuspended, 2024y / 3 / 15, 10, 1, 0.1));
  EXPECT_EQ(clock.Warnings(Cal()), WarningDates{});
  // Resumed Thursday 7 March: Tuesday, Wednesday and Thursday are not charged; due + 3.
  ASSERT_TRUE(clock.Resume(At(2024y / 3 / 7, 16), "reviewer-7", Cal()).has_value());
  EXPECT_FALSE(clock.suspended());
  EXPECT_EQ(clock.due(), 2024y / 3 / 20);
  EXPECT_EQ(StatusOn(clock, 2024y / 3 / 7), Expect(ClockState::kNormal, 2024y / 3 / 20, 10, 1, 0.1));
  EXPECT_EQ(StatusOn(clock, 2024y / 3 / 8), Expect(ClockState::kNormal, 2024y / 3 / 20, 10, 2, 0.2));

  ASSERT_EQ(clock.suspensions().size(), 1u);
  const Suspension& s = clock.suspensions()[0];
  EXPECT_EQ(s.kind, SuspensionKind::kExpertReview);
  EXPECT_EQ(s.since, 2024y / 3 / 4);
  EXPECT_EQ(s.until, 2024y / 3 / 7);
  EXPECT_EQ(s.credited_days, 3);
  EXPECT_EQ(s.note, "三位专家");

  ASSERT_EQ(clock.history().size(), 3u);
  const DueChange& suspend = clock.history()[1];
  EXPECT_EQ(suspend.kind, DueChangeKind::kSuspend);
  EXPECT_EQ(suspend.old_due, 2024y / 3 / 15);
  EXPECT_EQ(suspend.new_due, 2024y / 3 / 15);
  EXPECT_EQ(suspend.reason, "expert_review");
  EXPECT_EQ(suspend.actor, "reviewer-7");
  const DueChange& resume = clock.history()[2];
  EXPECT_EQ(resume, (DueChange{.at = At(2024y / 3 / 7, 16),
                               .kind = DueChangeKind::kResume,
                               .old_due = 2024y / 3 / 15,
                               .new_due = 2024y / 3 / 20,
                               .days = 3,
                               .reason = "expert_review",
                               .note = "",
                               .actor = "reviewer-7"}));
}

TEST(CaseClockTest, SuspensionArithmeticAtTheEdges) {
  struct Case {
    year_month_day since, until;
    int credited;
  };
  // Clock accepted Friday 20 September 2024 with 20 days (due 23 October).
  for (const Case& c : {Case{2024y / 9 / 23, 2024y / 9 / 23, 0},  // resumed the same day
                        Case{2024y / 9 / 27, 2024y / 9 / 30, 2},  // Fri -> Mon: Sun 29 worked, Mon 30
                        Case{2024y / 9 / 28, 2024y / 9 / 30, 2},  // from a Saturday
                        Case{2024y / 9 / 27, 2024y / 10 / 8, 3},  // over National Day
                        Case{2024y / 10 / 2, 2024y / 10 / 7, 0},  // inside the holiday
                        Case{2024y / 10 / 2, 2024y / 10 / 8, 1}}) {
    CaseClock clock = StartOrDie(2024y / 9 / 20, 20);
    ASSERT_TRUE(clock.Suspend(At(c.since), SuspensionKind::kInspection, "w", "").has_value());
    ASSERT_TRUE(clock.Resume(At(c.until, 17), "w", Cal()).has_value());
    EXPECT_EQ(clock.suspensions()[0].credited_days, c.credited) << FormatIsoDate(c.since);
    EXPECT_EQ(clock.due(), Cal().AddWorkingDays(2024y / 10 / 23, c.credited)) << FormatIsoDate(c.since);
  }
  // Over National Day in full: 23 October + 3 = Monday 28 October.
  CaseClock clock = StartOrDie(2024y / 9 / 20, 20);
  ASSERT_TRUE(clock.Suspend(At(2024y / 9 / 27), SuspensionKind::kHearing, "w", "").has_value());
  ASSERT_TRUE(clock.Resume(At(2024y / 10 / 8), "w", Cal()).has_value());
  EXPECT_EQ(clock.due(), 2024y / 10 / 28);
}

TEST(CaseClockTest, ResumingAfterTheOldDueDateKeepsTheDaysLeft) {
  // Due 15 March; suspended 13 March with 2 days left; resumed 25 March: due 27 March.
  CaseClock clock = StartOrDie(2024y / 3 / 1, 10);
  ASSERT_TRUE(clock.Suspend(At(2024y / 3 / 13), SuspensionKind::kSupplement, "w", "缺营业执照").has_value());
  ASSERT_TRUE(clock.Resume(At(2024y / 3 / 25), "w", Cal()).has_value());
  EXPECT_EQ(clock.due(), 2024y / 3 / 27);
  EXPECT_EQ(StatusOn(clock, 2024y / 3 / 25).remaining_days, 2);
}

TEST(CaseClockTest, SuspendAndResumeConflicts) {
  CaseClock clock = StartOrDie(2024y / 3 / 1, 10);
  const CaseClock before = clock;
  ExpectError(clock.Resume(At(2024y / 3 / 4), "w", Cal()), ErrorCode::kConflict, "not_suspended");
  EXPECT_EQ(clock, before);
  ASSERT_TRUE(clock.Suspend(At(2024y / 3 / 4), SuspensionKind::kHearing, "w", "").has_value());
  const CaseClock suspended = clock;
  ExpectError(clock.Suspend(At(2024y / 3 / 5), SuspensionKind::kHearing, "w", ""), ErrorCode::kConflict,
              "already_suspended");
  EXPECT_EQ(clock, suspended);
  ExpectError(clock.Resume(At(2024y / 3 / 5), "", Cal()), ErrorCode::kValidationFailed, "actor:required");
  ExpectError(clock.Resume(At(2024y / 3 / 3), "w", Cal()), ErrorCode::kValidationFailed, "at:before_previous_event");
  EXPECT_EQ(clock, suspended);
  // A resumption the calendar cannot count (into the unpublished 2027) fails and changes nothing.
  CaseClock late = StartOrDie(2026y / 12 / 1, 5);
  ASSERT_TRUE(late.Suspend(At(2026y / 12 / 2), SuspensionKind::kInspection, "w", "").has_value());
  const CaseClock late_before = late;
  ExpectError(late.Resume(At(2027y / 1 / 5), "w", Cal()), ErrorCode::kUnavailable, "calendar_year_missing");
  EXPECT_EQ(late, late_before);
  EXPECT_TRUE(late.suspended());
}

TEST(CaseClockTest, OtherSuspensionNeedsANote) {
  CaseClock clock = StartOrDie(2024y / 3 / 1, 10);
  ExpectError(clock.Suspend(At(2024y / 3 / 4), SuspensionKind::kOther, "w", "  "), ErrorCode::kValidationFailed,
              "note:required");
  ExpectError(clock.Suspend(At(2024y / 3 / 4), SuspensionKind::kHearing, "", ""), ErrorCode::kValidationFailed,
              "actor:required");
  EXPECT_TRUE(clock.Suspend(At(2024y / 3 / 4), SuspensionKind::kOther, "w", "公示").has_value());
}

TEST(CaseClockTest, OverdueCaseCannotBeSuspendedOrExtended) {
  CaseClock clock = StartOrDie(2024y / 3 / 1, 10);  // due Friday 15 March
  CaseClock on_due_date = clock;
  EXPECT_TRUE(on_due_date.Suspend(At(2024y / 3 / 15, 23), SuspensionKind::kHearing, "w", "").has_value());
  const CaseClock before = clock;
  ExpectError(clock.Suspend(At(2024y / 3 / 16), SuspensionKind::kHearing, "w", ""), ErrorCode::kConflict, "overdue");
  ExpectError(clock.Extend(At(2024y / 3 / 18), 5, "late", "w", Cal()), ErrorCode::kConflict, "overdue");
  EXPECT_EQ(clock, before);
}

// ---------------------------------------------------------------------------------------------
// Extension

TEST(CaseClockTest, ExtensionNeedsAReasonAndMovesTheDueDate) {
  CaseClock clock = StartOrDie(2024y / 3 / 1, 10);
  const CaseClock before = clock;
  ExpectError(clock.Extend(At(2024y / 3 / 13), 5, "", "head-1", Cal()), ErrorCode::kValidationFailed,
              "reason:required");
  ExpectError(clock.Extend(At(2024y / 3 / 13), 5, " \t", "head-1", Cal()), ErrorCode::kValidationFailed,
              "reason:required");
  ExpectError(clock.Extend(At(2024y / 3 / 13), 0, "现场核查", "head-1", Cal()), ErrorCode::kValidationFailed,
              "days:not_positive");
  ExpectError(clock.Extend(At(2024y / 3 / 13), 5, "现场核查", "", Cal()), ErrorCode::kValidationFailed,
              "actor:required");
  EXPECT_EQ(clock, before);

  ASSERT_TRUE(clock.Extend(At(2024y / 3 / 13), 5, "需要现场核查", "head-1", Cal()).has_value());
  EXPECT_EQ(clock.due(), 2024y / 3 / 22);
  EXPECT_EQ(clock.extension_days(), 5);
  EXPECT_EQ(clock.limit_days(), 15);
  EXPECT_EQ(clock.history().back(), (DueChange{.at = At(2024y / 3 / 13),
                                               .kind = DueChangeKind::kExtend,
                                               .old_due = 2024y / 3 / 15,
                                               .new_due = 2024y / 3 / 22,
                                               .days = 5,
                                               .reason = "需要现场核查",
                                               .note = "",
                                               .actor = "head-1"}));
  // 8 of 15 days used on 13 March: 53 %, no longer yellow (8 of 10 was).
  EXPECT_EQ(StatusOn(clock, 2024y / 3 / 13).state, ClockState::kNormal);
}

TEST(CaseClockTest, ExtensionWhileSuspendedAddsUp) {
  CaseClock clock = StartOrDie(2024y / 3 / 1, 10);
  ASSERT_TRUE(clock.Suspend(At(2024y / 3 / 4), SuspensionKind::kHearing, "w", "").has_value());
  ASSERT_TRUE(clock.Extend(At(2024y / 3 / 5), 2, "听证后需合议", "head-1", Cal()).has_value());
  EXPECT_EQ(clock.due(), 2024y / 3 / 19);
  ASSERT_TRUE(clock.Resume(At(2024y / 3 / 7), "w", Cal()).has_value());
  EXPECT_EQ(clock.due(), 2024y / 3 / 22);  // 15 March + 2 + 3, in either order
  EXPECT_EQ(Cal().CountWorkingDays(clock.accepted_on(), clock.due()), 10 + 2 + 3);
}

// ---------------------------------------------------------------------------------------------
// Status and warnings

TEST(CaseClockTest, YellowAtEightyPercentRedAfterTheDueDate) {
  const CaseClock clock = StartOrDie(2024y / 3 / 1, 10);  // due Friday 15 March
  EXPECT_EQ(StatusOn(clock, 2024y / 2 / 20), Expect(ClockState::kNormal, 2024y / 3 / 15, 10, 0, 0.0));
  EXPECT_EQ(StatusOn(clock, 2024y / 3 / 1), Expect(ClockState::kNormal, 2024y / 3 / 15, 10, 0, 0.0));
  EXPECT_EQ(StatusOn(clock, 2024y / 3 / 12), Expect(ClockState::kNormal, 2024y / 3 / 15, 10, 7, 0.7));
  EXPECT_EQ(StatusOn(clock, 2024y / 3 / 13), Expect(ClockState::kYellow, 2024y / 3 / 15, 10, 8, 0.8));
  EXPECT_EQ(StatusOn(clock, 2024y / 3 / 15), Expect(ClockState::kYellow, 2024y / 3 / 15, 10, 10, 1.0));
  EXPECT_EQ(StatusOn(clock, 2024y / 3 / 16), Expect(ClockState::kRed, 2024y / 3 / 15, 10, 10, 1.0));
  EXPECT_EQ(StatusOn(clock, 2024y / 3 / 18), Expect(ClockState::kRed, 2024y / 3 / 15, 10, 11, 1.1));
  EXPECT_EQ(clock.Warnings(Cal()), (WarningDates{2024y / 3 / 13, 2024y / 3 / 16}));
  // A configurable share.
  EXPECT_EQ(clock.Warnings(Cal(), {.yellow_share = 0.5}), (WarningDates{2024y / 3 / 8, 2024y / 3 / 16}));
  EXPECT_EQ(StatusOn(clock, 2024y / 3 / 8, {.yellow_share = 0.5}).state, ClockState::kYellow);
  EXPECT_EQ(StatusOn(clock, 2024y / 3 / 7, {.yellow_share = 0.5}).state, ClockState::kNormal);
  EXPECT_EQ(clock.Warnings(Cal(), {.yellow_share = 1.0})->yellow_on, 2024y / 3 / 15);
  for (double bad : {0.0, -0.1, 1.01, std::nan("")}) {
    auto status = clock.Status(2024y / 3 / 8, Cal(), {.yellow_share = bad});
    ASSERT_FALSE(status.has_value()) << bad;
    EXPECT_EQ(status.error().field_errors.at(0).field, "yellow_share");
    EXPECT_FALSE(clock.Warnings(Cal(), {.yellow_share = bad}).has_value());
  }
}

TEST(CaseClockTest, YellowThresholdRoundsUp) {
  // 3 days at 80 %: 2.4 rounds up to 3, the due date. 5 days: exactly 4.
  const CaseClock three = StartOrDie(2024y / 3 / 1, 3);
  EXPECT_EQ(three.Warnings(Cal())->yellow_on, three.due());
  const CaseClock five = StartOrDie(2024y / 3 / 1, 5);
  EXPECT_EQ(five.Warnings(Cal())->yellow_on, 2024y / 3 / 7);
  const CaseClock one = StartOrDie(2024y / 3 / 1, 1);
  EXPECT_EQ(one.Warnings(Cal())->yellow_on, 2024y / 3 / 4);
}

TEST(CaseClockTest, WarningsSkipSuspendedDays) {
  // Accepted 1 March, 10 days; suspended Wednesday 6 March, resumed Tuesday 12 March (4 days:
  // 7, 8, 11, 12). Charged: 4, 5, 6, then 13, 14, 15, 18, 19 (the 8th), 20, 21 (the 10th).
  CaseClock clock = StartOrDie(2024y / 3 / 1, 10);
  ASSERT_TRUE(clock.Suspend(At(2024y / 3 / 6), SuspensionKind::kInspection, "w", "").has_value());
  ASSERT_TRUE(clock.Resume(At(2024y / 3 / 12), "w", Cal()).has_value());
  EXPECT_EQ(clock.due(), 2024y / 3 / 21);
  EXPECT_EQ(clock.Warnings(Cal()), (WarningDates{2024y / 3 / 19, 2024y / 3 / 22}));
  EXPECT_EQ(StatusOn(clock, 2024y / 3 / 18), Expect(ClockState::kNormal, 2024y / 3 / 21, 10, 7, 0.7));
  EXPECT_EQ(StatusOn(clock, 2024y / 3 / 19), Expect(ClockState::kYellow, 2024y / 3 / 21, 10, 8, 0.8));
  EXPECT_EQ(StatusOn(clock, 2024y / 3 / 21), Expect(ClockState::kYellow, 2024y / 3 / 21, 10, 10, 1.0));
  EXPECT_EQ(StatusOn(clock, 2024y / 3 / 22).state, ClockState::kRed);
  // Timers go off at midnight in Beijing.
  EXPECT_EQ(FormatRfc3339(ChinaStartOfDay(*clock.Warnings(Cal())->yellow_on)), "2024-03-19T00:00:00.000+08:00");
}

TEST(CaseClockTest, StateNames) {
  EXPECT_EQ(ClockStateName(ClockState::kYellow), "yellow");
  EXPECT_EQ(ClockStateName(ClockState::kSuspended), "suspended");
  for (auto kind : {SuspensionKind::kHearing, SuspensionKind::kInspection, SuspensionKind::kExpertReview,
                    SuspensionKind::kSupplement, SuspensionKind::kOther}) {
    EXPECT_EQ(ParseSuspensionKind(SuspensionKindName(kind)), kind);
  }
  EXPECT_EQ(SuspensionKindName(SuspensionKind::kExpertReview), "expert_review");
  EXPECT_FALSE(ParseSuspensionKind("Hearing").has_value());
  for (auto kind : {DueChangeKind::kStart, DueChangeKind::kSuspend, DueChangeKind::kResume, DueChangeKind::kExtend}) {
    EXPECT_EQ(ParseDueChangeKind(DueChangeKindName(kind)), kind);
  }
}

// Random acts on random clocks over 2024-2025; the invariants tie the clock to the calendar.
TEST(CaseClockTest, RandomHistoriesKeepTheirInvariants) {
  std::mt19937 rng(7);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int acts = 0, refused = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const year_month_day accepted{sys_days{2024y / 1 / 1} + days{uniform(0, 540)}};
    CaseClock clock = StartOrDie(accepted, uniform(0, 40));
    sys_days today{accepted};
    int credited = 0;
    for (int step = 0; step < 6; ++step) {
      today += days{uniform(0, 9)};
      const year_month_day on{today};
      const Timestamp at = At(on, 10 + step);  // after the 09:00 acceptance, in order
      const bool overdue = !clock.suspended() && today > sys_days{clock.due()};
      Result<void> r;
      if (clock.suspended()) {
        r = clock.Resume(at, "w", Cal());
        if (r) credited += clock.suspensions().back().credited_days;
      } else if (uniform(0, 2) == 0) {
        r = clock.Extend(at, uniform(1, 10), "reason", "head", Cal());
      } else {
        r = clock.Suspend(at, SuspensionKind::kSupplement, "w", "");
      }
      if (!r) {
        ASSERT_TRUE(overdue) << r.error().message;
        EXPECT_EQ(r.error().reason, "overdue");
        ++refused;
        continue;
      }
      ++acts;
      // The due date is the limit plus every suspended working day after acceptance.
      ASSERT_EQ(Cal().CountWorkingDays(clock.accepted_on(), clock.due()), clock.limit_days() + credited);
      for (int later : {0, 1, 5, 20}) {
        const year_month_day d{today + days{later}};
        const ClockStatus status = StatusOn(clock, d);
        EXPECT_EQ(status.used_days + status.remaining_days, clock.limit_days());
        if (clock.suspended()) {
          EXPECT_EQ(status.state, ClockState::kSuspended);
        } else {
          EXPECT_EQ(status.remaining_days, Cal().CountWorkingDays(d, clock.due())) << FormatIsoDate(d);
          EXPECT_EQ(status.state == ClockState::kRed, sys_days{d} > sys_days{clock.due()});
        }
      }
      auto warnings = clock.Warnings(Cal());
      ASSERT_TRUE(warnings.has_value());
      if (clock.suspended()) {
        EXPECT_EQ(*warnings, WarningDates{});
      } else {
        ASSERT_TRUE(warnings->red_on.has_value());
        EXPECT_EQ(StatusOn(clock, *warnings->red_on).state, ClockState::kRed);
        EXPECT_NE(StatusOn(clock, clock.due()).state, ClockState::kRed);
        EXPECT_EQ(warnings->yellow_on.has_value(), clock.limit_days() > 0);
        if (warnings->yellow_on) {
          const year_month_day y = *warnings->yellow_on;
          EXPECT_EQ(StatusOn(clock, y).state, ClockState::kYellow) << FormatIsoDate(y);
          EXPECT_EQ(StatusOn(clock, year_month_day{sys_days{y} - days{1}}).state, ClockState::kNormal);
        }
      }
      auto copy = CaseClock::FromJson(clock.ToJson());
      ASSERT_TRUE(copy.has_value()) << copy.error().message;
      EXPECT_EQ(*copy, clock);
    }
  }
  EXPECT_GT(acts, 1000);
  EXPECT_GT(refused, 0);
}

// ---------------------------------------------------------------------------------------------
// Storage

CaseClock BusyClock() {
  CaseClock clock = StartOrDie(2024y / 9 / 20, 20);
  EXPECT_TRUE(clock
                  .Suspend(At(2024y / 9 / 27) + microseconds(123), SuspensionKind::kExpertReview, "专家组",
                           "评审会 \"第一次\"\n")
                  .has_value());
  EXPECT_TRUE(clock.Resume(At(2024y / 10 / 8), "专家组", Cal()).has_value());
  EXPECT_TRUE(clock.Extend(At(2024y / 10 / 9), 10, "行政许可法第四十二条", "局长", Cal()).has_value());
  EXPECT_TRUE(clock.Suspend(At(2024y / 10 / 10), SuspensionKind::kSupplement, "window-01", "").has_value());
  return clock;
}

TEST(CaseClockJsonTest, RoundTrips) {
  const CaseClock clock = BusyClock();
  const std::string text = clock.ToJson();
  auto back = CaseClock::FromJson(text);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(*back, clock);
  EXPECT_EQ(back->ToJson(), text);
  EXPECT_TRUE(back->suspended());
  EXPECT_EQ(back->history().size(), 5u);
  // A round-tripped clock keeps working.
  CaseClock resumed = *back;
  ASSERT_TRUE(resumed.Resume(At(2024y / 10 / 14), "window-01", Cal()).has_value());
  // (10-10, 10-14]: Friday 11, Saturday 12 (worked), Monday 14.
  EXPECT_EQ(resumed.due(), Cal().AddWorkingDays(clock.due(), 3));

  const auto doc = nlohmann::json::parse(text);
  EXPECT_EQ(doc["version"], 1);
  EXPECT_EQ(doc["accepted_on"], "2024-09-20");
  EXPECT_EQ(doc["due"], FormatIsoDate(clock.due()));
  EXPECT_EQ(doc["suspensions"][0]["suspended_at_us"], ToMicros(At(2024y / 9 / 27) + microseconds(123)));
  EXPECT_EQ(doc["suspensions"][1]["until"], nullptr);
  EXPECT_EQ(doc["history"][0]["old_due"], nullptr);
  EXPECT_EQ(doc["history"][3]["kind"], "extend");
}

TEST(CaseClockJsonTest, RejectsCorruptDocuments) {
  const auto good = nlohmann::json::parse(BusyClock().ToJson());
  auto corrupt = [](const std::string& text) {
    auto r = CaseClock::FromJson(text);
    if (r) return std::string("accepted");
    EXPECT_EQ(r.error().code, ErrorCode::kInternal);
    return r.error().reason;
  };
  EXPECT_EQ(corrupt(""), "corrupt_case_clock");
  EXPECT_EQ(corrupt("[]"), "corrupt_case_clock");
  EXPECT_EQ(corrupt("{}"), "corrupt_case_clock");
  EXPECT_EQ(corrupt(good.dump()), "accepted");
  auto mutated = [&](auto change) {
    nlohmann::json doc = good;
    change(doc);
    return corrupt(doc.dump());
  };
  EXPECT_EQ(mutated([](auto& d) { d["version"] = 2; }), "corrupt_case_clock");
  EXPECT_EQ(mutated([](auto& d) { d.erase("due"); }), "corrupt_case_clock");
  EXPECT_EQ(mutated([](auto& d) { d["due"] = "2024-10-32"; }), "corrupt_case_clock");
  EXPECT_EQ(mutated([](auto& d) { d["due"] = "2024-10-30"; }), "corrupt_case_clock");
  EXPECT_EQ(mutated([](auto& d) { d["accepted_on"] = "2024-09-21"; }), "corrupt_case_clock");
  EXPECT_EQ(mutated([](auto& d) { d["promised_limit_days"] = -1; }), "corrupt_case_clock");
  EXPECT_EQ(mutated([](auto& d) { d["extension_days"] = 3; }), "corrupt_case_clock");
  EXPECT_EQ(mutated([](auto& d) { d["accepted_at_us"] = "soon"; }), "corrupt_case_clock");
  EXPECT_EQ(mutated([](auto& d) { d["suspensions"][0]["kind"] = "nap"; }), "corrupt_case_clock");
  EXPECT_EQ(mutated([](auto& d) { d["suspensions"][0]["until"] = nullptr; }), "corrupt_case_clock");
  EXPECT_EQ(mutated([](auto& d) {
              d["suspensions"][0]["until"] = nullptr;
              d["suspensions"][0]["resumed_at_us"] = nullptr;
            }),
            "corrupt_case_clock");  // two open suspensions
  EXPECT_EQ(mutated([](auto& d) { d["history"][0]["kind"] = "extend"; }), "corrupt_case_clock");
  EXPECT_EQ(mutated([](auto& d) { d["history"] = nlohmann::json::array(); }), "corrupt_case_clock");
  EXPECT_EQ(mutated([](auto& d) { std::swap(d["history"][1], d["history"][2]); }), "corrupt_case_clock");
  EXPECT_EQ(mutated([](auto& d) { d["history"][1]["actor"] = 5; }), "corrupt_case_clock");
  EXPECT_EQ(mutated([](auto& d) { d["history"][1]["at_us"] = std::numeric_limits<std::uint64_t>::max(); }),
            "corrupt_case_clock");
}

}  // namespace
}  // namespace wangban
