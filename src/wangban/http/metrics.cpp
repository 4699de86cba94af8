// Prometheus text exposition.
#include "wangban/http/metrics.hpp"

#include <cstdio>

#include "wangban/common/version.hpp"

namespace wangban::http {
namespace {

std::string Escape(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

const std::array<double, Metrics::kBuckets>& Metrics::BucketBounds() {
  static const std::array<double, kBuckets> bounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return bounds;
}

void Metrics::RouteSeries::Observe(int status, std::chrono::nanoseconds latency) {
  const double seconds = std::chrono::duration<double>(latency).count();
  const auto& bounds = BucketBounds();
  std::lock_guard lock(mutex_);
  PerStatus& s = by_status_[status];
  ++s.count;
  s.sum_seconds += seconds;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    if (seconds <= bounds[i]) ++s.buckets[i];  // cumulative buckets
  }
}

Metrics::Metrics() : started_(std::chrono::steady_clock::now()) {}

Metrics::RouteSeries* Metrics::ForRoute(std::string_view method, std::string_view route) {
  std::lock_guard lock(mutex_);
  auto key = std::make_pair(std::string(method), std::string(route));
  auto& slot = series_[key];
  if (!slot) {
    slot = std::make_unique<RouteSeries>();
    slot->method_ = key.first;
    slot->route_ = key.second;
  }
  return slot.get();
}

void Metrics::AddCollector(std::function<void(std::string& out)> collector) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collector));
}

std::string Metrics::Render() const {
  std::string out;
  out.reserve(16384);
  out += "# HELP wangban_build_info Build information.\n# TYPE wangban_build_info gauge\n";
  out += "wangban_build_info{version=\"" + Escape(Version()) + "\",commit=\"" + Escape(GitCommit()) + "\"} 1\n";
  out += "# HELP wangban_uptime_seconds Seconds since the process started serving.\n";
  out += "# TYPE wangban_uptime_seconds gauge\n";
  out += "wangban_uptime_seconds " +
         Num(std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count()) + "\n";
  out += "# HELP wangban_http_in_flight_requests Requests received and not yet answered.\n";
  out += "# TYPE wangban_http_in_flight_requests gauge\n";
  out += "wangban_http_in_flight_requests " + std::to_string(in_flight_.load()) + "\n";
  out += "# HELP wangban_http_overload_rejections_total Requests refused because the worker queue was full.\n";
  out += "# TYPE wangban_http_overload_rejections_total counter\n";
  out += "wangban_http_overload_rejections_total " + std::to_string(rejected_overload_.load()) + "\n";

  std::string counts =
      "# HELP wangban_http_requests_total HTTP requests by method, route template and status.\n"
      "# TYPE wangban_http_requests_total counter\n";
  std::string histos =
      "# HELP wangban_http_request_duration_seconds Time from request received to response handed to the connection.\n"
      "# TYPE wangban_http_request_duration_seconds histogram\n";
  std::vector<std::function<void(std::string&)>> collectors;
  {
    std::lock_guard lock(mutex_);
    collectors = collectors_;
    const auto& bounds = BucketBounds();
    for (const auto& [key, series] : series_) {
      std::lock_guard series_lock(series->mutex_);
      for (const auto& [status, s] : series->by_status_) {
        const std::string labels = "method=\"" + Escape(series->method_) + "\",route=\"" +
                                   Escape(series->route_) + "\",status=\"" + std::to_string(status) + "\"";
        counts += "wangban_http_requests_total{" + labels + "} " + std::to_string(s.count) + "\n";
        for (std::size_t i = 0; i < kBuckets; ++i) {
          histos += "wangban_http_request_duration_seconds_bucket{" + labels + ",le=\"" + Num(bounds[i]) +
                    "\"} " + std::to_string(s.buckets[i]) + "\n";
        }
        histos += "wangban_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " +
                  std::to_string(s.count) + "\n";
        histos += "wangban_http_request_duration_seconds_sum{" + labels + "} " + Num(s.sum_seconds) + "\n";
        histos += "wangban_http_request_duration_seconds_count{" + labels + "} " + std::to_string(s.count) + "\n";
      }
    }
  }
  out += counts;
  out += histos;
  for (const auto& c : collectors) c(out);
  return out;
}

}  // namespace wangban::http
