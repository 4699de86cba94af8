// The working-day calendar: holiday-cn documents, China dates, working-day arithmetic.
#include "wangban/common/calendar.hpp"

#include "wangban/common/internal/embedded_holidays.hpp"

#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

namespace wangban {

using std::chrono::day;
using std::chrono::days;
using std::chrono::month;
using std::chrono::sys_days;
using std::chrono::weekday;
using std::chrono::year;
using std::chrono::year_month_day;

namespace {

// Years a document may name. Wide enough for any real use, narrow enough that date arithmetic
// never leaves the range std::chrono and FormatIsoDate handle.
constexpr int kMinYear = 2000;
constexpr int kMaxYear = 2199;

// From this day of December on, a date may belong to the next year's New Year holiday.
constexpr unsigned kFirstSpillDayOfDecember = 28;

bool IsWeekend(sys_days d) {
  const weekday wd{d};
  return wd == std::chrono::Saturday || wd == std::chrono::Sunday;
}

bool AllDigits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return !text.empty();
}

int ToInt(std::string_view digits) {
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

Error CalendarYearMissing(year missing, year_month_day needed_for) {
  return Error::Unavailable("the working-day calendar for " + std::to_string(static_cast<int>(missing)) +
                                " is not loaded (needed for " + FormatIsoDate(needed_for) +
                                "); an administrator must load that year's holiday notice",
                            "calendar_year_missing");
}

Error BadDate() { return Error::Validation({{"date", "format", "not a valid calendar date"}}); }

}  // namespace

year_month_day ChinaDate(Timestamp t) { return year_month_day{std::chrono::floor<days>(t + std::chrono::hours(8))}; }

Timestamp ChinaStartOfDay(year_month_day date) { return Timestamp(sys_days{date} - std::chrono::hours(8)); }

std::optional<year_month_day> ParseIsoDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const std::string_view y = text.substr(0, 4), m = text.substr(5, 2), d = text.substr(8, 2);
  if (!AllDigits(y) || !AllDigits(m) || !AllDigits(d)) return std::nullopt;
  const year_month_day date{year{ToInt(y)}, month{static_cast<unsigned>(ToInt(m))},
                            day{static_cast<unsigned>(ToInt(d))}};
  if (!date.ok()) return std::nullopt;
  return date;
}

std::string FormatIsoDate(year_month_day date) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()));
  return buf;
}

