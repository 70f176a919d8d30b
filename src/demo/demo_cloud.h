// The demo city's government cloud (全市信创一朵云, 一云多芯): its provider
// registers configs/clusters/hz-xinchuang.toml (80,000 domestic cores and
// 1,040 domestic cards) as a live cluster; `tenants` government and
// state-owned organisations (the seed: more than 280) get quotas on it from
// the operator, each with a guarantee and a ceiling on the cores of an
// architecture or on Ascend cards; each submits a few jobs, so the cloud
// carries a live load; and one in ten also runs a job on the foreign A100
// cluster of the city pool, so the migration view (信创迁移) has both kinds.
#ifndef QIANTANG_DEMO_DEMO_CLOUD_H_
#define QIANTANG_DEMO_DEMO_CLOUD_H_

#include <string>

#include "accounts/accounts.h"
#include "compute/live/jobs.h"
#include "compute/market/market.h"

namespace qt::demo {

struct DemoCloud {
  std::string cluster_id;
  int tenants = 0;
  int jobs = 0;
};

// REQUIRES: LoadDemoCity and LoadDemoCompute ran on this database.
Result<DemoCloud> LoadDemoCloud(accounts::Accounts& accounts, const accounts::Principal& op,
                                compute::market::Market& market, compute::live::Jobs& jobs,
                                const std::string& seed, int tenants);

}  // namespace qt::demo

#endif  // QIANTANG_DEMO_DEMO_CLOUD_H_
