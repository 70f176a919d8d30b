// The compute trading platform (算力资源调度服务平台): providers register
// clusters with prices; enterprises post requests; the matcher quotes every
// pool that can serve one; accepting a quote creates an order that reserves
// the capacity; the backend runs it; the order is metered and billed, with
// compute vouchers deducted (vouchers.h).
//
// Matching rule (docs/compute/market.md): a pool can serve a request when its
// chip satisfies the request's constraint, it has at least the requested
// cards, its price is at most the request's maximum, and the cards are free
// for `duration` somewhere in the window (reservations of accepted and
// running orders count). Quotes rank by amount, then earliest start, then
// topology (fewest leaf switches the job needs at best), then cluster id.
//
// Quoting runs in memory (quote_memory.h): every cluster and, per pool, the
// step function of its reservations (occupancy_tree.h), loaded from the store
// on the first quote and kept current by change numbers: each write of
// reservations (accepting, cancelling, finishing or failing an order),
// clusters or prices takes the next number in its transaction and stamps its
// rows; each quote reads the store's number in its own transaction and, when
// another process has written since, reads just the rows stamped after its
// own. So several server processes on one PostgreSQL database quote from
// what the others accepted, and a quote costs O(pools x log reservations)
// instead of reading every reservation of every pool in the window.
//
// No double booking: accepting re-checks the pool's reservations inside the
// write transaction against the store, never the memory (writers are
// serialised by the store), so two orders can never hold the same cards at
// the same time, in one process or several.
//
// Every change is journaled.
// Thread-safety: safe for concurrent use. State lives in the store; the
// quoting memory is behind a lock held while a quote is computed (not while
// its rows are written).
#ifndef QIANTANG_COMPUTE_MARKET_MARKET_H_
#define QIANTANG_COMPUTE_MARKET_MARKET_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "accounts/accounts.h"
#include "compute/chip.h"
#include "compute/market/model.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/tally.h"
#include "ledger/journal.h"
#include "store/store.h"

namespace qt::compute::market {

class QuoteMemory;
class SlurmClient;
class Vouchers;
struct QuoteChanges;

struct MarketOptions {
  const Clock* clock = nullptr;          // required
  Random* random = nullptr;              // required (ids)
  ledger::Journal* journal = nullptr;    // required
  const ChipCatalog* catalog = nullptr;  // required
  Vouchers* vouchers = nullptr;          // optional: deducted at settlement when set
  int64_t quote_ttl_ms = 15 * 60'000;
  // A job of duration d holds its cards for d / time_scale of wall time, on
  // the simulated backend and (as a placeholder job) on Slurm; usage is
  // metered back in the job's own time (x time_scale).
  int64_t simulated_time_scale = 1;
  // Runs orders of `slurm` clusters (nullptr: such orders fail at their start
  // with a reason).
  SlurmClient* slurm = nullptr;
  // Quotes read every pool's reservations from the store on each request
  // instead of the memory: the matcher before quote_memory.h, kept as the
  // reference that tests compare the memory with and the benchmark's baseline.
  bool quotes_from_store = false;
};

struct Capacity {
  struct Group {
    std::string key;
    int64_t cards = 0;
    int64_t tflops = 0;
    int64_t busy_cards = 0;  // held by running orders now
  };
  int64_t cards = 0, tflops = 0, busy_cards = 0;
  std::vector<Group> by_provider, by_chip, by_region, by_cluster;  // by_cluster: by its name
};

struct TradeStat {
  std::string provider_id;
  std::string month;  // "2026-11" (UTC)
  int64_t orders = 0;
  int64_t amount_fen = 0;
};

// A request as posted, with the quotes it got, best first.
struct PostedRequest {
  ComputeRequest request;
  std::vector<Quote> quotes;
};

class Market {
 public:
  static constexpr int64_t kMaxCards = 100'000;
  static constexpr int64_t kMaxDurationMs = int64_t{366} * 24 * 3'600'000;
  static constexpr int64_t kMaxFenPerCardHour = 100'000'000;  // 1 million yuan

  Market(store::Store& store, MarketOptions options);
  ~Market();
  static std::vector<store::Migration> Migrations();

