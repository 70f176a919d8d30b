// Market: providers' clusters, their prices and availability, and the pooled
// capacity (market.h). Requests and quotes are in quotes.cc, orders in
// orders.cc, the backends that run them in backends.cc.
#include "compute/market/market.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "accounts/paging.h"
#include "compute/job.h"
#include "compute/market/occupancy.h"
#include "compute/market/quote_memory.h"
#include "compute/market/rows.h"
#include "compute/market/slurm.h"
#include "compute/market/vouchers.h"
#include "core/text.h"
#include "store/decode.h"
#include "store/transact.h"

namespace qt::compute::market {

using accounts::OrgKind;
using accounts::Principal;
using accounts::Role;
using nlohmann::json;
using store::Row;
using store::Rows;
using store::Tx;

Market::Market(store::Store& store, MarketOptions options)
    : store_(store), options_(options), ids_(*options.clock, *options.random) {}

Market::~Market() = default;

Result<ClusterOffer> Market::RegisterCluster(const Principal& caller, const NewCluster& nc) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kComputeProvider, "register clusters"));
  QT_RETURN_IF_ERROR(CheckDisplayText(nc.name, 100).WithContext("name"));
  QT_RETURN_IF_ERROR(CheckDisplayText(nc.region, 100).WithContext("region"));
  if (nc.pools.empty() || nc.pools.size() > 64)
    return InvalidArgument("pools: between 1 and 64 pools");
  ClusterOffer c;
  c.id = ids_.Next("ccl");
  c.provider_id = caller.org_id;
  c.name = nc.name;
  c.region = nc.region;
  c.backend = nc.backend;
  c.pools = nc.pools;
  c.fen_per_card_hour = nc.fen_per_card_hour;
  c.created_at = options_.clock->NowMillis();
  std::set<std::string> names;
  for (size_t i = 0; i < nc.pools.size(); ++i) {
    const PoolSpec& p = nc.pools[i];
    std::string where = fmt::format("pools[{}]", i);
    QT_RETURN_IF_ERROR(CheckDisplayText(p.name, 100).WithContext(where + ".name"));
    if (!names.insert(p.name).second)
      return InvalidArgument(where + ".name: duplicate pool name " + p.name);
    int chip = options_.catalog->Find(p.chip);
    if (chip < 0)
      return InvalidArgument(fmt::format("{}.chip: unknown chip \"{}\"", where, p.chip));
    auto in = [&](int v, int lo, int hi, const char* field) -> Status {
      if (v < lo || v > hi)
        return InvalidArgument(
            fmt::format("{}.{}: must be between {} and {}", where, field, lo, hi));
      return OkStatus();
    };
    QT_RETURN_IF_ERROR(in(p.nodes, 1, 100'000, "nodes"));
    // A CPU kind's unit is a core: up to 4,096 a node.
    QT_RETURN_IF_ERROR(
        in(p.cards_per_node, 1, options_.catalog->at(chip).cpu() ? 4096 : 64, "cards_per_node"));
    QT_RETURN_IF_ERROR(in(p.cpu_cores_per_node, 1, 4096, "cpu_cores_per_node"));
    QT_RETURN_IF_ERROR(in(p.memory_gib_per_node, 1, 1 << 20, "memory_gib_per_node"));
    QT_RETURN_IF_ERROR(in(p.nodes_per_leaf, 1, 4096, "nodes_per_leaf"));
    QT_RETURN_IF_ERROR(in(p.leaves_per_pod, 1, 4096, "leaves_per_pod"));
    if (!c.fen_per_card_hour.contains(p.chip)) {
      return InvalidArgument(
          fmt::format("prices: no price for chip {} of pool {}", p.chip, p.name));
    }
    if (!options_.catalog->at(chip).cpu()) {  // cores are not cards
      c.cards += p.cards();
      c.tflops += p.cards() * options_.catalog->at(chip).fp16_tflops;
    }
  }
  QT_RETURN_IF_ERROR(CheckPrices(nc.pools, c.fen_per_card_hour));
  QuoteChanges changes;
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    changes = {.clusters = {c}};
    QT_ASSIGN_OR_RETURN(const int64_t change, changes.Number(tx));
    auto r = tx.Exec(
        "INSERT INTO market_clusters (id, provider_id, name, region, backend, spec, available, "
        "cards, tflops, created_at, change_seq) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
        {c.id, c.provider_id, c.name, c.region, std::string(BackendName(c.backend)),
         PoolsJson(c.pools).dump(), c.cards, c.tflops, c.created_at, change});
    if (r.status().code() == StatusCode::kConflict) {
      return Conflict("name: this organisation already has a cluster named " + c.name);
    }
    QT_RETURN_IF_ERROR(r.status());
    json prices = json::object();
    for (const auto& [chip, fen] : c.fen_per_card_hour) {
      QT_RETURN_IF_ERROR(tx.Exec("INSERT INTO market_prices (cluster_id, chip, fen_per_card_hour) "
                                 "VALUES (?, ?, ?)",
                                 {c.id, chip, fen})
                             .status());
      prices[chip] = fen;
    }
    return options_.journal
        ->Append(tx, {caller.org_id,
                      "compute.cluster.registered",
                      c.id,
                      {{"backend", BackendName(c.backend)},
                       {"cards", c.cards},
                       {"tflops", c.tflops},
                       {"fen_per_card_hour", prices}}})
        .status();
  }));
  Applied(changes);
  return c;
}

