#include "match/public_policies.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "core/resident_id.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "match/finance.h"
#include "match/migrations.h"
#include "tests/support/hook_receiver.h"
#include "tests/support/service_test.h"
#include "tests/support/status_matchers.h"

namespace qt::match {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

using accounts::OrgKind;
using accounts::Principal;
using nlohmann::json;

// A valid GB 11643 number born in `year`; `seq` varies the sequence digits.
std::string ResidentId(int year, int seq) {
  std::string first17 = "330106" + std::to_string(year) + "0307" + std::to_string(100 + seq % 900);
  return first17 + ResidentIdCheckCharacter(first17);
}

class PoliciesTest : public qt::testing::ServiceTest {
 protected:
  PoliciesTest() : ServiceTest("2026-11-26T08:00:00Z", "policies_test") {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(Open({identity::Identity::Migrations(), Migrations()}));
    bureau_ = Org("杭州市经济和信息化局", OrgKind::kAuthority, 'K');
    talent_office_ = Org("杭州市人才工作领导小组办公室", OrgKind::kAuthority, 'T');
    firm_ = Org("杭州云图医疗影像科技有限公司", OrgKind::kEnterprise, 'F');
    other_ = Org("杭州另一家科技有限公司", OrgKind::kEnterprise, 'G');
    finance_ = std::make_unique<Finance>(*store_, FinanceOptions{&clock_, &random_, &journal_});
    identity_ = std::make_unique<identity::Identity>(
        *store_, identity::IdentityOptions{.clock = &clock_,
                                           .random = &random_,
                                           .journal = &journal_,
                                           .accounts = accounts_.get(),
                                           .master_key = &key_});
    ASSERT_THAT(identity_->Init(), IsOk());
    policies_ = NewPolicies();
  }

  std::mutex dns_mu_;
  std::map<std::string, std::vector<std::string>> dns_;

  std::unique_ptr<PublicPolicies> NewPolicies() {
    return std::make_unique<PublicPolicies>(*store_,
                                            PublicPoliciesOptions{.clock = &clock_,
                                                                  .random = &random_,
                                                                  .journal = &journal_,
                                                                  .identity = identity_.get(),
                                                                  .master_key = &key_,
                                                                  .outbound = {{"127.0.0.1"}},
                                                                  .resolve = Dns()});
  }

  // Names in dns_ resolve as the test says (a local resolver would); others
  // through the system.
  Resolver Dns() {
    return [this](const std::string& host) -> Result<std::vector<std::string>> {
      std::lock_guard lock(dns_mu_);
      auto it = dns_.find(host);
      if (it == dns_.end()) return SystemResolver()(host);
      return it->second;
    };
  }
  void SetDns(const std::string& host, std::vector<std::string> addresses) {
    std::lock_guard lock(dns_mu_);
    dns_[host] = std::move(addresses);
  }

  static json Profile(const std::string& code, double revenue,
                      std::vector<std::string> qualifications) {
    return {{"credit_code", code},
            {"district", "滨江区"},
            {"industry", "I65"},
            {"founded", "2019-03-01"},
            {"staff", 80},
            {"revenue_fen", static_cast<int64_t>(revenue * 100)},
            {"rd_ratio", 0.12},
            {"patents", 6},
            {"qualifications", qualifications},
            {"credit_rating", "AA"},
            {"need_amount_fen", 100'000'000},
            {"need_types", {"补"}}};
  }

  static NewPublicPolicy HighTechAward() {
    return {.audience = PolicyAudience::kEnterprise,
            .title = "高新技术企业认定奖励",
            .summary = "首次认定的高新技术企业给予奖励",
            .benefit = "一次性奖励 20 万元",
            .rule = "qualifications has \"高新技术企业\" and revenue >= 500万",
            .valid_from = *Date::Parse("2026-01-01"),
            .valid_until = *Date::Parse("2027-12-31")};
  }

