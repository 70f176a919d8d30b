// Discrete-event simulation of a scheduler on a cluster replaying a trace:
// job arrivals, starts, preemptions and completions in simulated time, with
// the metrics the issue asks for (docs/compute/simulator.md):
//   JCT (finish - submit) and queueing delay (JCT - time running) per job,
//   their mean, median and p99; utilisation (busy card-time over cards x
//   makespan) and a time series of it; makespan; fragmentation (free cards
//   that cannot serve the head-of-queue job); Jain's fairness index over
//   tenants of their mean run/JCT ratio; and the wall-clock latency of each
//   scheduling decision.
//
// The jobs run on an Engine (engine.h), the loop the live platform drives
// too: a preempted job keeps its progress and pays the checkpoint cost when it
// resumes, elastic jobs started on fewer cards run proportionally longer, and
// durations depend on the chip kind only with a reference chip.
#ifndef QIANTANG_COMPUTE_SIMULATOR_H_
#define QIANTANG_COMPUTE_SIMULATOR_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "compute/cluster.h"
#include "compute/scheduler.h"
#include "compute/trace.h"
#include "core/status.h"

namespace qt::compute {

struct SimOptions {
  SchedulerOptions scheduler;
  // Time-series step (0: 1/1000 of the trace's arrival span, at least a minute).
  int64_t sample_interval_ms = 0;
  // Called now and then with the fraction of jobs completed (0..1).
  std::function<void(double)> progress;
  // 0: a job runs its trace duration on any chip. Otherwise the trace's
  // durations were measured on chips of this many TFLOPS, and a job on a chip
  // of T TFLOPS runs reference / T times as long ("one cloud, many chips").
  int64_t reference_tflops = 0;
};

struct JobResult {
  std::string id;
  std::string tenant;
  int cards = 0;
  int64_t submit_ms = 0;
  int64_t first_start_ms = 0;
  int64_t finish_ms = 0;
  int64_t run_ms = 0;  // wall time spent running (all runs)
  int preemptions = 0;
  int leaves = 0;  // leaf switches of its first placement
};

struct Sample {
  int64_t t_ms = 0;
  double utilization = 0;  // mean over the step
  int64_t pending = 0;     // at the end of the step
  int64_t running = 0;
  int64_t fragmented_cards = 0;
};

struct SimResult {
  std::string policy;
  std::string trace;
  std::string cluster;
  int64_t cards = 0;
  size_t jobs = 0;                    // completed
  std::vector<std::string> rejected;  // "id: reason" of jobs refused at submit
  int64_t sorted_rows = 0;
  double avg_jct_s = 0, p50_jct_s = 0, p99_jct_s = 0;
  double avg_queue_s = 0, p50_queue_s = 0, p99_queue_s = 0;
  double utilization = 0;
  double makespan_s = 0;
  double avg_fragmentation = 0;  // mean fraction of all cards free yet unusable by the head job
  double jain_fairness = 0;
  int64_t preemptions = 0;
  double avg_leaves_multi_node = 0;  // over jobs larger than one node
  double decision_p50_us = 0, decision_p99_us = 0;
  int64_t decisions = 0;
  double wall_s = 0;
  std::vector<JobResult> job_results;  // in completion order
  std::vector<Sample> samples;
};

// Replays `trace` on `cluster` under `policy`. invalid_argument for an
// unknown policy or invalid options; jobs that can never fit are rejected
// (listed in SimResult::rejected) and the rest still run.
Result<SimResult> Simulate(const Cluster& cluster, const Trace& trace, std::string_view policy,
                           const SimOptions& options);

}  // namespace qt::compute

#endif  // QIANTANG_COMPUTE_SIMULATOR_H_
