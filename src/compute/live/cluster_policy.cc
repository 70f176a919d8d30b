// Jobs: changing a live cluster's scheduling policy while it runs (jobs.h),
// stored as an input of the cluster's run and replayed in its order.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "compute/live/jobs.h"
#include "compute/live/run.h"
#include "compute/policy.h"
#include "store/decode.h"
#include "store/transact.h"

namespace qt::compute::live {
namespace {

using accounts::Principal;
using store::Row;
using store::Rows;
using store::Tx;

}  // namespace

Result<LivePolicy> Jobs::SetPolicy(const Principal& caller, const std::string& cluster_id,
                                   const std::string& name) {
  return SetPolicy(caller, cluster_id, name, "");
}

Result<LivePolicy> Jobs::SetPolicy(const Principal& caller, const std::string& cluster_id,
                                   const std::string& name, const std::string& request) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  if (!caller.IsOperator()) {
    return PermissionDenied("policy: only the operator changes a cluster's policy");
  }
  Result<std::unique_ptr<compute::Policy>> policy = MakePolicy(name);
  if (!policy.ok()) return policy.status().WithContext("policy");
  QT_ASSIGN_OR_RETURN(market::ClusterOffer offer, LiveCluster(cluster_id));
  std::unique_lock lock(mu_);
  QT_ASSIGN_OR_RETURN(
      std::optional<std::string> forwarded,
      LeadOrForward(lock, offer.id, "policy", caller,
                    nlohmann::json{{"cluster_id", offer.id}, {"policy", name}}.dump(), request));
  if (forwarded) return GetPolicy(caller, offer.id);
  QT_ASSIGN_OR_RETURN(Run * run, LoadRun(offer));
  Engine& engine = *run->engine;
  if (engine.scheduler().policy_name() == name) {
    return FailedPrecondition(fmt::format("policy: {} already runs {}", offer.name, name));
  }
  const std::string from(engine.scheduler().policy_name());
  const int64_t t = std::max(JobNow(), engine.now());
  engine.RunUntil(t, run->observer);
  engine.SetPolicy(*std::move(policy));
  engine.Schedule(run->observer);
  const int64_t seq = run->next_seq;
  const int64_t now = options_.clock->NowMillis();
  QT_RETURN_IF_ERROR(Commit(
                         *run, caller.user_id,
                         [&](Tx& tx) -> Status {
                           QT_RETURN_IF_ERROR(
                               tx.Exec("INSERT INTO live_policy_events (cluster_id, seq, job_ms, "
                                       "policy, actor, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                                       {offer.id, seq, t, name, caller.user_id, now})
                                   .status());
                           return options_.journal
                               ->Append(tx, {caller.user_id,
                                             "compute.policy.set",
                                             offer.id,
                                             {{"from", from}, {"to", name}}})
                               .status();
                         },
                         request)
                         .status());
  ++run->next_seq;
  return LivePolicy{offer.id, name, caller.user_id, now};
}

Result<LivePolicy> Jobs::GetPolicy(const Principal& caller, const std::string& cluster_id) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  QT_ASSIGN_OR_RETURN(market::ClusterOffer offer, LiveCluster(cluster_id));
  QT_ASSIGN_OR_RETURN(Rows rows, store::ReadValue(store_, [&](Tx& tx) {
                        return tx.Query(
                            "SELECT policy, actor, created_at FROM live_policy_events WHERE "
                            "cluster_id = ? ORDER BY seq DESC LIMIT 1",
                            {offer.id});
                      }));
  if (rows.empty()) return LivePolicy{offer.id, options_.policy, "", 0};
  const Row& r = rows[0];
  return store::Decode<LivePolicy>("live_policy_events", r, [&]() -> Result<LivePolicy> {
    return LivePolicy{offer.id, r.Text("policy"), r.Text("actor"), r.Int("created_at")};
  });
}

Status Jobs::ReadPolicyInputs(const std::string& cluster_id, int64_t from,
                              std::vector<Input>& inputs) {
  return ReadInputRows(store_, "live_policy_events", "seq, job_ms, policy", cluster_id, from,
                       [&](const Row& r) -> Result<bool> {
                         inputs.push_back({r.Int("seq"), r.Int("job_ms"), Input::Kind::kPolicy,
                                           JobSpec{}, 0, Quota{}, r.Text("policy")});
                         return true;
                       });
}

}  // namespace qt::compute::live
