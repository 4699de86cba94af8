// Time for the whole program comes from a Clock, so that tests run deadlines, timers and
// expiries on a FakeClock without sleeping.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace wangban {

// A point in time with microsecond precision; stored in databases as microseconds since the
// Unix epoch (UTC).
using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

class Clock {
 public:
  virtual ~Clock() = default;
  // The current time. Thread-safe.
  virtual Timestamp Now() const = 0;
};

// The operating system's real-time clock.
class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
  // One shared instance, for code paths with no clock injected (the CLI).
  static const SystemClock& Instance();
};

// A clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Timestamp start);
  Timestamp Now() const override;
  void Set(Timestamp now);
  void Advance(std::chrono::microseconds by);

 private:
  mutable std::mutex mutex_;
  Timestamp now_;  // GUARDED_BY(mutex_)
};

// Microseconds since the Unix epoch, the form timestamps take in the database.
std::int64_t ToMicros(Timestamp t);
Timestamp FromMicros(std::int64_t micros);

// RFC 3339 with milliseconds and the given UTC offset, e.g. "2026-11-21T09:30:00.000+08:00".
// The platform's default offset is +08:00 (China Standard Time, no daylight saving).
std::string FormatRfc3339(Timestamp t, std::chrono::minutes utc_offset = std::chrono::hours(8));

// Parses RFC 3339 ("2026-11-21T09:30:00Z", "...+08:00", optional fraction). Nullopt if invalid.
std::optional<Timestamp> ParseRfc3339(std::string_view text);

}  // namespace wangban
