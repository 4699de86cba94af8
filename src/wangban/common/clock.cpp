// Clocks and RFC 3339 conversion.
#include "wangban/common/clock.hpp"

#include <charconv>
#include <cstdio>

namespace wangban {

Timestamp SystemClock::Now() const {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

const SystemClock& SystemClock::Instance() {
  static const SystemClock clock;
  return clock;
}

FakeClock::FakeClock(Timestamp start) : now_(start) {}

Timestamp FakeClock::Now() const {
  std::lock_guard lock(mutex_);
  return now_;
}

void FakeClock::Set(Timestamp now) {
  std::lock_guard lock(mutex_);
  now_ = now;
}

void FakeClock::Advance(std::chrono::microseconds by) {
  std::lock_guard lock(mutex_);
  now_ += by;
}

std::int64_t ToMicros(Timestamp t) { return t.time_since_epoch().count(); }

Timestamp FromMicros(std::int64_t micros) { return Timestamp(std::chrono::microseconds(micros)); }

std::string FormatRfc3339(Timestamp t, std::chrono::minutes utc_offset) {
  using namespace std::chrono;
  const auto local = t + utc_offset;
  const auto day = floor<days>(local);
  const year_month_day ymd{day};
  const hh_mm_ss hms{floor<milliseconds>(local - day)};
  char buf[64];
  const long off = utc_offset.count();
  const char sign = off < 0 ? '-' : '+';
  const long abs_off = off < 0 ? -off : off;
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld.%03ld%c%02ld:%02ld",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<long>(hms.hours().count()),
                static_cast<long>(hms.minutes().count()), static_cast<long>(hms.seconds().count()),
                static_cast<long>(hms.subseconds().count()), sign, abs_off / 60, abs_off % 60);
  return buf;
}

namespace {

bool ParseFixed(std::string_view text, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > text.size()) return false;
  for (std::size_t i = pos; i < pos + len; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  auto [ptr, ec] = std::from_chars(text.data() + pos, text.data() + pos + len, out);
  return ec == std::errc() && ptr == text.data() + pos + len;
}

}  // namespace

std::optional<Timestamp> ParseRfc3339(std::string_view text) {
  using namespace std::chrono;
  int y, mo, d, h, mi, s;
  if (!ParseFixed(text, 0, 4, y) || text.size() < 20 || text[4] != '-' ||
      !ParseFixed(text, 5, 2, mo) || text[7] != '-' || !ParseFixed(text, 8, 2, d) ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !ParseFixed(text, 11, 2, h) ||
      text[13] != ':' || !ParseFixed(text, 14, 2, mi) || text[16] != ':' ||
      !ParseFixed(text, 17, 2, s)) {
    return std::nullopt;
  }
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::size_t pos = 19;
  microseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::int64_t scale = 100000;
    const std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction += microseconds((text[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  if (pos >= text.size()) return std::nullopt;
  minutes offset{0};
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    int oh, om;
    if (!ParseFixed(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !ParseFixed(text, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = hours(oh) + minutes(om);
    if (text[pos] == '-') offset = -offset;
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  const auto local = sys_days{ymd} + hours(h) + minutes(mi) + seconds(s) + fraction;
  return time_point_cast<microseconds>(local - offset);
}

}  // namespace wangban
