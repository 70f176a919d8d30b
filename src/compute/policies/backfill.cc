// backfill: FIFO with EASY backfill (Lifka 1995; Slurm's sched/backfill).
// The first job that does not fit gets a reservation at its shadow time: the
// earliest time, by the running jobs' estimated ends, at which one of its
// pools has enough free cards. A later job may start now if it fits and
// either ends (by its estimate) before the shadow time, or runs outside the
// reserved pool, or takes only the extra cards the head will not need.
// Reservations count cards per pool, not nodes: the head is guaranteed its
// pool's card count, and placement is feasible whenever the count is.
// Like Slurm's bf_max_job_test (default 500), at most kMaxJobTest jobs
// behind the head are considered per pass. A job its tenant's quota holds
// is passed over, never the head.
#include <algorithm>

#include "compute/policy.h"

namespace qt::compute {
namespace {

struct Reservation {
  int pool = -1;
  int64_t shadow_ms = kNever;
  int64_t extra_cards = 0;
};

Reservation Reserve(const Scheduler& s, const Job& head) {
  Reservation best;
  const Allocator& alloc = s.allocator();
  for (size_t p = 0; p < s.cluster().pools().size(); ++p) {
    if (!((head.pool_mask >> p) & 1)) continue;
    const Pool& pool = s.cluster().pools()[p];
    if (pool.cards() < head.spec.cards) continue;
    std::vector<std::pair<int64_t, int>> ends;
    for (int r : s.running()) {
      const Job& job = s.job(r);
      if (job.alloc.pool == static_cast<int>(p))
        ends.emplace_back(s.EstimatedEnd(job), job.alloc.cards());
    }
    std::sort(ends.begin(), ends.end());
    int64_t free = alloc.FreeCards(uint64_t{1} << p);
    for (const auto& [at, cards] : ends) {
      if (free >= head.spec.cards) break;
      free += cards;
      if (free >= head.spec.cards && at < best.shadow_ms) {
        best = {static_cast<int>(p), at, free - head.spec.cards};
      }
    }
  }
  return best;
}

constexpr int kMaxJobTest = 500;

class BackfillPolicy final : public Policy {
 public:
  std::string_view name() const override { return "backfill"; }
  std::array<int64_t, 3> Key(const Job& job, const Scheduler&) const override {
    return {-job.spec.priority, job.spec.submit_ms, 0};
  }
  void Schedule(Scheduler& s) override {
    auto it = s.queue().begin();
    for (; it != s.queue().end(); ++it) {
      Job& job = s.mutable_job(it->job);
      if (job.state != JobState::kPending) continue;
      if (!s.TryStart(job) && !s.HeldByQuota(job)) break;
    }
    if (it == s.queue().end()) return;
    const Job& head = s.job(it->job);
    Reservation rsv;
    uint64_t outside = 0;
    bool reserved = false;  // computed when the first candidate fits
    FitMemo memo;
    int tested = 0;
    for (++it; it != s.queue().end() && tested < kMaxJobTest; ++it) {
      if (s.allocator().free_cards() == 0) return;
      Job& job = s.mutable_job(it->job);
      if (job.state != JobState::kPending) continue;
      ++tested;
      if (memo.KnownNotToFit(job)) continue;
      if (!s.allocator().CanPlace(job.spec.elastic ? 1 : job.spec.cards, job.pool_mask)) {
        memo.RecordFailure(job);
        continue;
      }
      if (!reserved) {
        rsv = Reserve(s, head);
        outside = rsv.pool < 0 ? ~uint64_t{0} : ~(uint64_t{1} << rsv.pool);
        reserved = true;
      }
      int64_t end = s.now() + std::max<int64_t>(job.estimate_ms - job.executed_ms, 0);
      if (end <= rsv.shadow_ms) {
        s.TryStart(job);
        continue;
      }
      if ((job.pool_mask & outside) != 0 && s.TryStart(job, outside)) continue;
      if (!job.spec.elastic && job.spec.cards <= rsv.extra_cards && s.TryStart(job)) {
        rsv.extra_cards -= job.spec.cards;
      }
    }
  }
};

}  // namespace

std::unique_ptr<Policy> NewBackfillPolicy() { return std::make_unique<BackfillPolicy>(); }

}  // namespace qt::compute
