// Scheduler benchmarks (docs/BENCHMARKS.md, "Compute scheduler"):
// - BM_Place8Cards: one 8-card placement and release on the 10,000-card
//   cluster: the baseline.
// - BM_Decision/<policy>: one scheduling decision on the 10,000-card cluster,
//   as full as the policy gets it, with 10,000 jobs pending (sizes and durations from the Philly
//   trace): a job completes, one arrives, the policy runs. Counters p50_us
//   and p99_us are over all iterations.
// - BM_ReplayPhilly/<policy>: the whole Philly trace (82,247 jobs) on 512
//   cards; BM_LoadPhilly (parsing the trace) is its baseline.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "compute/configs.h"
#include "compute/policy.h"
#include "compute/simulator.h"
#include "compute/trace.h"

namespace qt::compute {
namespace {

const std::string kPhilly = std::string(QIANTANG_TESTDATA_DIR) + "/traces/philly-pollux/philly.csv";

const Trace& Philly() {
  static const Trace trace = LoadTrace(kPhilly).value();
  return trace;
}

const Cluster& TenK() {
  static const Cluster c = LoadCluster("hz-10k", LoadChipCatalog("").value()).value();
  return c;
}

void BM_Place8Cards(benchmark::State& state) {
  Allocator a(TenK());
  std::vector<Allocation> held;
  for (int i = 0; i < 1000; ++i) held.push_back(*a.Place(8, 1));  // a partly used cluster
  for (auto _ : state) {
    auto x = a.Place(8, 1);
    a.Release(*x);
    benchmark::DoNotOptimize(x);
  }
}
BENCHMARK(BM_Place8Cards);

void BM_Decision(benchmark::State& state) {
  const std::string_view policy = PolicyNames()[static_cast<size_t>(state.range(0))];
  state.SetLabel(std::string(policy));
  Scheduler s(TenK(), MakePolicy(policy).value(), SchedulerOptions{});
  const auto& jobs = Philly().jobs;
  size_t next = 0;
  int64_t now = 0;
  auto submit = [&] {
    JobSpec spec = jobs[next++ % jobs.size()];
    spec.submit_ms = now;
    (void)s.Submit(spec, now);
  };
  // Submit (and schedule) until 10,000 jobs wait: the cluster is then as full
  // as the policy gets it.
  while (s.pending_count() < 10'000) {
    submit();
    s.Schedule(now);
  }
  std::mt19937 rng(1);
  std::vector<double> us;
  for (auto _ : state) {
    now += 1000;
    const auto& running = s.running();
    s.Finish(running[rng() % running.size()], now);
    do {
      submit();
    } while (s.pending_count() < 10'000);
    auto t0 = std::chrono::steady_clock::now();
    s.Schedule(now);
    us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  state.counters["pending"] = static_cast<double>(s.pending_count());
  state.counters["p50_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
}
BENCHMARK(BM_Decision)->DenseRange(0, 4)->Iterations(20000)->Unit(benchmark::kMicrosecond);

void BM_LoadPhilly(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(LoadTrace(kPhilly));
  state.counters["jobs_per_s"] =
      benchmark::Counter(82247, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_LoadPhilly)->Unit(benchmark::kMillisecond);

void BM_ReplayPhilly(benchmark::State& state) {
  const std::string_view policy = PolicyNames()[static_cast<size_t>(state.range(0))];
  state.SetLabel(std::string(policy));
  Cluster c = Cluster::Homogeneous(512, "A100", LoadChipCatalog("").value()).value();
  for (auto _ : state) {
    auto r = Simulate(c, Philly(), policy, {});
    benchmark::DoNotOptimize(r);
  }
  state.counters["jobs_per_s"] = benchmark::Counter(static_cast<double>(Philly().jobs.size()),
                                                    benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ReplayPhilly)->DenseRange(0, 4)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace qt::compute

BENCHMARK_MAIN();
