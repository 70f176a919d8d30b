#include "api/compute_routes.h"

#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

#include "api/json_body.h"
#include "compute/configs.h"
#include "compute/policy.h"
#include "compute/report.h"
#include "compute/simulator.h"
#include "compute/trace.h"

namespace qt::api {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

struct ComputeState {
  ComputeRouteOptions options;
  compute::ChipCatalog catalog;
  std::map<std::string, compute::Cluster> clusters;
  std::mutex simulation;  // one simulation at a time: they are CPU-bound
};

json ChipJson(const compute::Chip& c) {
  json j = {{"name", c.name},
            {"kind", c.cpu() ? "cpu" : "accelerator"},
            {"vendor", c.vendor},
            {"domestic", c.domestic}};
  if (c.cpu()) {
    j["architecture"] = c.architecture;
    j["cores_per_socket"] = c.cores_per_socket;
  } else {
    j["memory_gib"] = c.memory_gib;
    j["fp16_tflops"] = c.fp16_tflops;
    j["interconnect"] = c.interconnect;
  }
  return j;
}

double Pflops(int64_t tflops) { return static_cast<double>(tflops) / 1000.0; }

json ClusterJson(const compute::Cluster& c, bool detail) {
  json j = {{"name", c.name()},           {"cards", c.total_cards()},
            {"tflops", c.total_tflops()}, {"pflops", Pflops(c.total_tflops())},
            {"pools", c.pools().size()},  {"nodes", c.nodes().size()}};
  std::map<std::string, std::pair<int64_t, int64_t>> by_chip, by_provider, by_region;
  json pools = json::array();
  for (const compute::Pool& p : c.pools()) {
    const compute::Chip& chip = c.catalog().at(p.chip);
    int64_t tflops = p.cards() * chip.fp16_tflops;
    for (auto* m : {&by_chip, &by_provider, &by_region}) {
      const std::string& key = m == &by_chip       ? chip.name
                               : m == &by_provider ? p.provider
                                                   : p.region;
      (*m)[key].first += p.cards();
      (*m)[key].second += tflops;
    }
    pools.push_back({{"name", p.name},
                     {"provider", p.provider},
                     {"region", p.region},
                     {"chip", chip.name},
                     {"nodes", p.nodes},
                     {"cards_per_node", p.cards_per_node},
                     {"cards", p.cards()},
                     {"leaves", p.leaf_count},
                     {"pods", p.pod_count},
                     {"pflops", Pflops(tflops)}});
  }
  auto group = [](const std::map<std::string, std::pair<int64_t, int64_t>>& m, const char* key) {
    json out = json::array();
    for (const auto& [k, v] : m) {
      out.push_back({{key, k}, {"cards", v.first}, {"pflops", Pflops(v.second)}});
    }
    return out;
  };
  j["by_chip"] = group(by_chip, "chip");
  if (detail) {
    j["by_provider"] = group(by_provider, "provider");
    j["by_region"] = group(by_region, "region");
    j["pool_list"] = pools;
  }
  return j;
}

std::vector<std::pair<std::string, uintmax_t>> ListTraces(const std::string& dir) {
  std::vector<std::pair<std::string, uintmax_t>> out;
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().extension() == ".csv") {
      out.emplace_back(fs::relative(it->path(), dir, ec).generic_string(), it->file_size(ec));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<json> RunSimulation(ComputeState& st, const Request& req) {
  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
  QT_ASSIGN_OR_RETURN(std::string trace_name, body.String("trace", 500));
  QT_ASSIGN_OR_RETURN(std::string cluster_name, body.OptionalString("cluster", 100, ""));
  QT_ASSIGN_OR_RETURN(int64_t cards, body.OptionalInt("cards", 0, 8, 1'000'000));
  QT_ASSIGN_OR_RETURN(std::string chip, body.OptionalString("chip", 100, "A100"));
  QT_ASSIGN_OR_RETURN(std::string policy_list, body.OptionalString("policies", 200, "fifo,las"));
  QT_ASSIGN_OR_RETURN(int64_t max_jobs,
                      body.OptionalInt("max_jobs", 2000, 1, st.options.max_simulation_jobs));
  QT_ASSIGN_OR_RETURN(int64_t time_scale, body.OptionalInt("time_scale", 1, 1, 1000));
  QT_RETURN_IF_ERROR(body.Finish());

  // Only files the server lists may be read: no paths from outside traces_dir.
  bool known = false;
  for (const auto& [name, size] : ListTraces(st.options.traces_dir))
    known = known || name == trace_name;
  if (!known)
    return NotFound(fmt::format("trace: no trace named \"{}\" on this server", trace_name));
  if (cluster_name.empty() == (cards == 0))
    return InvalidArgument("cluster: give one of cluster or cards");
  compute::Cluster homogeneous;
  const compute::Cluster* cluster = nullptr;
  if (!cluster_name.empty()) {
    auto it = st.clusters.find(cluster_name);
    if (it == st.clusters.end())
      return NotFound(fmt::format("cluster: no cluster named \"{}\"", cluster_name));
    cluster = &it->second;
  } else {
    auto h = compute::Cluster::Homogeneous(cards, chip, st.catalog);
    if (!h.ok()) return h.status();
    homogeneous = std::move(*h);
    cluster = &homogeneous;
  }
  std::vector<std::string> policies;
  for (size_t start = 0; start <= policy_list.size();) {
    size_t end = std::min(policy_list.find(',', start), policy_list.size());
    std::string name = policy_list.substr(start, end - start);
    auto p = compute::MakePolicy(name);
    if (!p.ok()) return p.status().WithContext("policies");
    policies.push_back(name);
    start = end + 1;
  }

  std::unique_lock lock(st.simulation, std::try_to_lock);
  if (!lock.owns_lock())
    return ResourceExhausted("a simulation is already running; try again shortly");
  QT_ASSIGN_OR_RETURN(compute::Trace trace,
                      compute::LoadTrace((fs::path(st.options.traces_dir) / trace_name).string()));
  if (time_scale > 1) compute::ScaleArrivals(&trace, static_cast<double>(time_scale));
  compute::Truncate(&trace, static_cast<size_t>(max_jobs));
  std::vector<compute::SimResult> results;
  for (const std::string& p : policies) {
    QT_ASSIGN_OR_RETURN(compute::SimResult r, compute::Simulate(*cluster, trace, p, {}));
    results.push_back(std::move(r));
  }
  json summary = json::array();
  for (const auto& r : results) summary.push_back(compute::SummaryJson(r));
  json rejected = json::array();
  for (size_t i = 0; i < results[0].rejected.size() && i < 20; ++i)
    rejected.push_back(results[0].rejected[i]);
  return json{{"trace", trace.name},
              {"jobs", trace.jobs.size()},
              {"cluster", ClusterJson(*cluster, false)},
              {"summary", summary},
              {"rejected", rejected},
              {"utilization_svg", compute::UtilizationSvg(results)},
              {"jct_cdf_svg", compute::JctCdfSvg(results)}};
}

}  // namespace

Status RegisterComputeRoutes(Router& router, ComputeRouteOptions options) {
  auto st = std::make_shared<ComputeState>();
  st->options = std::move(options);
  QT_ASSIGN_OR_RETURN(st->catalog, compute::LoadChipCatalog(""));
  for (std::string_view name : compute::BuiltinClusterNames()) {
    QT_ASSIGN_OR_RETURN(compute::Cluster c, compute::LoadCluster(std::string(name), st->catalog));
    st->clusters.emplace(std::string(name), std::move(c));
  }

  router.Handle("GET", "/api/v1/compute/chips", Access::Public(),
                [st](const Request&) -> Result<Response> {
                  json items = json::array();
                  for (const auto& c : st->catalog.chips()) items.push_back(ChipJson(c));
                  return Response::Json({{"items", items}});
                });

  router.Handle("GET", "/api/v1/compute/clusters", Access::Public(),
                [st](const Request&) -> Result<Response> {
                  json items = json::array();
                  for (const auto& [name, c] : st->clusters) items.push_back(ClusterJson(c, false));
                  return Response::Json({{"items", items}});
                });

  router.Handle("GET", "/api/v1/compute/clusters/{name}", Access::Public(),
                [st](const Request& req) -> Result<Response> {
                  std::string name = req.PathParam("name");
                  auto it = st->clusters.find(name);
                  if (it == st->clusters.end()) {
                    return NotFound(fmt::format("name: no cluster named \"{}\"", name));
                  }
                  return Response::Json(ClusterJson(it->second, true));
                });

  router.Handle("GET", "/api/v1/compute/traces", Access::SignedIn(),
                [st](const Request&) -> Result<Response> {
                  json items = json::array();
                  for (const auto& [name, bytes] : ListTraces(st->options.traces_dir)) {
                    items.push_back({{"name", name}, {"bytes", bytes}});
                  }
                  return Response::Json({{"items", items}});
                });

  router.Handle("POST", "/api/v1/compute/simulations", Access::SignedIn(),
                [st](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(json out, RunSimulation(*st, req));
                  return Response::Json(out);
                });
  return OkStatus();
}

}  // namespace qt::api
