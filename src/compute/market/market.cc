#include "compute/market/market.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "accounts/paging.h"
#include "compute/job.h"
#include "compute/market/occupancy.h"
#include "compute/market/slurm.h"
#include "compute/market/vouchers.h"
#include "core/text.h"
#include "store/decode.h"
#include "store/transact.h"

namespace qt::compute::market {
namespace {

using accounts::OrgKind;
using accounts::Principal;
using accounts::Role;
using nlohmann::json;
using store::Row;
using store::Rows;
using store::Tx;

__extension__ typedef __int128 Int128;
constexpr int64_t kMsPerHour = 3'600'000;
constexpr int64_t kMaxAmountFen = int64_t{1'000'000'000'000'000};  // 10^13 yuan

// invalid_argument unless each price is for a chip some pool has and within
// 1..kMaxFenPerCardHour fen per card-hour.
Status CheckPrices(const std::vector<PoolSpec>& pools,
                   const std::map<std::string, int64_t>& fen_per_card_hour) {
  for (const auto& [chip, fen] : fen_per_card_hour) {
    bool used = false;
    for (const PoolSpec& p : pools) used = used || p.chip == chip;
    if (!used) return InvalidArgument(fmt::format("prices.{}: no pool has this chip", chip));
    if (fen < 1 || fen > Market::kMaxFenPerCardHour) {
      return InvalidArgument(fmt::format("prices.{}: must be between 1 and {} fen per card-hour",
                                         chip, Market::kMaxFenPerCardHour));
    }
  }
  return OkStatus();
}

// ceil(card_ms * fen_per_card_hour / 1 h), refusing absurd totals.
Result<int64_t> Charge(int64_t card_ms, int64_t fen_per_card_hour) {
  Int128 v = (static_cast<Int128>(card_ms) * fen_per_card_hour + kMsPerHour - 1) / kMsPerHour;
  if (v > kMaxAmountFen) return InvalidArgument("the amount exceeds 10^13 yuan");
  return static_cast<int64_t>(v);
}

constexpr std::string_view kOrderColumns =
    "id, request_id, quote_id, enterprise_id, provider_id, cluster_id, pool, chip, cards, "
    "start_ms, end_ms, fen_per_card_hour, amount_fen, state, reason, started_at, finished_at, "
    "usage_card_ms, created_at, backend_job";

OrderState ParseOrderState(const std::string& s) {
  for (OrderState st : {OrderState::kAccepted, OrderState::kRunning, OrderState::kCompleted,
                        OrderState::kCancelled, OrderState::kFailed}) {
    if (OrderStateName(st) == s) return st;
  }
  return OrderState::kFailed;
}

// The tick's error when damaged orders were passed over (each is logged).
Status DamagedOrders(int n) {
  return Internal(std::to_string(n) + " damaged orders were passed over");
}

Result<Order> OrderFromRow(const Row& r) {
  return store::Decode<Order>("market_orders", r, [&]() -> Order {
    Order o;
    o.id = r.Text("id");
    o.request_id = r.Text("request_id");
    o.quote_id = r.Text("quote_id");
    o.enterprise_id = r.Text("enterprise_id");
    o.provider_id = r.Text("provider_id");
    o.cluster_id = r.Text("cluster_id");
    o.pool = r.Text("pool");
    o.chip = r.Text("chip");
    o.cards = r.Int("cards");
    o.start_ms = r.Int("start_ms");
    o.end_ms = r.Int("end_ms");
    o.fen_per_card_hour = r.Int("fen_per_card_hour");
    o.amount_fen = r.Int("amount_fen");
    o.state = ParseOrderState(r.Text("state"));
    o.reason = r.Text("reason");
    o.started_at = r.Int("started_at");
    o.finished_at = r.Int("finished_at");
    o.usage_card_ms = r.Int("usage_card_ms");
    o.created_at = r.Int("created_at");
    o.backend_job = r.Text("backend_job");
    return o;
  });
}

// The row of order `id`: not_found if there is none, a failed query's error
// as it is.
Result<Row> ReadOrderRow(Tx& tx, const std::string& id) {
  QT_ASSIGN_OR_RETURN(
      Rows rows,
      tx.Query("SELECT " + std::string(kOrderColumns) + " FROM market_orders WHERE id = ?", {id}));
  if (rows.empty()) return NotFound("order: no order " + id);
  return std::move(rows[0]);
}

// The order `id`: not_found if there is none, internal if its row is damaged.
Result<Order> ReadOrder(Tx& tx, const std::string& id) {
  QT_ASSIGN_OR_RETURN(Row row, ReadOrderRow(tx, id));
  return OrderFromRow(row);
}

Result<std::vector<ClusterOffer>> LoadClusters(Tx& tx, const std::string& where,
                                               const store::Params& params) {
  QT_ASSIGN_OR_RETURN(Rows rows,
                      tx.Query("SELECT id, provider_id, name, region, backend, spec, "
                               "available, cards, tflops, created_at FROM market_clusters " +
                                   where + " ORDER BY id",
                               params));
  std::vector<ClusterOffer> out;
  for (const Row& r : rows) {
    // A damaged cluster is logged and left out of the market: the others
    // are still listed and quoted.
    auto decoded = store::Decode<ClusterOffer>("market_clusters", r, [&] {
      ClusterOffer c;
      c.id = r.Text("id");
      c.provider_id = r.Text("provider_id");
      c.name = r.Text("name");
      c.region = r.Text("region");
      c.backend = ParseBackend(r.Text("backend")).value_or(Backend::kSimulated);
      c.pools = PoolsFromJson(json::parse(r.Text("spec")));
      c.available = r.Int("available") != 0;
      c.cards = r.Int("cards");
      c.tflops = r.Int("tflops");
      c.created_at = r.Int("created_at");
      return c;
    });
    if (!decoded.ok()) continue;
    ClusterOffer c = std::move(decoded).value();
    QT_ASSIGN_OR_RETURN(Rows prices, tx.Query("SELECT chip, fen_per_card_hour FROM market_prices "
                                              "WHERE cluster_id = ?",
                                              {c.id}));
    for (const Row& p : prices) c.fen_per_card_hour[p.Text("chip")] = p.Int("fen_per_card_hour");
    out.push_back(std::move(c));
  }
  return out;
}

// The cluster `cluster_id` if the caller's organisation provides it: not_found
// or permission_denied otherwise.
Result<ClusterOffer> LoadOwnCluster(Tx& tx, const Principal& caller,
                                    const std::string& cluster_id) {
  QT_ASSIGN_OR_RETURN(auto cs, LoadClusters(tx, "WHERE id = ?", {cluster_id}));
  if (cs.empty()) return NotFound("cluster: no cluster " + cluster_id);
  if (cs[0].provider_id != caller.org_id) {
    return PermissionDenied("cluster: not one of your clusters");
  }
  return std::move(cs[0]);
}

// Reservations (accepted and running orders) on one pool overlapping [from, to).
Result<std::vector<Reservation>> Reservations(Tx& tx, const std::string& cluster_id,
                                              const std::string& pool, int64_t from, int64_t to) {
  QT_ASSIGN_OR_RETURN(
      Rows rows, tx.Query("SELECT start_ms, end_ms, cards FROM market_orders WHERE cluster_id = ? "
                          "AND pool = ? AND state IN ('accepted', 'running') AND end_ms > ? "
                          "AND start_ms < ?",
                          {cluster_id, pool, from, to}));
  std::vector<Reservation> out;
  for (const Row& r : rows) out.push_back({r.Int("start_ms"), r.Int("end_ms"), r.Int("cards")});
  return out;
}

std::string Month(int64_t ms) {
  std::string t = FormatRfc3339(ms);
  return t.substr(0, 7);
}

}  // namespace

Market::Market(store::Store& store, MarketOptions options)
    : store_(store), options_(options), ids_(*options.clock, *options.random) {}

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
    QT_RETURN_IF_ERROR(in(p.cards_per_node, 1, 64, "cards_per_node"));
    QT_RETURN_IF_ERROR(in(p.cpu_cores_per_node, 1, 4096, "cpu_cores_per_node"));
    QT_RETURN_IF_ERROR(in(p.memory_gib_per_node, 1, 1 << 20, "memory_gib_per_node"));
    QT_RETURN_IF_ERROR(in(p.nodes_per_leaf, 1, 4096, "nodes_per_leaf"));
    QT_RETURN_IF_ERROR(in(p.leaves_per_pod, 1, 4096, "leaves_per_pod"));
    if (!c.fen_per_card_hour.contains(p.chip)) {
      return InvalidArgument(
          fmt::format("prices: no price for chip {} of pool {}", p.chip, p.name));
    }
    int64_t cards = p.cards();
    c.cards += cards;
    c.tflops += cards * options_.catalog->at(chip).fp16_tflops;
  }
  QT_RETURN_IF_ERROR(CheckPrices(nc.pools, c.fen_per_card_hour));
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    auto r = tx.Exec(
        "INSERT INTO market_clusters (id, provider_id, name, region, backend, spec, available, "
        "cards, tflops, created_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
        {c.id, c.provider_id, c.name, c.region, std::string(BackendName(c.backend)),
         PoolsJson(c.pools).dump(), c.cards, c.tflops, c.created_at});
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
  return c;
}

