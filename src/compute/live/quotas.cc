// Jobs: tenants' quotas on live clusters (jobs.h), stored as inputs of the
// cluster's run and replayed with its submissions.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "compute/live/jobs.h"
#include "compute/live/run.h"
#include "core/text.h"
#include "store/decode.h"
#include "store/transact.h"

namespace qt::compute::live {
namespace {

using accounts::Principal;
using store::Row;
using store::Rows;
using store::Tx;

using QuotaMap = std::map<std::pair<std::string, std::string>, Quota>;

constexpr int64_t kMaxAmount = 10'000'000;

int64_t Capacity(const Cluster& cluster, uint64_t mask) {
  int64_t sum = 0;
  for (size_t p = 0; p < cluster.pools().size(); ++p) {
    if ((mask >> p) & 1) sum += cluster.pools()[p].cards();
  }
  return sum;
}

// `quotas` with `q` set, or removed when both its amounts are 0.
QuotaMap WithQuota(QuotaMap quotas, const Quota& q) {
  const std::pair<std::string, std::string> key{q.tenant, q.resource.ToString()};
  if (q.guaranteed == 0 && q.ceiling == 0) {
    quotas.erase(key);
  } else {
    quotas[key] = q;
  }
  return quotas;
}

}  // namespace

LiveQuota Jobs::Describe(const Run& run, const Quota& q) {
  const uint64_t mask = q.resource.PoolMask(run.cluster);
  LiveQuota out;
  out.cluster_id = run.offer.id;
  out.tenant_id = q.tenant;
  out.resource = q.resource.ToString();
  out.guaranteed = q.guaranteed;
  out.ceiling = q.ceiling;
  out.capacity = Capacity(run.cluster, mask);
  out.held = run.engine->scheduler().TenantCards(q.tenant, mask);
  return out;
}

Status Jobs::CheckCeilings(const Run& run, const JobSpec& spec) {
  const uint64_t allowed = spec.chip.PoolMask(run.cluster);
  uint64_t left = allowed;
  const Quota* tightest = nullptr;
  for (const auto& [key, q] : run.quotas) {
    if (q.tenant != spec.tenant || q.ceiling == 0 || spec.cards <= q.ceiling) continue;
    const uint64_t mask = q.resource.PoolMask(run.cluster);
    if ((mask & allowed) == 0) continue;
    left &= ~mask;
    tightest = &q;
  }
  if (allowed != 0 && left == 0 && tightest != nullptr) {
    return FailedPrecondition(
        fmt::format("cards: {} exceed your organisation's ceiling of {} on {} of this cluster",
                    spec.cards, tightest->ceiling, tightest->resource.ToString()));
  }
  return OkStatus();
}

Result<LiveQuota> Jobs::SetQuota(const Principal& caller, const LiveQuota& in) {
  return SetQuota(caller, in, "");
}

Result<LiveQuota> Jobs::SetQuota(const Principal& caller, const LiveQuota& in,
                                 const std::string& request) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  if (!caller.IsOperator()) return PermissionDenied("quotas: only the operator sets quotas");
  Result<ChipConstraint> parsed = ChipConstraint::Parse(in.resource);
  if (!parsed.ok()) return parsed.status().WithContext("resource");
  const ChipConstraint resource = *std::move(parsed);
  for (auto [value, field] : {std::pair{in.guaranteed, "guaranteed"}, {in.ceiling, "ceiling"}}) {
    if (value < 0 || value > kMaxAmount) {
      return InvalidArgument(fmt::format("{}: must be between 0 and {}", field, kMaxAmount));
    }
  }
  if (in.ceiling > 0 && in.ceiling < in.guaranteed) {
    return InvalidArgument("ceiling: must not be below the guarantee (0: no ceiling)");
  }
  QT_ASSIGN_OR_RETURN(market::ClusterOffer offer, LiveCluster(in.cluster_id));
  Result<accounts::Org> tenant = options_.accounts->GetOrg(in.tenant_id);
  if (tenant.status().code() == StatusCode::kNotFound) {
    return InvalidArgument("tenant_id: no organisation " + in.tenant_id);
  }
  QT_RETURN_IF_ERROR(tenant.status());
  const Quota quota{in.tenant_id, resource, in.guaranteed, in.ceiling};