  static NewPublicPolicy TalentHousing() {
    return {.audience = PolicyAudience::kPerson,
            .title = "高层次人才购房补贴",
            .summary = "",
            .benefit = "最高 800 万元",
            .rule = "talent_category in [\"A\", \"B\", \"C\"] and age <= 55",
            .valid_from = *Date::Parse("2026-01-01"),
            .valid_until = *Date::Parse("2027-12-31")};
  }

  std::vector<Notice> Inbox(const Principal& org) {
    auto page = policies_->EnterpriseInbox(org, false, {});
    EXPECT_THAT(page, IsOk()) << page.status().ToString();
    return page.ok() ? page->items : std::vector<Notice>{};
  }
  std::vector<Notice> Inbox(const identity::Citizen& c) {
    auto page = policies_->PersonInbox(c, false, {});
    EXPECT_THAT(page, IsOk()) << page.status().ToString();
    return page.ok() ? page->items : std::vector<Notice>{};
  }
  int64_t Sync() {
    auto r = policies_->Sync();
    EXPECT_THAT(r, IsOk()) << r.status().ToString();
    return r.ok() ? r->notices : -1;
  }

  std::unique_ptr<Finance> finance_;
  std::unique_ptr<identity::Identity> identity_;
  std::unique_ptr<PublicPolicies> policies_;
  Principal bureau_, talent_office_, firm_, other_;
};

INSTANTIATE_TEST_SUITE_P(Backends, PoliciesTest, ::testing::ValuesIn(qt::testing::TestBackends()),
                         qt::testing::BackendName());

TEST_P(PoliciesTest, PublicationNoticesEveryEligibleEnterpriseWithTheExplanation) {
  ASSERT_THAT(finance_->SaveOwnProfile(firm_, "云图",
                                       Profile(CreditCode('F'), 8'000'000, {"高新技术企业"})),
              IsOk());
  ASSERT_THAT(finance_->SaveOwnProfile(other_, "另一家",
                                       Profile(CreditCode('G'), 1'000'000, {"高新技术企业"})),
              IsOk());
  // Screened profiles with no organisation yet are noticed too.
  ASSERT_THAT(finance_->ImportProfiles(
                  bureau_, {{"甲", Profile(CreditCode('H'), 9'000'000, {"高新技术企业"})},
                            {"乙", Profile(CreditCode('J'), 9'000'000, {"专精特新"})}}),
              IsOk());
  auto p = policies_->Publish(bureau_, HighTechAward());
  ASSERT_THAT(p, IsOk()) << p.status().ToString();
  EXPECT_EQ(p->version, 1);
  EXPECT_EQ(p->notified, 2) << "云图 and 甲: revenue and qualification";

  auto mine = Inbox(firm_);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].policy_id, p->id);
  EXPECT_EQ(mine[0].title, "高新技术企业认定奖励");
  ASSERT_EQ(mine[0].explanation.size(), 2u);
  EXPECT_EQ(mine[0].explanation[1]["clause"], "revenue >= 500万");
  EXPECT_EQ(mine[0].explanation[1]["passed"], true);
  EXPECT_EQ(mine[0].explanation[1]["actual"], "8000000");
  EXPECT_TRUE(Inbox(other_).empty()) << "revenue below 5 million";
  EXPECT_EQ(Sync(), 0) << "nothing new";

  // Read.
  EXPECT_THAT(policies_->MarkRead(other_, mine[0].id), StatusIs(StatusCode::kNotFound));
  auto read = policies_->MarkRead(firm_, mine[0].id);
  ASSERT_THAT(read, IsOk()) << read.status().ToString();
  EXPECT_GT(read->read_at, 0);
  EXPECT_TRUE(policies_->EnterpriseInbox(firm_, true, {})->items.empty());
  EXPECT_THAT(policies_->EnterpriseInbox(bureau_, false, {}),
              StatusIs(StatusCode::kPermissionDenied));

  // Open until the policy's last day; closed after it.
  EXPECT_EQ(mine[0].valid_until.ToString(), "2027-12-31");
  EXPECT_FALSE(mine[0].closed);
  clock_.Advance(int64_t{2 * 366} * 86'400'000);
  auto later = Inbox(firm_);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_TRUE(later[0].closed);
}

