// Market: requests and the matcher's ranked quotes (market.h).
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

Result<std::vector<Quote>> Market::Candidates(Tx& tx, const ComputeRequest& r) {
  QT_ASSIGN_OR_RETURN(ChipConstraint constraint, ChipConstraint::Parse(r.chip));
  const int64_t now = options_.clock->NowMillis();
  const int64_t from = std::max(now, r.window_start);
  std::vector<Quote> quotes;
  // The pools that can serve `r` at some price, with when (-1: never).
  auto quote = [&](const ClusterOffer& c, auto&& earliest_start) -> Status {
    for (const PoolSpec& p : c.pools) {
      const Chip& chip = options_.catalog->at(options_.catalog->Find(p.chip));
      const int64_t capacity = p.cards();
      const int64_t price = c.fen_per_card_hour.at(p.chip);
      if (!constraint.Allows(chip) || price > r.max_fen_per_card_hour || capacity < r.cards)
        continue;
      QT_ASSIGN_OR_RETURN(const int64_t start, earliest_start(p, capacity));
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
      const int64_t per_leaf = int64_t{p.cards_per_node} * p.nodes_per_leaf;
      q.leaves = r.gang ? (r.cards + per_leaf - 1) / per_leaf : 0;
      q.expires_at = now + options_.quote_ttl_ms;
      quotes.push_back(std::move(q));
    }
    return OkStatus();
  };
  if (options_.quotes_from_store) {
    QT_ASSIGN_OR_RETURN(auto clusters, LoadClusters(tx, "WHERE available = 1", {}));
    for (const ClusterOffer& c : clusters) {
      QT_RETURN_IF_ERROR(quote(c, [&](const PoolSpec& p, int64_t capacity) -> Result<int64_t> {
        QT_ASSIGN_OR_RETURN(auto rs, Reservations(tx, c.id, p.name, from, r.window_end));
        return Occupancy(rs).EarliestStart(capacity, r.cards, from, r.duration_ms, r.window_end);
      }));
    }
    return quotes;
  }
  std::lock_guard lock(quotes_mu_);
  if (quotes_ == nullptr) {
    QT_ASSIGN_OR_RETURN(quotes_, QuoteMemory::Load(tx));
  } else if (Status s = quotes_->CatchUp(tx); !s.ok()) {
    quotes_.reset();  // half caught up: read again from scratch next time
    return s;
  }
  for (const auto& entry : quotes_->clusters()) {
    const ClusterOffer& c = entry.second;
    if (!c.available) continue;
    QT_RETURN_IF_ERROR(quote(c, [&](const PoolSpec& p, int64_t capacity) -> Result<int64_t> {
      return quotes_->EarliestStart(c.id, p.name, capacity, r.cards, from, r.duration_ms,
                                    r.window_end);
    }));
  }
  return quotes;
}

void Market::Applied(const QuoteChanges& c) {
  std::lock_guard lock(quotes_mu_);
  if (quotes_ != nullptr) (void)quotes_->Apply(c);  // else CatchUp reads it on the next quote
}

Result<std::vector<Quote>> Market::Match(Tx& tx, const ComputeRequest& r) {
  QT_ASSIGN_OR_RETURN(std::vector<Quote> quotes, Candidates(tx, r));
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

}  // namespace qt::compute::market
