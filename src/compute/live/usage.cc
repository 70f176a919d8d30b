// Jobs: usage per tenant, month and chip (jobs.h), from the runs of jobs:
// the stored ended runs and the running jobs' current ones.
#include <fmt/format.h>

#include <map>
#include <tuple>

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

// (tenant, month, chip) -> unit-ms.
using Totals = std::map<std::tuple<std::string, std::string, std::string>, int64_t>;

// Adds `units` x [start, end) (wall ms) to the months of [from, to] it overlaps.
void AddRun(Totals& totals, const std::string& tenant, const std::string& chip, int64_t units,
            int64_t start, int64_t end, const Month& from, const Month& to) {
  for (Month m = std::max(from, Month::OfMillis(start)); m <= to; m = m.Next()) {
    const int64_t lo = std::max(start, m.StartMillis());
    const int64_t hi = std::min(end, m.Next().StartMillis());
    if (hi <= lo) break;
    totals[{tenant, m.ToString(), chip}] += units * (hi - lo);
  }
}

}  // namespace

Status Jobs::WriteSegments(const Run& run, Tx& tx, int64_t from_wall) const {
  for (const Run::Segment& s : run.closed) {
    if (Wall(s.end) < from_wall) continue;
    const Pool& pool = run.cluster.pools()[static_cast<size_t>(s.pool)];
    QT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO live_runs (cluster_id, job_id, provider_id, tenant_id, chip, units, "
                "started_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (job_id, started_at) DO NOTHING",
                {run.offer.id, run.ids[static_cast<size_t>(s.job)], run.offer.provider_id,
                 run.tenants[static_cast<size_t>(s.job)], run.cluster.catalog().at(pool.chip).name,
                 s.units, Wall(s.start), Wall(s.end)})
            .status());
  }
  return OkStatus();
}

Result<std::vector<UsageRow>> Jobs::Usage(const Principal& caller, const UsageFilter& f) {
  const Month to = f.to.value_or(Month::OfMillis(options_.clock->NowMillis()));
  const Month from = f.from.value_or(to);
  if (to < from) return InvalidArgument("to: must not be before from");
  int months = 1;
  for (Month m = from; m < to && months <= kMaxUsageMonths; m = m.Next()) ++months;
  if (months > kMaxUsageMonths) {
    return InvalidArgument(fmt::format("to: at most {} months after from", kMaxUsageMonths));
  }
  const int64_t lo = from.StartMillis(), hi = to.Next().StartMillis();
  // Who may see which rows: the operator all; others their own and their clusters'.
  auto visible = [&](const std::string& tenant, const std::string& provider) {
    if (!f.tenant_id.empty() && tenant != f.tenant_id) return false;
    return caller.IsOperator() || tenant == caller.org_id || provider == caller.org_id;
  };
  std::string sql =
      "SELECT cluster_id, provider_id, tenant_id, chip, units, started_at, ended_at FROM "
      "live_runs WHERE ended_at > ? AND started_at < ?";
  std::vector<store::Value> args = {lo, hi};
  if (!f.cluster_id.empty()) {
    sql += " AND cluster_id = ?";
    args.emplace_back(f.cluster_id);
  }
  QT_ASSIGN_OR_RETURN(Rows rows,
                      store::ReadValue(store_, [&](Tx& tx) { return tx.Query(sql, args); }));
  Totals totals;
  for (const Row& r : rows) {
    QT_RETURN_IF_ERROR(store::Decode<bool>("live_runs", r, [&]() -> Result<bool> {
                         if (options_.catalog->Find(r.Text("chip")) < 0) {
                           return Internal("unknown chip " + r.Text("chip"));
                         }
                         if (visible(r.Text("tenant_id"), r.Text("provider_id"))) {
                           AddRun(totals, r.Text("tenant_id"), r.Text("chip"), r.Int("units"),
                                  r.Int("started_at"), r.Int("ended_at"), from, to);
                         }
                         return true;
                       }).status());
  }
  {
    std::lock_guard lock(mu_);
    const int64_t now = options_.clock->NowMillis();
    for (const auto& [id, run] : runs_) {
      if (!f.cluster_id.empty() && id != f.cluster_id) continue;
      for (const auto& [job, s] : run->open) {
        const std::string& tenant = run->tenants[static_cast<size_t>(job)];
        if (!visible(tenant, run->offer.provider_id)) continue;
        const Pool& pool = run->cluster.pools()[static_cast<size_t>(s.pool)];
        AddRun(totals, tenant, run->cluster.catalog().at(pool.chip).name, s.units, Wall(s.start),
               std::max(now, Wall(s.start)), from, to);
      }
    }
  }
  std::vector<UsageRow> out;
  for (const auto& [key, unit_ms] : totals) {
    const auto& [tenant, month, chip] = key;
    const Chip& c = options_.catalog->at(options_.catalog->Find(chip));
    out.push_back({tenant, month, chip, c.cpu(), c.domestic, unit_ms});
  }
  return out;
}

}  // namespace qt::compute::live
