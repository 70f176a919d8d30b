// Jobs: the live clusters' utilisation and fragmentation over time
// (history.h): a sample per pool each interval, and the query that averages
// them per step.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <utility>

#include "compute/live/jobs.h"
#include "compute/live/run.h"
#include "store/decode.h"
#include "store/transact.h"

namespace qt::compute::live {
namespace {

using accounts::Principal;
using store::Row;
using store::Rows;
using store::Tx;

constexpr int64_t kDayMs = 24 * 3'600'000;

struct PoolSample {
  int64_t cards = 0, busy = 0, free = 0, down = 0, fragmented = 0, pending = 0;
};

// What each pool of `c` is doing now under `s`.
std::vector<PoolSample> Sample(const Scheduler& s, const Cluster& c) {
  std::vector<PoolSample> out(c.pools().size());
  for (size_t i = 0; i < c.nodes().size(); ++i) {
    if (!s.allocator().down(static_cast<int>(i))) continue;
    const auto pool = static_cast<size_t>(c.nodes()[i].pool);
    out[pool].down += c.pools()[pool].cards_per_node;
  }
  for (const QueueEntry& e : s.queue()) {
    const Job& j = s.job(e.job);
    if (j.state != compute::JobState::kPending) continue;
    for (size_t p = 0; p < out.size(); ++p) {
      if ((j.pool_mask >> p) & 1) ++out[p].pending;
    }
  }
  for (size_t p = 0; p < out.size(); ++p) {
    const uint64_t mask = uint64_t{1} << p;
    out[p].cards = c.pools()[p].cards();
    out[p].free = s.allocator().FreeCards(mask);
    out[p].busy = out[p].cards - out[p].free - out[p].down;
    out[p].fragmented = s.FragmentedCards(mask);
  }
  return out;
}

}  // namespace

Status Jobs::RecordHistory() {
  std::lock_guard lock(mu_);
  const int64_t now = options_.clock->NowMillis();
  const int64_t at = now - now % kHistoryIntervalMs;
  // One cluster's trouble does not stop the others.
  Status first_error;
  for (auto& entry : runs_) {
    const std::string& id = entry.first;
    Run& run = *entry.second;
    if (!run.leader || run.sampled_at >= at) continue;  // the leader samples its clusters
    const std::vector<PoolSample> sample = Sample(run.engine->scheduler(), run.cluster);
    Status written = store_.Write([&](Tx& tx) -> Status {
      for (size_t p = 0; p < sample.size(); ++p) {
        const PoolSample& s = sample[p];
        QT_RETURN_IF_ERROR(
            tx.Exec("INSERT INTO live_history (cluster_id, at, pool, cards, busy, free, down, "
                    "fragmented, pending) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (cluster_id, at, pool) DO NOTHING",
                    {id, at, run.cluster.pools()[p].name, s.cards, s.busy, s.free, s.down,
                     s.fragmented, s.pending})
                .status());
      }
      return tx
          .Exec("DELETE FROM live_history WHERE cluster_id = ? AND at < ?",
                {id, at - kHistoryRetentionMs})
          .status();
    });
    if (written.ok()) {
      run.sampled_at = at;
    } else if (first_error.ok()) {
      first_error = written.WithContext("history of " + id);
    }
  }
  return first_error;
}

Result<ClusterHistory> Jobs::History(const Principal& caller, const HistoryQuery& q) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  ClusterHistory h;
  h.to = q.to.value_or(options_.clock->NowMillis());
  h.from = q.from.value_or(h.to - kDayMs);
  if (h.to <= h.from) return InvalidArgument("to: must be after from");
  const int64_t span = h.to - h.from;
  if (q.step_ms) {
    if (*q.step_ms < kHistoryIntervalMs || *q.step_ms % kHistoryIntervalMs != 0) {
      return InvalidArgument(
          fmt::format("step: must be a whole number of {} s intervals", kHistoryIntervalMs / 1000));
    }
    h.step_ms = *q.step_ms;
    if ((span - 1) / h.step_ms + 1 > kMaxHistoryPoints) {
      return InvalidArgument(
          fmt::format("step: more than {} steps from from to to; make the step longer or the "
                      "range shorter",
                      kMaxHistoryPoints));
    }
  } else {
    const int64_t intervals = (span - 1) / (kDefaultHistoryPoints * kHistoryIntervalMs) + 1;
    h.step_ms = intervals * kHistoryIntervalMs;
  }
  QT_ASSIGN_OR_RETURN(market::ClusterOffer offer, LiveCluster(q.cluster_id));
  QT_ASSIGN_OR_RETURN(Rows rows, store::ReadValue(store_, [&](Tx& tx) {
                        return tx.Query(
                            "SELECT pool, CAST((at - ?) / ? AS BIGINT) AS bucket, COUNT(*) AS n, "
                            "MAX(cards) AS cards, CAST(SUM(busy) AS BIGINT) AS busy, "
                            "CAST(SUM(free) AS BIGINT) AS free, CAST(SUM(down) AS BIGINT) AS down, "
                            "CAST(SUM(fragmented) AS BIGINT) AS fragmented, "
                            "CAST(SUM(pending) AS BIGINT) AS pending FROM live_history "
                            "WHERE cluster_id = ? AND at >= ? AND at < ? GROUP BY pool, bucket",
                            {h.from, h.step_ms, offer.id, h.from, h.to});
                      }));
  // Pools in the cluster's order; a pool no longer in it goes last.
  auto rank = [&](const std::string& pool) {
    for (size_t i = 0; i < offer.pools.size(); ++i) {
      if (offer.pools[i].name == pool) return i;
    }
    return offer.pools.size();
  };
  std::map<int64_t, HistoryPoint> points;  // by step index
  for (const Row& r : rows) {
    QT_RETURN_IF_ERROR(store::Decode<bool>("live_history", r, [&]() -> Result<bool> {
                         const int64_t n = r.Int("n");
                         const auto mean = [&](const char* column) {
                           return static_cast<double>(r.Int(column)) / static_cast<double>(n);
                         };
                         HistoryPoint& point = points[r.Int("bucket")];
                         // Every pool of a step has as many samples unless the
                         // cluster's pools changed within it.
                         point.samples = std::max(point.samples, n);
                         point.pools.push_back({r.Text("pool"), r.Int("cards"), mean("busy"),
                                                mean("free"), mean("down"), mean("fragmented"),
                                                mean("pending")});
                         return true;
                       }).status());
  }
  for (auto& [bucket, point] : points) {
    point.at = h.from + bucket * h.step_ms;
    std::sort(point.pools.begin(), point.pools.end(),
              [&](const PoolHistory& a, const PoolHistory& b) {
                return std::make_pair(rank(a.pool), a.pool) < std::make_pair(rank(b.pool), b.pool);
              });
    h.points.push_back(std::move(point));
  }
  return h;
}

}  // namespace qt::compute::live
