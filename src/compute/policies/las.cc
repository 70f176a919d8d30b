// las: discretised two-dimensional least attained service, after Tiresias
// (Gu et al., NSDI 2019). A job's attained service is cards x time run; the
// thresholds of SchedulerOptions::las_thresholds_card_s split jobs into
// queues (queue 0: least service). Queues are served in order, FIFO by
// submit time inside one; a waiting job may preempt running jobs of lower
// queues (lowest queue and latest start first). No estimates are used.
// Starved jobs (SchedulerOptions::starvation_limit_ms) come before queue 0.
#include <algorithm>

#include "compute/policy.h"

namespace qt::compute {
namespace {

class LasPolicy final : public Policy {
 public:
  std::string_view name() const override { return "las"; }

  std::array<int64_t, 3> Key(const Job& job, const Scheduler& s) const override {
    return {Level(s.AttainedCardMs(job), s), job.spec.submit_ms, 0};
  }

  int64_t NextPriorityChange(const Job& job, const Scheduler& s) const override {
    int64_t attained = s.AttainedCardMs(job);
    int cards = job.alloc.cards();
    for (int64_t t : s.options().las_thresholds_card_s) {
      int64_t threshold = t * 1000;
      if (attained < threshold) return s.now() + (threshold - attained + cards - 1) / cards;
    }
    return kNever;
  }

  void Schedule(Scheduler& s) override {
    std::vector<std::pair<int64_t, int>> victims;  // (level, job), lowest priority first
    bool victims_stale = true;
    FitMemo memo;
    for (const QueueEntry& e : s.queue()) {
      Job& job = s.mutable_job(e.job);
      if (job.state != JobState::kPending || memo.KnownNotToFit(job)) continue;
      if (s.TryStart(job)) continue;
      int64_t level = e.key[0] == 0 ? -1 : e.key[1];
      if (victims_stale) {
        victims.clear();
        for (int r : s.running()) {
          const Job& run = s.job(r);
          if (s.Preemptible(run)) victims.emplace_back(Level(s.AttainedCardMs(run), s), r);
        }
        std::sort(victims.begin(), victims.end(), [&](const auto& a, const auto& b) {
          if (a.first != b.first) return a.first > b.first;
          return s.job(a.second).last_start_ms > s.job(b.second).last_start_ms;
        });
        victims_stale = false;
      }
      if (victims.empty() || victims.front().first <= level) {
        // No running job ranks below this one or any later one.
        if (s.allocator().free_cards() == 0) return;
        memo.RecordFailure(job);
        continue;
      }
      std::vector<int> chosen;
      for (const auto& [v_level, v] : victims) {
        if (v_level <= level) break;
        if ((job.pool_mask >> s.job(v).alloc.pool) & 1) chosen.push_back(v);
      }
      if (s.StartByPreempting(job, chosen)) {
        victims_stale = true;
        memo = FitMemo();  // cards may have been freed
        continue;
      }
      if (job.starved) return;
      memo.RecordFailure(job);
    }
  }

 private:
  static int64_t Level(int64_t attained_card_ms, const Scheduler& s) {
    const auto& thresholds = s.options().las_thresholds_card_s;
    int64_t level = 0;
    while (level < static_cast<int64_t>(thresholds.size()) &&
           attained_card_ms >= thresholds[static_cast<size_t>(level)] * 1000) {
      ++level;
    }
    return level;
  }
};

}  // namespace

std::unique_ptr<Policy> NewLasPolicy() { return std::make_unique<LasPolicy>(); }

}  // namespace qt::compute
