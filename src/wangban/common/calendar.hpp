// Working days in mainland China and the date arithmetic of time limits counted in them.
// The calendar is the ordinary Monday-Friday week corrected by the State Council's yearly
// holiday notice (放假安排), read from holiday-cn JSON documents (data/holidays-cn/).
//
// Conventions (docs/working-days.md has worked examples on the real calendars):
//  - Dates are civil dates in China (Asia/Shanghai = UTC+8, no daylight saving); ChinaDate()
//    turns an instant into one.
//  - 自受理之日起: the start day never counts. AddWorkingDays(d, 1) is the first working day
//    strictly after d, whatever d is (working day, weekend or holiday), so a case accepted on a
//    Saturday and one accepted on the Friday before share their day 1 (the Monday).
//  - CountWorkingDays(from, to) counts the working days in the half-open interval (from, to],
//    so CountWorkingDays(d, AddWorkingDays(d, n)) == n for every n >= 0.
//  - A date is *covered* when the notice of its year is loaded and, for 28-31 December, the next
//    year's notice too (a New Year holiday can begin in late December and is published in the
//    next year's notice: 2018-12-29 was a make-up working day and 2018-12-31 a holiday by the
//    2019 notice; 2022-12-31 is in 2023.json). Arithmetic over a date that is not covered fails
//    with kUnavailable, reason "calendar_year_missing", rather than guess from the plain week:
//    a statutory due date that silently ignores a holiday is wrong.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "wangban/common/clock.hpp"
#include "wangban/common/error.hpp"

namespace wangban {

// The civil date in China (UTC+8, no daylight saving) at instant `t`.
std::chrono::year_month_day ChinaDate(Timestamp t);

// The first instant of `date` in China: 00:00 +08:00, i.e. 16:00 UTC of the day before. Timers
// for events that begin on a date (a yellow or red warning) are scheduled at this instant.
// REQUIRES: date.ok().
Timestamp ChinaStartOfDay(std::chrono::year_month_day date);

// Parses exactly "YYYY-MM-DD" (ISO 8601 calendar date, four-digit year, a real date such as
// 2024-02-29 but not 2023-02-29). Nullopt otherwise.
std::optional<std::chrono::year_month_day> ParseIsoDate(std::string_view text);

// "YYYY-MM-DD". REQUIRES: date.ok() and a year in [0, 9999].
std::string FormatIsoDate(std::chrono::year_month_day date);

// One entry of a holiday notice: `off_day` true is a holiday (放假), false a working day on a
// weekend (调休上班). Every other Monday-Friday is a working day and every other Saturday and
// Sunday is not.
struct HolidayDay {
  std::chrono::year_month_day date;
  std::string name;  // e.g. "春节"
  bool off_day = false;

  bool operator==(const HolidayDay&) const = default;
};

// One year's holiday-cn document.
struct HolidayYear {
  std::chrono::year year;
  std::vector<std::string> papers;  // addresses of the State Council notices
  std::vector<HolidayDay> days;     // in document order

  // False for a placeholder with no days (2027.json before its notice appears): every year in
  // China has holidays, so an empty list means "not published yet", never "no holidays".
  bool Published() const { return !days.empty(); }
};

// Parses and validates a holiday-cn document (data/holidays-cn/schema.json):
//   {"year": 2024, "papers": ["https://..."], "days": [{"name": "春节", "date": "2024-02-10",
//    "isOffDay": true}, ...]}
// Other members ("$schema", "$id") are ignored. Unparsable JSON, or JSON that is not an object,
// is kBadRequest with reason "malformed_json". Otherwise every problem is one FieldError of a
// kValidationFailed error, field names as in the document:
//   year:             "required", "type" (not an integer), "range" (outside 2000-2199)
//   papers:           "required", "type"; papers[i]: "type"
//   days:             "required", "type"
//   days[i]:          "type" (not an object)
//   days[i].name:     "required" (missing or empty), "type"
//   days[i].date:     "required", "type", "format" (not a real YYYY-MM-DD date),
//                     "out_of_year" (neither in `year` nor in December of the year before; the
//                     notice for a year may start the New Year holiday in late December),
//                     "duplicate" (the same date listed twice)
//   days[i].isOffDay: "required", "type" (not a boolean)
Result<HolidayYear> ParseHolidayYear(std::string_view json_text);

// What a date is, for display (a month view) and for explaining a due date.
enum class DayKind {
  kWorkday,        // an ordinary Monday-Friday
  kWeekend,        // an ordinary Saturday or Sunday
  kHoliday,        // off by the notice (it may fall on a weekend too)
  kMakeupWorkday,  // a working Saturday or Sunday by the notice (调休上班)
};

struct DayInfo {
  DayKind kind = DayKind::kWorkday;
  bool working = true;   // kind is kWorkday or kMakeupWorkday
  bool covered = false;  // the answer rests on loaded notices (see the file comment)
  std::string name;      // the holiday's name for kHoliday and kMakeupWorkday, else empty

