// The legal clock of one case (办件时限): the due date from the promised limit, suspensions for
// special procedures (特别程序) that stop it, extensions, and the yellow/red warnings. A pure
// value: it reads no clock and no database; callers pass the instant of each act and the shared
// WorkingCalendar, store ToJson() with the case, and schedule timers from Warnings().
//
// Conventions (docs/working-days.md works them through on the real 2024-2026 calendars):
//  - Every act carries the instant `at` it happened; its date is ChinaDate(at). One clock reading
//    gives both the history's timestamp and the date the arithmetic uses, so they cannot disagree.
//  - Start: due = AddWorkingDays(accepted_on, limit). The acceptance day does not count
//    (自受理之日起); limit 0 (即办件) is due on the acceptance day itself. A case accepted on a
//    weekend or holiday starts counting at the next working day, like one accepted on the working
//    day before: accepted Sat 2024-03-02 or Fri 2024-03-01 with limit 1, both are due Mon 03-04.
//  - A working day counts as used from its first moment: on the due date the whole limit is used
//    (share 1.0) but the case is not overdue; it is overdue (red) from 00:00 of the calendar day
//    after the due date, even when that day is a weekend.
//  - Suspension from date S, resumed on date R: the working days in (S, R] are not charged and
//    the due date moves by CountWorkingDays(S, R) working days. The day of suspension is charged
//    (work was done on it and the clock ran until the act); the day of resumption is not (the
//    procedure took it). A suspension resumed the day it began moves nothing. Example (2024):
//    suspended Mon 03-04, resumed Thu 03-07: 3 working days (Tue, Wed, Thu) added to the due date.
//    This is the same half-open rule as acceptance, and it equals "the working days left at
//    suspension, counted again from the resumption day".
//  - Extension: the due date moves by `days` working days; a reason is mandatory.
//  - An overdue case can be neither suspended nor extended (kConflict, reason "overdue"): the
//    special procedure or the extension must be decided within the time limit (行政许可法 第42条),
//    and allowing it afterwards would erase the red warning.
//  - Every method that changes the clock either succeeds or leaves it unchanged.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wangban/common/calendar.hpp"
#include "wangban/common/clock.hpp"
#include "wangban/common/error.hpp"

namespace wangban {

// The special procedure that stops a clock (特别程序).
enum class SuspensionKind {
  kHearing,       // 听证
  kInspection,    // 检验、检测、检疫、鉴定
  kExpertReview,  // 专家评审
  kSupplement,    // 补正: waiting for the applicant's corrected materials
  kOther,         // anything else the law provides for; a note is then required
};

// "hearing", "inspection", "expert_review", "supplement", "other".
std::string_view SuspensionKindName(SuspensionKind kind);
std::optional<SuspensionKind> ParseSuspensionKind(std::string_view name);

enum class DueChangeKind { kStart, kSuspend, kResume, kExtend };

// "start", "suspend", "resume", "extend".
std::string_view DueChangeKindName(DueChangeKind kind);
std::optional<DueChangeKind> ParseDueChangeKind(std::string_view name);

// One entry of the clock's history: every act on the clock, in order.
struct DueChange {
  Timestamp at;
  DueChangeKind kind = DueChangeKind::kStart;
  std::optional<std::chrono::year_month_day> old_due;  // nullopt for kStart
  std::chrono::year_month_day new_due;                 // equals old_due for kSuspend: the due date moves at resumption
  // kStart: the promised limit; kSuspend: 0; kResume: the working days suspended, added to the
  // due date; kExtend: the working days granted.
  int days = 0;
  // kStart: "accepted"; kSuspend and kResume: the suspension's kind ("expert_review");
  // kExtend: the reason given.
  std::string reason;
  std::string note;  // kSuspend: the note given; otherwise empty
  std::string actor;

  bool operator==(const DueChange&) const = default;
};

// One stop of the clock.
struct Suspension {
  SuspensionKind kind = SuspensionKind::kOther;
  std::chrono::year_month_day since;                 // ChinaDate(suspended_at)
  std::optional<std::chrono::year_month_day> until;  // ChinaDate(resumed_at); nullopt while open
  Timestamp suspended_at;
  std::optional<Timestamp> resumed_at;
  std::string suspended_by;
  std::string resumed_by;  // empty while open
  std::string note;
  int credited_days = 0;  // CountWorkingDays(since, until) once resumed; 0 while open

  bool operator==(const Suspension&) const = default;
};

struct WarningPolicy {
  // Yellow when used_days / limit_days >= yellow_share. Must be in (0, 1]; the threshold in days
  // is ceil(yellow_share * limit), at least 1: with 0.8, limit 10 -> yellow on the 8th working
  // day, limit 3 -> the 3rd (the due date), limit 1 -> the due date.
  double yellow_share = 0.8;
};

enum class ClockState {
  kNormal,
  kYellow,     // the yellow share of the limit is used, not yet overdue
  kRed,        // overdue: the date is after the due date
  kSuspended,  // stopped by a special procedure; takes precedence over the others
};

// "normal", "yellow", "red", "suspended".
std::string_view ClockStateName(ClockState state);

struct ClockStatus {
  ClockState state = ClockState::kNormal;
  std::chrono::year_month_day due;
  int limit_days = 0;      // promised limit plus every extension
  int used_days = 0;       // working days charged so far (acceptance day and suspended days excluded)
  int remaining_days = 0;  // limit_days - used_days; negative = working days past the due date
  // used_days / limit_days; may exceed 1 when overdue. With limit 0: 0, or 1 once red.
  double share_used = 0;

