#include "core/metrics.h"

#include <fmt/format.h>

namespace qt {
namespace {

std::string EscapeLabelValue(const std::string& v) {
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

std::string RenderLabels(const Labels& labels, const std::string& extra = {}) {
  std::string out;
  for (const auto& [k, v] : labels) {
    out += out.empty() ? "{" : ",";
    out += fmt::format("{}=\"{}\"", k, EscapeLabelValue(v));
  }
  if (!extra.empty()) out += (out.empty() ? "{" : ",") + extra;
  if (!out.empty()) out += "}";
  return out;
}

}  // namespace

void Histogram::Observe(double seconds) {
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

uint64_t Histogram::CumulativeCount(size_t i) const {
  uint64_t total = 0;
  for (size_t j = 0; j <= i && j < buckets_.size(); ++j) {
    total += buckets_[j].load(std::memory_order_relaxed);
  }
  return total;
}

double Histogram::sum() const {
  return static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6;
}

Counter& MetricsRegistry::GetCounter(const std::string& name, const std::string& help,
                                     const Labels& labels) {
  std::lock_guard lock(mu_);
  Family& f = families_[name];
  f.help = help;
  auto& slot = f.counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Histogram& MetricsRegistry::GetHistogram(const std::string& name, const std::string& help,
                                         const Labels& labels) {
  std::lock_guard lock(mu_);
  Family& f = families_[name];
  f.help = help;
  f.is_histogram = true;
  auto& slot = f.histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>();
  return *slot;
}

std::string MetricsRegistry::RenderPrometheus() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, f.help, name,
                       f.is_histogram ? "histogram" : "counter");
    for (const auto& [labels, c] : f.counters) {
      out += fmt::format("{}{} {}\n", name, RenderLabels(labels), c->value());
    }
    for (const auto& [labels, h] : f.histograms) {
      for (size_t i = 0; i <= Histogram::kBounds.size(); ++i) {
        std::string le = i < Histogram::kBounds.size()
                             ? fmt::format("le=\"{}\"", Histogram::kBounds[i])
                             : std::string("le=\"+Inf\"");
        out +=
            fmt::format("{}_bucket{} {}\n", name, RenderLabels(labels, le), h->CumulativeCount(i));
      }
      out += fmt::format("{}_sum{} {}\n", name, RenderLabels(labels), h->sum());
      out += fmt::format("{}_count{} {}\n", name, RenderLabels(labels), h->count());
    }
  }
  return out;
}

}  // namespace qt