Result<HolidayYear> ParseHolidayYear(std::string_view json_text) {
  using nlohmann::json;
  const json doc = json::parse(json_text.begin(), json_text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Fail(Error::BadRequest("the holiday calendar is not valid JSON", "malformed_json"));
  if (!doc.is_object()) {
    return Fail(Error::BadRequest("the holiday calendar must be a JSON object", "malformed_json"));
  }

  FieldErrors errors;
  HolidayYear out;

  std::optional<int> doc_year;
  if (auto it = doc.find("year"); it == doc.end()) {
    errors.Add("year", "required", "the year is required");
  } else if (!it->is_number_integer()) {
    errors.Add("year", "type", "the year must be an integer");
  } else {
    // An unsigned value above INT64_MAX would wrap when read as signed: it is out of range anyway.
    const bool huge = it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxYear);
    const std::int64_t value = huge ? std::int64_t{kMaxYear} + 1 : it->get<std::int64_t>();
    if (value < kMinYear || value > kMaxYear) {
      errors.Add("year", "range", "the year must be between 2000 and 2199");
    } else {
      doc_year = static_cast<int>(value);
      out.year = year{*doc_year};
    }
  }

  if (auto it = doc.find("papers"); it == doc.end()) {
    errors.Add("papers", "required", "the addresses of the State Council notices are required (may be empty)");
  } else if (!it->is_array()) {
    errors.Add("papers", "type", "papers must be an array of strings");
  } else {
    for (std::size_t i = 0; i < it->size(); ++i) {
      const json& paper = (*it)[i];
      if (!paper.is_string()) {
        errors.Add("papers[" + std::to_string(i) + "]", "type", "must be a string");
      } else {
        out.papers.push_back(paper.get<std::string>());
      }
    }
  }

  if (auto it = doc.find("days"); it == doc.end()) {
    errors.Add("days", "required", "the list of days is required (empty for an unpublished year)");
  } else if (!it->is_array()) {
    errors.Add("days", "type", "days must be an array");
  } else {
    std::set<int> seen;  // days since the epoch
    for (std::size_t i = 0; i < it->size(); ++i) {
      const json& entry = (*it)[i];
      const std::string path = "days[" + std::to_string(i) + "]";
      if (!entry.is_object()) {
        errors.Add(path, "type", "each day must be an object");
        continue;
      }
      HolidayDay parsed;
      bool ok = true;

      if (auto name = entry.find("name"); name == entry.end()) {
        errors.Add(path + ".name", "required", "the holiday's name is required");
        ok = false;
      } else if (!name->is_string()) {
        errors.Add(path + ".name", "type", "the name must be a string");
        ok = false;
      } else if (name->get_ref<const std::string&>().empty()) {
        errors.Add(path + ".name", "required", "the holiday's name is required");
        ok = false;
      } else {
        parsed.name = name->get<std::string>();
      }

      if (auto date = entry.find("date"); date == entry.end()) {
        errors.Add(path + ".date", "required", "the date is required");
        ok = false;
      } else if (!date->is_string()) {
        errors.Add(path + ".date", "type", "the date must be a string");
        ok = false;
      } else if (auto d = ParseIsoDate(date->get_ref<const std::string&>()); !d) {
        errors.Add(path + ".date", "format", "the date must be a real date written YYYY-MM-DD");
        ok = false;
      } else {
        parsed.date = *d;
        if (doc_year) {
          const bool same_year = static_cast<int>(d->year()) == *doc_year;
          const bool previous_december =
              static_cast<int>(d->year()) == *doc_year - 1 && d->month() == std::chrono::December;
          if (!same_year && !previous_december) {
            errors.Add(path + ".date", "out_of_year",
                       "the date must be in the document's year (or in December of the year before)");
            ok = false;
          }
        }
        const int key = static_cast<int>(sys_days{*d}.time_since_epoch().count());
        if (!seen.insert(key).second) {
          errors.Add(path + ".date", "duplicate", "the date is listed more than once");
          ok = false;
        }
      }

      if (auto off = entry.find("isOffDay"); off == entry.end()) {
        errors.Add(path + ".isOffDay", "required", "isOffDay is required");
        ok = false;
      } else if (!off->is_boolean()) {
        errors.Add(path + ".isOffDay", "type", "isOffDay must be true or false");
        ok = false;
      } else {
        parsed.off_day = off->get<bool>();
      }

      if (ok) out.days.push_back(std::move(parsed));
    }
  }

  if (auto done = errors.Finish(); !done) return Fail(std::move(done.error()));
  return out;
}

// An immutable view of every loaded notice. Replaced as a whole by LoadYear.
struct WorkingCalendar::Snapshot {
  struct Entry {
    bool off_day = false;
    std::string name;
  };

  std::map<int, HolidayYear> years;        // published notices by year
  std::unordered_map<int, Entry> entries;  // by days since the epoch, merged from `years`

  void Reindex() {
    entries.clear();
    // Ascending years, so a later notice overwrites an earlier one on a shared date.
    for (const auto& [y, doc] : years) {
      for (const HolidayDay& d : doc.days) {
        entries[static_cast<int>(sys_days{d.date}.time_since_epoch().count())] = Entry{d.off_day, d.name};
      }
    }
  }

  bool Knows(year y) const { return years.contains(static_cast<int>(y)); }

  // The year whose missing notice makes `date` uncovered, or nullopt when it is covered.
  std::optional<year> MissingFor(year_month_day date) const {
    if (!Knows(date.year())) return date.year();
    if (date.month() == std::chrono::December && date.day() >= day{kFirstSpillDayOfDecember} &&
        !Knows(date.year() + std::chrono::years{1})) {
      return date.year() + std::chrono::years{1};
    }
    return std::nullopt;
  }

  const Entry* Find(sys_days d) const {
    auto it = entries.find(static_cast<int>(d.time_since_epoch().count()));
    return it == entries.end() ? nullptr : &it->second;
  }

