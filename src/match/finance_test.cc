#include "match/finance.h"

#include <gtest/gtest.h>

#include "match/migrations.h"
#include "tests/support/service_test.h"
#include "tests/support/status_matchers.h"

namespace qt::match {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

using accounts::OrgKind;
using accounts::Principal;
using nlohmann::json;

class FinanceTest : public qt::testing::ServiceTest {
 protected:
  FinanceTest() : ServiceTest("2026-11-26T08:00:00Z", "finance_test") {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(Open({Migrations()}));
    bank_ = Org("杭州银行科技支行", OrgKind::kInstitution, 'B');
    insurer_ = Org("人保财险杭州分公司", OrgKind::kInstitution, 'P');
    station_ = Org("杭州市科学技术局", OrgKind::kAuthority, 'K');
    firm_ = Org("杭州云图医疗影像科技有限公司", OrgKind::kEnterprise, 'F');
    finance_ = std::make_unique<Finance>(*store_, FinanceOptions{&clock_, &random_, &journal_});
  }

  static json Profile(const std::string& code, int64_t revenue_yuan,
                      std::vector<std::string> needs) {
    return {{"credit_code", code},
            {"district", "滨江区"},
            {"industry", "I65"},
            {"founded", "2019-03-01"},
            {"staff", 80},
            {"revenue_fen", revenue_yuan * 100},
            {"rd_ratio", 0.12},
            {"patents", 6},
            {"qualifications", {"高新技术企业"}},
            {"credit_rating", "AA"},
            {"need_amount_fen", 100'000'000},
            {"need_types", needs}};
  }