  // Compute providers (member or above) register clusters of their own.
  Result<ClusterOffer> RegisterCluster(const accounts::Principal& caller, const NewCluster& c);
  Status SetAvailable(const accounts::Principal& caller, const std::string& cluster_id,
                      bool available);
  // The provider's new prices for its cluster, one for every chip of its
  // pools; quotes from now on use them, orders already made keep theirs.
  Status SetPrices(const accounts::Principal& caller, const std::string& cluster_id,
                   const std::map<std::string, int64_t>& fen_per_card_hour);
  // Every registered cluster, or one provider's when `provider_id` is set.
  Result<std::vector<ClusterOffer>> ListClusters(const std::string& provider_id = "");
  // One registered cluster; not_found when there is none.
  Result<ClusterOffer> GetCluster(const std::string& cluster_id);
  Result<Capacity> PooledCapacity();

  // Enterprises (member or above) post requests; the quotes come back ranked.
  Result<PostedRequest> PostRequest(const accounts::Principal& caller, const NewRequest& r);
  Result<std::vector<Quote>> Quotes(const accounts::Principal& caller,
                                    const std::string& request_id);
  Result<Order> AcceptQuote(const accounts::Principal& caller, const std::string& quote_id);
  // The enterprise or the provider cancels an order that has not finished; a
  // running order is billed for what it used.
  Result<Order> CancelOrder(const accounts::Principal& caller, const std::string& order_id,
                            const std::string& reason);
  // Orders the caller is party to (as enterprise or provider), newest first... by id.
  Result<accounts::Page<Order>> ListOrders(const accounts::Principal& caller,
                                           const accounts::PageRequest& page);
  Result<accounts::Page<Bill>> ListBills(const accounts::Principal& caller,
                                         const accounts::PageRequest& page);
  Result<std::vector<TradeStat>> TradeStats();
  // Cards held by orders that ran, per UTC day from `since` to now: count is
  // the orders running that day, sum the card-milliseconds they held (wall
  // time, from start to finish or now).
  Result<std::vector<DailyTally>> UseByDay(UnixMillis since);

  // Drives the backends to now: accepted orders whose start has come begin
  // running (on Slurm: are submitted with sbatch); running ones that are done
  // (simulated: their scaled time is up; Slurm: the job finished) complete,
  // are metered and billed; orders on a cluster that became unavailable fail
  // and are billed for what they used. Returns the number of orders changed.
  Result<int> Advance();

 private:
  Result<std::vector<Quote>> Match(store::Tx& tx, const ComputeRequest& r);
  // The quotes for `r` before ranking, from the memory (brought up to date in
  // `tx`) or, with options_.quotes_from_store, from the store.
  Result<std::vector<Quote>> Candidates(store::Tx& tx, const ComputeRequest& r);
  // After a write that made `c` committed: records it in the memory if that
  // was at the number before (else the next quote catches up).
  void Applied(const QuoteChanges& c);
  Result<int> AdvanceSimulated();
  Result<int> AdvanceSlurm();
  // Submits an accepted order to Slurm and marks it running.
  Status StartOnSlurm(const Order& o);
  // Marks `o` (re-read inside the transaction) with `to`, metered usage and
  // a reason, and bills it; conflict if its state changed meanwhile.
  Status Finish(const std::string& order_id, OrderState from, OrderState to, int64_t usage_card_ms,
                const std::string& reason);
  Status Settle(store::Tx& tx, Order& o, const std::string& actor);
  // Moves `o` to `to`; an order that stops holding its reservation (leaves
  // accepted and running) is numbered and recorded in `changes`.
  Status Transition(store::Tx& tx, Order& o, OrderState to, const std::string& actor,
                    QuoteChanges& changes);

  store::Store& store_;
  MarketOptions options_;
  IdGenerator ids_;
  std::mutex quotes_mu_;
  std::unique_ptr<QuoteMemory> quotes_;  // guarded by quotes_mu_; null until the first quote
};

}  // namespace qt::compute::market

#endif  // QIANTANG_COMPUTE_MARKET_MARKET_H_
