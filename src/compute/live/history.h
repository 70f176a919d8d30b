// Utilisation and fragmentation of live clusters over time (Jobs::History):
// every kHistoryIntervalMs of wall time, while a server runs a cluster's
// engine, one sample per pool of what its cards are doing, stored in
// `live_history` and kept for kHistoryRetentionMs.
//
// A sample is taken at the first scheduling tick (Jobs::Advance) at or after
// an interval boundary and is stamped with the boundary; it shows the engine
// as of that tick. A cluster is sampled from the moment a server loads its run
// (its first job, or its first view, after the server starts), idle or not.
// While no server runs a cluster nothing is sampled: after a restart the run
// is replayed, but the samples of the gap are not made again, and the history
// shows no points there (a gap, not zeros).
//
// The figures are cluster-wide aggregates: no tenant, no job id.
#ifndef QIANTANG_COMPUTE_LIVE_HISTORY_H_
#define QIANTANG_COMPUTE_LIVE_HISTORY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qt::compute::live {

// One sample per pool a minute: 1,440 rows per pool a day.
constexpr int64_t kHistoryIntervalMs = 60'000;
// 31 days: a month's charts beside the monthly usage, at about 45,000 rows
// per pool; older samples are deleted as new ones are written.
constexpr int64_t kHistoryRetentionMs = int64_t{31} * 24 * 3'600'000;
// The most points one query returns (a chart is not wider than this).
constexpr int64_t kMaxHistoryPoints = 1'000;
// Points a query returns when it gives no step.
constexpr int64_t kDefaultHistoryPoints = 240;

// One pool over one step: the means of its samples in the step. Cards (cores,
// for a CPU kind) are `busy` running jobs, `down` on nodes out of service,
// or free; `fragmented` of the free ones the head of the cluster's queue may
// run on but cannot use (scheduler.h, FragmentedCards: as `qiantang sim`
// reports it). `pending` counts the queued jobs whose chips allow the pool
// (a job that several pools allow counts in each).
struct PoolHistory {
  std::string pool;
  int64_t cards = 0;
  double busy = 0, free = 0, down = 0, fragmented = 0, pending = 0;
};

// One step [at, at + step) that holds samples.
struct HistoryPoint {
  int64_t at = 0;       // wall ms
  int64_t samples = 0;  // per pool
  std::vector<PoolHistory> pools;
};

struct HistoryQuery {
  std::string cluster_id;
  // Wall ms, [from, to). `to` defaults to now, `from` to a day before `to`;
  // `step_ms` to what gives kDefaultHistoryPoints steps, rounded up to a
  // whole number of intervals.
  std::optional<int64_t> from, to, step_ms;
};

struct ClusterHistory {
  int64_t from = 0, to = 0, step_ms = 0;
  int64_t interval_ms = kHistoryIntervalMs;
  std::vector<HistoryPoint> points;  // oldest first; steps without samples are left out
};

}  // namespace qt::compute::live

#endif  // QIANTANG_COMPUTE_LIVE_HISTORY_H_