  bool operator==(const DayInfo&) const = default;
};

// The working-day calendar. One instance is shared by the whole server.
// Thread-safe: any number of readers run concurrently with LoadYear; a reader sees the calendar
// either wholly before or wholly after a load (copy-on-write snapshot behind a shared_mutex),
// and every AddWorkingDays/CountWorkingDays call works on one snapshot from start to end.
class WorkingCalendar {
 public:
  // A calendar that knows no year: every arithmetic call over a date fails with
  // calendar_year_missing until years are loaded.
  WorkingCalendar();
  ~WorkingCalendar();
  WorkingCalendar(const WorkingCalendar&) = delete;
  WorkingCalendar& operator=(const WorkingCalendar&) = delete;

  // Parses `json_text` as ParseHolidayYear does (same errors) and installs it, replacing every
  // entry an earlier document of the same year had. An unpublished document (no days) is
  // accepted and changes nothing: the year stays unknown if it was, and a published year is
  // never erased by a placeholder, so loading order (embedded data, then administrators'
  // uploads) does not matter for placeholders. Where two years' documents list the same date
  // (a late-December day), the later year's notice wins.
  Result<void> LoadYear(std::string_view json_text);

  // True once a published notice of `y` is loaded.
  bool Knows(std::chrono::year y) const;

  // The years with a published notice, ascending.
  std::vector<std::chrono::year> KnownYears() const;

  // True when IsWorkingDay(date) rests on loaded notices: Knows(date's year) and, for
  // 28-31 December, Knows(the next year) as well.
  bool Covers(std::chrono::year_month_day date) const;

  // Whether `date` is a working day. For a date not covered this falls back to the plain week
  // (Monday-Friday work) plus whatever loaded notices say; use Covers() to know which. Meant for
  // display; deadlines go through AddWorkingDays/CountWorkingDays, which refuse uncovered dates.
  // REQUIRES: date.ok().
  bool IsWorkingDay(std::chrono::year_month_day date) const;

  // IsWorkingDay with the reason and the holiday's name.
  // REQUIRES: date.ok().
  DayInfo Describe(std::chrono::year_month_day date) const;

  // The date `n` working days after `start`, the start day not counting (自受理之日起):
  //   n == 0: `start` itself, whatever day it is (即办件, an instant item is due the day it is
  //           accepted); no calendar is consulted.
  //   n >= 1: the n-th working day strictly after `start`. With the 2024 notice,
  //           AddWorkingDays(2024-02-08 Thu, 1) == 2024-02-09 Fri,
  //           AddWorkingDays(2024-02-08 Thu, 2) == 2024-02-18 Sun (make-up working day).
  // Errors: kValidationFailed (field "days", code "negative") when n < 0, or (field "date",
  // code "format") when !start.ok(); kUnavailable reason "calendar_year_missing" when a day it
  // must examine (start+1 .. result) is not covered. Negative n is refused rather than given a
  // meaning: no time limit counts backwards.
  Result<std::chrono::year_month_day> AddWorkingDays(std::chrono::year_month_day start, int n) const;

  // The number of working days in (from, to]: `from` excluded, `to` included. Zero when
  // from == to. Antisymmetric: when to < from the result is -CountWorkingDays(to, from), so
  // "working days remaining until a due date in the past" comes out negative. Examples (2024):
  //   CountWorkingDays(2024-02-08, 2024-02-18) == 2   (02-09 Fri and 02-18 Sun make-up)
  //   CountWorkingDays(2024-02-09, 2024-02-17) == 0   (the whole Spring Festival holiday)
  // Errors: kValidationFailed (field "date", code "format") when either date is not ok();
  // kUnavailable reason "calendar_year_missing" when a day in the interval is not covered.
  Result<int> CountWorkingDays(std::chrono::year_month_day from, std::chrono::year_month_day to) const;

 private:
  struct Snapshot;
  std::shared_ptr<const Snapshot> Current() const;

  mutable std::shared_mutex mutex_;
  std::shared_ptr<const Snapshot> snapshot_;  // GUARDED_BY(mutex_); never null
};

// Loads every official year shipped in the binary (data/holidays-cn) into `calendar`.
// Errors: a document that does not load (a build defect).
Result<void> LoadOfficialYears(WorkingCalendar& calendar);

}  // namespace wangban
