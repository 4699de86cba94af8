// The legal clock of a case: arithmetic on the working-day calendar, and its storage form.
#include "wangban/common/case_clock.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

#include <nlohmann/json.hpp>

namespace wangban {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

namespace {

bool Blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

Result<void> CheckPolicy(const WarningPolicy& policy) {
  // Written so that NaN fails too.
  if (!(policy.yellow_share > 0.0 && policy.yellow_share <= 1.0)) {
    return Fail(Error::Validation({{"yellow_share", "range", "the yellow share must be above 0 and at most 1"}}));
  }
  return {};
}

// The number of used working days at which a clock of `limit` days turns yellow: the least k with
// k / limit >= share, at least 1. The epsilon keeps 0.8 * 10 (7.999999...) from becoming 9.
int YellowThreshold(int limit, double share) {
  const int k = static_cast<int>(std::ceil(share * limit - 1e-9));
  return std::clamp(k, 1, std::max(limit, 1));
}

year_month_day NextDay(year_month_day d) { return year_month_day{sys_days{d} + days{1}}; }

}  // namespace

std::string_view SuspensionKindName(SuspensionKind kind) {
  switch (kind) {
    case SuspensionKind::kHearing:
      return "hearing";
    case SuspensionKind::kInspection:
      return "inspection";
    case SuspensionKind::kExpertReview:
      return "expert_review";
    case SuspensionKind::kSupplement:
      return "supplement";
    case SuspensionKind::kOther:
      return "other";
  }
  return "other";
}

std::optional<SuspensionKind> ParseSuspensionKind(std::string_view name) {
  for (SuspensionKind kind : {SuspensionKind::kHearing, SuspensionKind::kInspection, SuspensionKind::kExpertReview,
                              SuspensionKind::kSupplement, SuspensionKind::kOther}) {
    if (SuspensionKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

std::string_view DueChangeKindName(DueChangeKind kind) {
  switch (kind) {
    case DueChangeKind::kStart:
      return "start";
    case DueChangeKind::kSuspend:
      return "suspend";
    case DueChangeKind::kResume:
      return "resume";
    case DueChangeKind::kExtend:
      return "extend";
  }
  return "start";
}

std::optional<DueChangeKind> ParseDueChangeKind(std::string_view name) {
  for (DueChangeKind kind :
       {DueChangeKind::kStart, DueChangeKind::kSuspend, DueChangeKind::kResume, DueChangeKind::kExtend}) {
    if (DueChangeKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

std::string_view ClockStateName(ClockState state) {
  switch (state) {
    case ClockState::kNormal:
      return "normal";
    case ClockState::kYellow:
      return "yellow";
    case ClockState::kRed:
      return "red";
    case ClockState::kSuspended:
      return "suspended";
  }
  return "normal";
}

Result<CaseClock> CaseClock::Start(Timestamp accepted_at, int promised_limit_days, std::string_view actor,
                                   const WorkingCalendar& calendar) {
  FieldErrors errors;
  if (promised_limit_days < 0) {
    errors.Add("promised_limit_days", "negative", "the promised limit must not be negative");
  }
  if (Blank(actor)) errors.Add("actor", "required", "the acting user is required");
  if (auto done = errors.Finish(); !done) return Fail(std::move(done.error()));

  CaseClock clock;
  clock.accepted_at_ = accepted_at;
  clock.accepted_on_ = ChinaDate(accepted_at);
  clock.promised_limit_days_ = promised_limit_days;
  auto due = calendar.AddWorkingDays(clock.accepted_on_, promised_limit_days);
  if (!due) return Fail(std::move(due.error()));
  clock.due_ = *due;
  clock.history_.push_back(DueChange{.at = accepted_at,
                                     .kind = DueChangeKind::kStart,
                                     .old_due = std::nullopt,
                                     .new_due = *due,
                                     .days = promised_limit_days,
                                     .reason = "accepted",
                                     .note = {},
                                     .actor = std::string(actor)});
  return clock;
}

Result<void> CaseClock::CheckAt(Timestamp at) const {
  if (!history_.empty() && at < history_.back().at) {
    return Fail(Error::Validation({{"at", "before_previous_event", "the act is dated before the clock's last act"}}));
  }
  return {};
}

bool CaseClock::OverdueOn(year_month_day date) const { return !suspended() && sys_days{date} > sys_days{due_}; }

Result<void> CaseClock::Suspend(Timestamp at, SuspensionKind kind, std::string_view actor, std::string_view note) {
  FieldErrors errors;
  if (Blank(actor)) errors.Add("actor", "required", "the acting user is required");
  if (kind == SuspensionKind::kOther && Blank(note)) {
    errors.Add("note", "required", "a suspension of kind \"other\" needs a note saying which procedure");
  }
  if (auto done = errors.Finish(); !done) return Fail(std::move(done.error()));
  if (auto ok = CheckAt(at); !ok) return ok;
  if (suspended()) return Fail(Error::Conflict("the case clock is already suspended", "already_suspended"));
  const year_month_day on = ChinaDate(at);
  if (OverdueOn(on)) {
    return Fail(Error::Conflict("the case is overdue (due " + FormatIsoDate(due_) + "); it can no longer be suspended",
                                "overdue"));
  }

  suspensions_.push_back(Suspension{.kind = kind,
                                    .since = on,
                                    .until = std::nullopt,
                                    .suspended_at = at,
                                    .resumed_at = std::nullopt,
                                    .suspended_by = std::string(actor),
                                    .resumed_by = {},
                                    .note = std::string(note),
                                    .credited_days = 0});
  history_.push_back(DueChange{.at = at,
                               .kind = DueChangeKind::kSuspend,
                               .old_due = due_,
                               .new_due = due_,
                               .days = 0,
                               .reason = std::string(SuspensionKindName(kind)),
                               .note = std::string(note),
                               .actor = std::string(actor)});
  return {};
}

Result<void> CaseClock::Resume(Timestamp at, std::string_view actor, const WorkingCalendar& calendar) {
  if (Blank(actor)) return Fail(Error::Validation({{"actor", "required", "the acting user is required"}}));
  if (auto ok = CheckAt(at); !ok) return ok;
  if (!suspended()) return Fail(Error::Conflict("the case clock is not suspended", "not_suspended"));

  Suspension& open = suspensions_.back();
  const year_month_day on = ChinaDate(at);
  // Compute everything before changing anything, so that a calendar error leaves the clock as it was.
  auto credited = calendar.CountWorkingDays(open.since, on);
  if (!credited) return Fail(std::move(credited.error()));
  auto new_due = calendar.AddWorkingDays(due_, *credited);
  if (!new_due) return Fail(std::move(new_due.error()));

  open.until = on;
  open.resumed_at = at;
  open.resumed_by = std::string(actor);
  open.credited_days = *credited;
  history_.push_back(DueChange{.at = at,
                               .kind = DueChangeKind::kResume,
                               .old_due = due_,
                               .new_due = *new_due,
                               .days = *credited,
                               .reason = std::string(SuspensionKindName(open.kind)),
                               .note = {},
                               .actor = std::string(actor)});
  due_ = *new_due;
  return {};
}

Result<void> CaseClock::Extend(Timestamp at, int days_granted, std::string_view reason, std::string_view actor,
                               const WorkingCalendar& calendar) {
  FieldErrors errors;
  if (days_granted < 1) errors.Add("days", "not_positive", "an extension is at least one working day");
  if (Blank(reason)) errors.Add("reason", "required", "an extension needs a reason");
  if (Blank(actor)) errors.Add("actor", "required", "the acting user is required");
  if (auto done = errors.Finish(); !done) return Fail(std::move(done.error()));
  if (auto ok = CheckAt(at); !ok) return ok;
  if (OverdueOn(ChinaDate(at))) {
    return Fail(Error::Conflict("the case is overdue (due " + FormatIsoDate(due_) + "); it can no longer be extended",
                                "overdue"));
  }
  auto new_due = calendar.AddWorkingDays(due_, days_granted);
  if (!new_due) return Fail(std::move(new_due.error()));

  history_.push_back(DueChange{.at = at,
                               .kind = DueChangeKind::kExtend,
                               .old_due = due_,
                               .new_due = *new_due,
                               .days = days_granted,
                               .reason = std::string(reason),
                               .note = {},
                               .actor = std::string(actor)});
  extension_days_ += days_granted;
  due_ = *new_due;
  return {};
}

Result<int> CaseClock::UsedOn(year_month_day date, const WorkingCalendar& calendar) const {
  sys_days end{date};
  // Nothing is charged after the open suspension began.
  if (suspended()) end = std::min(end, sys_days{suspensions_.back().since});
  if (end <= sys_days{accepted_on_}) return 0;

  auto total = calendar.CountWorkingDays(accepted_on_, year_month_day{end});
  if (!total) return total;
  int used = *total;
  for (const Suspension& s : suspensions_) {
    if (!s.until || sys_days{s.since} >= end) continue;  // the open one, or one not begun by `end`
    const sys_days stop = std::min(sys_days{*s.until}, end);
    auto skipped = calendar.CountWorkingDays(s.since, year_month_day{stop});
    if (!skipped) return skipped;
    used -= *skipped;
  }
  return used;
}

Result<ClockStatus> CaseClock::Status(year_month_day today, const WorkingCalendar& calendar,
                                      WarningPolicy policy) const {
  if (auto ok = CheckPolicy(policy); !ok) return Fail(std::move(ok.error()));
  if (sys_days{today} < sys_days{accepted_on_}) today = accepted_on_;
  auto used = UsedOn(today, calendar);
  if (!used) return Fail(std::move(used.error()));

  ClockStatus status;
  status.due = due_;
  status.limit_days = limit_days();
  status.used_days = *used;
  status.remaining_days = status.limit_days - status.used_days;
  if (suspended()) {
    status.state = ClockState::kSuspended;
  } else if (OverdueOn(today)) {
    status.state = ClockState::kRed;
  } else if (status.limit_days > 0 && status.used_days >= YellowThreshold(status.limit_days, policy.yellow_share)) {
    status.state = ClockState::kYellow;
  } else {
    status.state = ClockState::kNormal;
  }
  if (status.limit_days > 0) {
    status.share_used = static_cast<double>(status.used_days) / status.limit_days;
  } else {
    status.share_used = status.state == ClockState::kRed ? 1.0 : 0.0;
  }
  return status;
}

Result<WarningDates> CaseClock::Warnings(const WorkingCalendar& calendar, WarningPolicy policy) const {
  if (auto ok = CheckPolicy(policy); !ok) return Fail(std::move(ok.error()));
  WarningDates out;
  if (suspended()) return out;
  out.red_on = NextDay(due_);
  const int limit = limit_days();
  if (limit == 0) return out;

  // Walk the charged stretches between suspensions until the threshold's day is reached.
  int need = YellowThreshold(limit, policy.yellow_share);
  year_month_day from = accepted_on_;
  for (const Suspension& s : suspensions_) {
    auto available = calendar.CountWorkingDays(from, s.since);
    if (!available) return Fail(std::move(available.error()));
    if (*available >= need) break;
    need -= *available;
    from = *s.until;  // every suspension is closed here
  }
  auto yellow = calendar.AddWorkingDays(from, need);
  if (!yellow) return Fail(std::move(yellow.error()));
  out.yellow_on = *yellow;
  return out;
}

// --- Storage form ---------------------------------------------------------------------------

namespace {

using nlohmann::json;

Error Corrupt(std::string what) {
  return Error{.code = ErrorCode::kInternal,
               .message = "stored case clock is corrupt: " + std::move(what),
               .reason = "corrupt_case_clock"};
}

json DateJson(const std::optional<year_month_day>& d) { return d ? json(FormatIsoDate(*d)) : json(nullptr); }

json TimestampJson(const std::optional<Timestamp>& t) { return t ? json(ToMicros(*t)) : json(nullptr); }

// Readers for FromJson: each returns nullopt (and names the member in `problem`) when the member
// is missing or of the wrong type. Optional members accept null.
class Reader {
 public:
  explicit Reader(std::string& problem) : problem_(problem) {}

  const json* Member(const json& obj, const char* key) {
    auto it = obj.find(key);
    if (it == obj.end()) {
      Note(key);
      return nullptr;
    }
    return &*it;
  }
  std::optional<std::int64_t> Int(const json& obj, const char* key) {
    const json* v = Member(obj, key);
    if (!v) return std::nullopt;
    if (!v->is_number_integer() || (v->is_number_unsigned() && v->get<std::uint64_t>() > INT64_MAX)) {
      return Note(key);
    }
    return v->get<std::int64_t>();
  }
  std::optional<int> SmallInt(const json& obj, const char* key) {
    auto v = Int(obj, key);
    if (!v) return std::nullopt;
    if (*v < 0 || *v > 1'000'000) return Note(key);
    return static_cast<int>(*v);
  }
  std::optional<std::string> String(const json& obj, const char* key) {
    const json* v = Member(obj, key);
    if (!v) return std::nullopt;
    if (!v->is_string()) return Note(key);
    return v->get<std::string>();
  }
  std::optional<year_month_day> Date(const json& obj, const char* key) {
    auto s = String(obj, key);
    if (!s) return std::nullopt;
    auto d = ParseIsoDate(*s);
    if (!d) return Note(key);
    return d;
  }
  // Present and null: an engaged optional holding nullopt.
  std::optional<std::optional<year_month_day>> OptDate(const json& obj, const char* key) {
    const json* v = Member(obj, key);
    if (!v) return std::nullopt;
    if (v->is_null()) return std::optional<year_month_day>{};
    return Date(obj, key).transform([](year_month_day d) { return std::optional<year_month_day>(d); });
  }
  std::optional<Timestamp> Time(const json& obj, const char* key) {
    return Int(obj, key).transform([](std::int64_t us) { return FromMicros(us); });
  }
  std::optional<std::optional<Timestamp>> OptTime(const json& obj, const char* key) {
    const json* v = Member(obj, key);
    if (!v) return std::nullopt;
    if (v->is_null()) return std::optional<Timestamp>{};
    return Time(obj, key).transform([](Timestamp t) { return std::optional<Timestamp>(t); });
  }

 private:
  std::nullopt_t Note(const char* key) {
    if (problem_.empty()) problem_ = std::string("member \"") + key + "\" is missing or invalid";
    return std::nullopt;
  }
  std::string& problem_;
};

}  // namespace

std::string CaseClock::ToJson() const {
  json suspensions = json::array();
  for (const Suspension& s : suspensions_) {
    suspensions.push_back({{"kind", SuspensionKindName(s.kind)},
                           {"since", FormatIsoDate(s.since)},
                           {"until", DateJson(s.until)},
                           {"suspended_at_us", ToMicros(s.suspended_at)},
                           {"resumed_at_us", TimestampJson(s.resumed_at)},
                           {"suspended_by", s.suspended_by},
                           {"resumed_by", s.resumed_by},
                           {"note", s.note},
                           {"credited_days", s.credited_days}});
  }
  json history = json::array();
  for (const DueChange& c : history_) {
    history.push_back({{"at_us", ToMicros(c.at)},
                       {"kind", DueChangeKindName(c.kind)},
                       {"old_due", DateJson(c.old_due)},
                       {"new_due", FormatIsoDate(c.new_due)},
                       {"days", c.days},
                       {"reason", c.reason},
                       {"note", c.note},
                       {"actor", c.actor}});
  }
  const json doc = {{"version", 1},
                    {"accepted_at_us", ToMicros(accepted_at_)},
                    {"accepted_on", FormatIsoDate(accepted_on_)},
                    {"promised_limit_days", promised_limit_days_},
                    {"extension_days", extension_days_},
                    {"due", FormatIsoDate(due_)},
                    {"suspensions", std::move(suspensions)},
                    {"history", std::move(history)}};
  return doc.dump();
}

Result<CaseClock> CaseClock::FromJson(std::string_view json_text) {
  const json doc = json::parse(json_text.begin(), json_text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Fail(Corrupt("not a JSON object"));

  std::string problem;
  Reader r(problem);
  if (auto version = r.Int(doc, "version"); version && *version != 1) {
    return Fail(Corrupt("unknown version " + std::to_string(*version)));
  }
  CaseClock clock;
  auto accepted_at = r.Time(doc, "accepted_at_us");
  auto accepted_on = r.Date(doc, "accepted_on");
  auto promised = r.SmallInt(doc, "promised_limit_days");
  auto extension = r.SmallInt(doc, "extension_days");
  auto due = r.Date(doc, "due");
  const json* suspensions = r.Member(doc, "suspensions");
  const json* history = r.Member(doc, "history");
  if (!problem.empty()) return Fail(Corrupt(problem));
  if (!suspensions->is_array() || !history->is_array()) return Fail(Corrupt("suspensions and history must be arrays"));

  clock.accepted_at_ = *accepted_at;
  clock.accepted_on_ = *accepted_on;
  clock.promised_limit_days_ = *promised;
  clock.extension_days_ = *extension;
  clock.due_ = *due;
  if (ChinaDate(clock.accepted_at_) != clock.accepted_on_)
    return Fail(Corrupt("accepted_on does not match accepted_at_us"));

  for (const json& s : *suspensions) {
    if (!s.is_object()) return Fail(Corrupt("a suspension is not an object"));
    auto kind_name = r.String(s, "kind");
    auto since = r.Date(s, "since");
    auto until = r.OptDate(s, "until");
    auto suspended_at = r.Time(s, "suspended_at_us");
    auto resumed_at = r.OptTime(s, "resumed_at_us");
    auto suspended_by = r.String(s, "suspended_by");
    auto resumed_by = r.String(s, "resumed_by");
    auto note = r.String(s, "note");
    auto credited = r.SmallInt(s, "credited_days");
    if (!problem.empty()) return Fail(Corrupt("suspension: " + problem));
    auto kind = ParseSuspensionKind(*kind_name);
    if (!kind) return Fail(Corrupt("unknown suspension kind \"" + *kind_name + "\""));
    if (until->has_value() != resumed_at->has_value())
      return Fail(Corrupt("a suspension's until and resumed_at_us disagree"));
    if (ChinaDate(*suspended_at) != *since || (until->has_value() && ChinaDate(**resumed_at) != **until)) {
      return Fail(Corrupt("a suspension's dates do not match its timestamps"));
    }
    if (!clock.suspensions_.empty() && !clock.suspensions_.back().until) {
      return Fail(Corrupt("only the last suspension may be open"));
    }
    clock.suspensions_.push_back(Suspension{.kind = *kind,
                                            .since = *since,
                                            .until = *until,
                                            .suspended_at = *suspended_at,
                                            .resumed_at = *resumed_at,
                                            .suspended_by = std::move(*suspended_by),
                                            .resumed_by = std::move(*resumed_by),
                                            .note = std::move(*note),
                                            .credited_days = *credited});
  }

  int extension_total = 0;
  for (const json& c : *history) {
    if (!c.is_object()) return Fail(Corrupt("a history entry is not an object"));
    auto at = r.Time(c, "at_us");
    auto kind_name = r.String(c, "kind");
    auto old_due = r.OptDate(c, "old_due");
    auto new_due = r.Date(c, "new_due");
    auto change_days = r.SmallInt(c, "days");
    auto reason = r.String(c, "reason");
    auto note = r.String(c, "note");
    auto actor = r.String(c, "actor");
    if (!problem.empty()) return Fail(Corrupt("history: " + problem));
    auto kind = ParseDueChangeKind(*kind_name);
    if (!kind) return Fail(Corrupt("unknown history kind \"" + *kind_name + "\""));
    if ((*kind == DueChangeKind::kStart) != clock.history_.empty()) {
      return Fail(Corrupt("the history must begin with its only start entry"));
    }
    if (!clock.history_.empty() && *at < clock.history_.back().at) return Fail(Corrupt("the history is out of order"));
    if (*kind == DueChangeKind::kExtend) extension_total += *change_days;
    clock.history_.push_back(DueChange{.at = *at,
                                       .kind = *kind,
                                       .old_due = *old_due,
                                       .new_due = *new_due,
                                       .days = *change_days,
                                       .reason = std::move(*reason),
                                       .note = std::move(*note),
                                       .actor = std::move(*actor)});
  }
  if (clock.history_.empty()) return Fail(Corrupt("the history is empty"));
  if (clock.history_.back().new_due != clock.due_) return Fail(Corrupt("due does not match the history"));
  if (extension_total != clock.extension_days_) return Fail(Corrupt("extension_days does not match the history"));
  return clock;
}

}  // namespace wangban