  bool operator==(const ClockStatus&) const = default;
};

// The dates on which warnings begin; schedule each timer at ChinaStartOfDay(date). Either may be
// in the past (a warning already reached): a timer due in the past fires at once, and its job
// should re-check Status() and notify once per warning. Reschedule after every act on the clock.
struct WarningDates {
  // The working day on which used_days reaches the yellow threshold. Nullopt with limit 0 (an
  // instant item goes straight from normal to red) and while suspended.
  std::optional<std::chrono::year_month_day> yellow_on;
  // The calendar day after the due date. Nullopt while suspended (the due date will move).
  std::optional<std::chrono::year_month_day> red_on;

  bool operator==(const WarningDates&) const = default;
};

class CaseClock {
 public:
  // Starts the clock for a case accepted at `accepted_at` with `promised_limit_days` (承诺时限,
  // working days; 0 = instant item): due = AddWorkingDays(ChinaDate(accepted_at), limit).
  // Errors: kValidationFailed (fields "promised_limit_days" code "negative", "actor" code
  // "required"); calendar_year_missing from the calendar.
  static Result<CaseClock> Start(Timestamp accepted_at, int promised_limit_days, std::string_view actor,
                                 const WorkingCalendar& calendar);

  // Stops the clock from ChinaDate(at). The due date moves when it is resumed.
  // Errors: kValidationFailed ("actor" required; "note" required when kind is kOther; "at" code
  // "before_previous_event" when `at` is earlier than the last act); kConflict reason
  // "already_suspended", or "overdue" when ChinaDate(at) is after the due date.
  Result<void> Suspend(Timestamp at, SuspensionKind kind, std::string_view actor, std::string_view note);

  // Restarts the clock on ChinaDate(at); the due date moves by the working days in (since, that
  // date]. Errors: kValidationFailed ("actor" required; "at" before_previous_event); kConflict
  // reason "not_suspended"; calendar_year_missing from the calendar.
  Result<void> Resume(Timestamp at, std::string_view actor, const WorkingCalendar& calendar);

  // Moves the due date by `days` working days, for `reason`. Allowed while suspended.
  // Errors: kValidationFailed ("days" code "not_positive"; "reason" and "actor" required, blank
  // counts as missing; "at" before_previous_event); kConflict reason "overdue";
  // calendar_year_missing from the calendar.
  Result<void> Extend(Timestamp at, int days, std::string_view reason, std::string_view actor,
                      const WorkingCalendar& calendar);

  // Where the clock stands on `today`. used_days counts the working days in (accepted_on, today]
  // outside every suspension's (since, until], and stops at the open suspension's `since`.
  // A date before acceptance is answered as the acceptance day. Meant for today on or after the
  // last act; for earlier dates, acts made later (extensions) are counted as if already made.
  // Errors: kValidationFailed (field "yellow_share" code "range"); calendar_year_missing.
  Result<ClockStatus> Status(std::chrono::year_month_day today, const WorkingCalendar& calendar,
                             WarningPolicy policy = {}) const;

  // The dates yellow and red begin, given the acts so far (see WarningDates). With no later act,
  // Status() is kYellow on yellow_on and kNormal the day before; kRed on red_on and not the day
  // before. Errors: as Status.
  Result<WarningDates> Warnings(const WorkingCalendar& calendar, WarningPolicy policy = {}) const;

  Timestamp accepted_at() const { return accepted_at_; }
  std::chrono::year_month_day accepted_on() const { return accepted_on_; }
  int promised_limit_days() const { return promised_limit_days_; }
  int extension_days() const { return extension_days_; }
  int limit_days() const { return promised_limit_days_ + extension_days_; }
  std::chrono::year_month_day due() const { return due_; }
  bool suspended() const { return !suspensions_.empty() && !suspensions_.back().until.has_value(); }
  // Every suspension, oldest first; the last is open while suspended().
  const std::vector<Suspension>& suspensions() const { return suspensions_; }
  // Every act on the clock, oldest first; the first is the kStart entry.
  const std::vector<DueChange>& history() const { return history_; }

  // JSON text for storage: {"version":1,"accepted_at_us":...,"accepted_on":"2024-03-01",
  // "promised_limit_days":..,"extension_days":..,"due":"...","suspensions":[...],"history":[...]}.
  // Timestamps are integer microseconds since the Unix epoch (exact round trip); dates YYYY-MM-DD.
  std::string ToJson() const;

  // Reads ToJson() output. Errors: kInternal reason "corrupt_case_clock" for anything that is
  // not a well-formed, self-consistent clock (stored data is ours; damage is a bug).
  static Result<CaseClock> FromJson(std::string_view json_text);

  bool operator==(const CaseClock&) const = default;

 private:
  CaseClock() = default;
  Result<void> CheckAt(Timestamp at) const;
  bool OverdueOn(std::chrono::year_month_day date) const;
  // Working days charged in (accepted_on, date]; see Status().
  Result<int> UsedOn(std::chrono::year_month_day date, const WorkingCalendar& calendar) const;

  Timestamp accepted_at_;
  std::chrono::year_month_day accepted_on_;
  int promised_limit_days_ = 0;
  int extension_days_ = 0;
  std::chrono::year_month_day due_;
  std::vector<Suspension> suspensions_;
  std::vector<DueChange> history_;
};

}  // namespace wangban
