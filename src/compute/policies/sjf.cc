// sjf: shortest estimated job first; jobs that do not fit are skipped, except
// a starved job, for which the cluster drains.
#include "compute/policy.h"

namespace qt::compute {
namespace {

class SjfPolicy final : public Policy {
 public:
  std::string_view name() const override { return "sjf"; }
  std::array<int64_t, 3> Key(const Job& job, const Scheduler&) const override {
    return {-job.spec.priority, job.estimate_ms, job.spec.submit_ms};
  }
  void Schedule(Scheduler& s) override {
    FitMemo memo;
    for (const QueueEntry& e : s.queue()) {
      if (s.allocator().free_cards() == 0) return;
      Job& job = s.mutable_job(e.job);
      if (job.state != JobState::kPending || memo.KnownNotToFit(job)) continue;
      if (s.TryStart(job)) continue;
      if (job.starved) return;
      memo.RecordFailure(job);
    }
  }
};

}  // namespace

std::unique_ptr<Policy> NewSjfPolicy() { return std::make_unique<SjfPolicy>(); }

}  // namespace qt::compute
