// `qiantang compute jobs ...`, `compute queue`, `compute nodes` and
// `compute history`: jobs on live clusters (compute/live/jobs.h). One verb per
// API call (docs/api/openapi.yaml).
#include <fmt/format.h>

#include <iostream>
#include <map>

#include "cli/command.h"
#include "cli/table.h"

namespace qt::cli {
namespace {

using nlohmann::json;

struct JobFlags {
  std::string id, cluster, name, chip = "any", reason, tenant, resource, from, to, policy;
  int64_t cards = 0, duration_s = 0, estimate_s = 0, priority = 0, node = -1, guaranteed = 0,
          ceiling = 0, step_s = 0;
  bool elastic = false, not_preemptible = false, busy_only = false, fail_on_node_failure = false;
};
JobFlags f;

void PrintJob(const json& j) {
  for (const char* k : {"id", "state", "cluster_id", "name", "cards", "chip", "pool", "leaves",
                        "submitted_at", "started_at", "finished_at", "preemptions", "run_s"}) {
    std::cout << k << ": " << Str(j, k) << "\n";
  }
  std::string nodes;
  for (const json& n : j.value("nodes", json::array())) {
    nodes += fmt::format("{}{}x{}", nodes.empty() ? "" : " ", n["node"].get<int64_t>(),
                         n["cards"].get<int64_t>());
  }
  std::cout << "nodes: " << nodes << "\n";
}

}  // namespace

void AddJobsCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* compute = app.get_subcommand("compute");
  CLI::App* jobs = compute->add_subcommand("jobs", "Jobs on live clusters");
  jobs->require_subcommand(1);

  auto* submit =
      AddVerb(*jobs, "submit", "Submit a job to a simulated cluster (queued, or running at once)",
              ctx, [](CommandContext& c) {
                json body = {{"cluster_id", f.cluster},
                             {"name", f.name},
                             {"cards", f.cards},
                             {"chip", f.chip},
                             {"elastic", f.elastic},
                             {"duration_s", f.duration_s},
                             {"priority", f.priority},
                             {"preemptible", !f.not_preemptible},
                             {"on_node_failure", f.fail_on_node_failure ? "fail" : "requeue"}};
                if (f.estimate_s > 0) body["estimate_s"] = f.estimate_s;
                c.Emit(c.Client().Post("/api/v1/compute/jobs", body), PrintJob);
              });
  submit->add_option("--cluster", f.cluster, "Provider cluster id (ccl_...)")->required();
  submit->add_option("--cards", f.cards, "Cards")->required();
  submit->add_option("--duration-s", f.duration_s, "How long it runs at full size, in seconds")
      ->required();
  submit->add_option("--name", f.name, "A label");
  submit->add_option("--chip", f.chip,
                     "any, chip:H800, vendor:huawei, tflops>=300 (cards); cpu, arch:arm64 (cores)");
  submit->add_flag("--elastic", f.elastic, "May start on fewer cards (default: gang)");
  submit->add_option("--estimate-s", f.estimate_s, "Your estimate of its run time, in seconds");
  submit->add_option("--priority", f.priority, "0 to 9, higher first");
  submit->add_flag("--not-preemptible", f.not_preemptible, "Never preempt it");
  submit->add_flag("--fail-on-node-failure", f.fail_on_node_failure,
                   "Fail it if a node it runs on goes down (default: queue it again)");

  AddListVerb(
      *jobs, "List the jobs you may see", ctx, "/api/v1/compute/jobs",
      {"ID", "STATE", "CLUSTER", "CARDS", "CHIP", "POOL", "SUBMITTED", "STARTED", "FINISHED"},
      {"id", "state", "cluster_id", "cards", "chip", "pool", "submitted_at", "started_at",
       "finished_at"},
      nullptr,
      {{"--cluster", "cluster_id", "Only this cluster's jobs"},
       {"--state", "state", "queued, running, completed or cancelled"}});
  auto* show = AddVerb(*jobs, "show", "Show a job and its nodes", ctx, [](CommandContext& c) {
    c.Emit(c.Client().Get("/api/v1/compute/jobs/" + UrlEncode(f.id)), PrintJob);
  });
  show->add_option("id", f.id, "Job id")->required();
  auto* cancel =
      AddVerb(*jobs, "cancel", "Cancel a queued or running job", ctx, [](CommandContext& c) {
        c.Emit(
            c.Client().Post("/api/v1/compute/jobs/" + UrlEncode(f.id) + "/cancel", json::object()),
            PrintJob);
      });
  cancel->add_option("id", f.id, "Job id")->required();

  auto* queue = AddVerb(
      *compute, "queue", "A live cluster's pending jobs in the order they will be considered", ctx,
      [](CommandContext& c) {
        c.Emit(
            c.Client().Get("/api/v1/compute/provider-clusters/" + UrlEncode(f.cluster) + "/queue"),
            [](const json& j) {
              PrintPage(j, {"#", "JOB", "CARDS", "CHIP", "WAITING S"},
                        {"position", "id", "cards", "chip", "waiting_s"});
            });
      });
  queue->add_option("cluster", f.cluster, "Provider cluster id")->required();