Status Market::SetAvailable(const Principal& caller, const std::string& cluster_id,
                            bool available) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kComputeProvider, "change clusters"));
  QuoteChanges changes;
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    changes = {};
    QT_ASSIGN_OR_RETURN(ClusterOffer cluster, LoadOwnCluster(tx, caller, cluster_id));
    QT_ASSIGN_OR_RETURN(const int64_t change, changes.Number(tx));
    QT_RETURN_IF_ERROR(
        tx.Exec("UPDATE market_clusters SET available = ?, change_seq = ? WHERE id = ?",
                {int64_t{available ? 1 : 0}, change, cluster_id})
            .status());
    cluster.available = available;
    changes.clusters.push_back(std::move(cluster));
    return options_.journal
        ->Append(
            tx,
            {caller.org_id, "compute.cluster.availability", cluster_id, {{"available", available}}})
        .status();
  }));
  Applied(changes);
  return OkStatus();
}

Status Market::SetPrices(const Principal& caller, const std::string& cluster_id,
                         const std::map<std::string, int64_t>& fen_per_card_hour) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kComputeProvider, "change clusters"));
  QuoteChanges changes;
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    changes = {};
    QT_ASSIGN_OR_RETURN(ClusterOffer cluster, LoadOwnCluster(tx, caller, cluster_id));
    for (const PoolSpec& p : cluster.pools) {
      if (!fen_per_card_hour.contains(p.chip)) {
        return InvalidArgument(
            fmt::format("prices: no price for chip {} of pool {}", p.chip, p.name));
      }
    }
    QT_RETURN_IF_ERROR(CheckPrices(cluster.pools, fen_per_card_hour));
    QT_RETURN_IF_ERROR(
        tx.Exec("DELETE FROM market_prices WHERE cluster_id = ?", {cluster_id}).status());
    json prices = json::object();
    for (const auto& [chip, fen] : fen_per_card_hour) {
      QT_RETURN_IF_ERROR(tx.Exec("INSERT INTO market_prices (cluster_id, chip, fen_per_card_hour) "
                                 "VALUES (?, ?, ?)",
                                 {cluster_id, chip, fen})
                             .status());
      prices[chip] = fen;
    }
    QT_ASSIGN_OR_RETURN(const int64_t change, changes.Number(tx));
    QT_RETURN_IF_ERROR(
        tx.Exec("UPDATE market_clusters SET change_seq = ? WHERE id = ?", {change, cluster_id})
            .status());
    cluster.fen_per_card_hour = fen_per_card_hour;
    changes.clusters.push_back(std::move(cluster));
    return options_.journal
        ->Append(
            tx,
            {caller.org_id, "compute.cluster.prices", cluster_id, {{"fen_per_card_hour", prices}}})
        .status();
  }));
  Applied(changes);
  return OkStatus();
}

Result<std::vector<ClusterOffer>> Market::ListClusters(const std::string& provider_id) {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<std::vector<ClusterOffer>> {
    return provider_id.empty() ? LoadClusters(tx, "", {})
                               : LoadClusters(tx, "WHERE provider_id = ?", {provider_id});
  });
}

Result<ClusterOffer> Market::GetCluster(const std::string& cluster_id) {
  QT_ASSIGN_OR_RETURN(std::vector<ClusterOffer> cs, store::ReadValue(store_, [&](Tx& tx) {
                        return LoadClusters(tx, "WHERE id = ?", {cluster_id});
                      }));
  if (cs.empty()) return NotFound("cluster: no cluster " + cluster_id);
  return std::move(cs[0]);
}

Result<Capacity> Market::PooledCapacity() {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<Capacity> {
    QT_ASSIGN_OR_RETURN(auto clusters, LoadClusters(tx, "WHERE available = 1", {}));
    QT_ASSIGN_OR_RETURN(
        Rows busy,
        tx.Query(
            "SELECT cluster_id, pool, CAST(SUM(cards) AS BIGINT) AS busy_cards FROM market_orders "
            "WHERE state = 'running' GROUP BY cluster_id, pool"));
    std::map<std::pair<std::string, std::string>, int64_t> busy_by_pool;
    for (const Row& r : busy)
      busy_by_pool[{r.Text("cluster_id"), r.Text("pool")}] = r.Int("busy_cards");
    std::map<std::string, Capacity::Group> prov, chip, region, cluster;
    Capacity cap;
    for (const ClusterOffer& c : clusters) {
      for (const PoolSpec& p : c.pools) {
        const Chip& kind = options_.catalog->at(options_.catalog->Find(p.chip));
        if (kind.cpu()) continue;  // the pooled capacity counts cards, not cores
        int64_t cards = p.cards();
        int64_t tflops = cards * kind.fp16_tflops;
        int64_t b = busy_by_pool[{c.id, p.name}];
        for (auto [m, key] : {std::pair{&prov, c.provider_id}, std::pair{&chip, p.chip},
                              std::pair{&region, c.region}, std::pair{&cluster, c.name}}) {
          Capacity::Group& g = (*m)[key];
          g.key = key;
          g.cards += cards;
          g.tflops += tflops;
          g.busy_cards += b;
        }
        cap.cards += cards;
        cap.tflops += tflops;
        cap.busy_cards += b;
      }
    }
    for (auto [m, out] :
         {std::pair{&prov, &cap.by_provider}, std::pair{&chip, &cap.by_chip},
          std::pair{&region, &cap.by_region}, std::pair{&cluster, &cap.by_cluster}}) {
      for (auto& [k, g] : *m) out->push_back(g);
    }
    return cap;
  });
}

}  // namespace qt::compute::market