Status Market::SetAvailable(const Principal& caller, const std::string& cluster_id,
                            bool available) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kComputeProvider, "change clusters"));
  return store_.Write([&](Tx& tx) -> Status {
    QT_RETURN_IF_ERROR(LoadOwnCluster(tx, caller, cluster_id).status());
    QT_RETURN_IF_ERROR(tx.Exec("UPDATE market_clusters SET available = ? WHERE id = ?",
                               {int64_t{available ? 1 : 0}, cluster_id})
                           .status());
    return options_.journal
        ->Append(
            tx,
            {caller.org_id, "compute.cluster.availability", cluster_id, {{"available", available}}})
        .status();
  });
}

Status Market::SetPrices(const Principal& caller, const std::string& cluster_id,
                         const std::map<std::string, int64_t>& fen_per_card_hour) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kComputeProvider, "change clusters"));
  return store_.Write([&](Tx& tx) -> Status {
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
    return options_.journal
        ->Append(
            tx,
            {caller.org_id, "compute.cluster.prices", cluster_id, {{"fen_per_card_hour", prices}}})
        .status();
  });
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
        int64_t cards = p.cards();
        int64_t tflops = cards * options_.catalog->at(options_.catalog->Find(p.chip)).fp16_tflops;
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

Result<std::vector<Quote>> Market::Match(Tx& tx, const ComputeRequest& r) {
  QT_ASSIGN_OR_RETURN(ChipConstraint constraint, ChipConstraint::Parse(r.chip));
  QT_ASSIGN_OR_RETURN(auto clusters, LoadClusters(tx, "WHERE available = 1", {}));
  int64_t now = options_.clock->NowMillis();
  int64_t from = std::max(now, r.window_start);
  std::vector<Quote> quotes;
  for (const ClusterOffer& c : clusters) {
    for (const PoolSpec& p : c.pools) {
      const Chip& chip = options_.catalog->at(options_.catalog->Find(p.chip));
      int64_t capacity = p.cards();
      int64_t price = c.fen_per_card_hour.at(p.chip);
      if (!constraint.Allows(chip) || price > r.max_fen_per_card_hour || capacity < r.cards)
        continue;
      QT_ASSIGN_OR_RETURN(auto rs, Reservations(tx, c.id, p.name, from, r.window_end));
      int64_t start =
          Occupancy(rs).EarliestStart(capacity, r.cards, from, r.duration_ms, r.window_end);
      if (start < 0) continue;
      Quote q;
      q.request_id = r.id;
      q.cluster_id = c.id;
      q.provider_id = c.provider_id;
      q.pool = p.name;
      q.chip = p.chip;
      q.fen_per_card_hour = price;
      QT_ASSIGN_OR_RETURN(q.amount_fen, Charge(r.cards * r.duration_ms, price));
      q.start_ms = start;
      q.end_ms = start + r.duration_ms;
      int64_t per_leaf = int64_t{p.cards_per_node} * p.nodes_per_leaf;
      q.leaves = r.gang ? (r.cards + per_leaf - 1) / per_leaf : 0;
      q.expires_at = now + options_.quote_ttl_ms;
      quotes.push_back(std::move(q));
    }
  }
  std::sort(quotes.begin(), quotes.end(), [](const Quote& a, const Quote& b) {
    return std::tie(a.amount_fen, a.start_ms, a.leaves, a.cluster_id, a.pool) <
           std::tie(b.amount_fen, b.start_ms, b.leaves, b.cluster_id, b.pool);
  });
  for (size_t i = 0; i < quotes.size(); ++i) {
    Quote& q = quotes[i];
    q.id = ids_.Next("cqt");
    q.rank = static_cast<int64_t>(i) + 1;
    QT_RETURN_IF_ERROR(
        tx.Exec(
              "INSERT INTO market_quotes (id, request_id, cluster_id, provider_id, "
              "pool, chip, fen_per_card_hour, amount_fen, start_ms, end_ms, leaves, "
              "rank, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {q.id, q.request_id, q.cluster_id, q.provider_id, q.pool, q.chip, q.fen_per_card_hour,
               q.amount_fen, q.start_ms, q.end_ms, q.leaves, q.rank, q.expires_at})
            .status());
  }
  return quotes;
}

