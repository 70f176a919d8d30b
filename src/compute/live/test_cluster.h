// For compute/live's tests: a provider's simulated cluster of 4 nodes x 8
// A100 (two nodes per leaf switch) on the market, two tenant organisations,
// and the cluster's Jobs, on every test backend (ServiceTest). The clock
// starts at 2026-12-01T00:00:00Z, on a history interval's boundary.
#ifndef QIANTANG_COMPUTE_LIVE_TEST_CLUSTER_H_
#define QIANTANG_COMPUTE_LIVE_TEST_CLUSTER_H_

#include <memory>
#include <string>
#include <utility>

#include "compute/configs.h"
#include "compute/live/jobs.h"
#include "compute/market/vouchers.h"
#include "tests/support/service_test.h"
#include "tests/support/status_matchers.h"

namespace qt::compute::live {

class LiveClusterTest : public qt::testing::ServiceTest {
 protected:
  static constexpr int64_t kHour = 3'600'000;

  explicit LiveClusterTest(const char* name) : ServiceTest("2026-12-01T00:00:00Z", name) {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(
        Open({market::Market::Migrations(), market::Vouchers::Migrations(), Jobs::Migrations()}));
    provider_ = Org("算力供应商", accounts::OrgKind::kComputeProvider, 'P');
    tenant_ = Org("训练租户甲", accounts::OrgKind::kEnterprise, 'A');
    other_ = Org("训练租户乙", accounts::OrgKind::kEnterprise, 'B');
    market_ = std::make_unique<market::Market>(
        *store_,
        market::MarketOptions{&clock_, &random_, &journal_, &catalog_, nullptr, 15 * 60'000, 1});
    market::NewCluster c;
    c.name = "test-a100";
    c.region = "钱塘区";
    c.pools = {{{4, 8, 128, 2048, 2, 2}, "a100", "A100"}};
    c.fen_per_card_hour["A100"] = 1200;
    auto offer = market_->RegisterCluster(provider_, c);
    ASSERT_THAT(offer, qt::testing::IsOk());
    cluster_ = offer->id;
    jobs_ = NewJobs();
  }

  // A server process's Jobs on the test's database: `policy` for new
  // clusters, preemption allowed at once.
  std::unique_ptr<Jobs> NewJobs(std::string policy = "fifo") {
    SchedulerOptions o;
    o.min_run_before_preemption_ms = 0;
    return std::make_unique<Jobs>(
        *store_, JobsOptions{&clock_, &random_, &journal_, &catalog_, market_.get(), 1,
                             std::move(policy), o, accounts_.get()});
  }

  // A gang job of `cards` A100s running `hours`.
  NewJob Job(int64_t cards, int64_t hours) {
    NewJob j;
    j.cluster_id = cluster_;
    j.name = "train";
    j.cards = cards;
    j.duration_ms = hours * kHour;
    return j;
  }

  ChipCatalog catalog_ = LoadChipCatalog("").value();
  std::unique_ptr<market::Market> market_;
  std::unique_ptr<Jobs> jobs_;
  std::string cluster_;
  accounts::Principal provider_, tenant_, other_;
};

}  // namespace qt::compute::live

#endif  // QIANTANG_COMPUTE_LIVE_TEST_CLUSTER_H_
