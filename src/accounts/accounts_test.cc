#include "accounts/accounts.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "accounts/credit_code.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_database.h"

namespace qt::accounts {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

std::string Code(const std::string& first16, char c17) {
  std::string first17 = first16 + c17;
  return first17 + CreditCodeCheckCharacter(first17);
}

// Every test runs on SQLite, and on PostgreSQL when QIANTANG_TEST_PG is set.
class AccountsTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    store_ = *store::OpenStore(db_.url(), {});
    auto migrations = ledger::Journal::Migrations();
    for (auto& m : Accounts::Migrations()) migrations.push_back(m);
    ASSERT_THAT(store::Migrate(*store_, migrations), IsOk());
    accounts_ =
        std::make_unique<Accounts>(*store_, AccountsOptions{&clock_, &random_, &key_, &journal_});
    auto boot =
        accounts_->Bootstrap({"杭州市数据集团", OrgKind::kOperator, Code("91330100MA2H0000", '1')});
    ASSERT_THAT(boot, IsOk()) << boot.status().ToString();
    ASSERT_TRUE(boot->has_value());
    op_ = *accounts_->Authenticate((*boot)->admin_token.secret);
  }

  CreatedOrg MakeOrg(OrgKind kind, char c) {
    auto r =
        accounts_->CreateOrg(op_, {"Org " + std::string(1, c), kind, Code("91330106MA2H0000", c)});
    EXPECT_THAT(r, IsOk()) << r.status().ToString();
    return *r;
  }

  qt::testing::TestDatabase db_{GetParam()};
  ManualClock clock_{1'790'000'000'000};
  crypto::DeterministicRandom random_{"accounts_test"};
  std::array<uint8_t, 32> raw_key_{};
  crypto::MasterKey key_{raw_key_};
  std::unique_ptr<store::Store> store_;
  ledger::Journal journal_{clock_};
  std::unique_ptr<Accounts> accounts_;
  Principal op_;
};

INSTANTIATE_TEST_SUITE_P(Backends, AccountsTest, ::testing::ValuesIn(qt::testing::TestBackends()),
                         qt::testing::BackendName());

TEST_P(AccountsTest, BootstrapRunsOnceOnly) {
  auto again = accounts_->Bootstrap({"Other", OrgKind::kOperator, Code("91330100MA2H0000", '2')});
  ASSERT_THAT(again, IsOk());
  EXPECT_FALSE(again->has_value());
  EXPECT_TRUE(op_.IsOperator());
  EXPECT_TRUE(op_.Has(Role::kAdmin));
}

TEST_P(AccountsTest, OnlyOperatorAdminsCreateOrganisations) {
  CreatedOrg ent = MakeOrg(OrgKind::kEnterprise, 'A');
  Principal p = *accounts_->Authenticate(ent.admin_token.secret);
  EXPECT_EQ(p.org_kind, OrgKind::kEnterprise);
  auto denied = accounts_->CreateOrg(p, {"X", OrgKind::kEnterprise, Code("91330106MA2H0000", 'B')});
  EXPECT_THAT(denied, StatusIs(StatusCode::kPermissionDenied));
  auto viewer = accounts_->CreateUser(op_, op_.org_id, "viewer", Role::kViewer);
  ASSERT_THAT(viewer, IsOk());
  auto vt = accounts_->IssueToken(op_, viewer->id, "v", 0);
  Principal v = *accounts_->Authenticate(vt->secret);
  EXPECT_THAT(
      accounts_->CreateOrg(v, {"X", OrgKind::kEnterprise, Code("91330106MA2H0000", 'B')}).status(),
      StatusIs(StatusCode::kPermissionDenied));
}

