// Structured logs: one JSON object per line on stdout, {"ts","level","event",...fields}.
// Personal data (ID numbers, phone numbers, passwords, tokens) must never be passed as fields.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace wangban::log {

enum class Level { kDebug, kInfo, kWarn, kError };

struct Field {
  using Value = std::variant<std::string_view, std::int64_t, double, bool>;
  std::string_view key;
  Value value;

  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, std::int64_t v) : key(k), value(v) {}
  Field(std::string_view k, int v) : key(k), value(static_cast<std::int64_t>(v)) {}
  Field(std::string_view k, unsigned v) : key(k), value(static_cast<std::int64_t>(v)) {}
  Field(std::string_view k, std::size_t v) : key(k), value(static_cast<std::int64_t>(v)) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
};

struct Options {
  Level level = Level::kInfo;
  // Log through a background thread so that request threads never wait on the terminal.
  bool async = true;
};

// Configures the process-wide logger. Call once at start; logging before Init goes to stdout
// synchronously.
void Init(const Options& options);
// Flushes pending lines (call before exit).
void Flush();

void Write(Level level, std::string_view event, std::initializer_list<Field> fields);
inline void Debug(std::string_view event, std::initializer_list<Field> fields = {}) {
  Write(Level::kDebug, event, fields);
}
inline void Info(std::string_view event, std::initializer_list<Field> fields = {}) {
  Write(Level::kInfo, event, fields);
}
inline void Warn(std::string_view event, std::initializer_list<Field> fields = {}) {
  Write(Level::kWarn, event, fields);
}
inline void Error(std::string_view event, std::initializer_list<Field> fields = {}) {
  Write(Level::kError, event, fields);
}

// The JSON line Write would emit, without the timestamp (for tests).
std::string FormatForTest(Level level, std::string_view event, std::initializer_list<Field> fields);

}  // namespace wangban::log