TEST_P(PoliciesTest, AProfileChangeNoticesOnceForEachVersion) {
  auto p = policies_->Publish(bureau_, HighTechAward());
  ASSERT_THAT(p, IsOk()) << p.status().ToString();
  EXPECT_EQ(p->notified, 0);
  ASSERT_THAT(finance_->SaveOwnProfile(other_, "另一家",
                                       Profile(CreditCode('G'), 1'000'000, {"高新技术企业"})),
              IsOk());
  EXPECT_EQ(Sync(), 0);
  // Revenue grows: now eligible.
  ASSERT_THAT(finance_->SaveOwnProfile(other_, "另一家",
                                       Profile(CreditCode('G'), 6'000'000, {"高新技术企业"})),
              IsOk());
  EXPECT_EQ(Sync(), 1);
  ASSERT_EQ(Inbox(other_).size(), 1u);
  // Still eligible, out and in again: never twice for this version.
  ASSERT_THAT(finance_->SaveOwnProfile(other_, "另一家",
                                       Profile(CreditCode('G'), 7'000'000, {"高新技术企业"})),
              IsOk());
  ASSERT_TRUE(
      finance_->SaveOwnProfile(other_, "另一家", Profile(CreditCode('G'), 1'000, {"高新技术企业"}))
          .ok());
  EXPECT_EQ(Sync(), 0);
  ASSERT_THAT(finance_->SaveOwnProfile(other_, "另一家",
                                       Profile(CreditCode('G'), 7'000'000, {"高新技术企业"})),
              IsOk());
  EXPECT_EQ(Sync(), 0);
  EXPECT_EQ(Inbox(other_).size(), 1u);

  // A revision is news: noticed again under version 2.
  clock_.Advance(1000);
  NewPublicPolicy v2 = HighTechAward();
  v2.benefit = "一次性奖励 30 万元";
  auto revised = policies_->Revise(bureau_, p->id, v2);
  ASSERT_THAT(revised, IsOk()) << revised.status().ToString();
  EXPECT_EQ(revised->version, 2);
  EXPECT_EQ(revised->notified, 1);
  auto inbox = Inbox(other_);
  ASSERT_EQ(inbox.size(), 2u);
  EXPECT_EQ(inbox[1].version, 2);
  EXPECT_EQ(inbox[1].benefit, "一次性奖励 30 万元");
  EXPECT_EQ(inbox[0].benefit, "一次性奖励 20 万元") << "a notice keeps its version's words";

  // Only the issuer revises or withdraws; withdrawn policies notice no one.
  EXPECT_THAT(policies_->Revise(talent_office_, p->id, v2), StatusIs(StatusCode::kNotFound));
  EXPECT_FALSE(inbox[1].closed);
  ASSERT_THAT(policies_->Withdraw(bureau_, p->id), IsOk());
  EXPECT_THAT(policies_->Withdraw(bureau_, p->id), StatusIs(StatusCode::kFailedPrecondition));
  inbox = Inbox(other_);
  ASSERT_EQ(inbox.size(), 2u);
  EXPECT_TRUE(inbox[1].closed) << "withdrawn";
  ASSERT_THAT(finance_->SaveOwnProfile(firm_, "云图",
                                       Profile(CreditCode('F'), 8'000'000, {"高新技术企业"})),
              IsOk());
  EXPECT_EQ(Sync(), 0);
}

TEST_P(PoliciesTest, TalentStatusFromIdentityFindsPeople) {
  auto young = identity_->Enrol(talent_office_, {"李四", ResidentId(1990, 1), "西湖区", "none"});
  auto old = identity_->Enrol(talent_office_, {"王五", ResidentId(1960, 2), "西湖区", "none"});
  auto none = identity_->Enrol(talent_office_, {"赵六", ResidentId(1995, 3), "滨江区", "none"});
  ASSERT_TRUE(young.ok() && old.ok() && none.ok());
  auto p = policies_->Publish(talent_office_, TalentHousing());
  ASSERT_THAT(p, IsOk()) << p.status().ToString();
  EXPECT_EQ(p->notified, 0);

  ASSERT_THAT(identity_->SetTalent(talent_office_, young->citizen.id, "B", "2028-06-30"), IsOk());
  ASSERT_THAT(identity_->SetTalent(talent_office_, old->citizen.id, "A", "2028-06-30"), IsOk());
  ASSERT_THAT(identity_->SetTalent(talent_office_, none->citizen.id, "E", "2028-06-30"), IsOk());
  EXPECT_EQ(Sync(), 1) << "category B at 36; the 66-year-old and category E are not eligible";
  auto inbox = Inbox(young->citizen);
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_EQ(inbox[0].explanation[0]["actual"], "B");
  EXPECT_EQ(inbox[0].explanation[1]["actual"], "36");
  EXPECT_TRUE(Inbox(old->citizen).empty());
  EXPECT_THAT(policies_->MarkRead(old->citizen, inbox[0].id), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(policies_->MarkRead(young->citizen, inbox[0].id), IsOk());

  // A revoked citizen is not noticed; nor is an expired talent status.
  auto gone = identity_->Enrol(talent_office_, {"孙七", ResidentId(1991, 4), "西湖区", "none"});
  ASSERT_THAT(identity_->SetTalent(talent_office_, gone->citizen.id, "C", "2026-12-31"), IsOk());
  ASSERT_THAT(identity_->Revoke(talent_office_, gone->citizen.id, "迁出"), IsOk());
  EXPECT_EQ(Sync(), 0);
  auto later = identity_->Enrol(talent_office_, {"周八", ResidentId(1992, 5), "西湖区", "none"});
  ASSERT_THAT(identity_->SetTalent(talent_office_, later->citizen.id, "C", "2026-12-31"), IsOk());
  clock_.Advance(int64_t{40} * 86'400'000);  // 2027-01-05: the status has lapsed
  NewPublicPolicy v2 = TalentHousing();
  v2.benefit = "最高 1000 万元";
  auto revised = policies_->Revise(talent_office_, p->id, v2);
  ASSERT_THAT(revised, IsOk()) << revised.status().ToString();
  EXPECT_EQ(revised->notified, 1) << "only 李四 under version 2";
  EXPECT_TRUE(Inbox(later->citizen).empty());
}

TEST_P(PoliciesTest, ChangesWhileNoOneWatchedAreNoticedAfterARestart) {
  ASSERT_TRUE(
      finance_->SaveOwnProfile(firm_, "云图", Profile(CreditCode('F'), 1'000, {"高新技术企业"}))
          .ok());
  auto p = policies_->Publish(bureau_, HighTechAward());
  ASSERT_THAT(p, IsOk());
  // The server is down while the profile changes.
  policies_.reset();
  ASSERT_THAT(finance_->SaveOwnProfile(firm_, "云图",
                                       Profile(CreditCode('F'), 8'000'000, {"高新技术企业"})),
              IsOk());
  policies_ = NewPolicies();
  EXPECT_EQ(Sync(), 1) << "the change after the kept cursor";
  EXPECT_EQ(Sync(), 0);
  policies_ = NewPolicies();
  EXPECT_EQ(Sync(), 0) << "a restart does not notice again";
  EXPECT_EQ(Inbox(firm_).size(), 1u);
}

TEST_P(PoliciesTest, AnImportOfManyFirmsIsFollowedInBulk) {
  auto p = policies_->Publish(bureau_, HighTechAward());
  ASSERT_THAT(p, IsOk());
  ASSERT_THAT(finance_->SaveOwnProfile(firm_, "云图",
                                       Profile(CreditCode('F'), 8'000'000, {"高新技术企业"})),
              IsOk());
  EXPECT_EQ(Sync(), 1);
  // 2,500 screened firms, every third eligible: more than the index takes one by one.
  std::vector<std::pair<std::string, json>> rows;
  int eligible = 0;
  for (int i = 0; i < 2500; ++i) {
    std::string first17 = "91330106MA" + std::to_string(1000000 + i);
    const bool yes = i % 3 == 0;
    eligible += yes;
    rows.emplace_back("企业" + std::to_string(i),
                      Profile(first17 + accounts::CreditCodeCheckCharacter(first17),
                              yes ? 9'000'000 : 1'000, {"高新技术企业"}));
  }
  ASSERT_THAT(finance_->ImportProfiles(bureau_, rows), IsOk());
  auto r = policies_->Sync();
  ASSERT_THAT(r, IsOk()) << r.status().ToString();
  EXPECT_EQ(r->enterprises_changed, 2500);
  EXPECT_EQ(r->notices, eligible);
  // And one by one again after it.
  ASSERT_THAT(finance_->SaveOwnProfile(other_, "另一家",
                                       Profile(CreditCode('G'), 6'000'000, {"高新技术企业"})),
              IsOk());
  EXPECT_EQ(Sync(), 1);
  EXPECT_EQ(policies_->Get(p->id)->notified, eligible + 2);
}

TEST_P(PoliciesTest, APolicyNoticesWhenItComesIntoForce) {
  ASSERT_THAT(finance_->SaveOwnProfile(firm_, "云图",
                                       Profile(CreditCode('F'), 8'000'000, {"高新技术企业"})),
              IsOk());
  NewPublicPolicy next_year = HighTechAward();
  next_year.valid_from = *Date::Parse("2027-01-01");
  auto p = policies_->Publish(bureau_, next_year);
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->notified, 0);
  EXPECT_EQ(policies_->List(std::nullopt, true, {})->items.size(), 0u);
  clock_.Advance(int64_t{36} * 86'400'000);
  EXPECT_EQ(Sync(), 1);
  EXPECT_EQ(policies_->List(PolicyAudience::kEnterprise, true, {})->items.size(), 1u);
}

TEST_P(PoliciesTest, BadPoliciesAreRefusedAndChangeNothing) {
  auto journal_size = [&] {
    uint64_t n = 0;
    EXPECT_THAT(store_->Read([&](store::Tx& tx) -> Status {
      QT_ASSIGN_OR_RETURN(ledger::Head head, ledger::ReadHead(tx));
      n = head.size;
      return OkStatus();
    }),
                IsOk());
    return n;
  };
  const uint64_t size = journal_size();
  auto bad = [&](const std::function<void(NewPublicPolicy&)>& edit,
                 const Principal& who = Principal{}) {
    NewPublicPolicy p = HighTechAward();
    edit(p);
    return policies_->Publish(who.org_id.empty() ? bureau_ : who, p).status();
  };
  Status s = bad([](NewPublicPolicy& p) { p.rule = "revenue >= "; });
  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_NE(s.message().find("rule:"), std::string::npos) << s.message();
  s = bad([](NewPublicPolicy& p) { p.rule = "salary > 3"; });
  EXPECT_NE(s.message().find("salary"), std::string::npos) << s.message();
  s = bad([](NewPublicPolicy& p) { p.rule = "district >= 3"; });
  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument)) << "type mismatch";
  s = bad([](NewPublicPolicy& p) { p.audience = PolicyAudience::kPerson; });
  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument))
      << "enterprise attributes in a person rule: " << s.message();
  EXPECT_EQ(bad([](NewPublicPolicy& p) { p.title = ""; }).message(), "title: required");
  EXPECT_THAT(bad([](NewPublicPolicy& p) { p.summary = std::string(5000, 'x'); }),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(bad([](NewPublicPolicy& p) { p.valid_until = *Date::Parse("2025-12-31"); }).message(),
            "valid_until: before valid_from");
  EXPECT_EQ(bad([](NewPublicPolicy& p) {
              p.valid_from = *Date::Parse("2020-01-01");
              p.valid_until = *Date::Parse("2020-12-31");
            }).message(),
            "valid_until: is in the past");
  EXPECT_THAT(bad([](NewPublicPolicy&) {}, firm_), StatusIs(StatusCode::kPermissionDenied));
  EXPECT_TRUE(policies_->List(std::nullopt, false, {})->items.empty());
  EXPECT_EQ(journal_size(), size);
}

TEST_P(PoliciesTest, WebhooksGetSignedDeliveriesRetriedWithBackoff) {
  qt::testing::HookReceiver receiver(/*fail_first=*/2);
  EXPECT_THAT(policies_->SetWebhook(firm_, "ftp://example.com/x"),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(policies_->SetWebhook(firm_, "http://exa mple.com/"),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(policies_->GetWebhook(firm_), StatusIs(StatusCode::kNotFound));
  auto hook = policies_->SetWebhook(firm_, receiver.url());
  ASSERT_THAT(hook, IsOk()) << hook.status().ToString();
  ASSERT_TRUE(hook->secret.starts_with("whsec_"));

  ASSERT_THAT(finance_->SaveOwnProfile(firm_, "云图",
                                       Profile(CreditCode('F'), 8'000'000, {"高新技术企业"})),
              IsOk());
  auto p = policies_->Publish(bureau_, HighTechAward());
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(*policies_->Deliver(10), 0) << "503";
  EXPECT_EQ(*policies_->Deliver(10), 0) << "not due before its backoff";
  clock_.Advance(1000);
  EXPECT_EQ(*policies_->Deliver(10), 0) << "503 again";
  clock_.Advance(1000);
  EXPECT_EQ(*policies_->Deliver(10), 0) << "the second backoff is 2 s";
  clock_.Advance(1000);
  EXPECT_EQ(*policies_->Deliver(10), 1) << policies_->GetWebhook(firm_)->last_error;
  auto state = policies_->GetWebhook(firm_);
  ASSERT_THAT(state, IsOk());
  EXPECT_EQ(state->delivered, 1);
  EXPECT_EQ(state->pending, 0);
  EXPECT_TRUE(state->secret.empty());

  ASSERT_EQ(receiver.received().size(), 1u);
  const auto [body, signature] = receiver.received()[0];
  const json j = json::parse(body);
  EXPECT_EQ(j["type"], "qiantang.policy.notice/v1");
  EXPECT_EQ(j["notice"]["policy_id"], p->id);
  // The receiver checks the signature with the secret it was shown.
  const std::string t = signature.substr(2, signature.find(',') - 2);
  EXPECT_EQ(signature.substr(signature.find(",v1=") + 4),
            crypto::HexEncode(crypto::HmacSha256(hook->secret, t + "." + body)));

  // Deleting cancels what is pending.
  ASSERT_THAT(policies_->DeleteWebhook(firm_), IsOk());
  EXPECT_THAT(policies_->DeleteWebhook(firm_), StatusIs(StatusCode::kNotFound));
}

TEST_P(PoliciesTest, ADamagedStoredNoticeFailsItsDeliveryNotTheProcess) {
  qt::testing::HookReceiver receiver;
  ASSERT_THAT(policies_->SetWebhook(firm_, receiver.url()), IsOk());
  ASSERT_THAT(finance_->SaveOwnProfile(firm_, "云图",
                                       Profile(CreditCode('F'), 8'000'000, {"高新技术企业"})),
              IsOk());
  ASSERT_THAT(policies_->Publish(bureau_, HighTechAward()), IsOk());
  ASSERT_THAT(store_->Write([](store::Tx& tx) {
    return tx.Exec("UPDATE pl_notices SET explanation = '[{\"clause\": '").status();
  }),
              IsOk());
  auto delivered = policies_->Deliver(10);
  ASSERT_THAT(delivered, IsOk()) << delivered.status().ToString();
  EXPECT_EQ(*delivered, 0);
  EXPECT_TRUE(receiver.received().empty());
  EXPECT_EQ(policies_->GetWebhook(firm_)->last_error, "the stored notice cannot be read");
  EXPECT_THAT(policies_->EnterpriseInbox(firm_, false, {}), StatusIs(StatusCode::kInternal));
}

TEST_P(PoliciesTest, WebhooksRefuseInternalAddresses) {
  SetDns("metadata.example", {"169.254.169.254"});
  SetDns("intranet.example", {"93.184.216.34", "10.0.0.7"});
  SetDns("v6.example", {"fd00::1"});
  for (const char* url :
       {"http://127.0.0.2:8080/internal/admin", "https://169.254.169.254/latest/meta-data/",
        "https://0x7f000001/", "https://2130706433/", "https://0177.0.0.1/", "https://localhost/",
        "https://[::1]/", "https://[::ffff:127.0.0.1]/", "https://metadata.example/",
        "https://intranet.example/", "https://v6.example/", "http://example.com/"}) {
    auto hook = policies_->SetWebhook(firm_, url);
    EXPECT_THAT(hook, StatusIs(StatusCode::kInvalidArgument)) << url;
    EXPECT_TRUE(hook.status().message().starts_with("url: ")) << hook.status().message();
  }
  EXPECT_THAT(policies_->GetWebhook(firm_), StatusIs(StatusCode::kNotFound));
}

TEST_P(PoliciesTest, WebhookDeliveriesCheckTheAddressAgainAndConnectToIt) {
  qt::testing::HookReceiver receiver;
  const std::string url = receiver.url();  // http://127.0.0.1:PORT/hook
  const std::string port = url.substr(url.rfind(':'), url.rfind('/') - url.rfind(':'));
  // A name that resolved to a public address when set and to loopback at
  // delivery (DNS rebinding) is refused at delivery.
  SetDns("rebind.example", {"93.184.216.34"});
  ASSERT_THAT(policies_->SetWebhook(firm_, "https://rebind.example" + port), IsOk());
  SetDns("rebind.example", {"127.0.0.1"});
  ASSERT_THAT(finance_->SaveOwnProfile(firm_, "云图",
                                       Profile(CreditCode('F'), 8'000'000, {"高新技术企业"})),
              IsOk());
  ASSERT_THAT(policies_->Publish(bureau_, HighTechAward()), IsOk());
  EXPECT_EQ(*policies_->Deliver(10), 0);
  auto state = policies_->GetWebhook(firm_);
  ASSERT_THAT(state, IsOk());
  EXPECT_EQ(state->last_error,
            "refused: the host rebind.example resolves to a loopback address; only public "
            "addresses may be called");
  EXPECT_TRUE(receiver.received().empty());

  // The connection goes to the address checked: the HTTP client never
  // resolves the name itself (the system resolver does not know it).
  SetDns("hooks.test", {"127.0.0.1"});
  policies_ =
      std::make_unique<PublicPolicies>(*store_, PublicPoliciesOptions{.clock = &clock_,
                                                                      .random = &random_,
                                                                      .journal = &journal_,
                                                                      .identity = identity_.get(),
                                                                      .master_key = &key_,
                                                                      .outbound = {{"hooks.test"}},
                                                                      .resolve = Dns()});
  ASSERT_THAT(policies_->SetWebhook(firm_, "http://hooks.test" + port + "/hook"), IsOk());
  ASSERT_THAT(policies_->Publish(bureau_, HighTechAward()), IsOk());
  clock_.Advance(60'000);  // past the refused delivery's backoff: it goes out too
  EXPECT_EQ(*policies_->Deliver(10), 2) << policies_->GetWebhook(firm_)->last_error;
  EXPECT_EQ(receiver.received().size(), 2u);
}

}  // namespace
}  // namespace qt::match