  std::unique_ptr<Finance> finance_;
  Principal bank_, insurer_, station_, firm_;
};

INSTANTIATE_TEST_SUITE_P(Backends, FinanceTest, ::testing::ValuesIn(qt::testing::TestBackends()),
                         qt::testing::BackendName());

TEST_P(FinanceTest, InsurancePlusLoanIsOfferedAsABundleAndAppliedFor) {
  // The seed's story: a cost-overrun policy of 1.41 million yuan backs a 1-million-yuan loan.
  auto loan = finance_->Publish(
      bank_,
      {ProductKind::kLoan, "科技研发贷",
       "need_types has \"贷\" and revenue >= 500万 and credit_rating in [\"AAA\", \"AA\", \"A\"]",
       100'000'000, "年化 3.6%，一年", ProductKind::kInsurance});
  ASSERT_THAT(loan, IsOk()) << loan.status().ToString();
  auto policy = finance_->Publish(insurer_, {ProductKind::kInsurance, "研发费用损失险",
                                             "rd_ratio >= 0.05 and years_since(founded) >= 3",
                                             141'000'000, "研发超支损失保障", std::nullopt});
  ASSERT_THAT(policy, IsOk());
  auto grant = finance_->Publish(bank_, {ProductKind::kSubsidy, "研发补助",
                                         "qualifications has \"专精特新\" and rd_ratio >= 0.05",
                                         20'000'000, "按研发投入补助", std::nullopt});
  ASSERT_THAT(grant, IsOk());
  auto me = finance_->SaveOwnProfile(firm_, "杭州云图医疗影像科技有限公司",
                                     Profile(CreditCode('F'), 8'000'000, {"贷", "保"}));
  ASSERT_THAT(me, IsOk()) << me.status().ToString();
  auto m = finance_->Match(me->id, 10);
  ASSERT_THAT(m, IsOk()) << m.status().ToString();
  ASSERT_EQ(m->eligible.size(), 2u);
  EXPECT_EQ(m->eligible[0].product.id, loan->id) << "sought, and covers the amount";
  ASSERT_EQ(m->eligible[0].bundle.size(), 1u);
  EXPECT_EQ(m->eligible[0].bundle[0].id, policy->id);
  EXPECT_TRUE(m->eligible[0].explanation.passed);
  ASSERT_EQ(m->near_misses.size(), 1u);
  EXPECT_EQ(m->near_misses[0].product.id, grant->id);
  EXPECT_EQ(m->near_misses[0].explanation.clauses[0].text, "qualifications has \"专精特新\"");

  auto app = finance_->Apply(firm_, me->id, loan->id, 100'000'000);
  ASSERT_THAT(app, IsOk()) << app.status().ToString();
  EXPECT_EQ(app->bundle_ids, std::vector<std::string>{policy->id});
  EXPECT_THAT(finance_->Apply(firm_, me->id, grant->id, 1),
              StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(finance_->Apply(firm_, me->id, loan->id, 200'000'000),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(finance_->Decide(insurer_, app->id, Decision::kAccept, 1, ""),
              StatusIs(StatusCode::kNotFound));
  auto done = finance_->Decide(bank_, app->id, Decision::kAccept, 100'000'000, "");
  ASSERT_THAT(done, IsOk()) << done.status().ToString();
  EXPECT_THAT(finance_->Decide(bank_, app->id, Decision::kDecline, 0, "late"),
              StatusIs(StatusCode::kFailedPrecondition));
  auto stats = finance_->GetStats();
  EXPECT_EQ(stats->served_fen, 100'000'000);
  EXPECT_EQ(stats->accepted, 1);

  // Without the policy the loan cannot be served: it becomes a near miss.
  ASSERT_THAT(finance_->Withdraw(insurer_, policy->id), IsOk());
  auto after = finance_->Match(me->id, 10);
  EXPECT_TRUE(after->eligible.empty());
  EXPECT_EQ(after->near_misses[0].product.id, loan->id);
  // A profile change makes the grant reachable.
  json better = Profile(CreditCode('F'), 8'000'000, {"贷", "保"});
  better["qualifications"] = {"高新技术企业", "专精特新"};
  ASSERT_THAT(finance_->SaveOwnProfile(firm_, "杭州云图医疗影像科技有限公司", better), IsOk());
  EXPECT_EQ(finance_->Match(me->id, 10)->eligible[0].product.id, grant->id);
}

TEST_P(FinanceTest, RevenueInFenMeetsARuleInYuanExactlyAtTheBoundary) {
  // 4,999,999.99 yuan is one fen short of 500万; 5,000,000.00 is enough.
  json short_by_a_fen = Profile(CreditCode('H'), 0, {"贷"});
  short_by_a_fen["revenue_fen"] = 499'999'999;
  json exactly = Profile(CreditCode('J'), 5'000'000, {"贷"});
  ASSERT_THAT(finance_->ImportProfiles(station_, {{"差一分", short_by_a_fen}, {"正好", exactly}}),
              IsOk());
  auto loan = finance_->Publish(
      bank_, {ProductKind::kLoan, "贷", "revenue >= 500万", 1'000'000, "", std::nullopt});
  ASSERT_THAT(loan, IsOk());
  EXPECT_EQ(*finance_->Reach(loan->id), 1);
  auto near = finance_->NearlyEligible(bank_, loan->id, 10);
  ASSERT_THAT(near, IsOk());
  ASSERT_EQ(near->items.size(), 1u);
  EXPECT_EQ(near->items[0].name, "差一分");
  EXPECT_EQ(near->items[0].miss.actual, "4999999.99") << "explained in yuan, as the rule reads";
  EXPECT_DOUBLE_EQ(near->items[0].miss.gap, 0.01);
  // The same boundary written to the fen; a literal finer than a fen is refused.
  auto fen = finance_->Publish(
      bank_, {ProductKind::kLoan, "贷", "revenue >= 4999999.99", 1'000'000, "", std::nullopt});
  ASSERT_THAT(fen, IsOk());
  EXPECT_EQ(*finance_->Reach(fen->id), 2);
  EXPECT_THAT(finance_->Publish(bank_, {ProductKind::kLoan, "贷", "revenue >= 4999999.995",
                                        1'000'000, "", std::nullopt}),
              StatusIs(StatusCode::kInvalidArgument));
  // Money is given in whole fen under its _fen name.
  json yuan = Profile(CreditCode('F'), 1, {"贷"});
  yuan.erase("revenue_fen");
  yuan["revenue"] = 5'000'000;
  EXPECT_THAT(finance_->SaveOwnProfile(firm_, "云图", yuan),
              StatusIs(StatusCode::kInvalidArgument));
  yuan.erase("revenue");
  yuan["revenue_fen"] = 500'000'000.5;
  EXPECT_THAT(finance_->SaveOwnProfile(firm_, "云图", yuan),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_P(FinanceTest, MigrationFourConvertsProfilesStoredInYuanToFen) {
  qt::testing::TestDatabase db{GetParam()};
  auto opened = store::OpenStore(db.url(), {});
  ASSERT_THAT(opened, IsOk());
  store::Store& old = **opened;
  std::vector<store::Migration> before = ledger::Journal::Migrations(), all;
  for (const auto& m : accounts::Accounts::Migrations()) before.push_back(m);
  all = before;
  for (const auto& m : Migrations()) {
    all.push_back(m);
    if (m.version < 4) before.push_back(m);
  }
  ASSERT_THAT(store::Migrate(old, before), IsOk());
  const std::pair<const char*, const char*> rows[] = {
      {"ent-a", R"({"credit_code":"A","need_amount":1000000,"revenue":4999999.99})"},
      {"ent-b", R"({"credit_code":"B","revenue":0.285,"staff":3})"},
      {"ent-c", R"({"credit_code":"C","staff":3})"},
      {"ent-d", "{not json"}};
  ASSERT_THAT(old.Write([&](store::Tx& tx) -> Status {
    for (const auto& [id, profile] : rows) {
      QT_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO fm_enterprises (id, name, credit_code, org_id, profile, updated_at,"
                  " change_seq) VALUES (?, ?, ?, NULL, ?, 0, 0)",
                  {id, id, id, profile})
              .status());
    }
    return OkStatus();
  }),
              IsOk());
  ASSERT_THAT(store::Migrate(old, all), IsOk());
  Finance finance(old, FinanceOptions{&clock_, &random_, &journal_});
  EXPECT_EQ(
      finance.GetEnterprise("ent-a")->profile,
      json::parse(R"({"credit_code":"A","need_amount_fen":100000000,"revenue_fen":499999999})"));
  EXPECT_EQ(finance.GetEnterprise("ent-b")->profile,
            json::parse(R"({"credit_code":"B","revenue_fen":29,"staff":3})"))
      << "0.285 yuan is 28.5 fen, rounded half away from zero";
  EXPECT_EQ(finance.GetEnterprise("ent-c")->profile,
            json::parse(R"({"credit_code":"C","staff":3})"));
  EXPECT_THAT(finance.GetEnterprise("ent-d"), StatusIs(StatusCode::kInternal))
      << "a damaged profile is left as it was";
}

TEST_P(FinanceTest, AnInstitutionSeesWhoIsOneClauseAway) {
  auto loan = finance_->Publish(
      bank_, {ProductKind::kLoan, "科技研发贷", "need_types has \"贷\" and revenue >= 500万",
              100'000'000, "", std::nullopt});
  ASSERT_THAT(loan, IsOk());
  ASSERT_TRUE(
      finance_
          ->ImportProfiles(station_, {{"差 100 万", Profile(CreditCode('H'), 4'000'000, {"贷"})},
                                      {"差 400 万", Profile(CreditCode('J'), 1'000'000, {"贷"})},
                                      {"不贷款", Profile(CreditCode('L'), 9'000'000, {"投"})},
                                      {"两条都差", Profile(CreditCode('M'), 1'000, {"投"})},
                                      {"已符合", Profile(CreditCode('N'), 9'000'000, {"贷"})}})
          .ok());
  auto near = finance_->NearlyEligible(bank_, loan->id, 2);
  ASSERT_THAT(near, IsOk()) << near.status().ToString();
  EXPECT_EQ(near->count, 3);
  ASSERT_EQ(near->items.size(), 2u);
  EXPECT_EQ(near->items[0].name, "差 100 万") << "the smallest gap first";
  EXPECT_EQ(near->items[0].miss.text, "revenue >= 500万");
  EXPECT_EQ(near->items[0].miss.gap, 1'000'000);
  EXPECT_EQ(near->items[1].name, "差 400 万");
  EXPECT_THAT(finance_->NearlyEligible(insurer_, loan->id, 10), StatusIs(StatusCode::kNotFound))
      << "only the product's institution";
  EXPECT_THAT(finance_->NearlyEligible(station_, loan->id, 10),
              StatusIs(StatusCode::kPermissionDenied));
}

TEST_P(FinanceTest, NoEnterpriseTakesAnotherEnterprisesProfile) {
  // A screened firm, not yet on the platform, and another enterprise that is.
  ASSERT_THAT(finance_->ImportProfiles(
                  station_, {{"杭州被冒名科技有限公司", Profile(CreditCode('W'), 1e7, {"贷"})}}),
              IsOk());
  const Principal other = Org("杭州另一家科技有限公司", OrgKind::kEnterprise, 'G');
  ASSERT_THAT(finance_->SaveOwnProfile(other, "杭州另一家科技有限公司",
                                       Profile(CreditCode('G'), 1e6, {"贷"})),
              IsOk());
  for (char victim : {'W', 'G', 'Q'}) {  // screened, another's own, nobody's yet
    auto taken = finance_->SaveOwnProfile(firm_, "冒名", Profile(CreditCode(victim), 1, {"补"}));
    EXPECT_THAT(taken, StatusIs(StatusCode::kPermissionDenied)) << victim;
  }
  EXPECT_THAT(
      finance_->SaveOwnProfile(firm_, "冒名", json{{"credit_code", CreditCode('W')}}).status(),
      StatusIs(StatusCode::kPermissionDenied))
      << "a credit code alone";
  // Nothing changed: the screened firm is still nobody's, with its figures.
  auto screened = finance_->ListEnterprises("被冒名", {});
  ASSERT_THAT(screened, IsOk());
  ASSERT_EQ(screened->items.size(), 1u);
  EXPECT_EQ(screened->items[0].org_id, "");
  EXPECT_EQ(screened->items[0].profile["revenue_fen"], 1'000'000'000);
  EXPECT_THAT(finance_->OwnEnterprise(firm_), StatusIs(StatusCode::kNotFound));
  // Its own code is accepted.
  EXPECT_THAT(finance_->SaveOwnProfile(firm_, "云图", Profile(CreditCode('F'), 1, {"补"})), IsOk());
}

TEST_P(FinanceTest, ImportsAndBadInput) {
  std::vector<std::pair<std::string, json>> rows;
  for (char c : {'1', '2', '3'})
    rows.emplace_back(std::string("企业") + c, Profile(CreditCode(c), 10'000'000, {"贷"}));
  ASSERT_EQ(*finance_->ImportProfiles(station_, rows), 3u);
  ASSERT_THAT(finance_->Publish(bank_, {ProductKind::kLoan, "贷", "revenue >= 500万", 1'000'000,
                                        "t", std::nullopt}),
              IsOk());
  auto products = finance_->ListProducts(std::nullopt, {});
  EXPECT_EQ(*finance_->Reach(products->items[0].id), 3);
  rows.emplace_back("坏", json{{"credit_code", "123"}});
  EXPECT_NE(finance_->ImportProfiles(station_, rows).status().message().find("row 4"),
            std::string::npos);
  EXPECT_THAT(finance_->ImportProfiles(firm_, rows), StatusIs(StatusCode::kPermissionDenied));
  EXPECT_NE(finance_->Publish(bank_, {ProductKind::kLoan, "x", "revenu >= 1", 1, "t", std::nullopt})
                .status()
                .message()
                .find("rule:1: unknown attribute"),
            std::string::npos);
  EXPECT_NE(
      finance_->Publish(bank_, {ProductKind::kLoan, "x", "staff > 1", 1, "t", ProductKind::kLoan})
          .status()
          .message()
          .find("requires_kind"),
      std::string::npos);
  EXPECT_NE(finance_->Publish(bank_, {ProductKind::kLoan, "x", "staff > 1", 0, "t", std::nullopt})
                .status()
                .message()
                .find("max_amount_fen"),
            std::string::npos);
  EXPECT_THAT(
      finance_->Publish(firm_, {ProductKind::kLoan, "x", "staff > 1", 1, "t", std::nullopt}),
      StatusIs(StatusCode::kPermissionDenied));
  EXPECT_NE(finance_->SaveOwnProfile(firm_, "x", json{{"staff", "many"}})
                .status()
                .message()
                .find("profile: staff"),
            std::string::npos);
  EXPECT_EQ(finance_->GetStats()->enterprises, 3);
  EXPECT_EQ(finance_->ListEnterprises("", {})->items.size(), 3u);
}

}  // namespace
}  // namespace qt::match