Result<PostedRequest> Market::PostRequest(const Principal& caller, const NewRequest& n) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kEnterprise, "post compute requests"));
  int64_t now = options_.clock->NowMillis();
  if (n.cards < 1 || n.cards > kMaxCards) {
    return InvalidArgument(fmt::format("cards: must be between 1 and {}", kMaxCards));
  }
  QT_RETURN_IF_ERROR(ChipConstraint::Parse(n.chip).status().WithContext("chip"));
  if (n.duration_ms < 60'000 || n.duration_ms > kMaxDurationMs) {
    return InvalidArgument("duration_s: must be between 60 and 31622400 (366 days)");
  }
  if (n.window_end <= now) return InvalidArgument("window_end: the window has already ended");
  if (n.window_end - std::max(now, n.window_start) < n.duration_ms) {
    return InvalidArgument("window_end: the window is shorter than the duration");
  }
  if (n.window_end - n.window_start > 2 * kMaxDurationMs) {
    return InvalidArgument("window_end: the window is longer than two years");
  }
  if (n.max_fen_per_card_hour < 1 || n.max_fen_per_card_hour > kMaxFenPerCardHour) {
    return InvalidArgument(
        fmt::format("max_fen_per_card_hour: must be between 1 and {}", kMaxFenPerCardHour));
  }
  ComputeRequest r{ids_.Next("crq"),
                   caller.org_id,
                   n.cards,
                   n.chip,
                   n.gang,
                   n.duration_ms,
                   n.window_start,
                   n.window_end,
                   n.max_fen_per_card_hour,
                   RequestState::kOpen,
                   now};
  return store::WriteValue(store_, [&](Tx& tx) -> Result<PostedRequest> {
    QT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO market_requests (id, enterprise_id, cards, chip, gang, "
                "duration_ms, window_start, window_end, max_fen_per_card_hour, state, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)",
                {r.id, r.enterprise_id, r.cards, r.chip, int64_t{r.gang ? 1 : 0}, r.duration_ms,
                 r.window_start, r.window_end, r.max_fen_per_card_hour, now})
            .status());
    QT_ASSIGN_OR_RETURN(std::vector<Quote> quotes, Match(tx, r));
    QT_RETURN_IF_ERROR(options_.journal
                           ->Append(tx, {caller.org_id,
                                         "compute.request.posted",
                                         r.id,
                                         {{"cards", r.cards},
                                          {"chip", r.chip},
                                          {"duration_ms", r.duration_ms},
                                          {"quotes", quotes.size()}}})
                           .status());
    return PostedRequest{r, std::move(quotes)};
  });
}

