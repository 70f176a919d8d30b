// Dashboard: the whole city in figures, for the console's overview (总览) and
// `qiantang city`. One Summary gathers what every module counts (compute
// pooled and used, vouchers, the data space, the exchange, the matching
// services, citizens and scans, the ledger and its witnesses) with the
// series the charts draw and the figures per district for the map.
//
// A summary costs a few aggregate queries per module (about 20 in all, some
// over every citizen), so it is computed by Refresh(), which the server runs
// on a background task, and read by Latest() as a shared snapshot: a request
// never queries the store. Latest() computes the first summary itself, and
// Refresh() does nothing while nobody has read one for kIdleMillis: an
// unwatched dashboard costs nothing.
//
// The pool's use now is also kept at every refresh, in memory, so the
// console can draw the last hour live (it starts afresh with the process).
//
// Thread-safety: Refresh() and Latest() may be called from any thread;
// refreshes are serialised, and readers are never blocked by one in progress
// once a summary exists.
//
//   city::Dashboard dashboard(services, clock);
//   PeriodicTask refresher("dashboard", 5000, [&] { return dashboard.Refresh(); });
//   QT_ASSIGN_OR_RETURN(auto summary, dashboard.Latest());
#ifndef QIANTANG_CITY_DASHBOARD_H_
#define QIANTANG_CITY_DASHBOARD_H_

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "accounts/accounts.h"
#include "compute/market/market.h"
#include "compute/market/vouchers.h"
#include "core/clock.h"
#include "core/tally.h"
#include "dataspace/dataspace.h"
#include "exchange/exchange.h"
#include "federation/witnessing.h"
#include "identity/identity.h"
#include "ledger/ledger.h"
#include "match/finance.h"
#include "match/public_policies.h"
#include "match/scenarios.h"

namespace qt::city {

struct CityServices {
  accounts::Accounts* accounts = nullptr;         // required
  compute::market::Market* market = nullptr;      // required
  compute::market::Vouchers* vouchers = nullptr;  // required
  dataspace::DataSpace* dataspace = nullptr;      // required
  exchange::Exchange* exchange = nullptr;         // required
  match::Finance* finance = nullptr;              // required
  match::Scenarios* scenarios = nullptr;          // required
  match::PublicPolicies* policies = nullptr;      // required
  identity::Identity* identity = nullptr;         // required
  ledger::Ledger* ledger = nullptr;               // required
  federation::Witnessing* witnessing = nullptr;   // null: no witnesses
};

// One district's figures (the map); `code` "330100" collects what is
// registered with the city itself.
struct DistrictFigures {
  std::string code, name;
  int64_t data_holders = 0;   // organisations of kind data_holder registered there
  int64_t enterprises = 0;    // organisations of kind enterprise
  int64_t citizens = 0;       // enrolled, living there
  int64_t compute_cards = 0;  // accelerator cards of clusters located there
};

// The pool's use at one refresh.
struct UseSample {
  UnixMillis at = 0;
  int64_t busy_cards = 0;
  int64_t cards = 0;
};

// A month's total of a daily series ("2026-11", UTC).
struct MonthTally {
  std::string month;
  int64_t count = 0;
  int64_t sum = 0;
};

struct Summary {
  UnixMillis computed_at = 0;
  int64_t compute_millis = 0;  // how long computing it took

  std::map<std::string, int64_t> orgs_by_kind;  // OrgKindName -> organisations of this node
  compute::market::Capacity capacity;           // pooled and busy now
  compute::market::Capacity::Group largest_cluster;
  int64_t compute_providers = 0;
  int64_t compute_orders = 0, compute_traded_fen = 0;
  std::vector<MonthTally> compute_trades_by_month;  // sum: fen
  std::vector<DailyTally> compute_use_by_day;       // last 30 days; sum: card-ms
  std::vector<UseSample> recent_use;  // at each refresh of the last kSamples, oldest first
  compute::market::VoucherTotals vouchers;
  dataspace::SpaceTotals space;  // queries_by_day: last 30 days
  exchange::Statistics exchange;
  std::vector<MonthTally> certificates_by_month, trades_by_month, pledges_by_month;  // 12 months
  match::Finance::Stats finance;
  match::Scenarios::Stats scenarios;
  match::PublicPolicies::Totals policies;
  identity::Identity::Stats identity;
  identity::Identity::Tallies identity_tallies;
  uint64_t ledger_size = 0;  // of the latest signed checkpoint
  UnixMillis ledger_checkpoint_at = 0;
  std::optional<uint64_t> witnessed_size;  // latest checkpoint cosigned by the quorum
  std::vector<DistrictFigures> districts;  // every district, then the city level
};

// Daily tallies summed by UTC month, oldest first.
std::vector<MonthTally> ByMonth(const std::vector<DailyTally>& days);

class Dashboard {
 public:
  static constexpr int kDays = 30;         // daily series reach back this far
  static constexpr int kMonths = 12;       // monthly series, about
  static constexpr size_t kSamples = 720;  // an hour of refreshes every 5 s
  static constexpr int64_t kIdleMillis = 60'000;

  Dashboard(CityServices services, const Clock& clock);

  // Computes a summary now and makes it the latest, unless there is one and
  // nobody read it for kIdleMillis; on failure the previous one stays.
  Status Refresh();
  // The latest summary (computed now if there is none yet).
  Result<std::shared_ptr<const Summary>> Latest();

 private:
  Result<Summary> Compute();

  const CityServices services_;
  const Clock& clock_;
  std::mutex refresh_mu_;  // one refresh at a time
  std::mutex mu_;          // guards latest_
  std::shared_ptr<const Summary> latest_;
  std::atomic<UnixMillis> last_read_{0};
  std::deque<UseSample> samples_;  // guarded by refresh_mu_
};

}  // namespace qt::city

#endif  // QIANTANG_CITY_DASHBOARD_H_
