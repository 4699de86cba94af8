#include "wangban/http/metrics.hpp"

#include <gtest/gtest.h>

namespace wangban::http {
namespace {

TEST(MetricsTest, CountsAndHistogramsByRouteAndStatus) {
  Metrics m;
  auto* s = m.ForRoute("GET", "/api/v1/cases/{id}");
  EXPECT_EQ(s, m.ForRoute("GET", "/api/v1/cases/{id}"));
  s->Observe(200, std::chrono::microseconds(300));   // 0.0003 s: every bucket
  s->Observe(200, std::chrono::milliseconds(30));    // 0.03 s: from le=0.05
  s->Observe(404, std::chrono::milliseconds(2));
  m.AddCollector([](std::string& out) { out += "wangban_jobs_done_total 7\n"; });
  const std::string text = m.Render();
  const std::string labels = R"(method="GET",route="/api/v1/cases/{id}",status="200")";
  EXPECT_NE(text.find("wangban_http_requests_total{" + labels + "} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("wangban_http_request_duration_seconds_bucket{" + labels + ",le=\"0.0005\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("wangban_http_request_duration_seconds_bucket{" + labels + ",le=\"0.05\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("wangban_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("wangban_http_request_duration_seconds_count{" + labels + "} 2\n"), std::string::npos);
  EXPECT_NE(text.find(R"(status="404"} 1)"), std::string::npos);
  EXPECT_NE(text.find("wangban_jobs_done_total 7\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE wangban_http_request_duration_seconds histogram"), std::string::npos);
}

}  // namespace
}  // namespace wangban::http