Result<std::vector<Quote>> Market::Quotes(const Principal& caller, const std::string& request_id) {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<std::vector<Quote>> {
    QT_ASSIGN_OR_RETURN(
        Rows req, tx.Query("SELECT enterprise_id FROM market_requests WHERE id = ?", {request_id}));
    if (req.empty()) return NotFound("request: no request " + request_id);
    if (req[0].Text("enterprise_id") != caller.org_id && !caller.IsOperator()) {
      return PermissionDenied("request: quotes are visible to the requesting enterprise only");
    }
    QT_ASSIGN_OR_RETURN(Rows rows,
                        tx.Query("SELECT id, request_id, cluster_id, provider_id, pool, chip, "
                                 "fen_per_card_hour, amount_fen, start_ms, end_ms, leaves, "
                                 "rank, expires_at FROM market_quotes WHERE request_id = ? "
                                 "ORDER BY rank",
                                 {request_id}));
    std::vector<Quote> out;
    out.reserve(rows.size());
    for (const Row& r : rows) {
      out.push_back({r.Text("id"), r.Text("request_id"), r.Text("cluster_id"),
                     r.Text("provider_id"), r.Text("pool"), r.Text("chip"),
                     r.Int("fen_per_card_hour"), r.Int("amount_fen"), r.Int("start_ms"),
                     r.Int("end_ms"), r.Int("leaves"), r.Int("rank"), r.Int("expires_at")});
    }
    return out;
  });
}

Status Market::Transition(Tx& tx, Order& o, OrderState to, const std::string& actor) {
  std::string from(OrderStateName(o.state));
  o.state = to;
  QT_ASSIGN_OR_RETURN(
      int64_t n,
      tx.Exec("UPDATE market_orders SET state = ?, reason = ?, started_at = ?, "
              "finished_at = ?, usage_card_ms = ?, backend_job = ? WHERE id = ? AND state = ?",
              {std::string(OrderStateName(to)), o.reason, o.started_at, o.finished_at,
               o.usage_card_ms, o.backend_job, o.id, from}));
  if (n != 1) return Conflict("order: " + o.id + " changed meanwhile; retry");
  return options_.journal
      ->Append(tx, {actor,
                    "compute.order." + std::string(OrderStateName(to)),
                    o.id,
                    {{"from", from}, {"usage_card_ms", o.usage_card_ms}}})
      .status();
}

