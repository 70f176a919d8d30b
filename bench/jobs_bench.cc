// Jobs on a live cluster (docs/BENCHMARKS.md, "Compute: jobs on live
// clusters"), on a SQLite file (fsync per commit, as in production), on a
// cluster of hz-10k's shape (1,250 nodes x 8 H800, 32 nodes per leaf, 8
// leaves per pod) registered on the market and run by the las policy:
// - BM_Submit: one job submitted while the cluster is full and 10,000 jobs
//   wait (sizes from the Philly trace): the replay to now, the scheduling
//   pass its arrival causes, the job row, the rows of the jobs the pass
//   moved and their journal entries. p50 and p99 over the iterations.
//   Baseline BM_PlainInsert: a job-sized row and a journal entry inserted in
//   one transaction, nothing scheduled.
// - BM_Restart: a new server process's first look at the cluster: every
//   stored submission replayed through the engine (10,000+ jobs), then the
//   rows compared. Baseline BM_ReadJobs: reading those rows alone.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>

#include "bench/demo_store.h"
#include "compute/configs.h"
#include "compute/live/jobs.h"
#include "compute/market/market.h"
#include "compute/market/vouchers.h"
#include "compute/trace.h"
#include "crypto/random.h"

namespace qt {
namespace {

using compute::live::Jobs;
using compute::live::NewJob;

struct Platform : bench::DemoStore {
  compute::ChipCatalog catalog = compute::LoadChipCatalog("").value();
  std::unique_ptr<compute::market::Market> market;
  std::unique_ptr<Jobs> jobs;
  accounts::Principal provider;
  std::vector<accounts::Principal> tenants;  // the demo city's enterprises
  std::string cluster;
  std::vector<int64_t> philly_cards;

  Platform()
      : DemoStore("jobs", {compute::market::Market::Migrations(),
                           compute::market::Vouchers::Migrations(), Jobs::Migrations()}) {
    market = std::make_unique<compute::market::Market>(
        *store, compute::market::MarketOptions{&SystemClock::Get(), &crypto::SystemRandom::Get(),
                                               &journal, &catalog, nullptr});
    auto orgs = accounts->ListOrgs({"", 500});
    bench::Check(orgs.status(), "orgs");
    for (const auto& o : orgs->items) {
      accounts::Principal p{"", "", o.id, o.kind, accounts::Role::kAdmin};
      if (o.kind == accounts::OrgKind::kComputeProvider && provider.org_id.empty()) provider = p;
      if (o.kind == accounts::OrgKind::kEnterprise) tenants.push_back(p);
    }
    // 10,000 waiting jobs need at least ten tenants besides the one filling
    // the cluster (each may have 1,000 active).
    crypto::DeterministicRandom codes("jobs-bench");
    while (tenants.size() < 21) {
      auto created = accounts->CreateOrg(
          op, {fmt::format("训练租户{}", tenants.size()), accounts::OrgKind::kEnterprise,
               demo::MakeCreditCode(accounts::OrgKind::kEnterprise, codes)});
      bench::Check(created.status(), "tenant");
      tenants.push_back({"", "", created->org.id, created->org.kind, accounts::Role::kAdmin});
    }
    compute::market::NewCluster c;
    c.name = "hz-10k-shaped";
    c.region = "钱塘区";
    c.pools = {{{1250, 8, 128, 2048, 32, 8}, "h800", "H800"}};
    c.fen_per_card_hour["H800"] = 2800;
    auto offer = market->RegisterCluster(provider, c);
    bench::Check(offer.status(), "cluster");
    cluster = offer->id;
    jobs = NewJobs();
    auto trace =
        compute::LoadTrace(std::string(QIANTANG_TESTDATA_DIR) + "/traces/philly-pollux/philly.csv");
    bench::Check(trace.status(), "trace");
    for (const auto& j : trace->jobs) philly_cards.push_back(std::min(j.cards, 64));
  }

  std::unique_ptr<Jobs> NewJobs() {
    return std::make_unique<Jobs>(
        *store, compute::live::JobsOptions{&SystemClock::Get(), &crypto::SystemRandom::Get(),
                                           &journal, &catalog, market.get(), 1, "las",
                                           compute::SchedulerOptions{}, accounts.get()});
  }

