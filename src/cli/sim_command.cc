// `qiantang sim`: replays job traces on a cluster under one or more
// scheduling policies and writes the reports (docs/compute/simulator.md).
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "cli/table.h"
#include "compute/configs.h"
#include "compute/policy.h"
#include "compute/report.h"
#include "compute/simulator.h"
#include "compute/trace.h"

namespace qt::cli {
namespace {

struct SimArgs {
  std::vector<std::string> traces;
  std::string cluster;
  int64_t cards = 0;
  std::string chip = "A100";
  std::string reference_chip;
  std::string chips_file;
  std::string policies = "fifo,backfill,sjf,las,drf";
  std::string out;
  double time_scale = 1.0;
  int64_t max_jobs = 0;
  bool oracle = false;
  double preemption_cost_s = 60;
  double min_run_s = 600;
  double starvation_limit_h = 48;
  std::vector<int64_t> las_thresholds;
  std::vector<std::string> weights;
  bool quiet = false;
};

std::string Seconds(double s) {
  if (s >= 86400) return fmt::format("{:.1f}d", s / 86400);
  if (s >= 3600) return fmt::format("{:.1f}h", s / 3600);
  return fmt::format("{:.0f}s", s);
}

Status RunSim(const SimArgs& a) {
  if (a.traces.empty()) return InvalidArgument("--trace is required");
  if (a.cluster.empty() == (a.cards == 0))
    return InvalidArgument("give one of --cluster or --cards");
  if (!(a.time_scale > 0)) return InvalidArgument("--time-scale must be positive");
  if (a.max_jobs < 0) return InvalidArgument("--max-jobs must not be negative");
  QT_ASSIGN_OR_RETURN(compute::ChipCatalog catalog, compute::LoadChipCatalog(a.chips_file));
  compute::Cluster cluster;
  if (!a.cluster.empty()) {
    QT_ASSIGN_OR_RETURN(cluster, compute::LoadCluster(a.cluster, catalog));
  } else {
    QT_ASSIGN_OR_RETURN(cluster, compute::Cluster::Homogeneous(a.cards, a.chip, catalog));
  }
  std::vector<std::string> policies = SplitList(a.policies);
  if (policies.empty()) return InvalidArgument("--policy names no policy");
  for (const std::string& p : policies) QT_RETURN_IF_ERROR(compute::MakePolicy(p).status());

  compute::SimOptions opts;
  if (!a.reference_chip.empty()) {
    int chip = catalog.Find(a.reference_chip);
    if (chip < 0)
      return InvalidArgument("--reference-chip: no chip " + a.reference_chip + " in the catalog");
    opts.reference_tflops = catalog.at(chip).fp16_tflops;
  }
  opts.scheduler.oracle = a.oracle;
  opts.scheduler.preemption_cost_ms = static_cast<int64_t>(a.preemption_cost_s * 1000);
  opts.scheduler.min_run_before_preemption_ms = static_cast<int64_t>(a.min_run_s * 1000);
  opts.scheduler.starvation_limit_ms = static_cast<int64_t>(a.starvation_limit_h * 3.6e6);
  if (!a.las_thresholds.empty()) opts.scheduler.las_thresholds_card_s = a.las_thresholds;
  for (const std::string& w : a.weights) {
    size_t eq = w.rfind('=');
    int weight = 0;
    if (eq == std::string::npos || eq == 0 || std::sscanf(w.c_str() + eq + 1, "%d", &weight) != 1) {
      return InvalidArgument(fmt::format("--weight \"{}\" is not TENANT=WEIGHT", w));
    }
    opts.scheduler.tenant_weights[w.substr(0, eq)] = weight;
  }
  QT_RETURN_IF_ERROR(opts.scheduler.Validate());

  std::vector<compute::Trace> traces;
  for (const std::string& path : a.traces) {
    QT_ASSIGN_OR_RETURN(compute::Trace t, compute::LoadTrace(path));
    traces.push_back(std::move(t));
  }
  compute::Trace trace = compute::MergeTraces(std::move(traces));
  if (a.time_scale != 1.0) compute::ScaleArrivals(&trace, a.time_scale);
  if (a.max_jobs > 0) compute::Truncate(&trace, static_cast<size_t>(a.max_jobs));
  if (trace.sorted > 0) {
    std::cerr << fmt::format("note: {} rows were out of submit order and have been sorted\n",
                             trace.sorted);
  }

  std::vector<compute::SimResult> results;
  // The progress bar is drawn only on a terminal: in a log it would be
  // hundreds of lines.
  const bool bar = !a.quiet && isatty(STDERR_FILENO);
  for (const std::string& p : policies) {
    if (bar) {
      opts.progress = [&](double f) {
        int filled = static_cast<int>(f * 30);
        std::cerr << fmt::format("\r{:<9}[{:#<{}}{:-<{}}] {:3.0f}%", p, "", filled, "", 30 - filled,
                                 f * 100);
      };
    }
    QT_ASSIGN_OR_RETURN(compute::SimResult r, compute::Simulate(cluster, trace, p, opts));
    if (bar) std::cerr << "\n";
    results.push_back(std::move(r));
  }
  const compute::SimResult& first = results.front();
  std::cout << fmt::format("trace {} ({} jobs, {} rejected), cluster {} ({} cards, {:.0f} P)\n",
                           trace.name, trace.jobs.size(), first.rejected.size(), cluster.name(),
                           cluster.total_cards(), compute::ToPflops(cluster.total_tflops()));
  for (size_t i = 0; i < first.rejected.size() && i < 5; ++i) {
    std::cout << "  rejected: " << first.rejected[i] << "\n";
  }
  const compute::SimResult* fifo = nullptr;
  for (const auto& r : results) {
    if (r.policy == "fifo") fifo = &r;
  }
  std::vector<std::vector<std::string>> rows;
  rows.reserve(results.size());
  for (const auto& r : results) {
    rows.push_back(
        {r.policy, std::to_string(r.jobs), Seconds(r.avg_jct_s), Seconds(r.p50_jct_s),
         Seconds(r.p99_jct_s), Seconds(r.avg_queue_s), fmt::format("{:.1f}%", r.utilization * 100),
         Seconds(r.makespan_s), std::to_string(r.preemptions),
         fmt::format("{:.3f}", r.jain_fairness), fmt::format("{:.1f}", r.decision_p99_us),
         fmt::format("{:.2f}", r.wall_s),
         fifo && r.avg_jct_s > 0 ? fmt::format("{:.2f}x", fifo->avg_jct_s / r.avg_jct_s) : "-"});
  }
  PrintTable(std::cout,
             {"POLICY", "JOBS", "AVG JCT", "P50 JCT", "P99 JCT", "AVG QUEUE", "UTIL", "MAKESPAN",
              "PREEMPT", "JAIN", "P99 DECISION US", "WALL S", "VS FIFO"},
             rows);
  if (!a.out.empty()) {
    QT_RETURN_IF_ERROR(compute::WriteReports(results, a.out));
    std::cout << "reports in " << a.out << "\n";
  }
  return OkStatus();
}

}  // namespace

void AddSimCommand(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<SimArgs>();
  CLI::App* sim =
      app.add_subcommand("sim", "Replay job traces on a cluster under scheduling policies");
  sim->add_option("--trace", args->traces,
                  "Trace file (Philly, ITP or Qiantang CSV; repeat to merge traces)")
      ->required();
  sim->add_option("--cluster", args->cluster,
                  "Cluster file, or a built-in cluster (hz-10k, hz-pool)");
  sim->add_option("--cards", args->cards,
                  "Instead of --cluster: N cards of --chip in 8-card nodes");
  sim->add_option("--chip", args->chip, "Chip of a --cards cluster (default A100)");
  sim->add_option("--chips", args->chips_file, "Chip catalog file (default: the built-in one)");
  sim->add_option(
      "--reference-chip", args->reference_chip,
      "The chip the trace's durations were measured on; faster chips then run jobs faster");
  sim->add_option("--policy", args->policies, "Policies, comma-separated (default: all five)");
  sim->add_option("--out", args->out, "Folder for summary.json, jobs.csv, metrics.csv and plots");
  sim->add_option("--time-scale", args->time_scale, "Divide arrival times by F (compress)");
  sim->add_option("--max-jobs", args->max_jobs, "Replay only the first N jobs");
  sim->add_flag("--oracle", args->oracle, "Estimates are the true durations (an upper bound)");
  sim->add_option("--preemption-cost", args->preemption_cost_s,
                  "Seconds a preempted job loses when it resumes (default 60)");
  sim->add_option("--min-run", args->min_run_s,
                  "Seconds a job runs before it may be preempted (default 600)");
  sim->add_option("--starvation-limit", args->starvation_limit_h,
                  "Hours of waiting after which a job jumps the queue (0: never; default 48)");
  sim->add_option("--las-thresholds", args->las_thresholds,
                  "las queue thresholds in card-seconds (default 3600,36000)")
      ->delimiter(',');
  sim->add_option("--weight", args->weights, "drf tenant weight TENANT=W (repeatable)");
  sim->add_flag("--quiet", args->quiet, "No progress bar");
  sim->callback([args, &ctx] {
    Status s = RunSim(*args);
    if (!s.ok()) {
      std::cerr << "error: " << s.message() << std::endl;
      // Bad input, a file or cluster that is not there included, is 2
      // (docs/compute/simulator.md); anything else 1.
      const bool bad_input =
          s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kNotFound;
      ctx.exit_code = bad_input ? 2 : 1;
    }
  });
}

}  // namespace qt::cli
