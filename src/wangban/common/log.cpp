// spdlog-backed JSON line logger.
#include "wangban/common/log.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "wangban/common/clock.hpp"

namespace wangban::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

std::shared_ptr<spdlog::logger> MakeDefault() {
  auto logger = spdlog::stdout_logger_mt("wangban-sync");
  logger->set_pattern("%v");
  logger->flush_on(spdlog::level::trace);
  return logger;
}

std::shared_ptr<spdlog::logger>& Logger() {
  static std::shared_ptr<spdlog::logger> logger = MakeDefault();
  return logger;
}

std::string Format(Level level, std::string_view event, std::initializer_list<Field> fields, bool with_ts) {
  nlohmann::ordered_json j;
  if (with_ts) j["ts"] = FormatRfc3339(SystemClock::Instance().Now());
  j["level"] = LevelName(level);
  j["event"] = event;
  for (const Field& f : fields) {
    std::visit([&](const auto& v) { j[std::string(f.key)] = v; }, f.value);
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void Init(const Options& options) {
  g_level = static_cast<int>(options.level);
  if (options.async) {
    spdlog::init_thread_pool(16384, 1);
    auto sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
    auto logger = std::make_shared<spdlog::async_logger>("wangban", sink, spdlog::thread_pool(),
                                                         spdlog::async_overflow_policy::block);
    logger->set_pattern("%v");
    logger->flush_on(spdlog::level::info);
    Logger() = logger;
  }
}

void Flush() { Logger()->flush(); }

void Write(Level level, std::string_view event, std::initializer_list<Field> fields) {
  if (static_cast<int>(level) < g_level.load(std::memory_order_relaxed)) return;
  Logger()->info(Format(level, event, fields, true));
}

std::string FormatForTest(Level level, std::string_view event, std::initializer_list<Field> fields) {
  return Format(level, event, fields, false);
}

}  // namespace wangban::log
