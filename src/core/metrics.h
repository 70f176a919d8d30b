// Metrics: counters and latency histograms, rendered as Prometheus text.
//
// A metric is identified by its name and a label set. Creation takes a lock;
// recording is lock-free (atomics), so handlers may record on every request.
//
// Thread-safety: safe for concurrent use. Returned references stay valid for
// the registry's lifetime.
//
// Example:
//   Histogram& h = metrics.GetHistogram("qiantang_http_request_seconds",
//                                       "HTTP request latency", {{"route", "/healthz"}});
//   h.Observe(0.0012);
//   std::string text = metrics.RenderPrometheus();
#ifndef QIANTANG_CORE_METRICS_H_
#define QIANTANG_CORE_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace qt {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Increment(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// Latency histogram in seconds with fixed buckets from 100us to 10s.
class Histogram {
 public:
  static constexpr std::array<double, 14> kBounds = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 10.0};
  void Observe(double seconds);
  // Cumulative count of observations <= kBounds[i]; i == kBounds.size() is +Inf.
  uint64_t CumulativeCount(size_t i) const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

class MetricsRegistry {
 public:
  Counter& GetCounter(const std::string& name, const std::string& help, const Labels& labels);
  Histogram& GetHistogram(const std::string& name, const std::string& help, const Labels& labels);
  std::string RenderPrometheus() const;

 private:
  struct Family {
    std::string help;
    bool is_histogram = false;
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Histogram>> histograms;
  };
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

}  // namespace qt

#endif  // QIANTANG_CORE_METRICS_H_