  NewJob Job(int64_t cards, int64_t hours) {
    NewJob j;
    j.cluster_id = cluster;
    j.cards = cards;
    j.duration_ms = hours * 3'600'000;
    return j;
  }
};

Platform& ThePlatform() {
  static std::unique_ptr<Platform> platform = [] {
    auto p = std::make_unique<Platform>();
    // Week-long jobs fill the cluster; then 10,000 jobs of Philly's sizes
    // wait, spread over the tenants (each may have 1,000 active).
    for (int64_t placed = 0; placed < 10'000; placed += 64) {
      bench::Check(p->jobs->Submit(p->tenants[0], p->Job(64, 24 * 7)).status(), "fill");
    }
    for (size_t i = 0; i < 10'000; ++i) {
      const int64_t cards = p->philly_cards[i % p->philly_cards.size()];
      auto j = p->jobs->Submit(p->tenants[1 + i % (p->tenants.size() - 1)], p->Job(cards, 24));
      bench::Check(j.status(), "queue");
    }
    return p;
  }();
  return *platform;
}

void Report(benchmark::State& state, std::vector<double>& us) {
  std::sort(us.begin(), us.end());
  if (us.empty()) return;
  state.counters["p50_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[us.size() * 99 / 100];
}

void BM_Submit(benchmark::State& state) {
  Platform& p = ThePlatform();
  std::vector<double> us;
  size_t i = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    auto j = p.jobs->Submit(p.tenants[1 + i % (p.tenants.size() - 1)], p.Job(8, 1));
    us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    if (!j.ok()) state.SkipWithError(j.status().message().c_str());
    // Keep 10,000 waiting: withdraw it again (not timed).
    state.PauseTiming();
    if (j.ok())
      bench::Check(p.jobs->Cancel(p.tenants[1 + i % (p.tenants.size() - 1)], j->id).status(),
                   "cancel");
    state.ResumeTiming();
    ++i;
  }
  Report(state, us);
}
BENCHMARK(BM_Submit)->Iterations(300)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_PlainInsert(benchmark::State& state) {
  Platform& p = ThePlatform();
  static int64_t n = 0;
  std::vector<double> us;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    Status s = p.store->Write([&](store::Tx& tx) -> Status {
      std::string id = "cjb_plain" + std::to_string(n++);
      QT_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO live_jobs (id, cluster_id, provider_id, tenant_id, submitter_id, "
                  "name, cards, chip, elastic, duration_ms, estimate_ms, priority, preemptible, "
                  "requeue, submit_seq, submit_job_ms, cancel_seq, cancel_job_ms, state, pool, "
                  "nodes, leaves, submitted_at, started_at, finished_at, preemptions, run_ms) "
                  "VALUES (?, 'ccl_none', 'p', 't', 'u', '', 8, 'any', 0, 1, 0, 0, 1, 1, ?, 1, 0, "
                  "0, 'cancelled', '', '[]', 0, 1, 0, 1, 0, 0)",
                  {id, n + 1'000'000})
              .status());
      return p.journal.Append(tx, {"bench", "compute.job.queued", id, {{"n", n}}}).status();
    });
    us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    if (!s.ok()) state.SkipWithError(s.message().c_str());
  }
  Report(state, us);
}
BENCHMARK(BM_PlainInsert)->Iterations(300)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Restart(benchmark::State& state) {
  Platform& p = ThePlatform();
  for (auto _ : state) {
    std::unique_ptr<Jobs> fresh = p.NewJobs();
    auto q = fresh->Queue(p.provider, p.cluster);
    if (!q.ok()) state.SkipWithError(q.status().message().c_str());
    state.counters["queued"] = static_cast<double>(q.ok() ? q->size() : 0);
  }
}
BENCHMARK(BM_Restart)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ReadJobs(benchmark::State& state) {
  Platform& p = ThePlatform();
  for (auto _ : state) {
    Status s = p.store->Read([&](store::Tx& tx) -> Status {
      auto rows = tx.Query("SELECT * FROM live_jobs WHERE cluster_id = ?", {p.cluster});
      if (rows.ok()) benchmark::DoNotOptimize(rows->size());
      return rows.status();
    });
    if (!s.ok()) state.SkipWithError(s.message().c_str());
  }
}
BENCHMARK(BM_ReadJobs)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace qt

BENCHMARK_MAIN();
