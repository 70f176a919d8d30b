// Internal to compute/live: one live cluster's run (its topology, its engine,
// the mapping between engine indexes and stored jobs, its quotas) and the
// stored inputs a run is replayed from. Shared by jobs.cc and quotas.cc.
#ifndef QIANTANG_COMPUTE_LIVE_RUN_H_
#define QIANTANG_COMPUTE_LIVE_RUN_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "compute/engine.h"
#include "compute/live/jobs.h"

namespace qt::compute::live {

// One live cluster: its topology, its engine, and the mapping between the
// engine's job indexes and the stored jobs.
struct Jobs::Run {
  // A job's run on its cards, [start, end) in job time: what usage counts.
  struct Segment {
    int job = 0;
    int pool = 0;
    int64_t units = 0;  // cards, or cores of a CPU kind
    int64_t start = 0, end = 0;
  };

  market::ClusterOffer offer;
  Cluster cluster;
  std::unique_ptr<Engine> engine;
  std::vector<std::string> ids;      // by engine index
  std::vector<std::string> tenants;  // by engine index
  std::unordered_map<std::string, int> index;
  std::unordered_map<int, int64_t> ended_at;  // job ms of completion or cancellation
  // The quotas the engine runs under, by (tenant, resource).
  std::map<std::pair<std::string, std::string>, Quota> quotas;
  std::unordered_map<int, Segment> open;  // running jobs' current runs, by engine index
  std::vector<Segment> closed;            // ended runs not yet written
  int64_t next_seq = 1;                   // of the cluster's next input
  std::vector<EngineEvent> events;        // not yet written
  bool recording = true;                  // false while replaying
  bool leader = false;                    // this process leads the cluster; else a copy
  int64_t sampled_at = -1;                // wall ms of its last history sample
  Engine::Observer observer;

  explicit Run(market::ClusterOffer o, Cluster c) : offer(std::move(o)), cluster(std::move(c)) {
    observer.event = [this](const EngineEvent& e) {
      if (e.kind == EngineEvent::Kind::kComplete || e.kind == EngineEvent::Kind::kCancel ||
          e.kind == EngineEvent::Kind::kFail) {
        ended_at[e.job] = e.at;
      }
      if (e.kind == EngineEvent::Kind::kStart) {
        const Allocation& a = engine->scheduler().job(e.job).alloc;
        open[e.job] = {e.job, a.pool, a.cards(), e.at, 0};
      } else if (auto it = open.find(e.job); it != open.end()) {
        it->second.end = e.at;
        closed.push_back(it->second);
        open.erase(it);
      }
      if (recording) events.push_back(e);
    };
  }

  bool Privileged(const accounts::Principal& caller) const {
    return caller.IsOperator() || caller.org_id == offer.provider_id;
  }
  // The engine's quotas set to `quotas` (a copy of this run's with a change).
  Status ApplyQuotas(std::map<std::pair<std::string, std::string>, Quota> next) {
    std::vector<Quota> list;
    list.reserve(next.size());
    for (const auto& [key, q] : next) list.push_back(q);
    QT_RETURN_IF_ERROR(engine->SetQuotas(list));
    quotas = std::move(next);
    return OkStatus();
  }
};

// A stored input of a cluster: a submission, a cancellation, a node taken
// down or brought up, a quota set, a policy changed, at its job time and in
// its order.
struct Jobs::Input {
  enum class Kind { kSubmit, kCancel, kNodeDown, kNodeUp, kQuota, kPolicy };
  int64_t seq, at;
  Kind kind;
  JobSpec spec;          // kSubmit; kCancel: its id
  int node = 0;          // kNodeDown, kNodeUp
  Quota quota{};         // kQuota: guaranteed and ceiling both 0 removes it
  std::string policy{};  // kPolicy: its name
};

// Reads `columns` of the rows of the input table `table` of `cluster_id`
// from sequence number `from` on, and decodes each with `decode` (inside
// store::Decode: a damaged row is an internal error naming it).
Status ReadInputRows(store::Store& store, std::string_view table, std::string_view columns,
                     const std::string& cluster_id, int64_t from,
                     const std::function<Result<bool>(const store::Row&)>& decode);

// A submission as forwarded to the cluster's leader, and an error as it
// answers one (lease.cc).
std::string SubmitBody(const NewJob& job);
std::string ErrorJson(const Status& s);

}  // namespace qt::compute::live

#endif  // QIANTANG_COMPUTE_LIVE_RUN_H_
