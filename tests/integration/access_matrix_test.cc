// Who may call what: every organisation kind against every restricted route,
// and every organisation against every other's private objects.
//
// When a module adds a restricted route, it adds a row to kRestricted.
#include <gtest/gtest.h>

#include "tests/integration/test_codes.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace qt::testing {
namespace {

const std::vector<std::string> kKinds = {"operator",    "compute_provider", "enterprise",
                                         "data_holder", "institution",      "service",
                                         "authority"};

struct RestrictedRoute {
  std::string method;
  std::string path;
  std::string body;
  std::set<std::string> allowed_kinds;
};

const std::vector<RestrictedRoute> kRestricted = {
    {"POST", "/api/v1/orgs", OrgBody("Matrix Co", "enterprise", 900), {"operator"}},
    {"POST", "/api/v1/compute/provider-clusters", "{}", {"compute_provider"}},
    {"POST", "/api/v1/compute/provider-clusters/ccl_x/availability", "{}", {"compute_provider"}},
    {"POST", "/api/v1/compute/requests", "{}", {"enterprise"}},
    {"POST", "/api/v1/compute/quotes/cqt_x/accept", "{}", {"enterprise"}},
    {"POST", "/api/v1/compute/voucher-programmes", "{}", {"authority"}},
    {"POST", "/api/v1/compute/voucher-programmes/vpg_x/applications", "{}", {"enterprise"}},
    {"POST", "/api/v1/compute/voucher-applications/vap_x/decision", "{}", {"authority"}},
    {"POST", "/api/v1/compute/related-parties", "{}", {"authority"}},
    {"POST", "/api/v1/dataspace/sources", "{}", {"data_holder"}},
    {"GET", "/api/v1/dataspace/sources", "", {"data_holder"}},
    {"POST", "/api/v1/dataspace/pipelines", "{}", {"data_holder"}},
    {"GET", "/api/v1/dataspace/pipelines", "", {"data_holder"}},
    {"POST", "/api/v1/dataspace/pipelines/pipe_x/runs", "{}", {"data_holder"}},
    {"GET", "/api/v1/dataspace/pipelines/pipe_x/runs", "", {"data_holder"}},
    {"POST", "/api/v1/dataspace/products", "{}", {"data_holder"}},
    {"POST", "/api/v1/dataspace/offers", "{}", {"data_holder"}},
    {"POST", "/api/v1/dataspace/offers/offer_x/withdraw", "{}", {"data_holder"}},
    {"POST", "/api/v1/exchange/applications", "{}", {"data_holder", "enterprise"}},
    {"POST", "/api/v1/exchange/applications/app_x/review", "{}", {"authority"}},
    {"POST", "/api/v1/exchange/objections/obj_x/resolve", "{}", {"authority"}},
    {"POST", "/api/v1/identity/citizens", "{}", {"authority"}},
    {"GET", "/api/v1/identity/citizens", "", {"authority"}},
    {"POST", "/api/v1/identity/citizens/import", "{}", {"authority"}},
    {"GET", "/api/v1/identity/citizens/cz_x", "", {"authority"}},
    {"POST", "/api/v1/identity/citizens/cz_x/talent", "{}", {"authority"}},
    {"POST", "/api/v1/identity/citizens/cz_x/revoke", "{}", {"authority"}},
    {"POST", "/api/v1/identity/citizens/cz_x/static-code", "{}", {"authority"}},
    {"POST", "/api/v1/identity/citizens/cz_x/token", "{}", {"authority"}},
    {"POST", "/api/v1/identity/terminals", "{}", {"service"}},
    {"GET", "/api/v1/identity/terminals", "", {"service"}},
    {"POST", "/api/v1/identity/terminals/tm_x/disable", "{}", {"service"}},
    {"GET", "/api/v1/identity/terminals/tm_x/keys", "", {"service"}},
    {"GET", "/api/v1/identity/scans", "", {"service"}},
    {"POST", "/api/v1/exchange/reviewers", "{}", {"operator"}},
    {"DELETE", "/api/v1/exchange/reviewers/org_x", "", {"operator"}},
    {"POST", "/api/v1/identity/keys/rotate", "{}", {"operator"}},
    {"POST", "/api/v1/identity/grants", "{}", {"operator", "authority"}},
    {"DELETE", "/api/v1/identity/grants/org_x/bus", "", {"operator", "authority"}},
    {"GET", "/api/v1/identity/delegations", "", {"operator", "authority"}},
    {"POST", "/api/v1/identity/delegations", "{}", {"operator"}},
    {"DELETE", "/api/v1/identity/delegations/org_x/org_y", "", {"operator"}},
    {"POST", "/api/v1/identity/citizens/cz_x/authority", "{}", {"operator"}},
    {"POST", "/api/v1/match/finance/products", "{}", {"institution"}},
    {"POST", "/api/v1/match/finance/products/fp_x/withdraw", "{}", {"institution"}},
    {"GET", "/api/v1/match/finance/products/fp_x/prospects", "", {"institution"}},
    {"POST", "/api/v1/match/finance/profile", "{}", {"enterprise"}},
    {"POST", "/api/v1/match/finance/enterprises/import", "{}", {"authority"}},
    {"POST", "/api/v1/match/finance/applications", "{}", {"enterprise"}},
    {"POST", "/api/v1/match/finance/applications/fa_x/decision", "{}", {"institution"}},
    {"POST", "/api/v1/match/policies", "{}", {"authority"}},
    {"POST", "/api/v1/match/policies/pol_x/revise", "{}", {"authority"}},
    {"POST", "/api/v1/match/policies/pol_x/withdraw", "{}", {"authority"}},
    {"GET", "/api/v1/match/inbox", "", {"enterprise"}},
    {"POST", "/api/v1/match/inbox/pn_x/read", "{}", {"enterprise"}},
};

class AccessMatrixTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    server_ = new ServerProcess(dir_->path().string(),
                                {"--demo", "--demo-citizens", "500", "--demo-firms", "2000"});
    ASSERT_TRUE(server_->Start());
    ASSERT_EQ(server_->demo_tokens().size(), kKinds.size());
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }
  static std::string TokenOf(const std::string& kind) { return server_->demo_tokens().at(kind); }

  static TempDir* dir_;
  static ServerProcess* server_;
};
TempDir* AccessMatrixTest::dir_ = nullptr;
ServerProcess* AccessMatrixTest::server_ = nullptr;

