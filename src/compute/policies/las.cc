// las: discretised two-dimensional least attained service, after Tiresias
// (Gu et al., NSDI 2019). A job's attained service is cards x time run; the
// thresholds of SchedulerOptions::las_thresholds_card_s split jobs into
// queues (queue 0: least service). Queues are served in order, FIFO by
// submit time inside one; a waiting job may preempt running jobs of lower
// queues (lowest queue and latest start first). No estimates are used.
// Starved jobs (SchedulerOptions::starvation_limit_ms) come before queue 0.
#include <algorithm>
#include <tuple>

#include "compute/policy.h"

namespace qt::compute {
namespace {

// Preemptible running jobs bucketed by queue level, collected once per pass
// (and again after a preemption); a bucket is sorted, latest start first,
// only when a job actually needs its members.
struct Victims {
  bool fresh = false;
  std::vector<std::vector<int>> by_level;
  std::vector<char> sorted;
  std::vector<std::vector<int64_t>> cards;  // [level][pool]

  int64_t max_level() const { return static_cast<int64_t>(by_level.size()) - 1; }

  void Collect(const Scheduler& s) {
    by_level.clear();
    cards.clear();
    for (const RunningJob& run : s.running_jobs()) {
      if (!s.Preemptible(run)) continue;
      size_t level = static_cast<size_t>(Level(s.AttainedCardMs(run), s));
      if (by_level.size() <= level) {
        by_level.resize(level + 1);
        cards.resize(level + 1, std::vector<int64_t>(s.cluster().pools().size(), 0));
      }
      by_level[level].push_back(run.job);
      cards[level][static_cast<size_t>(run.pool)] += run.cards;
    }
    sorted.assign(by_level.size(), 0);
    fresh = true;
  }

  // Whether free cards plus those of jobs below `level` reach the job's size in one pool.
  bool CouldMakeRoom(const Scheduler& s, const Job& job, int64_t level) const {
    for (size_t p = 0; p < s.cluster().pools().size(); ++p) {
      if (!((job.pool_mask >> p) & 1)) continue;
      int64_t room = s.allocator().FreeCards(uint64_t{1} << p);
      for (size_t l = static_cast<size_t>(level + 1); l < by_level.size(); ++l) room += cards[l][p];
      if (room >= job.spec.cards) return true;
    }
    return false;
  }

  // Candidates for `job`, lowest queue first, latest start first.
  std::vector<int> Below(const Scheduler& s, const Job& job, int64_t level) {
    std::vector<int> out;
    for (int64_t l = max_level(); l > level; --l) {
      auto& bucket = by_level[static_cast<size_t>(l)];
      if (!sorted[static_cast<size_t>(l)]) {
        std::sort(bucket.begin(), bucket.end(), [&](int a, int b) {
          return std::tie(s.job(b).last_start_ms, b) < std::tie(s.job(a).last_start_ms, a);
        });
        sorted[static_cast<size_t>(l)] = 1;
      }
      for (int v : bucket) {
        if ((job.pool_mask >> s.job(v).alloc.pool) & 1) out.push_back(v);
      }
    }
    return out;
  }

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

class LasPolicy final : public Policy {
 public:
  std::string_view name() const override { return "las"; }

  std::array<int64_t, 3> Key(const Job& job, const Scheduler& s) const override {
    return {Victims::Level(s.AttainedCardMs(job), s), job.spec.submit_ms, 0};
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
    Victims victims;
    FitMemo memo;
    for (const QueueEntry& e : s.queue()) {
      Job& job = s.mutable_job(e.job);
      if (job.state != JobState::kPending || memo.KnownNotToFit(job)) continue;
      if (s.TryStart(job)) continue;
      int64_t level = e.key[0] == 0 ? -1 : e.key[1];
      if (!victims.fresh) victims.Collect(s);
      if (victims.max_level() <= level) {
        // No running job ranks below this one or any later one.
        if (s.allocator().free_cards() == 0) return;
        memo.RecordFailure(job);
        continue;
      }
      if (!victims.CouldMakeRoom(s, job, level)) {
        if (job.starved) return;
        memo.RecordFailure(job);
        continue;
      }
      if (s.StartByPreempting(job, victims.Below(s, job, level))) {
        victims.fresh = false;
        memo = FitMemo();  // cards may have been freed
        continue;
      }
      if (job.starved) return;
      memo.RecordFailure(job);
    }
  }
};

}  // namespace

std::unique_ptr<Policy> NewLasPolicy() { return std::make_unique<LasPolicy>(); }

}  // namespace qt::compute
