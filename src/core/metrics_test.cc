#include "core/metrics.h"

#include <gtest/gtest.h>

namespace qt {
namespace {

TEST(MetricsRegistry, RendersCountersAndCumulativeHistogramBuckets) {
  MetricsRegistry m;
  m.GetCounter("requests_total", "Requests", {{"route", "/a"}}).Increment(3);
  Histogram& h = m.GetHistogram("latency_seconds", "Latency", {{"route", "/a"}});
  h.Observe(0.0002);
  h.Observe(0.003);
  h.Observe(20);
  std::string text = m.RenderPrometheus();
  EXPECT_NE(text.find("# TYPE requests_total counter"), std::string::npos);
  EXPECT_NE(text.find("requests_total{route=\"/a\"} 3"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_bucket{route=\"/a\",le=\"0.00025\"} 1"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_bucket{route=\"/a\",le=\"0.005\"} 2"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_count{route=\"/a\"} 3"), std::string::npos);
}

TEST(MetricsRegistry, SameNameAndLabelsIsTheSameMetric) {
  MetricsRegistry m;
  Counter& a = m.GetCounter("c", "C", {{"k", "v"}});
  Counter& b = m.GetCounter("c", "C", {{"k", "v"}});
  EXPECT_EQ(&a, &b);
}

}  // namespace
}  // namespace qt