TEST_F(AccessMatrixTest, EachKindIsRefusedWhereItDoesNotBelong) {
  auto client = server_->Client();
  for (const auto& route : kRestricted) {
    for (const auto& kind : kKinds) {
      if (route.allowed_kinds.contains(kind)) continue;
      auto a = Call(*client, route.method, route.path, TokenOf(kind), route.body);
      EXPECT_EQ(a.status, 403) << kind << " " << route.method << " " << route.path << ": " << a.raw;
      EXPECT_EQ(a.body["error"]["code"], "permission_denied");
    }
  }
}

TEST_F(AccessMatrixTest, AllowedKindsNeedTheRightRoleToo) {
  auto client = server_->Client();
  std::string op = TokenOf("operator");
  auto me = Call(*client, "GET", "/api/v1/whoami", op);
  std::string org = me.body["org"]["id"];
  auto viewer = Call(*client, "POST", "/api/v1/orgs/" + org + "/users", op,
                     R"({"name": "auditor", "role": "viewer"})");
  ASSERT_EQ(viewer.status, 201) << viewer.raw;
  auto vt = Call(*client, "POST", "/api/v1/tokens", op,
                 R"({"user_id": ")" + viewer.body["id"].get<std::string>() + R"("})");
  ASSERT_EQ(vt.status, 201);
  std::string vtoken = vt.body["secret"];
  EXPECT_EQ(Call(*client, "POST", "/api/v1/orgs", vtoken, OrgBody("V", "enterprise", 901)).status,
            403);
  EXPECT_EQ(
      Call(*client, "POST", "/api/v1/orgs/" + org + "/users", vtoken, R"({"name": "x"})").status,
      403);
  EXPECT_EQ(Call(*client, "GET", "/api/v1/orgs", vtoken).status, 200);
}

TEST_F(AccessMatrixTest, NoOrganisationReadsOrChangesAnothersPrivateObjects) {
  auto client = server_->Client();
  struct Who {
    std::string kind, token, org, user, token_id;
  };
  std::vector<Who> all;
  for (const auto& kind : kKinds) {
    auto me = Call(*client, "GET", "/api/v1/whoami", TokenOf(kind));
    ASSERT_EQ(me.status, 200);
    all.push_back(
        {kind, TokenOf(kind), me.body["org"]["id"], me.body["user_id"], me.body["token_id"]});
  }
  for (const Who& a : all) {
    for (const Who& b : all) {
      if (a.org == b.org) continue;
      const std::string ctx = a.kind + " -> " + b.kind;
      EXPECT_EQ(Call(*client, "GET", "/api/v1/orgs/" + b.org + "/users", a.token).status, 403)
          << ctx;
      EXPECT_EQ(Call(*client, "POST", "/api/v1/orgs/" + b.org + "/users", a.token,
                     R"({"name": "intruder", "role": "admin"})")
                    .status,
                403)
          << ctx;
      EXPECT_EQ(
          Call(*client, "POST", "/api/v1/tokens", a.token, R"({"user_id": ")" + b.user + R"("})")
              .status,
          404)
          << ctx;
      EXPECT_EQ(Call(*client, "DELETE", "/api/v1/tokens/" + b.token_id, a.token).status, 404)
          << ctx;
    }
    auto tokens = Call(*client, "GET", "/api/v1/tokens?limit=500", a.token);
    for (const auto& t : tokens.body["items"]) EXPECT_EQ(t["org_id"], a.org) << a.kind;
  }
  // Every token still works: nothing was revoked across organisations.
  for (const Who& w : all) EXPECT_EQ(Call(*client, "GET", "/api/v1/whoami", w.token).status, 200);
}

TEST_F(AccessMatrixTest, TheDemoCityHasTheSeedsOrganisations) {
  auto client = server_->Client();
  auto a = Call(*client, "GET", "/api/v1/orgs?limit=500", TokenOf("enterprise"));
  std::map<std::string, int> by_kind;
  for (const auto& o : a.body["items"]) by_kind[o["kind"]]++;
  EXPECT_EQ(by_kind["operator"], 1);
  EXPECT_EQ(by_kind["compute_provider"], 17);  // the platform's 17 partners
  for (const auto& kind : kKinds) EXPECT_GE(by_kind[kind], 1) << kind;
}

}  // namespace
}  // namespace qt::testing
