#include "compute/predictor.h"

#include <algorithm>

namespace qt::compute {
namespace {
constexpr size_t kTenantHistory = 32;
constexpr size_t kGlobalHistory = 256;
}  // namespace

void DurationPredictor::Ring::Add(int64_t v, size_t cap) {
  if (values.size() < cap) {
    values.push_back(v);
  } else {
    values[next] = v;
    next = (next + 1) % cap;
  }
}

int64_t DurationPredictor::Ring::Median() const {
  std::vector<int64_t> copy = values;
  auto mid = copy.begin() + static_cast<long>(copy.size() / 2);
  std::nth_element(copy.begin(), mid, copy.end());
  return *mid;
}

int64_t DurationPredictor::Estimate(const JobSpec& job) const {
  if (job.estimate_ms > 0) return job.estimate_ms;
  auto it = by_tenant_.find(job.tenant);
  if (it != by_tenant_.end() && !it->second.values.empty()) return it->second.Median();
  if (!all_.values.empty()) return all_.Median();
  return kDefaultMs;
}

void DurationPredictor::Observe(const JobSpec& job, int64_t run_ms) {
  by_tenant_[job.tenant].Add(run_ms, kTenantHistory);
  all_.Add(run_ms, kGlobalHistory);
}

}  // namespace qt::compute