Result<Order> Market::AcceptQuote(const Principal& caller, const std::string& quote_id) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kEnterprise, "accept quotes"));
  return store::WriteValue(store_, [&](Tx& tx) -> Result<Order> {
    int64_t now = options_.clock->NowMillis();
    QT_ASSIGN_OR_RETURN(
        Rows q,
        tx.Query(
            "SELECT q.request_id, q.cluster_id, q.provider_id, q.pool, q.chip, "
            "q.fen_per_card_hour, q.amount_fen, q.start_ms, q.end_ms, "
            "q.expires_at, r.enterprise_id, r.state, r.cards, r.window_end FROM market_quotes q "
            "JOIN market_requests r ON r.id = q.request_id WHERE q.id = ?",
            {quote_id}));
    if (q.empty()) return NotFound("quote: no quote " + quote_id);
    const Row& r = q[0];
    if (r.Text("enterprise_id") != caller.org_id)
      return PermissionDenied("quote: not a quote for your request");
    if (r.Text("state") != "open")
      return FailedPrecondition("quote: the request is already " + r.Text("state"));
    if (r.Int("expires_at") <= now) return FailedPrecondition("quote: expired; ask for new quotes");
    // A quote whose start has passed starts now instead, if the window allows.
    const int64_t start = std::max(r.Int("start_ms"), now);
    const int64_t end = start + (r.Int("end_ms") - r.Int("start_ms"));
    if (end > r.Int("window_end")) {
      return FailedPrecondition("quote: too late to run within the request's window");
    }
    QT_ASSIGN_OR_RETURN(auto clusters, LoadClusters(tx, "WHERE id = ?", {r.Text("cluster_id")}));
    if (clusters.empty() || !clusters[0].available) {
      return FailedPrecondition("quote: the cluster is no longer available");
    }
    int64_t capacity = 0;
    for (const PoolSpec& p : clusters[0].pools) {
      if (p.name == r.Text("pool")) capacity = p.cards();
    }
    QT_ASSIGN_OR_RETURN(auto rs,
                        Reservations(tx, r.Text("cluster_id"), r.Text("pool"), start, end));
    if (!Occupancy(rs).FitsAt(capacity, r.Int("cards"), start, end - start)) {
      return Conflict("quote: its capacity has been taken by another order; ask for new quotes");
    }
    const Order o{ids_.Next("cor"),
                  r.Text("request_id"),
                  quote_id,
                  caller.org_id,
                  r.Text("provider_id"),
                  r.Text("cluster_id"),
                  r.Text("pool"),
                  r.Text("chip"),
                  r.Int("cards"),
                  start,
                  end,
                  r.Int("fen_per_card_hour"),
                  r.Int("amount_fen"),
                  OrderState::kAccepted,
                  "",
                  0,
                  0,
                  0,
                  now,
                  ""};
    QT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO market_orders (" + std::string(kOrderColumns) +
                    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                {o.id,          o.request_id,
                 o.quote_id,    o.enterprise_id,
                 o.provider_id, o.cluster_id,
                 o.pool,        o.chip,
                 o.cards,       o.start_ms,
                 o.end_ms,      o.fen_per_card_hour,
                 o.amount_fen,  std::string("accepted"),
                 o.reason,      o.started_at,
                 o.finished_at, o.usage_card_ms,
                 o.created_at,  o.backend_job})
            .status());
    QT_RETURN_IF_ERROR(
        tx.Exec("UPDATE market_requests SET state = 'ordered' WHERE id = ?", {o.request_id})
            .status());
    QT_RETURN_IF_ERROR(options_.journal
                           ->Append(tx, {caller.org_id,
                                         "compute.order.accepted",
                                         o.id,
                                         {{"request_id", o.request_id},
                                          {"quote_id", quote_id},
                                          {"provider_id", o.provider_id},
                                          {"cluster_id", o.cluster_id},
                                          {"cards", o.cards},
                                          {"start_ms", o.start_ms},
                                          {"end_ms", o.end_ms},
                                          {"amount_fen", o.amount_fen}}})
                           .status());
    return o;
  });
}

Status Market::Settle(Tx& tx, Order& o, const std::string& actor) {
  if (o.usage_card_ms <= 0) return OkStatus();
  Bill b;
  b.id = ids_.Next("cbl");
  b.order_id = o.id;
  b.enterprise_id = o.enterprise_id;
  b.provider_id = o.provider_id;
  b.usage_card_ms = o.usage_card_ms;
  QT_ASSIGN_OR_RETURN(b.gross_fen, Charge(o.usage_card_ms, o.fen_per_card_hour));
  b.lines.push_back(
      {fmt::format("{} card-hours of {} on {}/{} at {} fen per card-hour",
                   fmt::format("{:.3f}", static_cast<double>(o.usage_card_ms) / kMsPerHour), o.chip,
                   o.cluster_id, o.pool, o.fen_per_card_hour),
       b.gross_fen});
  if (options_.vouchers != nullptr) {
    QT_ASSIGN_OR_RETURN(auto deductions, options_.vouchers->Redeem(tx, b));
    for (const BillLine& l : deductions) {
      b.voucher_fen -= l.amount_fen;
      b.lines.push_back(l);
    }
  }
  b.payable_fen = b.gross_fen - b.voucher_fen;
  b.created_at = options_.clock->NowMillis();
  json lines = json::array();
  for (const BillLine& l : b.lines)
    lines.push_back({{"description", l.description}, {"amount_fen", l.amount_fen}});
  QT_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO market_bills (id, order_id, enterprise_id, provider_id, "
              "usage_card_ms, gross_fen, voucher_fen, payable_fen, lines, created_at) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {b.id, b.order_id, b.enterprise_id, b.provider_id, b.usage_card_ms, b.gross_fen,
               b.voucher_fen, b.payable_fen, lines.dump(), b.created_at})
          .status());
  return options_.journal
      ->Append(tx, {actor,
                    "compute.bill.issued",
                    b.id,
                    {{"order_id", o.id},
                     {"usage_card_ms", b.usage_card_ms},
                     {"gross_fen", b.gross_fen},
                     {"voucher_fen", b.voucher_fen},
                     {"payable_fen", b.payable_fen}}})
      .status();
}