TEST_P(AccountsTest, RejectsBadFieldsAndDuplicatesWithoutWriting) {
  MakeOrg(OrgKind::kEnterprise, 'A');
  auto dup =
      accounts_->CreateOrg(op_, {"Again", OrgKind::kEnterprise, Code("91330106MA2H0000", 'A')});
  EXPECT_THAT(dup, StatusIs(StatusCode::kConflict));
  auto bad = accounts_->CreateOrg(op_, {"Bad", OrgKind::kEnterprise, "91330100716105852G"});
  EXPECT_THAT(bad, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_NE(bad.status().message().find("credit_code"), std::string::npos);
  auto empty = accounts_->CreateOrg(op_, {"", OrgKind::kEnterprise, Code("91330106MA2H0000", 'C')});
  EXPECT_NE(empty.status().message().find("name"), std::string::npos);
  auto second_op =
      accounts_->CreateOrg(op_, {"Op2", OrgKind::kOperator, Code("91330106MA2H0000", 'D')});
  EXPECT_THAT(second_op, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(accounts_->ListOrgs({})->items.size(), 2u);  // the operator and 'A'
}

TEST_P(AccountsTest, ListsOrganisationsInPages) {
  for (char c : std::string("ABCDE")) {
    MakeOrg(OrgKind::kEnterprise, c);
    clock_.Advance(1);
  }
  std::vector<std::string> seen;
  PageRequest page{.cursor = "", .limit = 2};
  for (;;) {
    auto p = accounts_->ListOrgs(page);
    ASSERT_THAT(p, IsOk());
    for (auto& o : p->items) seen.push_back(o.id);
    if (p->next_cursor.empty()) break;
    page.cursor = p->next_cursor;
  }
  EXPECT_EQ(seen.size(), 6u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_THAT(accounts_->ListOrgs({.cursor = "", .limit = 0}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(accounts_->ListOrgs({.cursor = "garbage", .limit = 5}),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_P(AccountsTest, FiltersOrganisationsByKindNameAndIdsAndCountsThem) {
  clock_.Advance(1);  // ids sort by creation time
  CreatedOrg a = MakeOrg(OrgKind::kEnterprise, 'A');
  clock_.Advance(1);
  CreatedOrg b = MakeOrg(OrgKind::kDataHolder, 'B');
  clock_.Advance(1);
  CreatedOrg c = MakeOrg(OrgKind::kEnterprise, 'C');
  auto names = [&](const OrgFilter& f) {
    std::vector<std::string> out;
    auto p = accounts_->ListOrgs({.cursor = "", .limit = 50}, f);
    EXPECT_THAT(p, IsOk()) << p.status().ToString();
    if (p.ok()) {
      for (const Org& o : p->items) out.push_back(o.name);
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(names({.kind = OrgKind::kEnterprise}), (V{"Org A", "Org C"}));
  EXPECT_EQ(names({.name_contains = "org b"}), (V{"Org B"}));  // ASCII case folded
  EXPECT_EQ(names({.name_contains = "数据集团"}), (V{"杭州市数据集团"}));
  EXPECT_EQ(names({.kind = OrgKind::kEnterprise, .name_contains = "B"}), V{});
  EXPECT_EQ(names({.ids = {a.org.id, b.org.id, "org_nonexistent"}}), (V{"Org A", "Org B"}));
  // LIKE's wildcards are taken literally.
  EXPECT_EQ(names({.name_contains = "%"}), V{});
  EXPECT_EQ(names({.name_contains = "Org_"}), V{});
  EXPECT_EQ(*accounts_->CountOrgs({}), 4);
  EXPECT_EQ(*accounts_->CountOrgs({.kind = OrgKind::kEnterprise}), 2);
  EXPECT_EQ(*accounts_->CountOrgs({.ids = {c.org.id}}), 1);
  // Paging goes on within the filter.
  auto first = accounts_->ListOrgs({.cursor = "", .limit = 1}, {.kind = OrgKind::kEnterprise});
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->next_cursor, a.org.id);
  auto second = accounts_->ListOrgs({.cursor = first->next_cursor, .limit = 1},
                                    {.kind = OrgKind::kEnterprise});
  ASSERT_THAT(second, IsOk());
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_EQ(second->items[0].id, c.org.id);
  EXPECT_TRUE(second->next_cursor.empty());
  // Beyond the limits: refused, not truncated.
  EXPECT_THAT(accounts_->ListOrgs({}, {.name_contains = std::string(101, 'x')}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(accounts_->ListOrgs({}, {.ids = std::vector<std::string>(101, "org_x")}),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_P(AccountsTest, TallyCountsOwnOrganisationsByKindAndDivision) {
  MakeOrg(OrgKind::kEnterprise, 'A');  // 330106
  MakeOrg(OrgKind::kEnterprise, 'B');
  auto tally = accounts_->TallyOrgs();
  ASSERT_THAT(tally, IsOk()) << tally.status().ToString();
  std::map<std::pair<OrgKind, std::string>, int64_t> got;
  for (const OrgTally& t : *tally) got[{t.kind, t.division}] = t.orgs;
  EXPECT_EQ(got, (std::map<std::pair<OrgKind, std::string>, int64_t>{
                     {{OrgKind::kOperator, "330100"}, 1}, {{OrgKind::kEnterprise, "330106"}, 2}}));
}

TEST_P(AccountsTest, TokensExpireAndCanBeRevoked) {
  auto t = accounts_->IssueToken(op_, "", "short", 1000);
  ASSERT_THAT(t, IsOk());
  EXPECT_THAT(accounts_->Authenticate(t->secret), IsOk());
  clock_.Advance(1000);
  EXPECT_THAT(accounts_->Authenticate(t->secret), StatusIs(StatusCode::kUnauthenticated));

  auto u = accounts_->IssueToken(op_, "", "revoke me", 0);
  ASSERT_THAT(accounts_->RevokeToken(op_, u->info.id), IsOk());
  EXPECT_EQ(accounts_->Authenticate(u->secret).status().message(), "token has been revoked");
  EXPECT_THAT(accounts_->Authenticate("qt_nope"), StatusIs(StatusCode::kUnauthenticated));
  EXPECT_THAT(accounts_->Authenticate("nope"), StatusIs(StatusCode::kUnauthenticated));
}

TEST_P(AccountsTest, ATokenNeverOutlivesTheTokenThatIssuesIt) {
  auto v = accounts_->CreateUser(op_, op_.org_id, "viewer", Role::kViewer);
  ASSERT_THAT(v, IsOk());
  auto short_lived = accounts_->IssueToken(op_, v->id, "an hour", 3'600'000);
  ASSERT_THAT(short_lived, IsOk());
  Principal pv = *accounts_->Authenticate(short_lived->secret);
  // A longer explicit lifetime is refused; the default is cut to the hour.
  EXPECT_THAT(accounts_->IssueToken(pv, "", "a year", 365LL * 86'400'000),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(accounts_->IssueToken(pv, "", "an hour and a second", 3'601'000),
              StatusIs(StatusCode::kInvalidArgument));
  auto child = accounts_->IssueToken(pv, "", "default", 0);
  ASSERT_THAT(child, IsOk()) << child.status().ToString();
  EXPECT_EQ(child->info.expires_at, short_lived->info.expires_at);
  // An admin's too: for another user, at most its own remaining lifetime.
  Principal pa =
      *accounts_->Authenticate(accounts_->IssueToken(op_, "", "admin, 1 min", 60'000)->secret);
  EXPECT_FALSE(accounts_->IssueToken(pa, v->id, "long", 120'000).ok());
  EXPECT_LE(accounts_->IssueToken(pa, v->id, "default", 0)->info.expires_at,
            clock_.NowMillis() + 60'000);
}

TEST_P(AccountsTest, ADeactivatedUsersTokensAllStopAtOnce) {
  CreatedOrg a = MakeOrg(OrgKind::kEnterprise, 'A');
  Principal pa = *accounts_->Authenticate(a.admin_token.secret);
  auto m = accounts_->CreateUser(pa, a.org.id, "leaver", Role::kMember);
  ASSERT_THAT(m, IsOk());
  auto t1 = accounts_->IssueToken(pa, m->id, "one", 0);
  auto t2 = accounts_->IssueToken(pa, m->id, "two", 0);
  Principal pm = *accounts_->Authenticate(t1->secret);
  // Not a member, not another organisation, not oneself.
  EXPECT_THAT(accounts_->DeactivateUser(pm, a.org.id, a.admin.id),
              StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(accounts_->DeactivateUser(op_, a.org.id, m->id),
              StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(accounts_->DeactivateUser(pa, a.org.id, a.admin.id),
              StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(accounts_->DeactivateUser(pa, a.org.id, op_.user_id),
              StatusIs(StatusCode::kNotFound));
  auto done = accounts_->DeactivateUser(pa, a.org.id, m->id);
  ASSERT_THAT(done, IsOk()) << done.status().ToString();
  EXPECT_TRUE(done->deactivated_at.has_value());
  for (const auto& t : {t1, t2}) {
    EXPECT_EQ(accounts_->Authenticate(t->secret).status().message(),
              "the token's user has been deactivated");
  }
  EXPECT_THAT(accounts_->IssueToken(pa, m->id, "three", 0),
              StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(accounts_->DeactivateUser(pa, a.org.id, m->id), IsOk());  // idempotent
  EXPECT_THAT(accounts_->Authenticate(a.admin_token.secret), IsOk());
}

TEST_P(AccountsTest, OrganisationsNeverSeeOrTouchEachOthersUsersAndTokens) {
  CreatedOrg a = MakeOrg(OrgKind::kEnterprise, 'A');
  CreatedOrg b = MakeOrg(OrgKind::kDataHolder, 'B');
  Principal pa = *accounts_->Authenticate(a.admin_token.secret);
  Principal pb = *accounts_->Authenticate(b.admin_token.secret);
  EXPECT_THAT(accounts_->ListUsers(pa, b.org.id, {}), StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(accounts_->ListUsers(op_, b.org.id, {}), StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(accounts_->CreateUser(pa, b.org.id, "mole", Role::kAdmin),
              StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(accounts_->IssueToken(pa, b.admin.id, "steal", 0), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(accounts_->RevokeToken(pa, b.admin_token.info.id), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(accounts_->Authenticate(b.admin_token.secret), IsOk());
  auto tokens = accounts_->ListTokens(pa, {});
  ASSERT_THAT(tokens, IsOk());
  for (auto& t : tokens->items) EXPECT_EQ(t.org_id, a.org.id);
  EXPECT_EQ(accounts_->ListUsers(pb, b.org.id, {})->items.size(), 1u);
}

TEST_P(AccountsTest, MembersManageOnlyTheirOwnTokens) {
  auto m = accounts_->CreateUser(op_, op_.org_id, "member", Role::kMember);
  ASSERT_THAT(m, IsOk());
  Principal pm = *accounts_->Authenticate(accounts_->IssueToken(op_, m->id, "m", 0)->secret);
  EXPECT_THAT(accounts_->IssueToken(pm, op_.user_id, "x", 0),
              StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(accounts_->RevokeToken(pm, op_.token_id), StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(accounts_->CreateUser(pm, op_.org_id, "x", Role::kViewer),
              StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(accounts_->IssueToken(pm, "", "mine", 0), IsOk());
  EXPECT_EQ(accounts_->ListTokens(pm, {})->items.size(), 2u);
}

TEST_P(AccountsTest, SignsWithTheOrganisationKeyAndNeedsTheRightMasterKey) {
  CreatedOrg a = MakeOrg(OrgKind::kEnterprise, 'A');
  std::vector<uint8_t> msg = {1, 2, 3};
  auto sig = accounts_->SignAs(a.org.id, msg);
  ASSERT_THAT(sig, IsOk());
  EXPECT_TRUE(crypto::Verify(a.org.public_key, msg, *sig));
  EXPECT_THAT(accounts_->CheckMasterKey(), IsOk());

  std::array<uint8_t, 32> other_raw{};
  other_raw[5] = 9;
  crypto::MasterKey other(other_raw);
  Accounts wrong(*store_, {&clock_, &random_, &other, &journal_});
  EXPECT_THAT(wrong.CheckMasterKey(), StatusIs(StatusCode::kFailedPrecondition));
}

TEST_P(AccountsTest, AnOrganisationThatHoldsItsKeyIsSignedForByNobodyElse) {
  CreatedOrg a = MakeOrg(OrgKind::kDataHolder, 'A');
  Principal admin = *accounts_->Authenticate(a.admin_token.secret);
  crypto::SigningKey own = crypto::GenerateSigningKey(random_);
  const std::string proof = OwnKeyProofMessage(a.org.id, 1, own.public_key);
  auto registered = accounts_->RegisterOwnKey(
      admin, a.org.id, {own.public_key, crypto::Sign(own, crypto::AsBytes(proof)), {}});
  ASSERT_THAT(registered, IsOk()) << registered.status().ToString();
  EXPECT_EQ(registered->key_custody, KeyCustody::kSelf);
  EXPECT_EQ(accounts_->GetOrg(a.org.id)->public_key, own.public_key);

  std::vector<uint8_t> msg = {1, 2, 3};
  EXPECT_THAT(accounts_->SignAs(a.org.id, msg), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(accounts_->OpenSealedFor(a.org.id, msg), StatusIs(StatusCode::kFailedPrecondition));
  // Receipts about its data are attested by the operator instead.
  EXPECT_EQ(accounts_->Attester(a.org.id)->id, op_.org_id);
  CreatedOrg b = MakeOrg(OrgKind::kEnterprise, 'B');
  EXPECT_EQ(accounts_->Attester(b.org.id)->id, b.org.id);

  // A new key needs the current key's consent, not only an admin token.
  crypto::SigningKey next = crypto::GenerateSigningKey(random_);
  const std::string next_proof = OwnKeyProofMessage(a.org.id, 2, next.public_key);
  OwnKey swap{next.public_key, crypto::Sign(next, crypto::AsBytes(next_proof)), {}};
  EXPECT_THAT(accounts_->RegisterOwnKey(admin, a.org.id, swap),
              StatusIs(StatusCode::kPermissionDenied));
  swap.previous_key_proof = crypto::Sign(own, crypto::AsBytes(next_proof));
  EXPECT_THAT(accounts_->RegisterOwnKey(admin, a.org.id, swap), IsOk());
  EXPECT_EQ(accounts_->GetOrg(a.org.id)->public_key, next.public_key);

  // The operator keeps its key: the platform signs with it as it runs.
  crypto::SigningKey op_key = crypto::GenerateSigningKey(random_);
  const std::string op_proof = OwnKeyProofMessage(op_.org_id, 1, op_key.public_key);
  EXPECT_THAT(
      accounts_
          ->RegisterOwnKey(op_, op_.org_id,
                           {op_key.public_key, crypto::Sign(op_key, crypto::AsBytes(op_proof)), {}})
          .status(),
      StatusIs(StatusCode::kFailedPrecondition));
}

std::vector<std::string> EventKinds(store::Store& store) {
  std::vector<std::string> kinds;
  EXPECT_THAT(store.Read([&](store::Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT event FROM ledger_entries ORDER BY seq"));
    for (const auto& r : rows) kinds.push_back(nlohmann::json::parse(r.Text("event"))["kind"]);
    return OkStatus();
  }),
              IsOk());
  return kinds;
}

TEST_P(AccountsTest, EveryChangeIsJournaledAndFailuresAppendNothing) {
  // Bootstrap: the operator, its admin, its admin's token.
  EXPECT_EQ(EventKinds(*store_),
            (std::vector<std::string>{"org.created", "user.created", "token.issued"}));
  CreatedOrg a = MakeOrg(OrgKind::kEnterprise, 'A');
  ASSERT_FALSE(accounts_->CreateOrg(op_, {"Dup", OrgKind::kEnterprise, a.org.credit_code}).ok());
  ASSERT_FALSE(accounts_->CreateUser(op_, op_.org_id, "", Role::kViewer).ok());
  auto t = accounts_->IssueToken(op_, "", "x", 0);
  ASSERT_THAT(accounts_->RevokeToken(op_, t->info.id), IsOk());
  auto kinds = EventKinds(*store_);
  EXPECT_EQ(kinds, (std::vector<std::string>{"org.created", "user.created", "token.issued",
                                             "org.created", "user.created", "token.issued",
                                             "token.issued", "token.revoked"}));
  // No secret is ever journaled.
  ASSERT_THAT(store_->Read([&](store::Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT event FROM ledger_entries"));
    for (const auto& r : rows)
      EXPECT_EQ(r.Text("event").find("qt_"), std::string::npos) << r.Text("event");
    return OkStatus();
  }),
              IsOk());
}

}  // namespace
}  // namespace qt::accounts
