#include "compute/market/rows.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "compute/market/market.h"
#include "store/decode.h"

namespace qt::compute::market {
namespace {

using accounts::Principal;
using nlohmann::json;
using store::Row;
using store::Rows;
using store::Tx;

__extension__ typedef __int128 Int128;
constexpr int64_t kMaxAmountFen = int64_t{1'000'000'000'000'000};  // 10^13 yuan

}  // namespace

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

Result<int64_t> Charge(int64_t card_ms, int64_t fen_per_card_hour) {
  Int128 v = (static_cast<Int128>(card_ms) * fen_per_card_hour + kMsPerHour - 1) / kMsPerHour;
  if (v > kMaxAmountFen) return InvalidArgument("the amount exceeds 10^13 yuan");
  return static_cast<int64_t>(v);
}

Status DamagedOrders(int n) {
  return Internal(std::to_string(n) + " damaged orders were passed over");
}

Result<Order> OrderFromRow(const Row& r) {
  return store::Decode<Order>("market_orders", r, [&]() -> Result<Order> {
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
    std::optional<OrderState> state = ParseOrderState(r.Text("state"));
    if (!state) return InvalidArgument("state: unknown " + r.Text("state"));
    o.state = *state;
    o.reason = r.Text("reason");
    o.started_at = r.Int("started_at");
    o.finished_at = r.Int("finished_at");
    o.usage_card_ms = r.Int("usage_card_ms");
    o.created_at = r.Int("created_at");
    o.backend_job = r.Text("backend_job");
    return o;
  });
}

Result<Row> ReadOrderRow(Tx& tx, const std::string& id) {
  QT_ASSIGN_OR_RETURN(
      Rows rows,
      tx.Query("SELECT " + std::string(kOrderColumns) + " FROM market_orders WHERE id = ?", {id}));
  if (rows.empty()) return NotFound("order: no order " + id);
  return std::move(rows[0]);
}

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
    auto decoded = store::Decode<ClusterOffer>("market_clusters", r, [&]() -> Result<ClusterOffer> {
      ClusterOffer c;
      c.id = r.Text("id");
      c.provider_id = r.Text("provider_id");
      c.name = r.Text("name");
      c.region = r.Text("region");
      std::optional<Backend> backend = ParseBackend(r.Text("backend"));
      if (!backend) return InvalidArgument("backend: unknown " + r.Text("backend"));
      c.backend = *backend;
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

Result<ClusterOffer> LoadOwnCluster(Tx& tx, const Principal& caller,
                                    const std::string& cluster_id) {
  QT_ASSIGN_OR_RETURN(auto cs, LoadClusters(tx, "WHERE id = ?", {cluster_id}));
  if (cs.empty()) return NotFound("cluster: no cluster " + cluster_id);
  if (cs[0].provider_id != caller.org_id) {
    return PermissionDenied("cluster: not one of your clusters");
  }
  return std::move(cs[0]);
}

Result<std::vector<Reservation>> Reservations(Tx& tx, const std::string& cluster_id,
                                              const std::string& pool, int64_t from, int64_t to) {
  QT_ASSIGN_OR_RETURN(
      Rows rows, tx.Query("SELECT start_ms, end_ms, cards FROM market_orders WHERE cluster_id = ? "
                          "AND pool = ? AND state IN ('accepted', 'running') AND end_ms > ? "
                          "AND start_ms < ?",
                          {cluster_id, pool, from, to}));
  std::vector<Reservation> out;
  out.reserve(rows.size());
  for (const Row& r : rows) {
    QT_ASSIGN_OR_RETURN(Reservation res,
                        store::Decode<Reservation>("market_orders", r, [&]() -> Reservation {
                          return {r.Int("start_ms"), r.Int("end_ms"), r.Int("cards")};
                        }));
    out.push_back(res);
  }
  return out;
}

Result<int64_t> ReadChange(Tx& tx) {
  QT_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT id, seq FROM market_changes WHERE id = 1"));
  if (rows.empty()) return Internal("market_changes: the change number's row is missing");
  return store::Decode<int64_t>("market_changes", rows[0],
                                [&]() -> int64_t { return rows[0].Int("seq"); });
}

Result<int64_t> NextChange(Tx& tx) {
  QT_ASSIGN_OR_RETURN(int64_t n, tx.Exec("UPDATE market_changes SET seq = seq + 1 WHERE id = 1"));
  if (n != 1) return Internal("market_changes: the change number's row is missing");
  return ReadChange(tx);
}

Result<Booking> BookingFromRow(const Row& r) {
  return store::Decode<Booking>("market_orders", r, [&]() -> Result<Booking> {
    Booking b;
    b.order_id = r.Text("id");
    b.cluster_id = r.Text("cluster_id");
    b.pool = r.Text("pool");
    b.reservation = {r.Int("start_ms"), r.Int("end_ms"), r.Int("cards")};
    std::optional<OrderState> state = ParseOrderState(r.Text("state"));
    if (!state) return InvalidArgument("state: unknown " + r.Text("state"));
    b.holds = *state == OrderState::kAccepted || *state == OrderState::kRunning;
    return b;
  });
}

std::string Month(int64_t ms) {
  std::string t = FormatRfc3339(ms);
  return t.substr(0, 7);
}

}  // namespace qt::compute::market
