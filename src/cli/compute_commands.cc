// `qiantang compute ...`: the compute module's API from the command line
// (chip catalog, clusters and their capacity, traces, server-side simulations).
#include <fmt/format.h>

#include <iostream>

#include "cli/command.h"
#include "cli/table.h"

namespace qt::cli {
namespace {

using nlohmann::json;

struct ComputeFlags {
  std::string name;
  std::string trace;
  std::string cluster;
  int64_t cards = 0;
  std::string chip;
  std::string policies;
  int64_t max_jobs = 0;
  int64_t time_scale = 0;
};
ComputeFlags flags;

std::string Num(const json& j) { return fmt::format("{:.1f}", j.get<double>()); }

void PrintCluster(const json& c) {
  std::cout << fmt::format("{}: {} cards, {:.0f} P, {} pools, {} nodes\n",
                           c["name"].get<std::string>(), c["cards"].get<int64_t>(),
                           c["pflops"].get<double>(), c["pools"].get<int64_t>(),
                           c["nodes"].get<int64_t>());
  std::vector<std::vector<std::string>> rows;
  for (const auto& b : c["by_chip"]) {
    rows.push_back({b["chip"], std::to_string(b["cards"].get<int64_t>()), Num(b["pflops"])});
  }
  PrintTable(std::cout, {"CHIP", "CARDS", "P"}, rows);
}

}  // namespace

void AddComputeCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* compute = app.add_subcommand("compute", "Compute: chips, clusters, simulations");
  compute->require_subcommand(1);
  AddCollection(*compute, "chips", "The chip catalog", ctx, [](CommandContext& c) {
    c.Emit(c.Client().Get("/api/v1/compute/chips"), [](const json& j) {
      std::vector<std::vector<std::string>> rows;
      for (const auto& chip : j["items"]) {
        // A CPU kind (unit a core) has an architecture where an accelerator has a rate.
        rows.push_back({Str(chip, "name"), Str(chip, "kind"), Str(chip, "vendor"),
                        chip.value("domestic", false) ? "yes" : "no", Str(chip, "memory_gib"),
                        Str(chip, "fp16_tflops"), Str(chip, "interconnect"),
                        Str(chip, "architecture"), Str(chip, "cores_per_socket")});
      }
      PrintTable(std::cout,
                 {"CHIP", "KIND", "VENDOR", "DOMESTIC", "MEMORY GIB", "FP16 TFLOPS", "INTERCONNECT",
                  "ARCH", "CORES/SOCKET"},
                 rows);
    });
  });
  CLI::App* clusters =
      AddCollection(*compute, "clusters", "The clusters with their capacity", ctx,
                    [](CommandContext& c) {
                      c.Emit(c.Client().Get("/api/v1/compute/clusters"), [](const json& j) {
                        for (const auto& cluster : j["items"]) PrintCluster(cluster);
                      });
                    })
          ->get_parent();
  auto* cluster = AddVerb(*clusters, "show", "One cluster's pools", ctx, [](CommandContext& c) {
    c.Emit(c.Client().Get("/api/v1/compute/clusters/" + flags.name), [](const json& j) {
      PrintCluster(j);
      std::vector<std::vector<std::string>> rows;
      for (const auto& p : j["pool_list"]) {
        rows.push_back({p["name"], p["provider"], p["region"], p["chip"],
                        std::to_string(p["cards"].get<int64_t>()), Num(p["pflops"])});
      }
      PrintTable(std::cout, {"POOL", "PROVIDER", "REGION", "CHIP", "CARDS", "P"}, rows);
    });
  });
  cluster->add_option("name", flags.name, "Cluster name (hz-10k, hz-pool)")->required();
  AddCollection(*compute, "traces", "The traces the server can simulate", ctx,
                [](CommandContext& c) {
                  c.Emit(c.Client().Get("/api/v1/compute/traces"), [](const json& j) {
                    if (j["items"].empty()) {
                      std::cout << "no traces: the server's traces folder (serve --traces-dir, by "
                                   "default testdata/traces beside where it runs) holds none\n";
                      return;
                    }
                    std::vector<std::vector<std::string>> rows;
                    for (const auto& t : j["items"])
                      rows.push_back({t["name"], std::to_string(t["bytes"].get<int64_t>())});
                    PrintTable(std::cout, {"TRACE", "BYTES"}, rows);
                  });
                });
  auto* simulate = AddVerb(
      *compute, "simulate",
      "Run a small simulation on the server (see `qiantang sim` to run locally)", ctx,
      [](CommandContext& c) {
        json body = {{"trace", flags.trace}};
        if (!flags.cluster.empty()) body["cluster"] = flags.cluster;
        if (flags.cards != 0) body["cards"] = flags.cards;
        if (!flags.chip.empty()) body["chip"] = flags.chip;
        if (!flags.policies.empty()) body["policies"] = flags.policies;
        if (flags.max_jobs != 0) body["max_jobs"] = flags.max_jobs;
        if (flags.time_scale != 0) body["time_scale"] = flags.time_scale;
        c.Emit(c.Client().Post("/api/v1/compute/simulations", body), [](const json& j) {
          std::vector<std::vector<std::string>> rows;
          for (const auto& s : j["summary"]) {
            rows.push_back({s["policy"], std::to_string(s["jobs"].get<int64_t>()),
                            Num(s["avg_jct_s"]), Num(s["p99_jct_s"]), Num(s["avg_queue_s"]),
                            fmt::format("{:.1f}%", s["utilization"].get<double>() * 100)});
          }
          PrintTable(std::cout, {"POLICY", "JOBS", "AVG JCT S", "P99 JCT S", "AVG QUEUE S", "UTIL"},
                     rows);
        });
      });
  simulate->add_option("--trace", flags.trace, "Trace name from `compute traces list`")->required();
  simulate->add_option("--cluster", flags.cluster, "hz-10k or hz-pool");
  simulate->add_option("--cards", flags.cards, "Or: a homogeneous cluster of N cards");
  simulate->add_option("--chip", flags.chip, "Chip of a --cards cluster");
  simulate->add_option("--policy", flags.policies, "Policies, comma-separated (default fifo,las)");
  simulate->add_option("--max-jobs", flags.max_jobs,
                       "Jobs to replay (default 2000, at most 20000)");
  simulate->add_option("--time-scale", flags.time_scale, "Divide arrival times by this integer");
}

}  // namespace qt::cli
