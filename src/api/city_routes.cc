#include "api/city_routes.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace qt::api {
namespace {

using nlohmann::json;

json TimeOrNull(UnixMillis t) { return t == 0 ? json(nullptr) : json(FormatRfc3339(t)); }

std::string Day(int64_t day) { return FormatRfc3339(day * kDayMillis).substr(0, 10); }

json Months(const std::vector<city::MonthTally>& months, const char* sum_name) {
  json out = json::array();
  for (const city::MonthTally& m : months) {
    json item = {{"month", m.month}, {"count", m.count}};
    if (sum_name != nullptr) item[sum_name] = m.sum;
    out.push_back(std::move(item));
  }
  return out;
}

json Groups(const std::vector<compute::market::Capacity::Group>& groups, const char* key_name) {
  json out = json::array();
  for (const auto& g : groups) {
    out.push_back({{key_name, g.key},
                   {"cards", g.cards},
                   {"tflops", g.tflops},
                   {"busy_cards", g.busy_cards}});
  }
  return out;
}

json ComputeJson(const city::Summary& s, bool staff) {
  // A day's utilisation: the card time orders held over the pool's card time
  // that day (today: so far).
  json days = json::array();
  for (const DailyTally& d : s.compute_use_by_day) {
    const int64_t span = std::min(kDayMillis, s.computed_at - d.day * kDayMillis);
    const double pool = static_cast<double>(s.capacity.cards) * static_cast<double>(span);
    days.push_back({{"day", Day(d.day)},
                    {"orders", d.count},
                    {"card_hours", d.sum / 3'600'000},
                    {"utilisation", pool > 0 ? static_cast<double>(d.sum) / pool : 0.0}});
  }
  json recent = json::array();
  for (const city::UseSample& u : s.recent_use) {
    recent.push_back(
        {{"at", FormatRfc3339(u.at)}, {"busy_cards", u.busy_cards}, {"cards", u.cards}});
  }
  const auto& v = s.vouchers;
  const auto& big = s.largest_cluster;
  return {{"cards", s.capacity.cards},
          {"tflops", s.capacity.tflops},
          {"busy_cards", s.capacity.busy_cards},
          {"providers", s.compute_providers},
          {"largest_cluster",
           {{"name", big.key},
            {"cards", big.cards},
            {"tflops", big.tflops},
            {"busy_cards", big.busy_cards}}},
          {"by_chip", Groups(s.capacity.by_chip, "chip")},
          {"orders", s.compute_orders},
          {"traded_fen", s.compute_traded_fen},
          {"trades_by_month", Months(s.compute_trades_by_month, "amount_fen")},
          {"use_by_day", days},
          {"recent_use", recent},
          {"vouchers", staff ? json{{"programmes", v.programmes},
                                    {"granted", v.vouchers},
                                    {"granted_fen", v.granted_fen},
                                    {"redeemed_fen", v.redeemed_fen},
                                    {"enterprises", v.enterprises}}
                             : json(nullptr)}};
}

json DataSpaceJson(const city::Summary& s) {
  const auto& t = s.space;
  auto uses = [&](const char* action) {
    auto it = t.uses_by_action.find(action);
    return it == t.uses_by_action.end() ? int64_t{0} : it->second;
  };
  json days = json::array();
  for (const DailyTally& d : t.queries_by_day) {
    days.push_back({{"day", Day(d.day)},
                    {"queries", d.count},
                    {"epsilon", static_cast<double>(d.sum) / 1000}});
  }
  auto holders = s.orgs_by_kind.find("data_holder");
  return {{"data_holders", holders == s.orgs_by_kind.end() ? 0 : holders->second},
          {"products", t.products},
          {"offers", t.offers},
          {"contracts", t.contracts},
          {"contracts_finalized", t.contracts_finalized},
          {"queries", uses("aggregate_query")},
          {"psi_uses", uses("psi")},
          {"deliveries", uses("delivery")},
          {"epsilon_spent", static_cast<double>(t.epsilon_milli) / 1000},
          {"queries_by_day", days}};
}

json ExchangeJson(const city::Summary& s, bool staff) {
  const exchange::Statistics& e = s.exchange;
  return {{"entities", e.entities},
          {"certificates", e.certificates},
          {"valid", e.valid},
          {"applications_open", e.applications_open},
          {"pledges_active", e.pledges_active},
          {"pledged_fen", e.pledged_fen},
          {"listings_active", e.listings_active},
          {"trades", e.trades},
          {"traded_fen", e.traded_fen},
          {"certificates_by_month", Months(s.certificates_by_month, nullptr)},
          {"trades_by_month", Months(s.trades_by_month, staff ? "amount_fen" : nullptr)},
          {"pledges_by_month", Months(s.pledges_by_month, "amount_fen")}};
}

json MatchJson(const city::Summary& s) {
  const auto& f = s.finance;
  return {{"finance",
           {{"enterprises", f.enterprises},
            {"products", f.products},
            {"institutions", f.institutions},
            {"applications", f.applications},
            {"accepted", f.accepted},
            {"served_fen", f.served_fen},
            {"products_by_kind", f.products_by_kind}}},
          {"scenarios",
           {{"demands", s.scenarios.demands},
            {"capabilities", s.scenarios.capabilities},
            {"open_demands", s.scenarios.open_demands},
            {"pairs_by_state", s.scenarios.pairs_by_state}}},
          {"policies",
           {{"published", s.policies.published},
            {"notices", s.policies.notices},
            {"notices_read", s.policies.notices_read}}}};
}

json IdentityJson(const city::Summary& s, bool staff) {
  const auto& i = s.identity;
  const auto& t = s.identity_tallies;
  return {{"citizens", i.citizens},
          {"revoked", i.revoked},
          {"talents", i.talents},
          {"terminals", i.terminals},
          {"scans", i.scans},
          {"codes", i.codes},
          {"talents_by_category", staff ? json(t.talents_by_category) : json(nullptr)},
          {"scans_by_category", t.scans_by_category},
          {"scans_by_hour", t.scans_by_hour}};
}

// `staff` (the operator and authorities) also see the figures that can
// describe one organisation or person while few take part: vouchers granted
// and redeemed (one enterprise's, when one holds a voucher), data trades'
// amounts by month, talent statuses by category. Others see the totals the
// modules' public statistics already give.
json SummaryJson(const city::Summary& s, bool staff) {
  int64_t orgs = 0;
  for (const auto& [kind, n] : s.orgs_by_kind) orgs += n;
  json districts = json::array();
  for (const city::DistrictFigures& d : s.districts) {
    districts.push_back({{"code", d.code},
                         {"name", d.name},
                         {"data_holders", d.data_holders},
                         {"enterprises", d.enterprises},
                         {"citizens", d.citizens},
                         {"compute_cards", d.compute_cards}});
  }
  return {{"computed_at", FormatRfc3339(s.computed_at)},
          {"compute_millis", s.compute_millis},
          {"orgs", {{"total", orgs}, {"by_kind", s.orgs_by_kind}}},
          {"compute", ComputeJson(s, staff)},
          {"dataspace", DataSpaceJson(s)},
          {"exchange", ExchangeJson(s, staff)},
          {"match", MatchJson(s)},
          {"identity", IdentityJson(s, staff)},
          {"ledger",
           {{"size", s.ledger_size},
            {"checkpoint_at", TimeOrNull(s.ledger_checkpoint_at)},
            {"witnessed_size", s.witnessed_size ? json(*s.witnessed_size) : json(nullptr)}}},
          {"districts", districts}};
}

}  // namespace

void RegisterCityRoutes(Router& router, city::Dashboard& dashboard) {
  router.Handle(
      "GET", "/api/v1/city/summary", Access::SignedIn(),
      [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(auto summary, dashboard.Latest());
        const accounts::OrgKind kind = req.caller().org_kind;
        return Response::Json(SummaryJson(*summary, kind == accounts::OrgKind::kOperator ||
                                                        kind == accounts::OrgKind::kAuthority));
      });
}

}  // namespace qt::api
