// fifo: first come, first served; the head of the queue blocks the rest
// (unless its tenant's quota holds it).
#include "compute/policy.h"

namespace qt::compute {
namespace {

class FifoPolicy final : public Policy {
 public:
  std::string_view name() const override { return "fifo"; }
  std::array<int64_t, 3> Key(const Job& job, const Scheduler&) const override {
    return {-job.spec.priority, job.spec.submit_ms, 0};
  }
  void Schedule(Scheduler& s) override {
    for (const QueueEntry& e : s.queue()) {
      Job& job = s.mutable_job(e.job);
      if (job.state != JobState::kPending) continue;
      if (!s.TryStart(job) && !s.HeldByQuota(job)) return;
    }
  }
};

}  // namespace

std::unique_ptr<Policy> NewFifoPolicy() { return std::make_unique<FifoPolicy>(); }

}  // namespace qt::compute
