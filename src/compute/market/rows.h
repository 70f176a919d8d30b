// The compute market's stored rows and the small rules shared by its source
// files: market.cc (clusters and capacity), quotes.cc (requests and quotes),
// orders.cc (orders, settlement, bills and statistics) and backends.cc
// (running orders on the simulated and Slurm backends). Internal to
// compute/market.
//
// Every decoder runs under store::Decode: a damaged row is an internal error
// naming it (an unknown state or backend included), never a default.
//
// Thread-safety: functions over the caller's transaction.
#ifndef QIANTANG_COMPUTE_MARKET_ROWS_H_
#define QIANTANG_COMPUTE_MARKET_ROWS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "accounts/model.h"
#include "compute/market/model.h"
#include "compute/market/occupancy.h"
#include "core/status.h"
#include "store/store.h"

namespace qt::compute::market {

inline constexpr int64_t kMsPerHour = 3'600'000;

inline constexpr std::string_view kOrderColumns =
    "id, request_id, quote_id, enterprise_id, provider_id, cluster_id, pool, chip, cards, "
    "start_ms, end_ms, fen_per_card_hour, amount_fen, state, reason, started_at, finished_at, "
    "usage_card_ms, created_at, backend_job";

// invalid_argument unless each price is for a chip some pool has and within
// 1..Market::kMaxFenPerCardHour fen per card-hour.
Status CheckPrices(const std::vector<PoolSpec>& pools,
                   const std::map<std::string, int64_t>& fen_per_card_hour);
// ceil(card_ms * fen_per_card_hour / 1 h); invalid_argument beyond 10^13 yuan.
Result<int64_t> Charge(int64_t card_ms, int64_t fen_per_card_hour);
// A tick's error when `n` damaged orders were passed over (each is logged).
Status DamagedOrders(int n);

// An order from a row of kOrderColumns.
Result<Order> OrderFromRow(const store::Row& r);
// The row of order `id`: not_found if there is none, a failed query's error
// as it is.
Result<store::Row> ReadOrderRow(store::Tx& tx, const std::string& id);
// The order `id`: not_found if there is none, internal if its row is damaged.
Result<Order> ReadOrder(store::Tx& tx, const std::string& id);

// The clusters matching `where` (an SQL condition on market_clusters, with
// its `params`), by id, with their prices; damaged ones are logged and left
// out.
Result<std::vector<ClusterOffer>> LoadClusters(store::Tx& tx, const std::string& where,
                                               const store::Params& params);
// The cluster `cluster_id` if the caller's organisation provides it:
// not_found or permission_denied otherwise.
Result<ClusterOffer> LoadOwnCluster(store::Tx& tx, const accounts::Principal& caller,
                                    const std::string& cluster_id);
// Reservations (accepted and running orders) on one pool overlapping [from, to);
// internal if one of their rows is damaged (a pool whose reservations cannot
// be read takes no order).
Result<std::vector<Reservation>> Reservations(store::Tx& tx, const std::string& cluster_id,
                                              const std::string& pool, int64_t from, int64_t to);

// The change number of what quotes read (market_changes): the store's count of
// writes to reservations, clusters and prices. Every such write takes the
// next number in its own transaction (NextChange) and stamps the rows it
// changed with it (change_seq), so that a process whose memory is at number v
// catches up by reading the rows stamped after v (quote_memory.h).
Result<int64_t> ReadChange(store::Tx& tx);
Result<int64_t> NextChange(store::Tx& tx);

// An order's hold on its pool, as the matcher keeps it.
struct Booking {
  std::string order_id;
  std::string cluster_id;
  std::string pool;
  Reservation reservation;
  bool holds = false;  // accepted or running: its reservation counts
};
inline constexpr std::string_view kBookingColumns =
    "id, cluster_id, pool, start_ms, end_ms, cards, state";
// A booking from a row of kBookingColumns.
Result<Booking> BookingFromRow(const store::Row& r);
// "2026-11" for a UTC time.
std::string Month(int64_t ms);

}  // namespace qt::compute::market

#endif  // QIANTANG_COMPUTE_MARKET_ROWS_H_
