#include "compute/simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <queue>
#include <unordered_map>

#include "compute/policy.h"

namespace qt::compute {
namespace {

struct Finish {
  int64_t at;
  int job;
  int epoch;
  bool operator>(const Finish& o) const { return at != o.at ? at > o.at : job > o.job; }
};

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

// Free cards the head-of-queue job cannot use, when it cannot start.
int64_t FragmentedCards(const Scheduler& s) {
  int head = s.Head();
  if (head < 0) return 0;
  const Job& job = s.job(head);
  int need = job.spec.elastic ? 1 : job.spec.cards;
  if (s.allocator().CanPlace(need, job.pool_mask)) return 0;
  return s.allocator().FreeCards(job.pool_mask);
}

}  // namespace

Result<SimResult> Simulate(const Cluster& cluster, const Trace& trace, std::string_view policy_name,
                           const SimOptions& options) {
  QT_RETURN_IF_ERROR(options.scheduler.Validate());
  QT_ASSIGN_OR_RETURN(std::unique_ptr<Policy> policy, MakePolicy(policy_name));
  auto wall_start = std::chrono::steady_clock::now();
  Scheduler sched(cluster, std::move(policy), options.scheduler);

  SimResult r;
  r.policy = std::string(policy_name);
  r.trace = trace.name;
  r.cluster = cluster.name();
  r.cards = cluster.total_cards();
  r.sorted_rows = trace.sorted;
  const int64_t span = trace.jobs.empty() ? 0 : trace.jobs.back().submit_ms;
  const int64_t step = options.sample_interval_ms > 0 ? options.sample_interval_ms
                                                      : std::max<int64_t>(60'000, span / 1000);

  // Per scheduler job index: remaining work (card-ms at full size) and current run.
  std::vector<int64_t> remaining;
  struct Run {
    int64_t start = 0, overhead = 0;
    int cards = 0;
    int64_t tflops = 1, reference = 1;  // speed = tflops / reference
  };
  std::vector<Run> runs;
  std::priority_queue<Finish, std::vector<Finish>, std::greater<>> finishes;
  std::vector<double> decision_us;
  decision_us.reserve(trace.jobs.size() * 2);

  size_t next_arrival = 0;
  int64_t now = 0;
  int64_t busy_cards = 0;
  double busy_card_ms = 0;
  // Time series state.
  int64_t sample_end = step;
  double step_busy = 0;
  double fragmentation_sum = 0;
  int64_t last_t = 0;
  size_t completed = 0;
  size_t report_every = std::max<size_t>(1, trace.jobs.size() / 100);

  auto advance = [&](int64_t t) {
    while (t >= sample_end) {
      step_busy += static_cast<double>(busy_cards) * static_cast<double>(sample_end - last_t);
      busy_card_ms += static_cast<double>(busy_cards) * static_cast<double>(sample_end - last_t);
      last_t = sample_end;
      Sample smp;
      smp.t_ms = sample_end;
      smp.utilization = step_busy / (static_cast<double>(r.cards) * static_cast<double>(step));
      smp.pending = static_cast<int64_t>(sched.pending_count());
      smp.running = static_cast<int64_t>(sched.running_count());
      smp.fragmented_cards = FragmentedCards(sched);
      fragmentation_sum += static_cast<double>(smp.fragmented_cards) / static_cast<double>(r.cards);
      r.samples.push_back(smp);
      step_busy = 0;
      sample_end += step;
    }
    step_busy += static_cast<double>(busy_cards) * static_cast<double>(t - last_t);
    busy_card_ms += static_cast<double>(busy_cards) * static_cast<double>(t - last_t);
    last_t = t;
  };

  while (true) {
    int64_t t = kNever;
    if (next_arrival < trace.jobs.size()) t = trace.jobs[next_arrival].submit_ms;
    if (!finishes.empty()) t = std::min(t, finishes.top().at);
    int64_t wake = sched.NextWakeup();
    if (sched.pending_count() > 0) t = std::min(t, std::max(wake, now));
    if (t == kNever) break;
    advance(t);
    now = t;
    while (!finishes.empty() && finishes.top().at == now) {
      Finish f = finishes.top();
      finishes.pop();
      const Job& job = sched.job(f.job);
      if (job.state != JobState::kRunning || job.epoch != f.epoch) continue;
      busy_cards -= job.alloc.cards();
      sched.Finish(f.job, now);
      const Job& done = sched.job(f.job);
      JobResult jr;
      jr.id = done.spec.id;
      jr.tenant = done.spec.tenant;
      jr.cards = done.spec.cards;
      jr.submit_ms = done.spec.submit_ms;
      jr.first_start_ms = done.first_start_ms;
      jr.finish_ms = now;
      jr.run_ms = done.executed_ms;
      jr.preemptions = done.preemptions;
      jr.leaves = done.first_leaves;
      r.job_results.push_back(std::move(jr));
      if (++completed % report_every == 0 && options.progress) {
        options.progress(static_cast<double>(completed) / static_cast<double>(trace.jobs.size()));
      }
    }
    while (next_arrival < trace.jobs.size() && trace.jobs[next_arrival].submit_ms == now) {
      const JobSpec& spec = trace.jobs[next_arrival];
      Result<int> id = sched.Submit(spec, now);
      if (id.ok()) {
        remaining.push_back(spec.duration_ms * spec.cards);
        runs.emplace_back();
      } else {
        r.rejected.push_back(id.status().message());
      }
      ++next_arrival;
    }
    auto t0 = std::chrono::steady_clock::now();
    const std::vector<Decision>& decisions = sched.Schedule(now);
    decision_us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    for (const Decision& d : decisions) {
      const Job& job = sched.job(d.job);
      Run& run = runs[static_cast<size_t>(d.job)];
      int64_t& rem = remaining[static_cast<size_t>(d.job)];
      if (d.kind == Decision::Kind::kStart) {
        run.cards = job.alloc.cards();
        run.start = now;
        run.overhead = job.preemptions > 0 ? options.scheduler.preemption_cost_ms : 0;
        if (options.reference_tflops > 0) {
          const Pool& pool = cluster.pools()[static_cast<size_t>(job.alloc.pool)];
          run.tflops = cluster.catalog().at(pool.chip).fp16_tflops;
          run.reference = options.reference_tflops;
        }
        busy_cards += run.cards;
        // Work is card-ms at the reference speed.
        const int64_t rate = run.cards * run.tflops;
        finishes.push(
            {now + run.overhead + (rem * run.reference + rate - 1) / rate, d.job, job.epoch});
      } else {
        rem -= std::max<int64_t>(0, now - run.start - run.overhead) * run.cards * run.tflops /
               run.reference;
        rem = std::max<int64_t>(rem, 1);
        busy_cards -= run.cards;
        ++r.preemptions;
      }
    }
    if (decisions.empty() && finishes.empty() && next_arrival == trace.jobs.size() &&
        sched.pending_count() > 0 && sched.NextWakeup() == kNever) {
      return Internal(
          fmt::format("{}: {} jobs can never start", policy_name, sched.pending_count()));
    }
  }
  advance(now);

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