Result<Order> Market::CancelOrder(const Principal& caller, const std::string& order_id,
                                  const std::string& reason) {
  QT_RETURN_IF_ERROR(CheckDisplayText(reason, 500).WithContext("reason"));
  if (!caller.Has(Role::kMember)) return PermissionDenied("viewers cannot cancel orders");
  QT_ASSIGN_OR_RETURN(
      const Order cancelled, store::WriteValue(store_, [&](Tx& tx) -> Result<Order> {
        QT_ASSIGN_OR_RETURN(Order o, ReadOrder(tx, order_id));
        if (o.enterprise_id != caller.org_id && o.provider_id != caller.org_id) {
          return PermissionDenied("order: only its enterprise or provider may cancel it");
        }
        if (o.state != OrderState::kAccepted && o.state != OrderState::kRunning) {
          return FailedPrecondition(fmt::format("order: already {}", OrderStateName(o.state)));
        }
        int64_t now = options_.clock->NowMillis();
        o.reason = reason;
        if (o.state == OrderState::kRunning) {
          o.finished_at = now;
          o.usage_card_ms = o.cards * (now - o.started_at) * options_.simulated_time_scale;
        }
        QT_RETURN_IF_ERROR(Transition(tx, o, OrderState::kCancelled, caller.org_id));
        QT_RETURN_IF_ERROR(Settle(tx, o, caller.org_id));
        return o;
      }));
  if (!cancelled.backend_job.empty() && options_.slurm != nullptr) {
    Status s = options_.slurm->Cancel(cancelled.backend_job);
    if (!s.ok()) return Status(s.code(), "order cancelled, but scancel failed: " + s.message());
  }
  return cancelled;
}

Result<int> Market::Advance() {
  // Both run even if one fails (a damaged order in one must not stop the other).
  Result<int> simulated = AdvanceSimulated();
  Result<int> slurm = AdvanceSlurm();
  if (!simulated.ok()) return simulated.status();
  if (!slurm.ok()) return slurm.status();
  return *simulated + *slurm;
}

Status Market::Finish(const std::string& order_id, OrderState from, OrderState to,
                      int64_t usage_card_ms, const std::string& reason) {
  return store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(Order o, ReadOrder(tx, order_id));
    if (o.state != from) return Conflict("order: " + o.id + " changed meanwhile");
    o.finished_at = options_.clock->NowMillis();
    o.usage_card_ms = usage_card_ms;
    o.reason = reason;
    QT_RETURN_IF_ERROR(Transition(tx, o, to, o.provider_id));
    return Settle(tx, o, o.provider_id);
  });
}

Result<int> Market::AdvanceSlurm() {
  struct Due {
    Order order;
    bool available;  // its cluster
  };
  // The orders to drive, read in one snapshot.
  struct DueOrders {
    std::vector<Due> due;
    int damaged = 0;  // left out: their rows are damaged
  };
  const int64_t now = options_.clock->NowMillis();
  const int64_t scale = options_.simulated_time_scale;
  QT_ASSIGN_OR_RETURN(
      const DueOrders work, store::ReadValue(store_, [&](Tx& tx) -> Result<DueOrders> {
        DueOrders out;
        QT_ASSIGN_OR_RETURN(Rows rows,
                            tx.Query("SELECT o.id, c.available FROM market_orders o JOIN "
                                     "market_clusters c ON c.id = o.cluster_id WHERE "
                                     "c.backend = 'slurm' AND (o.state = 'running' OR "
                                     "(o.state = 'accepted' AND (o.start_ms <= ? OR "
                                     "c.available = 0)))",
                                     {now}));
        for (const Row& r : rows) {
          QT_ASSIGN_OR_RETURN(Row o, ReadOrderRow(tx, r.Text("id")));
          auto decoded = OrderFromRow(o);
          if (!decoded.ok()) {
            ++out.damaged;  // logged; the other orders still advance
            continue;
          }
          out.due.push_back({std::move(decoded).value(), r.Int("available") != 0});
        }
        return out;
      }));
  int changed = 0;
  // Backend calls happen outside transactions (a write may be retried); each
  // write re-checks the order's state.
  for (const Due& d : work.due) {
    const Order& o = d.order;
    Status s;
    if (o.state == OrderState::kAccepted) {
      if (!d.available) {
        s = Finish(o.id, o.state, OrderState::kFailed, 0,
                   "the provider's cluster became unavailable");
      } else if (options_.slurm == nullptr) {
        s = Finish(o.id, o.state, OrderState::kFailed, 0,
                   "this platform has no connection to Slurm");
      } else {
        s = StartOnSlurm(o);
      }
    } else if (!d.available) {
      if (!o.backend_job.empty()) (void)options_.slurm->Cancel(o.backend_job);
      s = Finish(o.id, o.state, OrderState::kFailed, o.cards * (now - o.started_at) * scale,
                 "the provider's cluster became unavailable");
    } else if (options_.slurm != nullptr) {
      Result<SlurmJob> job = options_.slurm->Query(o.backend_job);
      if (!job.ok() && job.status().code() == StatusCode::kNotFound) {
        s = Finish(o.id, o.state, OrderState::kFailed, o.cards * (now - o.started_at) * scale,
                   "Slurm no longer knows job " + o.backend_job);
      } else if (!job.ok()) {
        s = job.status();
      } else if (job->phase == SlurmJob::Phase::kCompleted ||
                 job->phase == SlurmJob::Phase::kFailed) {
        int64_t ran =
            job->start_ms > 0 && job->end_ms >= job->start_ms ? job->end_ms - job->start_ms : 0;
        bool ok = job->phase == SlurmJob::Phase::kCompleted;
        s = Finish(o.id, o.state, ok ? OrderState::kCompleted : OrderState::kFailed,
                   o.cards * ran * scale, ok ? "" : "the Slurm job ended " + job->state);
      } else {
        continue;
      }
    } else {
      continue;
    }
    if (s.ok()) {
      ++changed;
    } else if (s.code() != StatusCode::kConflict) {
      return s;
    }
  }
  if (work.damaged > 0) return DamagedOrders(work.damaged);
  return changed;
}

