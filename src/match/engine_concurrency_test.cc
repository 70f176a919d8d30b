// The finance engine under concurrent use (finance.h says: safe for
// concurrent use), as the server uses it: request threads save profiles,
// match and count reach while the engine follows the store's changes. Run
// under ThreadSanitizer by scripts/tsan.sh; the final state is checked too.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "match/finance.h"
#include "match/migrations.h"
#include "tests/support/service_test.h"
#include "tests/support/status_matchers.h"

namespace qt::match {
namespace {

using ::qt::testing::IsOk;

using accounts::OrgKind;
using accounts::Principal;
using nlohmann::json;

class EngineConcurrencyTest : public qt::testing::ServiceTest {
 protected:
  EngineConcurrencyTest() : ServiceTest("2026-11-26T08:00:00Z", "engine_concurrency_test") {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(Open({Migrations()}));
    bank_ = Org("杭州银行科技支行", OrgKind::kInstitution, 'B');
    for (char c : std::string("FGHJ")) {
      firms_.push_back(Org(std::string("杭州并发科技有限公司") + c, OrgKind::kEnterprise, c));
      codes_.push_back(CreditCode(c));
    }
    finance_ = std::make_unique<Finance>(*store_, FinanceOptions{&clock_, &random_, &journal_});
  }

  static json Profile(const std::string& code, int staff) {
    return {{"credit_code", code},        {"district", "滨江区"}, {"staff", staff},
            {"revenue_fen", 800'000'000}, {"rd_ratio", 0.12},     {"need_types", {"贷"}}};
  }

  std::unique_ptr<Finance> finance_;
  Principal bank_;
  std::vector<Principal> firms_;
  std::vector<std::string> codes_;
};

INSTANTIATE_TEST_SUITE_P(Backends, EngineConcurrencyTest,
                         ::testing::ValuesIn(qt::testing::TestBackends()),
                         qt::testing::BackendName());

TEST_P(EngineConcurrencyTest, ProfileWritesMatchesAndReachFromManyThreadsEndConsistent) {
  auto loan = finance_->Publish(
      bank_, {ProductKind::kLoan, "科技研发贷", "staff >= 100 and need_types has \"贷\"",
              100'000'000, "年化 3.6%", std::nullopt});
  ASSERT_THAT(loan, IsOk()) << loan.status().ToString();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (size_t f = 0; f < firms_.size(); ++f) {
    threads.emplace_back([&, f] {
      for (int i = 0; i < 12; ++i) {
        // Firms 0 and 2 end above the threshold, 1 and 3 below it.
        const int staff = (i + static_cast<int>(f)) % 2 == 1 ? 150 : 50;
        auto me =
            finance_->SaveOwnProfile(firms_[f], "杭州并发科技有限公司", Profile(codes_[f], staff));
        if (!me.ok()) {
          ++failures;
          ADD_FAILURE() << me.status().ToString();
          continue;
        }
        if (!finance_->Match(me->id, 10).ok()) ++failures;
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 30; ++i) {
      if (!finance_->Reach(loan->id).ok() || !finance_->GetStats().ok()) ++failures;
    }
  });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto reach = finance_->Reach(loan->id);
  ASSERT_THAT(reach, IsOk());
  EXPECT_EQ(*reach, 2) << "the engine reflects every firm's last profile";
  for (size_t f = 0; f < firms_.size(); ++f) {
    auto me = finance_->OwnEnterprise(firms_[f]);
    ASSERT_THAT(me, IsOk());
    EXPECT_EQ(finance_->Match(me->id, 10)->eligible.size(), f % 2 == 0 ? 1u : 0u) << f;
  }
}

}  // namespace
}  // namespace qt::match
