#include "demo/demo_compute.h"

#include <map>

#include "compute/configs.h"
#include "demo/acting.h"

namespace qt::demo {
namespace {

using accounts::OrgKind;
using accounts::Principal;
namespace market = compute::market;

constexpr int64_t kHour = 3'600'000;

// Prices in fen per card-hour, roughly the 2026 market's.
const std::map<std::string, int64_t> kPrices = {{"H800", 2800}, {"A100", 1200},       {"H20", 900},
                                                {"L40S", 800},  {"Ascend910B", 1000}, {"K100", 600},
                                                {"MLU370", 400}};

}  // namespace

Status LoadDemoCompute(accounts::Accounts& accounts, market::Market& mkt,
                       market::Vouchers& vouchers) {
  QT_ASSIGN_OR_RETURN(auto orgs, AllOrgs(accounts));
  std::map<std::string, accounts::Org> by_name;
  std::vector<accounts::Org> enterprises;
  for (const auto& o : orgs) {
    by_name[o.name] = o;
    if (o.kind == OrgKind::kEnterprise) enterprises.push_back(o);
  }
  QT_ASSIGN_OR_RETURN(auto catalog, compute::LoadChipCatalog(""));
  QT_ASSIGN_OR_RETURN(auto pool, compute::LoadCluster("hz-pool", catalog));
  // One registered cluster per provider, holding its pools of the city pool.
  std::map<std::string, market::NewCluster> clusters;
  for (const compute::Pool& p : pool.pools()) {
    market::NewCluster& c = clusters[p.provider];
    if (c.name.empty()) {
      c.name = p.name;
      c.region = p.region;
    }
    const std::string& chip = catalog.at(p.chip).name;
    c.pools.push_back({static_cast<const compute::PoolShape&>(p), p.name, chip});
    c.fen_per_card_hour[chip] = kPrices.at(chip);
  }
  for (const auto& [provider, c] : clusters) {
    auto it = by_name.find(provider);
    if (it == by_name.end()) return Internal("demo: no provider named " + provider);
    QT_RETURN_IF_ERROR(mkt.RegisterCluster(ActAs(it->second), c).status());
  }
  // The voucher programme: 200 million yuan, 30 %, at most 1 million yuan
  // per enterprise per year; one application approved, one rejected, one waiting.
  auto bureau = by_name.find("杭州市经济和信息化局");
  if (bureau == by_name.end() || enterprises.size() < 3)
    return Internal("demo: the city lacks organisations");
  Principal authority = ActAs(bureau->second);
  const int64_t now = SystemClock::Get().NowMillis();
  QT_ASSIGN_OR_RETURN(auto programme, vouchers.CreateProgramme(
                                          authority, {"2026 年杭州市算力券", 20'000'000'000, 3000,
                                                      100'000'000, now, now + 365 * 24 * kHour}));
  QT_ASSIGN_OR_RETURN(auto a1, vouchers.Apply(ActAs(enterprises[0]), programme.id, 50'000'000));
  QT_RETURN_IF_ERROR(vouchers.Decide(authority, a1.id, true, 0, "").status());
  QT_ASSIGN_OR_RETURN(auto a2, vouchers.Apply(ActAs(enterprises[1]), programme.id, 100'000'000));
  QT_RETURN_IF_ERROR(
      vouchers
          .Decide(authority, a2.id, false, 0, "申报材料缺少算力使用计划，请补充后于下一年度申请")
          .status());
  QT_RETURN_IF_ERROR(vouchers.Apply(ActAs(enterprises[2]), programme.id, 30'000'000).status());
  return OkStatus();
}

DemoTraffic::DemoTraffic(accounts::Accounts& accounts, market::Market& market,
                         const std::string& seed)
    : accounts_(accounts), market_(market), random_("demo-traffic/" + seed) {}

Status DemoTraffic::Step() {
  if (enterprises_.empty()) {
    QT_ASSIGN_OR_RETURN(auto orgs, AllOrgs(accounts_));
    for (const auto& o : orgs) {
      if (o.kind == OrgKind::kEnterprise) enterprises_.push_back(ActAs(o));
    }
    if (enterprises_.empty()) return FailedPrecondition("demo: no enterprises");
  }
  static const int64_t kCards[] = {8, 8, 16, 32, 64, 128, 256, 1024};
  static const char* kChips[] = {"any",       "any",         "vendor:huawei",
                                 "chip:H800", "tflops>=300", "vendor:nvidia"};
  market::NewRequest r;
  const Principal& who = enterprises_[random_.Uniform(enterprises_.size())];
  r.cards = kCards[random_.Uniform(std::size(kCards))];
  r.chip = kChips[random_.Uniform(std::size(kChips))];
  r.duration_ms = (1 + static_cast<int64_t>(random_.Uniform(24))) * kHour;
  r.window_start = SystemClock::Get().NowMillis();
  r.window_end = r.window_start + 3 * 24 * kHour;
  r.max_fen_per_card_hour = 3000;
  QT_ASSIGN_OR_RETURN(auto posted, market_.PostRequest(who, r));
  if (posted.quotes.empty()) return OkStatus();
  auto order = market_.AcceptQuote(who, posted.quotes.front().id);
  // Another process may have taken the capacity first; that is the market.
  if (!order.ok() && order.status().code() != StatusCode::kConflict) return order.status();
  return OkStatus();
}

}  // namespace qt::demo
