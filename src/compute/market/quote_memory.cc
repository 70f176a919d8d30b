#include "compute/market/quote_memory.h"

#include "store/decode.h"

namespace qt::compute::market {

using store::Rows;
using store::Tx;

Result<int64_t> QuoteChanges::Number(Tx& tx) {
  if (number == 0) {
    QT_ASSIGN_OR_RETURN(number, NextChange(tx));
  }
  return number;
}

Result<std::unique_ptr<QuoteMemory>> QuoteMemory::Load(Tx& tx) {
  std::unique_ptr<QuoteMemory> m(new QuoteMemory());
  QT_ASSIGN_OR_RETURN(m->version_, ReadChange(tx));
  QT_ASSIGN_OR_RETURN(std::vector<ClusterOffer> clusters, LoadClusters(tx, "", {}));
  for (ClusterOffer& c : clusters) {
    std::string id = c.id;
    m->clusters_.emplace(std::move(id), std::move(c));
  }
  QT_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT " + std::string(kBookingColumns) +
                                          " FROM market_orders WHERE state IN ('accepted', "
                                          "'running')"));
  std::vector<Booking> bookings;
  bookings.reserve(rows.size());
  (void)store::DecodeSkipping(rows, BookingFromRow, bookings);  // damaged ones are logged
  std::map<std::pair<std::string, std::string>, std::vector<Reservation>> by_pool;
  for (Booking& b : bookings) {
    if (!b.holds) continue;
    by_pool[{b.cluster_id, b.pool}].push_back(b.reservation);
    std::string id = b.order_id;
    m->bookings_.emplace(std::move(id), std::move(b));
  }
  for (const auto& [pool, reservations] : by_pool) m->pools_.emplace(pool, reservations);
  return m;
}

Status QuoteMemory::CatchUp(Tx& tx) {
  QT_ASSIGN_OR_RETURN(const int64_t current, ReadChange(tx));
  if (current <= version_) return OkStatus();
  QT_ASSIGN_OR_RETURN(std::vector<ClusterOffer> clusters,
                      LoadClusters(tx, "WHERE change_seq > ?", {version_}));
  for (ClusterOffer& c : clusters) {
    std::string id = c.id;
    clusters_[id] = std::move(c);
  }
  QT_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT " + std::string(kBookingColumns) +
                                              " FROM market_orders WHERE change_seq > ?",
                                          {version_}));
  std::vector<Booking> bookings;
  (void)store::DecodeSkipping(rows, BookingFromRow, bookings);  // damaged ones are logged
  for (const Booking& b : bookings) Book(b);
  version_ = current;
  return OkStatus();
}

bool QuoteMemory::Apply(const QuoteChanges& c) {
  if (c.number == 0) return true;
  if (c.number != version_ + 1) return false;
  for (const ClusterOffer& cluster : c.clusters) clusters_[cluster.id] = cluster;
  for (const Booking& b : c.bookings) Book(b);
  version_ = c.number;
  return true;
}

void QuoteMemory::Book(const Booking& b) {
  if (auto old = bookings_.find(b.order_id); old != bookings_.end()) {
    pools_[{old->second.cluster_id, old->second.pool}].Remove(old->second.reservation);
    bookings_.erase(old);
  }
  if (!b.holds) return;
  pools_[{b.cluster_id, b.pool}].Add(b.reservation);
  bookings_.emplace(b.order_id, b);
}

int64_t QuoteMemory::EarliestStart(const std::string& cluster_id, const std::string& pool,
                                   int64_t capacity, int64_t cards, int64_t from, int64_t duration,
                                   int64_t window_end) const {
  auto it = pools_.find({cluster_id, pool});
  if (it == pools_.end())
    return OccupancyTree().EarliestStart(capacity, cards, from, duration, window_end);
  return it->second.EarliestStart(capacity, cards, from, duration, window_end);
}

}  // namespace qt::compute::market