Status Market::StartOnSlurm(const Order& o) {
  QT_ASSIGN_OR_RETURN(
      const int cards_per_node, store::ReadValue(store_, [&](Tx& tx) -> Result<int> {
        QT_ASSIGN_OR_RETURN(auto clusters, LoadClusters(tx, "WHERE id = ?", {o.cluster_id}));
        int out = 0;
        for (const PoolSpec& p : clusters.at(0).pools) {
          if (p.name == o.pool) out = p.cards_per_node;
        }
        return out;
      }));
  if (cards_per_node == 0) return Internal("order " + o.id + ": its pool is gone");
  const int64_t nodes = (o.cards + cards_per_node - 1) / cards_per_node;
  const int64_t per_node = (o.cards + nodes - 1) / nodes;
  const int64_t run_ms = (o.end_ms - o.start_ms) / options_.simulated_time_scale;
  QT_ASSIGN_OR_RETURN(
      std::string job,
      options_.slurm->Submit("qiantang-" + o.id, static_cast<int>(nodes),
                             static_cast<int>(per_node), run_ms, run_ms + 5 * 60'000));
  Status s = store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(Order cur, ReadOrder(tx, o.id));
    if (cur.state != OrderState::kAccepted)
      return Conflict("order: " + o.id + " changed meanwhile");
    cur.backend_job = job;
    cur.started_at = options_.clock->NowMillis();
    return Transition(tx, cur, OrderState::kRunning, cur.provider_id);
  });
  if (!s.ok()) (void)options_.slurm->Cancel(job);  // nobody will follow it
  return s;
}

Result<int> Market::AdvanceSimulated() {
  // Orders changed, and orders left out because their rows are damaged.
  struct Advanced {
    int changed = 0;
    int damaged = 0;
  };
  QT_ASSIGN_OR_RETURN(
      const Advanced done, store::WriteValue(store_, [&](Tx& tx) -> Result<Advanced> {
        Advanced out;
        int64_t now = options_.clock->NowMillis();
        int64_t scale = options_.simulated_time_scale;
        QT_ASSIGN_OR_RETURN(
            Rows rows, tx.Query("SELECT o.id, c.available FROM market_orders o JOIN "
                                "market_clusters c ON c.id = o.cluster_id WHERE "
                                "c.backend = 'simulated' AND (o.state = 'running' OR "
                                "(o.state = 'accepted' AND (o.start_ms <= ? OR c.available = 0)))",
                                {now}));
        for (const Row& row : rows) {
          QT_ASSIGN_OR_RETURN(Row orow, ReadOrderRow(tx, row.Text("id")));
          auto decoded = OrderFromRow(orow);
          if (!decoded.ok()) {
            ++out.damaged;  // logged; the other orders still advance
            continue;
          }
          Order o = std::move(decoded).value();
          bool available = row.Int("available") != 0;
          const std::string actor = o.provider_id;
          if (!available) {
            o.reason = "the provider's cluster became unavailable";
            o.finished_at = now;
            if (o.state == OrderState::kRunning)
              o.usage_card_ms = o.cards * (now - o.started_at) * scale;
            QT_RETURN_IF_ERROR(Transition(tx, o, OrderState::kFailed, actor));
            QT_RETURN_IF_ERROR(Settle(tx, o, actor));
            ++out.changed;
            continue;
          }
          if (o.state == OrderState::kAccepted) {
            o.started_at = now;
            QT_RETURN_IF_ERROR(Transition(tx, o, OrderState::kRunning, actor));
            ++out.changed;
          }
          int64_t duration = o.end_ms - o.start_ms;
          if (o.state == OrderState::kRunning &&
              o.started_at + (duration + scale - 1) / scale <= now) {
            o.finished_at = now;
            o.usage_card_ms = o.cards * duration;
            QT_RETURN_IF_ERROR(Transition(tx, o, OrderState::kCompleted, actor));
            QT_RETURN_IF_ERROR(Settle(tx, o, actor));
            ++out.changed;
          }
        }
        return out;
      }));
  if (done.damaged > 0) return DamagedOrders(done.damaged);
  return done.changed;
}

