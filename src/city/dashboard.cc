#include "city/dashboard.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "city/districts.h"
#include "ledger/note.h"

namespace qt::city {

std::vector<MonthTally> ByMonth(const std::vector<DailyTally>& days) {
  std::map<std::string, MonthTally> months;
  for (const DailyTally& d : days) {
    std::string month = FormatRfc3339(d.day * kDayMillis).substr(0, 7);
    MonthTally& m = months[month];
    m.month = month;
    m.count += d.count;
    m.sum += d.sum;
  }
  std::vector<MonthTally> out;
  out.reserve(months.size());
  for (auto& [month, m] : months) out.push_back(std::move(m));
  return out;
}

Dashboard::Dashboard(CityServices services, const Clock& clock)
    : services_(services), clock_(clock) {}

Status Dashboard::Refresh() {
  std::lock_guard refreshing(refresh_mu_);
  {
    std::lock_guard lock(mu_);
    if (latest_ && clock_.NowMillis() - last_read_.load() > kIdleMillis) return OkStatus();
  }
  QT_ASSIGN_OR_RETURN(Summary s, Compute());
  samples_.push_back({s.computed_at, s.capacity.busy_cards, s.capacity.cards});
  while (samples_.size() > kSamples) samples_.pop_front();
  s.recent_use.assign(samples_.begin(), samples_.end());
  auto latest = std::make_shared<const Summary>(std::move(s));
  std::lock_guard lock(mu_);
  latest_ = std::move(latest);
  return OkStatus();
}

Result<std::shared_ptr<const Summary>> Dashboard::Latest() {
  last_read_.store(clock_.NowMillis());
  {
    std::lock_guard lock(mu_);
    if (latest_) return latest_;
  }
  QT_RETURN_IF_ERROR(Refresh());
  std::lock_guard lock(mu_);
  return latest_;
}

Result<Summary> Dashboard::Compute() {
  const auto started = std::chrono::steady_clock::now();
  Summary s;
  s.computed_at = clock_.NowMillis();
  const UnixMillis days_since = (s.computed_at / kDayMillis - (kDays - 1)) * kDayMillis;
  const UnixMillis months_since = s.computed_at - int64_t{366} * kDayMillis;
  const std::string first_month = FormatRfc3339(months_since).substr(0, 7);

  std::map<std::string, DistrictFigures> districts;
  for (const District& d : Districts()) {
    districts[std::string(d.code)] = {.code = std::string(d.code), .name = std::string(d.name)};
  }
  districts[std::string(kCityCode)] = {.code = std::string(kCityCode), .name = "杭州市"};

  QT_ASSIGN_OR_RETURN(auto tally, services_.accounts->TallyOrgs());
  for (const accounts::OrgTally& t : tally) {
    s.orgs_by_kind[std::string(accounts::OrgKindName(t.kind))] += t.orgs;
    auto d = districts.find(t.division);
    if (d == districts.end()) continue;  // registered outside Hangzhou
    if (t.kind == accounts::OrgKind::kDataHolder) d->second.data_holders += t.orgs;
    if (t.kind == accounts::OrgKind::kEnterprise) d->second.enterprises += t.orgs;
  }

  QT_ASSIGN_OR_RETURN(s.capacity, services_.market->PooledCapacity());
  s.compute_providers = static_cast<int64_t>(s.capacity.by_provider.size());
  for (const auto& c : s.capacity.by_cluster) {
    if (c.cards > s.largest_cluster.cards) s.largest_cluster = c;
  }
  for (const auto& r : s.capacity.by_region) {
    if (std::optional<District> d = DistrictByName(r.key)) {
      districts[std::string(d->code)].compute_cards += r.cards;
    }
  }
  QT_ASSIGN_OR_RETURN(auto trades, services_.market->TradeStats());
  std::map<std::string, MonthTally> trade_months;
  for (const compute::market::TradeStat& t : trades) {
    s.compute_orders += t.orders;
    s.compute_traded_fen += t.amount_fen;
    if (t.month < first_month) continue;
    MonthTally& m = trade_months[t.month];
    m.month = t.month;
    m.count += t.orders;
    m.sum += t.amount_fen;
  }
  for (auto& [month, m] : trade_months) s.compute_trades_by_month.push_back(std::move(m));
  QT_ASSIGN_OR_RETURN(s.compute_use_by_day, services_.market->UseByDay(days_since));
  QT_ASSIGN_OR_RETURN(s.vouchers, services_.vouchers->Totals());

  QT_ASSIGN_OR_RETURN(s.space, services_.dataspace->Totals(days_since));
  QT_ASSIGN_OR_RETURN(s.exchange, services_.exchange->Stats());
  QT_ASSIGN_OR_RETURN(exchange::ExchangeDaily daily, services_.exchange->Daily(months_since));
  s.certificates_by_month = ByMonth(daily.certificates);
  s.trades_by_month = ByMonth(daily.trades);
  s.pledges_by_month = ByMonth(daily.pledges);

  QT_ASSIGN_OR_RETURN(s.finance, services_.finance->GetStats());
  QT_ASSIGN_OR_RETURN(s.scenarios, services_.scenarios->GetStats());
  QT_ASSIGN_OR_RETURN(s.policies, services_.policies->GetTotals());
  QT_ASSIGN_OR_RETURN(s.identity, services_.identity->GetStats());
  QT_ASSIGN_OR_RETURN(s.identity_tallies, services_.identity->GetTallies());
  for (const auto& [name, citizens] : s.identity_tallies.citizens_by_district) {
    if (std::optional<District> d = DistrictByName(name)) {
      districts[std::string(d->code)].citizens += citizens;
    }
  }

  Result<ledger::StoredCheckpoint> checkpoint = services_.ledger->LatestCheckpoint();
  if (checkpoint.ok()) {
    s.ledger_size = checkpoint->checkpoint.size;
    s.ledger_checkpoint_at = checkpoint->published_at;
  } else if (checkpoint.status().code() != StatusCode::kNotFound) {
    return checkpoint.status();
  }
  // A node without witnesses, or whose peers cannot be asked for the policy
  // now, shows none: the rest of the city is still worth showing.
  if (services_.witnessing != nullptr) {
    Result<std::string> note = services_.witnessing->LatestWitnessed();
    if (note.ok()) {
      // The note's text ends at its blank line; the cosignatures follow.
      const size_t blank = note->find("\n\n");
      std::string_view text =
          std::string_view(*note).substr(0, blank == std::string::npos ? note->size() : blank + 1);
      if (Result<ledger::Checkpoint> c = ledger::ParseCheckpoint(text); c.ok()) {
        s.witnessed_size = c->size;
      }
    }
  }

  for (const District& d : Districts()) s.districts.push_back(districts[std::string(d.code)]);
  s.districts.push_back(districts[std::string(kCityCode)]);
  s.compute_millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - started)
                         .count();
  return s;
}

}  // namespace qt::city
