// A real Slurm cluster as a compute backend, driven by its command-line
// clients: sbatch to submit, squeue to follow, sacct --completion (the job
// completion records of JobCompType) to meter, scancel to cancel.
//
// An order becomes one batch job of `nodes` nodes with `gpus_per_node` GPUs
// each (GRES gpu), running a placeholder that holds the allocation for the
// reserved time divided by the time scale: the platform sells the
// allocation; what the enterprise runs in it is its own.
//
// Thread-safe (each call runs its own processes).
#ifndef QIANTANG_COMPUTE_MARKET_SLURM_H_
#define QIANTANG_COMPUTE_MARKET_SLURM_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace qt::compute::market {

struct SlurmJob {
  enum class Phase { kQueued, kRunning, kCompleted, kFailed };
  Phase phase = Phase::kQueued;
  std::string state;  // Slurm's, e.g. "COMPLETED", "CANCELLED"
  int64_t start_ms = 0;
  int64_t end_ms = 0;  // when finished
};

class SlurmClient {
 public:
  // `slurm_conf`: the slurm.conf the clients use ("" for Slurm's default).
  explicit SlurmClient(std::string slurm_conf);

  // Returns the job id.
  Result<std::string> Submit(const std::string& name, int nodes, int gpus_per_node, int64_t run_ms,
                             int64_t time_limit_ms);
  // not_found if Slurm no longer knows the job.
  Result<SlurmJob> Query(const std::string& job_id);
  Status Cancel(const std::string& job_id);

 private:
  Result<std::string> Run(const std::vector<std::string>& argv);
  std::vector<std::string> env_;
};

}  // namespace qt::compute::market

#endif  // QIANTANG_COMPUTE_MARKET_SLURM_H_
