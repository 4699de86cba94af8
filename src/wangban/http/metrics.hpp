// Prometheus metrics: requests and latency histograms by route, method and status, plus
// collectors that other modules register (jobs, database pool).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace wangban::http {

class Metrics {
 public:
  static constexpr std::size_t kBuckets = 14;
  // Upper bounds in seconds of the latency histogram buckets (plus +Inf).
  static const std::array<double, kBuckets>& BucketBounds();

  // Series for one route and method; returned pointers stay valid for the Metrics' life.
  class RouteSeries {
   public:
    void Observe(int status, std::chrono::nanoseconds latency);

   private:
    friend class Metrics;
    struct PerStatus {
      std::uint64_t count = 0;
      double sum_seconds = 0;
      std::array<std::uint64_t, kBuckets> buckets{};
    };
    std::string method_;
    std::string route_;
    std::mutex mutex_;
    std::map<int, PerStatus> by_status_;  // GUARDED_BY(mutex_)
  };

  Metrics();
  RouteSeries* ForRoute(std::string_view method, std::string_view route);

  // Appends Prometheus text lines to the output when rendering (e.g. job counters).
  void AddCollector(std::function<void(std::string& out)> collector);

  std::atomic<std::int64_t>& in_flight() { return in_flight_; }
  std::atomic<std::uint64_t>& rejected_overload() { return rejected_overload_; }

  // The whole exposition, text format 0.0.4.
  std::string Render() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<RouteSeries>> series_;  // GUARDED_BY(mutex_)
  std::vector<std::function<void(std::string&)>> collectors_;                          // GUARDED_BY(mutex_)
  std::atomic<std::int64_t> in_flight_{0};
  std::atomic<std::uint64_t> rejected_overload_{0};
  std::chrono::steady_clock::time_point started_;
};

}  // namespace wangban::http
