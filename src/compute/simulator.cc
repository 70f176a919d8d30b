#include "compute/simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <unordered_map>

#include "compute/engine.h"
#include "compute/policy.h"

namespace qt::compute {
namespace {

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  size_t k = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
  k = std::clamp<size_t>(k, 1, v.size()) - 1;
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

double Mean(const std::vector<double>& v) {
  if (v.empty()) return 0;
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

}  // namespace

Result<SimResult> Simulate(const Cluster& cluster, const Trace& trace, std::string_view policy_name,
                           const SimOptions& options) {
  QT_RETURN_IF_ERROR(options.scheduler.Validate());
  QT_ASSIGN_OR_RETURN(std::unique_ptr<Policy> policy, MakePolicy(policy_name));
  auto wall_start = std::chrono::steady_clock::now();
  Engine engine(cluster, std::move(policy),
                EngineOptions{options.scheduler, options.reference_tflops});
  const Scheduler& sched = engine.scheduler();

  SimResult r;
  r.policy = std::string(policy_name);
  r.trace = trace.name;
  r.cluster = cluster.name();
  r.cards = cluster.total_cards();
  r.sorted_rows = trace.sorted;
  const int64_t span = trace.jobs.empty() ? 0 : trace.jobs.back().submit_ms;
  const int64_t step = options.sample_interval_ms > 0 ? options.sample_interval_ms
                                                      : std::max<int64_t>(60'000, span / 1000);
  std::vector<double> decision_us;
  decision_us.reserve(trace.jobs.size() * 2);

  double busy_card_ms = 0;
  // Time series state.
  int64_t sample_end = step;
  double step_busy = 0;
  double fragmentation_sum = 0;
  int64_t last_t = 0;
  size_t completed = 0;
  size_t report_every = std::max<size_t>(1, trace.jobs.size() / 100);

  Engine::Observer observer;
  // Accounts busy card-time up to `t` and samples every step boundary on the way.
  observer.advancing = [&](int64_t t) {
    const auto busy_cards = static_cast<double>(engine.busy_cards());
    while (t >= sample_end) {
      step_busy += busy_cards * static_cast<double>(sample_end - last_t);
      busy_card_ms += busy_cards * static_cast<double>(sample_end - last_t);
      last_t = sample_end;
      Sample smp;
      smp.t_ms = sample_end;
      smp.utilization = step_busy / (static_cast<double>(r.cards) * static_cast<double>(step));
      smp.pending = static_cast<int64_t>(sched.pending_count());
      smp.running = static_cast<int64_t>(sched.running_count());
      smp.fragmented_cards = sched.FragmentedCards();
      fragmentation_sum += static_cast<double>(smp.fragmented_cards) / static_cast<double>(r.cards);
      r.samples.push_back(smp);
      step_busy = 0;
      sample_end += step;
    }
    step_busy += busy_cards * static_cast<double>(t - last_t);
    busy_card_ms += busy_cards * static_cast<double>(t - last_t);
    last_t = t;
  };
  observer.event = [&](const EngineEvent& e) {
    if (e.kind == EngineEvent::Kind::kPreempt) ++r.preemptions;
    if (e.kind != EngineEvent::Kind::kComplete) return;
    const Job& done = sched.job(e.job);
    JobResult jr;
    jr.id = done.spec.id;
    jr.tenant = done.spec.tenant;
    jr.cards = done.spec.cards;
    jr.submit_ms = done.spec.submit_ms;
    jr.first_start_ms = done.first_start_ms;
    jr.finish_ms = e.at;
    jr.run_ms = done.executed_ms;
    jr.preemptions = done.preemptions;
    jr.leaves = done.first_leaves;
    r.job_results.push_back(std::move(jr));
    if (++completed % report_every == 0 && options.progress) {
      options.progress(static_cast<double>(completed) / static_cast<double>(trace.jobs.size()));
    }
  };
  observer.decided = [&](double us) { decision_us.push_back(us); };

  size_t next_arrival = 0;
  while (true) {
    int64_t t = engine.NextEvent();
    if (next_arrival < trace.jobs.size()) t = std::min(t, trace.jobs[next_arrival].submit_ms);
    if (t == kNever) break;
    engine.AdvanceTo(t, observer);
    while (next_arrival < trace.jobs.size() && trace.jobs[next_arrival].submit_ms == t) {
      Result<int> id = engine.Submit(trace.jobs[next_arrival], t);
      if (!id.ok()) r.rejected.push_back(id.status().message());
      ++next_arrival;
    }
    const std::vector<Decision>& decisions = engine.Schedule(observer);
    if (decisions.empty() && next_arrival == trace.jobs.size() && sched.pending_count() > 0 &&
        engine.NextEvent() == kNever) {
      return Internal(
          fmt::format("{}: {} jobs can never start", policy_name, sched.pending_count()));
    }
  }
  const int64_t now = engine.now();
  observer.advancing(now);

  // Summary.
  std::vector<double> jct, queue;
  std::unordered_map<std::string, std::pair<double, int>> tenant_ratio;
  double leaves_sum = 0;
  int multi_node = 0;
  for (const JobResult& j : r.job_results) {
    double jct_s = static_cast<double>(j.finish_ms - j.submit_ms) / 1000.0;
    double run_s = static_cast<double>(j.run_ms) / 1000.0;
    jct.push_back(jct_s);
    queue.push_back(std::max(0.0, jct_s - run_s));
    auto& tr = tenant_ratio[j.tenant];
    tr.first += jct_s > 0 ? run_s / jct_s : 1.0;
    tr.second += 1;
    if (j.leaves > 0 && j.cards > 8) {
      leaves_sum += j.leaves;
      ++multi_node;
    }
  }
  r.jobs = r.job_results.size();
  r.avg_jct_s = Mean(jct);
  r.p50_jct_s = Percentile(jct, 0.5);
  r.p99_jct_s = Percentile(jct, 0.99);
  r.avg_queue_s = Mean(queue);
  r.p50_queue_s = Percentile(queue, 0.5);
  r.p99_queue_s = Percentile(queue, 0.99);
  r.makespan_s = static_cast<double>(now) / 1000.0;
  r.utilization =
      now > 0 ? busy_card_ms / (static_cast<double>(r.cards) * static_cast<double>(now)) : 0;
  r.avg_fragmentation =
      r.samples.empty() ? 0 : fragmentation_sum / static_cast<double>(r.samples.size());
  double sum = 0, sum_sq = 0;
  for (const auto& [tenant, tr] : tenant_ratio) {
    double x = tr.first / tr.second;
    sum += x;
    sum_sq += x * x;
  }
  r.jain_fairness =
      tenant_ratio.empty() ? 1.0 : sum * sum / (static_cast<double>(tenant_ratio.size()) * sum_sq);
  r.avg_leaves_multi_node = multi_node > 0 ? leaves_sum / multi_node : 0;
  r.decisions = static_cast<int64_t>(decision_us.size());
  r.decision_p50_us = Percentile(decision_us, 0.5);
  r.decision_p99_us = Percentile(decision_us, 0.99);
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  if (options.progress) options.progress(1.0);
  return r;
}

}  // namespace qt::compute