Result<accounts::Page<Order>> Market::ListOrders(const Principal& caller,
                                                 const accounts::PageRequest& page) {
  QT_RETURN_IF_ERROR(accounts::CheckPage(page, "cor"));
  return store::ReadValue(store_, [&](Tx& tx) -> Result<accounts::Page<Order>> {
    std::string sql = "SELECT " + std::string(kOrderColumns) + " FROM market_orders WHERE id > ?";
    store::Params params = {page.cursor};
    if (!caller.IsOperator()) {
      sql += " AND (enterprise_id = ? OR provider_id = ?)";
      params.push_back(caller.org_id);
      params.push_back(caller.org_id);
    }
    return accounts::QueryPage<Order>(tx, sql, params, page, OrderFromRow);
  });
}

Result<accounts::Page<Bill>> Market::ListBills(const Principal& caller,
                                               const accounts::PageRequest& page) {
  QT_RETURN_IF_ERROR(accounts::CheckPage(page, "cbl"));
  return store::ReadValue(store_, [&](Tx& tx) -> Result<accounts::Page<Bill>> {
    std::string sql =
        "SELECT id, order_id, enterprise_id, provider_id, usage_card_ms, gross_fen, voucher_fen, "
        "payable_fen, lines, created_at FROM market_bills WHERE id > ?";
    store::Params params = {page.cursor};
    if (!caller.IsOperator()) {
      sql += " AND (enterprise_id = ? OR provider_id = ?)";
      params.push_back(caller.org_id);
      params.push_back(caller.org_id);
    }
    return accounts::QueryPage<Bill>(tx, sql, params, page, [](const Row& r) {
      return store::Decode<Bill>("market_bills", r, [&] {
        Bill b{r.Text("id"),          r.Text("order_id"),     r.Text("enterprise_id"),
               r.Text("provider_id"), r.Int("usage_card_ms"), r.Int("gross_fen"),
               r.Int("voucher_fen"),  r.Int("payable_fen"),   {},
               r.Int("created_at")};
        for (const json& l : json::parse(r.Text("lines")))
          b.lines.push_back({l.at("description"), l.at("amount_fen")});
        return b;
      });
    });
  });
}

Result<std::vector<TradeStat>> Market::TradeStats() {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<std::vector<TradeStat>> {
    QT_ASSIGN_OR_RETURN(Rows rows,
                        tx.Query("SELECT provider_id, created_at, amount_fen FROM market_orders "
                                 "WHERE state IN ('accepted', 'running', 'completed')"));
    std::map<std::pair<std::string, std::string>, TradeStat> stats;
    for (const Row& r : rows) {
      TradeStat& s = stats[{r.Text("provider_id"), Month(r.Int("created_at"))}];
      s.provider_id = r.Text("provider_id");
      s.month = Month(r.Int("created_at"));
      s.orders += 1;
      s.amount_fen += r.Int("amount_fen");
    }
    std::vector<TradeStat> out;
    out.reserve(stats.size());
    for (auto& [k, s] : stats) out.push_back(s);
    return out;
  });
}

Result<std::vector<DailyTally>> Market::UseByDay(UnixMillis since) {
  const UnixMillis now = options_.clock->NowMillis();
  return store::ReadValue(store_, [&](Tx& tx) -> Result<std::vector<DailyTally>> {
    QT_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT cards, started_at, finished_at FROM"
                                            " market_orders WHERE started_at > 0 AND"
                                            " (finished_at = 0 OR finished_at > ?)",
                                            {since}));
    std::map<int64_t, DailyTally> days;
    for (const Row& r : rows) {
      const int64_t cards = r.Int("cards");
      const UnixMillis from = std::max(r.Int("started_at"), since);
      const UnixMillis to = r.Int("finished_at") == 0 ? now : std::min(r.Int("finished_at"), now);
      for (UnixMillis t = from; t < to;) {
        const int64_t day = t / kDayMillis;
        const UnixMillis end = std::min(to, (day + 1) * kDayMillis);
        DailyTally& d = days[day];
        d.day = day;
        d.count += 1;
        d.sum += cards * (end - t);
        t = end;
      }
    }
    std::vector<DailyTally> out;
    out.reserve(days.size());
    for (const auto& [day, d] : days) out.push_back(d);
    return out;
  });
}

}  // namespace qt::compute::market
