#include "demo/demo_cloud.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>

#include "compute/configs.h"
#include "crypto/random.h"
#include "demo/acting.h"
#include "demo/demo_city.h"

namespace qt::demo {
namespace {

using accounts::OrgKind;
using accounts::Principal;
namespace market = compute::market;
namespace live = compute::live;

constexpr int64_t kHour = 3'600'000;

// Fen per core-hour for the CPU kinds, per card-hour for the cards.
const std::map<std::string, int64_t> kCloudPrices = {{"Kunpeng920", 6},   {"HygonC86-7390", 6},
                                                     {"PhytiumS2500", 5}, {"Ascend910B", 1000},
                                                     {"K100", 600},       {"MLU370", 400}};

constexpr std::array<const char*, 13> kDistricts = {
    "上城区", "拱墅区", "西湖区", "滨江区", "萧山区", "余杭区", "临平区",
    "钱塘区", "富阳区", "临安区", "桐庐县", "淳安县", "建德市"};
constexpr std::array<const char*, 22> kBodies = {"发展和改革局",
                                                 "教育局",
                                                 "科学技术局",
                                                 "公安分局",
                                                 "民政局",
                                                 "司法局",
                                                 "财政局",
                                                 "人力资源和社会保障局",
                                                 "自然资源和规划分局",
                                                 "生态环境分局",
                                                 "住房和城乡建设局",
                                                 "交通运输局",
                                                 "农业农村局",
                                                 "商务局",
                                                 "文化和广电旅游体育局",
                                                 "卫生健康局",
                                                 "应急管理局",
                                                 "审计局",
                                                 "市场监督管理局",
                                                 "统计局",
                                                 "医疗保障局",
                                                 "数据资源局"};

// The government cloud, registered by its provider as a live cluster.
Result<market::ClusterOffer> RegisterCloud(accounts::Accounts& accounts, market::Market& mkt) {
  QT_ASSIGN_OR_RETURN(auto catalog, compute::LoadChipCatalog(""));
  QT_ASSIGN_OR_RETURN(auto cloud, compute::LoadCluster("hz-xinchuang", catalog));
  market::NewCluster c;
  c.name = cloud.name();
  c.region = cloud.pools().front().region;
  for (const compute::Pool& p : cloud.pools()) {
    const std::string& chip = catalog.at(p.chip).name;
    c.pools.push_back({static_cast<const compute::PoolShape&>(p), p.name, chip});
    c.fen_per_card_hour[chip] = kCloudPrices.at(chip);
  }
  QT_ASSIGN_OR_RETURN(auto orgs, AllOrgs(accounts));
  for (const auto& o : orgs) {
    if (o.name == cloud.pools().front().provider) return mkt.RegisterCluster(ActAs(o), c);
  }
  return Internal("demo: no provider runs the government cloud");
}

// The city pool's A100 cluster: foreign cards, for the migration view.
Result<std::string> ForeignCluster(market::Market& mkt) {
  QT_ASSIGN_OR_RETURN(auto clusters, mkt.ListClusters());
  for (const auto& c : clusters) {
    for (const auto& p : c.pools) {
      if (p.chip == "A100") return c.id;
    }
  }
  return Internal("demo: the city pool has no A100 cluster");
}

// What a tenant runs on the cloud: cores of an architecture, or Ascend cards.
struct Workload {
  const char* resource;
  const char* chip;  // the jobs' constraint
  int64_t unit;      // job sizes are multiples of it
  int64_t guarantee_units;
};
constexpr std::array<Workload, 3> kWorkloads = {{{"arch:arm64", "arch:arm64", 32, 4},
                                                 {"arch:x86_64", "arch:x86_64", 32, 4},
                                                 {"chip:Ascend910B", "chip:Ascend910B", 8, 1}}};

}  // namespace

Result<DemoCloud> LoadDemoCloud(accounts::Accounts& accounts, const Principal& op,
                                market::Market& mkt, live::Jobs& jobs, const std::string& seed,
                                int tenants) {
  crypto::DeterministicRandom random("demo-cloud/" + seed);
  QT_ASSIGN_OR_RETURN(market::ClusterOffer cloud, RegisterCloud(accounts, mkt));
  QT_ASSIGN_OR_RETURN(std::string foreign, ForeignCluster(mkt));
  DemoCloud out;
  out.cluster_id = cloud.id;
  // Tenants' guarantees are reclaimed by preemption under drf only.
  QT_ASSIGN_OR_RETURN(live::LivePolicy policy, jobs.GetPolicy(op, cloud.id));
  if (policy.policy != "drf") QT_RETURN_IF_ERROR(jobs.SetPolicy(op, cloud.id, "drf").status());
  for (int i = 0; i < tenants; ++i) {
    const std::string name =
        fmt::format("杭州市{}{}", kDistricts[static_cast<size_t>(i) % kDistricts.size()],
                    kBodies[(static_cast<size_t>(i) / kDistricts.size()) % kBodies.size()]);
    const std::string unique = i < static_cast<int>(kDistricts.size() * kBodies.size())
                                   ? name
                                   : fmt::format("{}{}", name, i);
    QT_ASSIGN_OR_RETURN(auto created,
                        accounts.CreateOrg(op, {unique, OrgKind::kEnterprise,
                                                MakeCreditCode(OrgKind::kAuthority, random)}));
    const Principal tenant = ActAs(created.org);
    // 6 in 10 run on arm64 cores, 3 on x86_64 (Hygon), 1 on Ascend cards.
    const size_t kind = i % 10 < 6 ? 0 : (i % 10 < 9 ? 1 : 2);
    const Workload& w = kWorkloads[kind];
    live::LiveQuota q;
    q.cluster_id = cloud.id;
    q.tenant_id = created.org.id;
    q.resource = w.resource;
    q.guaranteed = w.unit * w.guarantee_units;
    q.ceiling = q.guaranteed * 4;
    QT_RETURN_IF_ERROR(jobs.SetQuota(op, q).status());
    ++out.tenants;
    const int n = 1 + static_cast<int>(random.Uniform(3));
    for (int j = 0; j < n; ++j) {
      live::NewJob job;
      job.cluster_id = cloud.id;
      job.name = j == 0 ? "政务系统" : "数据治理批处理";
      // Up to six units, and never over the ceiling (four times the guarantee).
      const int64_t most = std::min<int64_t>(6, 4 * w.guarantee_units);
      job.cards = w.unit * (1 + static_cast<int64_t>(random.Uniform(static_cast<uint64_t>(most))));
      job.chip = w.chip;
      job.duration_ms = (1 + static_cast<int64_t>(random.Uniform(12))) * kHour;
      QT_RETURN_IF_ERROR(jobs.Submit(tenant, job).status());
      ++out.jobs;
    }
    if (i % 10 == 3) {  // still on foreign cards: not yet migrated
      live::NewJob job;
      job.cluster_id = foreign;
      job.name = "遗留模型推理";
      job.cards = 8;
      job.chip = "chip:A100";
      job.duration_ms = 6 * kHour;
      QT_RETURN_IF_ERROR(jobs.Submit(tenant, job).status());
      ++out.jobs;
    }
  }
  return out;
}

}  // namespace qt::demo