  std::unique_lock lock(mu_);
  QT_ASSIGN_OR_RETURN(std::optional<std::string> forwarded,
                      LeadOrForward(lock, offer.id, "quota", caller,
                                    nlohmann::json{{"cluster_id", offer.id},
                                                   {"tenant_id", in.tenant_id},
                                                   {"resource", in.resource},
                                                   {"guaranteed", in.guaranteed},
                                                   {"ceiling", in.ceiling}}
                                        .dump(),
                                    request));
  if (forwarded) {
    QT_ASSIGN_OR_RETURN(std::vector<LiveQuota> quotas, Quotas(caller, offer.id));
    for (LiveQuota& q : quotas) {
      if (q.tenant_id == in.tenant_id && q.resource == resource.ToString()) return q;
    }
    LiveQuota removed = in;
    removed.resource = resource.ToString();
    return removed;
  }
  QT_ASSIGN_OR_RETURN(Run * run, LoadRun(offer));
  const uint64_t mask = resource.PoolMask(run->cluster);
  if (mask == 0) {
    return InvalidArgument(fmt::format("resource: no pool of cluster {} has chips matching {}",
                                       offer.name, resource.ToString()));
  }
  QuotaMap next = WithQuota(run->quotas, quota);
  int64_t guaranteed = 0;
  for (const auto& [key, q] : next) {
    if (key.second == resource.ToString()) guaranteed += q.guaranteed;
  }
  if (guaranteed > Capacity(run->cluster, mask)) {
    return FailedPrecondition(fmt::format(
        "guaranteed: the guarantees on {} would come to {}, more than its {} on this cluster",
        resource.ToString(), guaranteed, Capacity(run->cluster, mask)));
  }
  Engine& engine = *run->engine;
  const int64_t t = std::max(JobNow(), engine.now());
  engine.RunUntil(t, run->observer);
  QT_RETURN_IF_ERROR(run->ApplyQuotas(std::move(next)));
  engine.Schedule(run->observer);
  const int64_t seq = run->next_seq;
  const int64_t now = options_.clock->NowMillis();
  QT_RETURN_IF_ERROR(
      Commit(
          *run, caller.user_id,
          [&](Tx& tx) -> Status {
            QT_RETURN_IF_ERROR(
                tx.Exec(
                      "INSERT INTO live_quota_events (cluster_id, seq, job_ms, tenant_id, "
                      "resource, "
                      "guaranteed, ceiling, actor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      {offer.id, seq, t, in.tenant_id, resource.ToString(), in.guaranteed,
                       in.ceiling, caller.user_id, now})
                    .status());
            QT_RETURN_IF_ERROR(
                tx.Exec("DELETE FROM live_quotas WHERE cluster_id = ? AND tenant_id = ? "
                        "AND resource = ?",
                        {offer.id, in.tenant_id, resource.ToString()})
                    .status());
            if (in.guaranteed != 0 || in.ceiling != 0) {
              QT_RETURN_IF_ERROR(
                  tx.Exec("INSERT INTO live_quotas (cluster_id, tenant_id, resource, guaranteed, "
                          "ceiling, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                          {offer.id, in.tenant_id, resource.ToString(), in.guaranteed, in.ceiling,
                           caller.user_id, now})
                      .status());
            }
            return options_.journal
                ->Append(tx, {caller.user_id,
                              "compute.quota.set",
                              offer.id,
                              {{"tenant_id", in.tenant_id},
                               {"resource", resource.ToString()},
                               {"guaranteed", in.guaranteed},
                               {"ceiling", in.ceiling}}})
                .status();
          },
          request)
          .status());
  ++run->next_seq;
  LiveQuota out = Describe(*run, quota);
  out.updated_by = caller.user_id;
  out.updated_at = now;
  return out;
}

Result<std::vector<LiveQuota>> Jobs::Quotas(const Principal& caller,
                                            const std::string& cluster_id) {
  QT_ASSIGN_OR_RETURN(market::ClusterOffer offer, LiveCluster(cluster_id));
  QT_ASSIGN_OR_RETURN(Rows rows, store::ReadValue(store_, [&](Tx& tx) {
                        return tx.Query(
                            "SELECT tenant_id, resource, updated_by, updated_at FROM live_quotas "
                            "WHERE cluster_id = ?",
                            {offer.id});
                      }));
  std::map<std::pair<std::string, std::string>, std::pair<std::string, int64_t>> updated;
  for (const Row& r : rows) {
    QT_RETURN_IF_ERROR(store::Decode<bool>("live_quotas", r, [&]() -> Result<bool> {
                         updated[{r.Text("tenant_id"), r.Text("resource")}] = {r.Text("updated_by"),
                                                                               r.Int("updated_at")};
                         return true;
                       }).status());
  }
  std::lock_guard lock(mu_);
  QT_ASSIGN_OR_RETURN(Run * run, LoadRun(offer));
  std::vector<LiveQuota> out;
  for (const auto& [key, q] : run->quotas) {
    if (!run->Privileged(caller) && q.tenant != caller.org_id) continue;
    LiveQuota d = Describe(*run, q);
    if (auto it = updated.find(key); it != updated.end()) {
      d.updated_by = it->second.first;
      d.updated_at = it->second.second;
    }
    out.push_back(std::move(d));
  }
  return out;
}

Status Jobs::ReadQuotaInputs(const std::string& cluster_id, int64_t from,
                             std::vector<Input>& inputs) {
  return ReadInputRows(
      store_, "live_quota_events", "seq, job_ms, tenant_id, resource, guaranteed, ceiling",
      cluster_id, from, [&](const Row& r) -> Result<bool> {
        QT_ASSIGN_OR_RETURN(ChipConstraint resource, ChipConstraint::Parse(r.Text("resource")));
        inputs.push_back(
            {r.Int("seq"), r.Int("job_ms"), Input::Kind::kQuota, JobSpec{}, 0,
             Quota{r.Text("tenant_id"), resource, r.Int("guaranteed"), r.Int("ceiling")}});
        return true;
      });
}

}  // namespace qt::compute::live
