// Market: accepted quotes become orders that reserve capacity; cancelling,
// settling and billing them (vouchers deducted); bills, trades and daily use
// (market.h).
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "accounts/paging.h"
#include "compute/job.h"
#include "compute/market/market.h"
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

namespace {

bool Holds(OrderState s) { return s == OrderState::kAccepted || s == OrderState::kRunning; }

}  // namespace

Status Market::Transition(Tx& tx, Order& o, OrderState to, const std::string& actor,
                          QuoteChanges& changes) {
  std::string from(OrderStateName(o.state));
  // Leaving accepted or running releases the reservation: the quotes' change.
  const bool releases = Holds(o.state) && !Holds(to);
  o.state = to;
  std::string sql =
      "UPDATE market_orders SET state = ?, reason = ?, started_at = ?, finished_at = ?, "
      "usage_card_ms = ?, backend_job = ?";
  store::Params params = {std::string(OrderStateName(to)),
                          o.reason,
                          o.started_at,
                          o.finished_at,
                          o.usage_card_ms,
                          o.backend_job};
  if (releases) {
    QT_ASSIGN_OR_RETURN(const int64_t change, changes.Number(tx));
    sql += ", change_seq = ?";
    params.emplace_back(change);
    changes.bookings.push_back(
        {o.id, o.cluster_id, o.pool, {o.start_ms, o.end_ms, o.cards}, false});
  }
  params.emplace_back(o.id);
  params.emplace_back(from);
  QT_ASSIGN_OR_RETURN(int64_t n, tx.Exec(sql + " WHERE id = ? AND state = ?", params));
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
  QuoteChanges changes;
  QT_ASSIGN_OR_RETURN(
      const Order accepted, store::WriteValue(store_, [&](Tx& tx) -> Result<Order> {
        changes = {};
        int64_t now = options_.clock->NowMillis();
        QT_ASSIGN_OR_RETURN(
            Rows q, tx.Query("SELECT q.request_id, q.cluster_id, q.provider_id, q.pool, q.chip, "
                             "q.fen_per_card_hour, q.amount_fen, q.start_ms, q.end_ms, "
                             "q.expires_at, r.enterprise_id, r.state, r.cards, r.window_end FROM "
                             "market_quotes q "
                             "JOIN market_requests r ON r.id = q.request_id WHERE q.id = ?",
                             {quote_id}));
        if (q.empty()) return NotFound("quote: no quote " + quote_id);
        const Row& r = q[0];
        if (r.Text("enterprise_id") != caller.org_id)
          return PermissionDenied("quote: not a quote for your request");
        if (r.Text("state") != "open")
          return FailedPrecondition("quote: the request is already " + r.Text("state"));
        if (r.Int("expires_at") <= now)
          return FailedPrecondition("quote: expired; ask for new quotes");
        // A quote whose start has passed starts now instead, if the window allows.
        const int64_t start = std::max(r.Int("start_ms"), now);
        const int64_t end = start + (r.Int("end_ms") - r.Int("start_ms"));
        if (end > r.Int("window_end")) {
          return FailedPrecondition("quote: too late to run within the request's window");
        }
        QT_ASSIGN_OR_RETURN(auto clusters,
                            LoadClusters(tx, "WHERE id = ?", {r.Text("cluster_id")}));
        if (clusters.empty() || !clusters[0].available) {
          return FailedPrecondition("quote: the cluster is no longer available");
        }
        int64_t capacity = 0;
        for (const PoolSpec& p : clusters[0].pools) {
          if (p.name == r.Text("pool")) capacity = p.cards();
        }
        // Against the store, not the quoting memory: this transaction is
        // serialised with every other writer's, in this process or another.
        QT_ASSIGN_OR_RETURN(auto rs,
                            Reservations(tx, r.Text("cluster_id"), r.Text("pool"), start, end));
        if (!Occupancy(rs).FitsAt(capacity, r.Int("cards"), start, end - start)) {
          return Conflict(
              "quote: its capacity has been taken by another order; ask for new quotes");
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
        QT_ASSIGN_OR_RETURN(const int64_t change, changes.Number(tx));
        QT_RETURN_IF_ERROR(
            tx.Exec(
                  "INSERT INTO market_orders (" + std::string(kOrderColumns) +
                      ", change_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                      "?, ?, ?)",
                  {o.id,          o.request_id,
                   o.quote_id,    o.enterprise_id,
                   o.provider_id, o.cluster_id,
                   o.pool,        o.chip,
                   o.cards,       o.start_ms,
                   o.end_ms,      o.fen_per_card_hour,
                   o.amount_fen,  std::string("accepted"),
                   o.reason,      o.started_at,
                   o.finished_at, o.usage_card_ms,
                   o.created_at,  o.backend_job,
                   change})
                .status());
        changes.bookings.push_back(
            {o.id, o.cluster_id, o.pool, {o.start_ms, o.end_ms, o.cards}, true});
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
      }));
  Applied(changes);
  return accepted;
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
  QuoteChanges changes;
  QT_ASSIGN_OR_RETURN(
      const Order cancelled, store::WriteValue(store_, [&](Tx& tx) -> Result<Order> {
        changes = {};
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
        QT_RETURN_IF_ERROR(Transition(tx, o, OrderState::kCancelled, caller.org_id, changes));
        QT_RETURN_IF_ERROR(Settle(tx, o, caller.org_id));
        return o;
      }));
  Applied(changes);
  if (!cancelled.backend_job.empty() && options_.slurm != nullptr) {
    Status s = options_.slurm->Cancel(cancelled.backend_job);
    if (!s.ok()) return Status(s.code(), "order cancelled, but scancel failed: " + s.message());
  }
  return cancelled;
}

Status Market::Finish(const std::string& order_id, OrderState from, OrderState to,
                      int64_t usage_card_ms, const std::string& reason) {
  QuoteChanges changes;
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    changes = {};
    QT_ASSIGN_OR_RETURN(Order o, ReadOrder(tx, order_id));
    if (o.state != from) return Conflict("order: " + o.id + " changed meanwhile");
    o.finished_at = options_.clock->NowMillis();
    o.usage_card_ms = usage_card_ms;
    o.reason = reason;
    QT_RETURN_IF_ERROR(Transition(tx, o, to, o.provider_id, changes));
    return Settle(tx, o, o.provider_id);
  }));
  Applied(changes);
  return OkStatus();
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
