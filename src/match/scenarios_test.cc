#include "match/scenarios.h"

#include <gtest/gtest.h>

#include "match/finance.h"
#include "match/migrations.h"
#include "tests/support/service_test.h"
#include "tests/support/status_matchers.h"

namespace qt::match {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

using accounts::OrgKind;
using accounts::Principal;

class ScenariosTest : public qt::testing::ServiceTest {
 protected:
  ScenariosTest() : ServiceTest("2026-11-26T08:00:00Z", "scenarios_test") {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(Open({Migrations()}));
    bureau_ = Org("杭州市交通运输局", OrgKind::kAuthority, 'T');
    maker_ = Org("杭州星河自动驾驶科技有限公司", OrgKind::kEnterprise, 'M');
    other_ = Org("杭州智慧养老科技有限公司", OrgKind::kEnterprise, 'Y');
    sc_ = std::make_unique<Scenarios>(*store_, ScenarioOptions{&clock_, &random_, &journal_});
  }

  Listing Demand(const std::string& title, const std::string& text, const std::string& domain) {
    return {.id = "",
            .list = ScenarioList::kDemand,
            .org_id = "",
            .title = title,
            .description = text,
            .domain = domain,
            .tags = {},
            .district = "滨江区",
            .budget_fen = 500'000'000,
            .deadline = Date::Parse("2027-06-30"),
            .references = "",
            .state = ListingState::kOpen,
            .created_at = 0};
  }
  Listing Capability(const std::string& title, const std::string& text, const std::string& domain) {
    return {.id = "",
            .list = ScenarioList::kCapability,
            .org_id = "",
            .title = title,
            .description = text,
            .domain = domain,
            .tags = {},
            .district = "",
            .budget_fen = 0,
            .deadline = std::nullopt,
            .references = "亚运会接驳",
            .state = ListingState::kOpen,
            .created_at = 0};
  }

  std::unique_ptr<Scenarios> sc_;
  Principal bureau_, maker_, other_;
};

INSTANTIATE_TEST_SUITE_P(Backends, ScenariosTest, ::testing::ValuesIn(qt::testing::TestBackends()),
                         qt::testing::BackendName());

TEST_P(ScenariosTest, DemandsAndCapabilitiesMeetAndMoveThroughTheWorkflow) {
  auto demand =
      sc_->Add(bureau_, Demand("城市道路自动驾驶公交测试",
                               "在滨江区开放道路开展自动驾驶公交与车路协同测试", "智慧交通"));
  ASSERT_THAT(demand, IsOk()) << demand.status().ToString();
  auto av =
      sc_->Add(maker_, Capability("L4 自动驾驶公交解决方案",
                                  "自动驾驶公交车辆与车路协同系统，已在园区部署", "智慧交通"));
  ASSERT_THAT(av, IsOk()) << av.status().ToString();
  auto care =
      sc_->Add(other_, Capability("社区养老服务平台", "智慧养老平台与居家照护设备", "智慧养老"));
  ASSERT_THAT(care, IsOk());
  auto matches = sc_->Matches(demand->id, 10);
  ASSERT_THAT(matches, IsOk()) << matches.status().ToString();
  ASSERT_GE(matches->size(), 1u);
  EXPECT_EQ((*matches)[0].listing.id, av->id);
  for (const auto& m : *matches) EXPECT_NE(m.listing.id, care->id) << "no word or tag in common";
  auto back = sc_->Matches(av->id, 10);
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ((*back)[0].listing.id, demand->id);

  auto pair = sc_->Recommend(bureau_, demand->id, av->id, "平台推荐");
  ASSERT_THAT(pair, IsOk()) << pair.status().ToString();
  EXPECT_THAT(sc_->Recommend(bureau_, demand->id, av->id, ""), StatusIs(StatusCode::kConflict));
  EXPECT_THAT(sc_->Recommend(other_, demand->id, av->id, ""),
              StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(sc_->Advance(maker_, pair->id, PairState::kPiloting, ""),
              StatusIs(StatusCode::kFailedPrecondition))
      << "contacted comes first";
  EXPECT_THAT(sc_->Advance(other_, pair->id, PairState::kContacted, ""),
              StatusIs(StatusCode::kPermissionDenied));
  for (PairState s : {PairState::kContacted, PairState::kPiloting, PairState::kDeployed})
    ASSERT_THAT(sc_->Advance(maker_, pair->id, s, ""), IsOk()) << PairStateName(s);
  EXPECT_THAT(sc_->Advance(maker_, pair->id, PairState::kClosed, ""),
              StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_EQ(sc_->Pairs(demand->id)->at(0).state, PairState::kDeployed);
  auto stats = sc_->GetStats();
  EXPECT_EQ(stats->demands, 1);
  EXPECT_EQ(stats->capabilities, 2);
  EXPECT_EQ(stats->pairs_by_state["deployed"], 1);
  // Closed listings leave the matches.
  ASSERT_THAT(sc_->Close(maker_, av->id), IsOk());
  EXPECT_TRUE(sc_->Matches(demand->id, 10)->empty());
}

TEST_P(ScenariosTest, BadListingsAndQueriesAreRefused) {
  auto bad = Demand("x", "y", "赌博");
  EXPECT_NE(sc_->Add(bureau_, bad).status().message().find("domain"), std::string::npos);
  bad = Demand("x", "y", "智慧交通");
  bad.deadline = Date::Parse("2020-01-01");
  EXPECT_NE(sc_->Add(bureau_, bad).status().message().find("deadline: is in the past"),
            std::string::npos);
  bad.deadline = Date::Parse("2027-01-01");
  bad.budget_fen = 0;
  EXPECT_NE(sc_->Add(bureau_, bad).status().message().find("budget_fen"), std::string::npos);
  EXPECT_NE(sc_->Add(bureau_, Demand("x", std::string(9000, 'a'), "智慧交通"))
                .status()
                .message()
                .find("description"),
            std::string::npos);
  EXPECT_NE(sc_->Search(ScenarioList::kCapability, "，。", {}, 10).status().message().find("query"),
            std::string::npos);
  EXPECT_NE(sc_->Search(ScenarioList::kCapability, std::string(3000, 'a'), {}, 10)
                .status()
                .message()
                .find("longer"),
            std::string::npos);
  EXPECT_EQ(sc_->GetStats()->demands, 0);
}

}  // namespace
}  // namespace qt::match