  bool IsWorking(sys_days d) const {
    if (const Entry* e = Find(d)) return !e->off_day;
    return !IsWeekend(d);
  }
};

WorkingCalendar::WorkingCalendar() : snapshot_(std::make_shared<const Snapshot>()) {}
WorkingCalendar::~WorkingCalendar() = default;

std::shared_ptr<const WorkingCalendar::Snapshot> WorkingCalendar::Current() const {
  std::shared_lock lock(mutex_);
  return snapshot_;
}

Result<void> WorkingCalendar::LoadYear(std::string_view json_text) {
  auto parsed = ParseHolidayYear(json_text);
  if (!parsed) return Fail(std::move(parsed.error()));
  if (!parsed->Published()) return {};  // a placeholder: see the header

  std::unique_lock lock(mutex_);
  auto next = std::make_shared<Snapshot>(*snapshot_);
  const int y = static_cast<int>(parsed->year);
  next->years.insert_or_assign(y, std::move(*parsed));
  next->Reindex();
  snapshot_ = std::move(next);
  return {};
}

bool WorkingCalendar::Knows(year y) const { return Current()->Knows(y); }

std::vector<year> WorkingCalendar::KnownYears() const {
  std::vector<year> out;
  for (const auto& [y, doc] : Current()->years) out.push_back(year{y});
  return out;
}

bool WorkingCalendar::Covers(year_month_day date) const { return !Current()->MissingFor(date).has_value(); }

bool WorkingCalendar::IsWorkingDay(year_month_day date) const { return Current()->IsWorking(sys_days{date}); }

DayInfo WorkingCalendar::Describe(year_month_day date) const {
  const auto snap = Current();
  const sys_days d{date};
  DayInfo info;
  info.covered = !snap->MissingFor(date).has_value();
  if (const Snapshot::Entry* e = snap->Find(d)) {
    info.name = e->name;
    info.working = !e->off_day;
    // A make-up entry on a weekday (2020-02-03 marks the end of the extended 2020 Spring
    // Festival) changes nothing: it is an ordinary workday.
    if (e->off_day) {
      info.kind = DayKind::kHoliday;
    } else if (IsWeekend(d)) {
      info.kind = DayKind::kMakeupWorkday;
    } else {
      info.kind = DayKind::kWorkday;
      info.name.clear();
    }
    return info;
  }
  info.working = !IsWeekend(d);
  info.kind = info.working ? DayKind::kWorkday : DayKind::kWeekend;
  return info;
}

Result<year_month_day> WorkingCalendar::AddWorkingDays(year_month_day start, int n) const {
  if (n < 0) return Fail(Error::Validation({{"days", "negative", "the number of working days must not be negative"}}));
  if (!start.ok()) return Fail(BadDate());
  if (n == 0) return start;

  const auto snap = Current();
  sys_days d{start};
  int counted = 0;
  while (counted < n) {
    d += days{1};
    const year_month_day ymd{d};
    if (auto missing = snap->MissingFor(ymd)) return Fail(CalendarYearMissing(*missing, ymd));
    if (snap->IsWorking(d)) ++counted;
  }
  return year_month_day{d};
}

Result<int> WorkingCalendar::CountWorkingDays(year_month_day from, year_month_day to) const {
  if (!from.ok() || !to.ok()) return Fail(BadDate());
  const sys_days a{from}, b{to};
  if (b < a) {
    auto reversed = CountWorkingDays(to, from);
    if (!reversed) return reversed;
    return -*reversed;
  }
  const auto snap = Current();
  int count = 0;
  for (sys_days d = a + days{1}; d <= b; d += days{1}) {
    const year_month_day ymd{d};
    if (auto missing = snap->MissingFor(ymd)) return Fail(CalendarYearMissing(*missing, ymd));
    if (snap->IsWorking(d)) ++count;
  }
  return count;
}

Result<void> LoadOfficialYears(WorkingCalendar& calendar) {
  for (std::string_view document : internal::EmbeddedHolidayDocuments()) {
    if (auto r = calendar.LoadYear(document); !r) return r;
  }
  return {};
}

}  // namespace wangban
