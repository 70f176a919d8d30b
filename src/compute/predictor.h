// Run-time estimates for policies that need them (sjf, backfill), learned
// from history: never from a job's true duration, which a real scheduler
// cannot know.
//
// Rule: a job's own estimate when given (like Slurm's --time); else the
// median run time of its tenant's last 32 completed jobs; else the median of
// the last 256 completed jobs of any tenant; else one hour.
// Not thread-safe.
#ifndef QIANTANG_COMPUTE_PREDICTOR_H_
#define QIANTANG_COMPUTE_PREDICTOR_H_

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "compute/job.h"

namespace qt::compute {

class DurationPredictor {
 public:
  static constexpr int64_t kDefaultMs = 3'600'000;

  int64_t Estimate(const JobSpec& job) const;
  // Records that `job` ran for run_ms in total.
  void Observe(const JobSpec& job, int64_t run_ms);

 private:
  struct Ring {
    std::vector<int64_t> values;
    size_t next = 0;
    void Add(int64_t v, size_t cap);
    int64_t Median() const;
  };
  std::unordered_map<std::string, Ring> by_tenant_;
  Ring all_;
};

}  // namespace qt::compute

#endif  // QIANTANG_COMPUTE_PREDICTOR_H_
