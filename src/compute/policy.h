// Scheduling policies: each orders the pending queue and decides, at every
// scheduling point, which jobs to start or preempt through the Scheduler's
// policy-facing calls. One small file per policy under policies/.
//
//   fifo      strict first-come first-served (priority, then submit time);
//             the head blocks everyone behind it.
//   backfill  FIFO with EASY backfill, as Slurm's sched/backfill: the head
//             gets a reservation at the earliest time enough cards free up
//             (by estimates); later jobs start now if they end before it or
//             use only cards the head will not need.
//   sjf       shortest estimated job first, skipping jobs that do not fit.
//   las       Tiresias-style discretised two-dimensional least attained
//             service (cards x time): queues by thresholds, FIFO inside a
//             queue, preemption of lower queues; needs no estimates.
//   drf       dominant resource fairness across tenants with guaranteed
//             shares (weights) and borrowing; tenants under their share
//             reclaim cards from tenants over theirs by preemption.
#ifndef QIANTANG_COMPUTE_POLICY_H_
#define QIANTANG_COMPUTE_POLICY_H_

#include <array>
#include <memory>
#include <string_view>
#include <vector>

#include "compute/scheduler.h"
#include "core/status.h"

namespace qt::compute {

// Thread-compatible: a policy belongs to the scheduler that calls it.
class Policy {
 public:
  virtual ~Policy() = default;
  virtual std::string_view name() const = 0;
  // Queue order of a pending job (smaller first); the scheduler puts starved
  // jobs before all others. Called when the job enters the queue.
  virtual std::array<int64_t, 3> Key(const Job& job, const Scheduler& s) const = 0;
  // Starts (and preempts) jobs at s.now().
  virtual void Schedule(Scheduler& s) = 0;
  // When a running job's priority next changes (las), or kNever.
  virtual int64_t NextPriorityChange(const Job&, const Scheduler&) const { return kNever; }
};

// The policy names accepted on the command line, in a stable order.
const std::vector<std::string_view>& PolicyNames();
// invalid_argument naming the known policies when `name` is not one.
Result<std::unique_ptr<Policy>> MakePolicy(std::string_view name);

// Policies (policies/*.cc).
std::unique_ptr<Policy> NewFifoPolicy();
std::unique_ptr<Policy> NewBackfillPolicy();
std::unique_ptr<Policy> NewSjfPolicy();
std::unique_ptr<Policy> NewLasPolicy();
std::unique_ptr<Policy> NewDrfPolicy();

// Shared by policies: tracks, within one pass, the smallest card count that
// failed to fit for each pool mask, so later jobs at least as large are
// skipped without trying (placement is monotone in the card count).
class FitMemo {
 public:
  bool KnownNotToFit(const Job& job) const;
  void RecordFailure(const Job& job);

 private:
  std::vector<std::pair<uint64_t, int>> smallest_failed_;
};

}  // namespace qt::compute

#endif  // QIANTANG_COMPUTE_POLICY_H_
