// Market: running orders on their clusters' backends, simulated or Slurm
// (market.h: Advance).
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

Result<int> Market::Advance() {
  // Both run even if one fails (a damaged order in one must not stop the other).
  Result<int> simulated = AdvanceSimulated();
  Result<int> slurm = AdvanceSlurm();
  if (!simulated.ok()) return simulated.status();
  if (!slurm.ok()) return slurm.status();
  return *simulated + *slurm;
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
    QuoteChanges none;  // a running order holds the reservation it held when accepted
    return Transition(tx, cur, OrderState::kRunning, cur.provider_id, none);
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
  QuoteChanges changes;  // one change number for every order this transaction releases
  QT_ASSIGN_OR_RETURN(
      const Advanced done, store::WriteValue(store_, [&](Tx& tx) -> Result<Advanced> {
        changes = {};
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
            QT_RETURN_IF_ERROR(Transition(tx, o, OrderState::kFailed, actor, changes));
            QT_RETURN_IF_ERROR(Settle(tx, o, actor));
            ++out.changed;
            continue;
          }
          if (o.state == OrderState::kAccepted) {
            o.started_at = now;
            QT_RETURN_IF_ERROR(Transition(tx, o, OrderState::kRunning, actor, changes));
            ++out.changed;
          }
          int64_t duration = o.end_ms - o.start_ms;
          if (o.state == OrderState::kRunning &&
              o.started_at + (duration + scale - 1) / scale <= now) {
            o.finished_at = now;
            o.usage_card_ms = o.cards * duration;
            QT_RETURN_IF_ERROR(Transition(tx, o, OrderState::kCompleted, actor, changes));
            QT_RETURN_IF_ERROR(Settle(tx, o, actor));
            ++out.changed;
          }
        }
        return out;
      }));
  Applied(changes);
  if (done.damaged > 0) return DamagedOrders(done.damaged);
  return done.changed;
}

}  // namespace qt::compute::market