  auto* nodes = AddVerb(
      *compute, "nodes", "A live cluster's nodes: free cards and the jobs on them", ctx,
      [](CommandContext& c) {
        c.Emit(
            c.Client().Get("/api/v1/compute/provider-clusters/" + UrlEncode(f.cluster) + "/nodes"),
            [](const json& j) {
              int64_t cards = 0, free = 0;
              std::vector<std::vector<std::string>> rows;
              for (const json& n : j["items"]) {
                cards += n["cards"].get<int64_t>();
                free += n["free"].get<int64_t>();
                if (f.busy_only && n["jobs"].empty()) continue;
                std::string on = n["down"].get<bool>() ? "(down)" : "";
                for (const json& job : n["jobs"]) {
                  on += fmt::format("{}{}x{}", on.empty() ? "" : " ",
                                    job["id"].is_null() ? "(other)" : job["id"].get<std::string>(),
                                    job["cards"].get<int64_t>());
                }
                rows.push_back(
                    {std::to_string(n["node"].get<int64_t>()), n["pool"],
                     std::to_string(n["leaf"].get<int64_t>()),
                     std::to_string(n["pod"].get<int64_t>()),
                     fmt::format("{}/{}", n["free"].get<int64_t>(), n["cards"].get<int64_t>()),
                     on});
              }
              PrintTable(std::cout, {"NODE", "POOL", "LEAF", "POD", "FREE", "JOBS"}, rows);
              std::cout << fmt::format("{} of {} cards free\n", free, cards);
            });
      });
  nodes->add_option("cluster", f.cluster, "Provider cluster id")->required();
  nodes->add_flag("--busy", f.busy_only, "Only nodes with jobs on them");

  auto* quotas = AddVerb(
      *compute, "quotas", "A live cluster's tenant quotas and what each tenant holds now", ctx,
      [](CommandContext& c) {
        c.Emit(
            c.Client().Get("/api/v1/compute/provider-clusters/" + UrlEncode(f.cluster) + "/quotas"),
            [](const json& j) {
              PrintPage(j, {"TENANT", "RESOURCE", "GUARANTEED", "CEILING", "HELD", "CAPACITY"},
                        {"tenant_id", "resource", "guaranteed", "ceiling", "held", "capacity"});
            });
      });
  quotas->add_option("cluster", f.cluster, "Provider cluster id")->required();
  auto* quota_set = AddVerb(
      *compute, "quota-set",
      "Set a tenant's quota on a live cluster (operator; --guaranteed 0 --ceiling 0 removes it)",
      ctx, [](CommandContext& c) {
        c.Emit(
            c.Client().Post("/api/v1/compute/provider-clusters/" + UrlEncode(f.cluster) + "/quotas",
                            {{"tenant_id", f.tenant},
                             {"resource", f.resource},
                             {"guaranteed", f.guaranteed},
                             {"ceiling", f.ceiling}}),
            [](const json& q) {
              std::cout << fmt::format("{} on {}: guaranteed {}, ceiling {}, holds {} of {}\n",
                                       Str(q, "tenant_id"), Str(q, "resource"),
                                       Str(q, "guaranteed"),
                                       q["ceiling"].is_null() ? "none" : Str(q, "ceiling"),
                                       Str(q, "held"), Str(q, "capacity"));
            });
      });
  quota_set->add_option("cluster", f.cluster, "Provider cluster id")->required();
  quota_set->add_option("--tenant", f.tenant, "The tenant organisation's id")->required();
  quota_set
      ->add_option(
          "--resource", f.resource,
          "chip:H800, vendor:huawei, any (cards); chip:Kunpeng920, arch:arm64, cpu (cores)")
      ->required();
  quota_set->add_option("--guaranteed", f.guaranteed, "Cards (cores) guaranteed under drf");
  quota_set->add_option("--ceiling", f.ceiling, "The most it may hold at once (0: none)");

  auto print_policy = [](const json& p) {
    std::cout << fmt::format("{}: {}", Str(p, "cluster_id"), Str(p, "policy"));
    if (!p["set_by"].is_null()) {
      std::cout << fmt::format(" (set by {} at {})", Str(p, "set_by"), Str(p, "set_at"));
    }
    std::cout << "\n";
  };
  auto* policy = AddVerb(*compute, "policy", "The scheduling policy a live cluster runs", ctx,
                         [print_policy](CommandContext& c) {
                           c.Emit(c.Client().Get("/api/v1/compute/provider-clusters/" +
                                                 UrlEncode(f.cluster) + "/policy"),
                                  print_policy);
                         });
  policy->add_option("cluster", f.cluster, "Provider cluster id")->required();
  auto* policy_set = AddVerb(
      *compute, "policy-set",
      "Change a live cluster's scheduling policy while it runs (operator; queued jobs are "
      "reordered, running jobs keep their cards)",
      ctx, [print_policy](CommandContext& c) {
        c.Emit(
            c.Client().Post("/api/v1/compute/provider-clusters/" + UrlEncode(f.cluster) + "/policy",
                            {{"policy", f.policy}}),
            print_policy);
      });
  policy_set->add_option("cluster", f.cluster, "Provider cluster id")->required();
  policy_set->add_option("policy", f.policy, "fifo, backfill, sjf, las or drf")->required();

