// QuoteMemory: what the matcher reads, held in memory: every registered
// cluster with its prices, and for each pool an OccupancyTree of the
// reservations of accepted and running orders. Internal to compute/market.
//
// It reflects the store at one change number (rows.h: ReadChange): every
// write of reservations, clusters or prices takes the next number in its own
// transaction and stamps the rows it changed (change_seq). So:
//   - Load reads it all at the number its transaction sees: the clusters, and
//     the accepted and running orders (one indexed scan, O(R log R));
//   - CatchUp brings it from its number to the one a transaction sees by
//     reading only the rows stamped after it (indexed on change_seq), which
//     is how one process sees another's accepts, cancellations, finished
//     orders and cluster changes on its next quote: O(changes x log S);
//   - Apply records this process's own committed write without reading it
//     back, when the memory was at the number just before it (else CatchUp
//     reads it later).
// A quote then costs O(pools x log S) without reading reservations from the
// store. Rows changed by hand in the database without a change number are not
// seen until the process restarts; acceptance never trusts the memory (it
// re-checks the pool against the store in its write transaction).
//
// A damaged order or cluster row is logged (store::Decode) and passed over:
// its pool is quoted from the others' reservations, and accepting such a
// quote fails (internal) until the row is repaired, so nothing is overbooked.
//
// Thread-safety: not thread-safe; the Market holds its lock around every use.
#ifndef QIANTANG_COMPUTE_MARKET_QUOTE_MEMORY_H_
#define QIANTANG_COMPUTE_MARKET_QUOTE_MEMORY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "compute/market/model.h"
#include "compute/market/occupancy_tree.h"
#include "compute/market/rows.h"
#include "core/status.h"
#include "store/store.h"

namespace qt::compute::market {

// What one write transaction changed of what the matcher reads, numbered on
// its first change (NextChange); applied to the memory once it commits. A
// transaction callback may run more than once: start each run with a fresh one.
struct QuoteChanges {
  int64_t number = 0;               // 0 while nothing changed
  std::vector<Booking> bookings{};  // orders booked or released (Booking::holds)
  std::vector<ClusterOffer> clusters{};

  // The transaction's change number, taken on the first call.
  Result<int64_t> Number(store::Tx& tx);
};

class QuoteMemory {
 public:
  // Everything, as `tx` sees it.
  static Result<std::unique_ptr<QuoteMemory>> Load(store::Tx& tx);

  // The change number it reflects.
  int64_t version() const { return version_; }
  // Brings it to the change number `tx` sees, if that is later than its own.
  // On error it may be half caught up: drop it.
  Status CatchUp(store::Tx& tx);
  // Records this process's committed write `c` if the memory was at the
  // number before it; returns whether it did.
  bool Apply(const QuoteChanges& c);

  // Every cluster, by id (available or not).
  const std::map<std::string, ClusterOffer>& clusters() const { return clusters_; }
  // As OccupancyTree::EarliestStart for pool `pool` of cluster `cluster_id`.
  int64_t EarliestStart(const std::string& cluster_id, const std::string& pool, int64_t capacity,
                        int64_t cards, int64_t from, int64_t duration, int64_t window_end) const;
  // The orders whose reservations it holds.
  size_t bookings() const { return bookings_.size(); }

 private:
  QuoteMemory() = default;
  void Book(const Booking& b);  // replaces the order's earlier booking

  int64_t version_ = 0;
  std::map<std::string, ClusterOffer> clusters_;
  std::map<std::pair<std::string, std::string>, OccupancyTree> pools_;  // by cluster id, pool
  std::unordered_map<std::string, Booking> bookings_;                   // by order id
};

}  // namespace qt::compute::market

#endif  // QIANTANG_COMPUTE_MARKET_QUOTE_MEMORY_H_
