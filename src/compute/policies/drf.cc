// drf: dominant resource fairness across tenants (Ghodsi et al., NSDI 2011)
// with guaranteed shares and borrowing. Resources are the cards of each chip
// kind, CPU cores and memory; a tenant's dominant share is its largest
// fraction of any of them. The tenant with the lowest dominant share per
// unit of weight starts its next job (FIFO within a tenant, skipping jobs
// that do not fit); idle capacity is lent to anyone. A tenant below its
// guaranteed share (weight over the active tenants' weights) whose job does
// not fit preempts jobs of tenants above theirs, the most over-served
// tenant's latest-started jobs first.
#include <algorithm>
#include <queue>

#include "compute/policy.h"

namespace qt::compute {
namespace {

class DrfPolicy final : public Policy {
 public:
  std::string_view name() const override { return "drf"; }
  std::array<int64_t, 3> Key(const Job& job, const Scheduler&) const override {
    return {-job.spec.priority, job.spec.submit_ms, 0};
  }

  void Schedule(Scheduler& s) override {
    struct Turn {
      bool starved_head;
      double weighted_share;
      int tenant;
      bool operator>(const Turn& o) const {
        if (starved_head != o.starved_head) return !starved_head;
        if (weighted_share != o.weighted_share) return weighted_share > o.weighted_share;
        return tenant > o.tenant;
      }
    };
    std::priority_queue<Turn, std::vector<Turn>, std::greater<>> turns;
    std::vector<Queue::const_iterator> cursor(s.tenant_count());
    auto push = [&](int t) {
      const Queue& q = s.tenant_queue(t);
      auto& it = cursor[static_cast<size_t>(t)];
      while (it != q.end() && s.job(it->job).state != JobState::kPending) ++it;
      if (it == q.end()) return;
      turns.push({it->key[0] == 0, s.DominantShare(t) / s.TenantWeight(t), t});
    };
    for (size_t t = 0; t < s.tenant_count(); ++t) {
      cursor[t] = s.tenant_queue(static_cast<int>(t)).begin();
      push(static_cast<int>(t));
    }
    FitMemo memo;
    while (!turns.empty()) {
      int t = turns.top().tenant;
      turns.pop();
      bool under = s.DominantShare(t) < s.GuaranteedShare(t);
      if (s.allocator().free_cards() == 0 && !under) continue;
      const Queue& q = s.tenant_queue(t);
      for (auto& it = cursor[static_cast<size_t>(t)]; it != q.end(); ++it) {
        Job& job = s.mutable_job(it->job);
        if (job.state != JobState::kPending || memo.KnownNotToFit(job)) continue;
        if (s.TryStart(job) || (under && Reclaim(s, job))) {
          ++it;
          push(t);
          break;
        }
        if (job.starved) return;  // drain for it
        if (under) {
          under = false;  // one reclaim attempt per turn
        } else {
          memo.RecordFailure(job);
        }
      }
    }
  }

 private:
  // Preempts borrowed cards from tenants above their guaranteed share.
  static bool Reclaim(Scheduler& s, Job& job) {
    std::vector<std::pair<double, int>> victims;  // (-over-share, job)
    std::vector<double> over(s.tenant_count());
    for (size_t t = 0; t < over.size(); ++t) {
      over[t] = s.DominantShare(static_cast<int>(t)) - s.GuaranteedShare(static_cast<int>(t));
    }
    for (const RunningJob& run : s.running_jobs()) {
      if (run.tenant == job.tenant || !s.Preemptible(run)) continue;
      if (!((job.pool_mask >> run.pool) & 1)) continue;
      if (over[static_cast<size_t>(run.tenant)] > 0) {
        victims.emplace_back(-over[static_cast<size_t>(run.tenant)], run.job);
      }
    }
    if (victims.empty()) return false;
    std::sort(victims.begin(), victims.end(), [&](const auto& a, const auto& b) {
      if (a.first != b.first) return a.first < b.first;
      return s.job(a.second).last_start_ms > s.job(b.second).last_start_ms;
    });
    std::vector<int> order;
    for (const auto& v : victims) order.push_back(v.second);
    return s.StartByPreempting(job, order);
  }
};

}  // namespace

std::unique_ptr<Policy> NewDrfPolicy() { return std::make_unique<DrfPolicy>(); }

}  // namespace qt::compute