  auto* usage = AddVerb(
      *compute, "usage",
      "Usage per tenant, month and chip, and each tenant's domestic share (信创迁移)", ctx,
      [](CommandContext& c) {
        std::string query;
        for (const auto& [key, value] : {std::pair{"from", f.from},
                                         {"to", f.to},
                                         {"cluster_id", f.cluster},
                                         {"tenant_id", f.tenant}}) {
          if (!value.empty())
            query += (query.empty() ? "?" : "&") + std::string(key) + "=" + UrlEncode(value);
        }
        c.Emit(c.Client().Get("/api/v1/compute/usage" + query), [](const json& j) {
          PrintPage(j, {"TENANT", "MONTH", "CHIP", "UNIT", "DOMESTIC", "HOURS"},
                    {"tenant_id", "month", "chip", "unit", "domestic", "hours"});
          std::vector<std::vector<std::string>> rows;
          for (const json& t : j["tenants"]) {
            rows.push_back({Str(t, "tenant_id"), Str(t, "month"),
                            Str(t["card_hours"], "domestic_share"),
                            Str(t["core_hours"], "domestic_share")});
          }
          std::cout << "\n";
          PrintTable(std::cout, {"TENANT", "MONTH", "DOMESTIC SHARE (CARDS)", "(CORES)"}, rows);
        });
      });
  usage->add_option("--from", f.from, "First month, YYYY-MM (default: --to)");
  usage->add_option("--to", f.to, "Last month, YYYY-MM (default: this month)");
  usage->add_option("--cluster", f.cluster, "Only this provider cluster");
  usage->add_option("--tenant", f.tenant, "Only this tenant organisation");

  auto* history = AddVerb(
      *compute, "history",
      "A live cluster's utilisation and fragmentation over time, per pool (means per step)", ctx,
      [](CommandContext& c) {
        std::string query;
        for (const auto& [key, value] :
             {std::pair{"from", f.from},
              {"to", f.to},
              {"step_s", f.step_s > 0 ? std::to_string(f.step_s) : std::string()}}) {
          if (!value.empty())
            query += (query.empty() ? "?" : "&") + std::string(key) + "=" + UrlEncode(value);
        }
        c.Emit(c.Client().Get("/api/v1/compute/provider-clusters/" + UrlEncode(f.cluster) +
                              "/history" + query),
               [](const json& j) {
                 std::vector<std::vector<std::string>> rows;
                 for (const json& p : j["points"]) {
                   for (const json& pool : p["pools"]) {
                     rows.push_back({Str(p, "at"), Str(pool, "pool"), Str(pool, "cards"),
                                     Str(pool, "busy"), Str(pool, "free"), Str(pool, "down"),
                                     Str(pool, "fragmented"), Str(pool, "pending")});
                   }
                 }
                 PrintTable(
                     std::cout,
                     {"AT", "POOL", "CARDS", "BUSY", "FREE", "DOWN", "FRAGMENTED", "PENDING"},
                     rows);
                 std::cout << fmt::format("{} to {}, a step of {} s\n", Str(j, "from"),
                                          Str(j, "to"), Str(j, "step_s"));
               });
      });
  history->add_option("cluster", f.cluster, "Provider cluster id")->required();
  history->add_option("--from", f.from, "Start, RFC 3339 (default: a day before --to)");
  history->add_option("--to", f.to, "End, RFC 3339 (default: now)");
  history->add_option("--step-s", f.step_s,
                      "Seconds per point, a multiple of 60 (default: about 240 points)");

  for (const bool down : {true, false}) {
    auto* verb = AddVerb(
        *compute, down ? "node-down" : "node-up",
        down ? "Take a node of your live cluster out of service (its jobs stop whole)"
             : "Put a node of your live cluster back in service",
        ctx, [down](CommandContext& c) {
          c.Emit(c.Client().Post("/api/v1/compute/provider-clusters/" + UrlEncode(f.cluster) +
                                     "/nodes/" + std::to_string(f.node) + (down ? "/down" : "/up"),
                                 {{"reason", f.reason}}),
                 [](const json& n) {
                   std::cout << fmt::format("node {} ({}, leaf {}): {}, {}/{} cards free\n",
                                            n["node"].get<int64_t>(), n["pool"].get<std::string>(),
                                            n["leaf"].get<int64_t>(),
                                            n["down"].get<bool>() ? "down" : "up",
                                            n["free"].get<int64_t>(), n["cards"].get<int64_t>());
                 });
        });
    verb->add_option("cluster", f.cluster, "Provider cluster id")->required();
    verb->add_option("node", f.node, "Node number (compute nodes CLUSTER)")->required();
    verb->add_option("--reason", f.reason, "Why, for the ledger");
  }
}

}  // namespace qt::cli
