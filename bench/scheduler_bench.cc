// Scheduler benchmarks (docs/BENCHMARKS.md, "Compute scheduler"):
// - BM_Place8Cards: one 8-card placement and release on the 10,000-card
//   cluster: the baseline.
// - BM_Decision/<policy>: one scheduling decision on the 10,000-card cluster,
//   as full as the policy gets it, with 10,000 jobs pending (sizes and durations from the Philly
//   trace): a job completes, one arrives, the policy runs. Counters p50_us
//   and p99_us (wall time) and p50_cpu_us and p99_cpu_us (the thread's CPU
//   time: on a shared machine a pass's wall time also counts other
//   processes' turns on the core) are over all iterations.
// - BM_LiveDecision/<step>: the las passes of the same cluster and workload
//   driven as the live platform drives its engine (compute/live/jobs.cc):
//   each input (a running job withdrawn in place of a completion, then
//   arrivals until 10,000 wait again) after Engine::RunUntil(now) and
//   followed by its own pass. Step 0: on the real clock (job time = UTC ms,
//   time scale 1, so jobs barely age during the run); step 1000: job time
//   moves 1 s per iteration, BM_Decision's pace (jobs age, las demotes and
//   preempts). p50_us and p99_us are over every pass of the timed
//   iterations (wall time from Engine::Observer::decided, as the simulator
//   reads it; CPU time from the engine's move to the event, completions
//   included, or from the call); compare with BM_Decision/3 (las) of the
//   same run.
// - BM_ReplayPhilly/<policy>: the whole Philly trace (82,247 jobs) on 512
//   cards; BM_LoadPhilly (parsing the trace) is its baseline.
#include <benchmark/benchmark.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "compute/configs.h"
#include "compute/engine.h"
#include "compute/policy.h"
#include "compute/simulator.h"
#include "compute/trace.h"
#include "core/clock.h"

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

double CpuUs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// Sets counters p50_us, p99_us (wall) and p50_cpu_us, p99_cpu_us.
void ReportPasses(benchmark::State& state, std::vector<double>& wall, std::vector<double>& cpu) {
  for (auto* v : {&wall, &cpu}) std::sort(v->begin(), v->end());
  auto at = [](const std::vector<double>& v, size_t q) {
    return v[std::min(v.size() - 1, v.size() * q / 100)];
  };
  state.counters["p50_us"] = at(wall, 50);
  state.counters["p99_us"] = at(wall, 99);
  state.counters["p50_cpu_us"] = at(cpu, 50);
  state.counters["p99_cpu_us"] = at(cpu, 99);
}

void BM_Place8Cards(benchmark::State& state) {
  Allocator a(TenK());
  std::vector<Allocation> held;
  held.reserve(1000);
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
  std::vector<double> us, cpu_us;
  for (auto _ : state) {
    now += 1000;
    const auto& running = s.running();
    s.Finish(running[rng() % running.size()], now);
    do {
      submit();
    } while (s.pending_count() < 10'000);
    auto t0 = std::chrono::steady_clock::now();
    const double cpu0 = CpuUs();
    s.Schedule(now);
    cpu_us.push_back(CpuUs() - cpu0);
    us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  state.counters["pending"] = static_cast<double>(s.pending_count());
  ReportPasses(state, us, cpu_us);
}
BENCHMARK(BM_Decision)->DenseRange(0, 4)->Iterations(20000)->Unit(benchmark::kMicrosecond);

void BM_LiveDecision(benchmark::State& state) {
  const int64_t step = state.range(0);
  state.SetLabel(step == 0 ? "real clock" : "1 s of job time per iteration");
  Engine e(TenK(), MakePolicy("las").value(), EngineOptions{SchedulerOptions{}, 0});
  int64_t simulated = 0;
  auto now = [&] {
    return std::max(step == 0 ? SystemClock::Get().NowMillis() : simulated, e.now());
  };
  std::vector<double> us, cpu_us;
  bool timing = false;
  double cpu0 = 0;
  Engine::Observer observer;
  observer.advancing = [&](int64_t) { cpu0 = CpuUs(); };
  observer.decided = [&](double pass_us) {
    if (!timing) return;
    us.push_back(pass_us);
    cpu_us.push_back(CpuUs() - cpu0);
  };
  const auto& jobs = Philly().jobs;
  size_t next = 0;
  // Jobs::Submit: the engine runs to now, takes the job, one pass.
  auto submit = [&] {
    const int64_t t = now();
    e.RunUntil(t, observer);
    JobSpec spec = jobs[next++ % jobs.size()];
    spec.submit_ms = t;
    (void)e.Submit(spec, t);
    cpu0 = CpuUs();
    e.Schedule(observer);
  };
  while (e.scheduler().pending_count() < 10'000) submit();
  std::mt19937 rng(1);
  timing = true;
  for (auto _ : state) {
    simulated += step;
    // Jobs::Cancel of a running job: the engine runs to now, the job
    // releases its cards, one pass.
    e.RunUntil(now(), observer);
    const auto& running = e.scheduler().running();
    e.Cancel(running[rng() % running.size()], observer);
    cpu0 = CpuUs();
    e.Schedule(observer);
    do {
      submit();
    } while (e.scheduler().pending_count() < 10'000);
  }
  state.counters["pending"] = static_cast<double>(e.scheduler().pending_count());
  state.counters["passes"] = static_cast<double>(us.size());
  ReportPasses(state, us, cpu_us);
}
BENCHMARK(BM_LiveDecision)->Arg(0)->Arg(1000)->Iterations(20000)->Unit(benchmark::kMicrosecond);

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
