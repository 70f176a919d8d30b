// Attacks on the scopes between organisations of the same kind
// (docs/identity/README.md, "Scopes"), through the real binary:
// - a service organisation registers a terminal for a category nobody
//   granted it (a new service reading government_service's name and
//   district), or an authority grants a category that is not its own;
// - one authority resets the app token of, sets the talent status of,
//   revokes, prints a card for or reads another authority's citizen.
// Each is refused with 403, and nothing changes: the state read back and the
// ledger's size are as before.
#include <gtest/gtest.h>

#include "tests/adversarial/identity_adversary.h"

namespace qt::testing {
namespace {

using nlohmann::json;

class IdentityScopesTest : public ApiTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartServer()); }

  // Valid Ed25519 public keys: those of RFC 8032's test vectors.
  static std::string ValidKey(int n) {
    static const char* kKeys[] = {
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e"};
    return kKeys[n % 4];
  }
  HttpAnswer RegisterTerminal(const std::string& token, const std::string& category, int key) {
    return Call(
        *client_, "POST", "/api/v1/identity/terminals", token,
        json{{"category", category}, {"name", "闸机"}, {"public_key", ValidKey(key)}}.dump());
  }
  size_t Terminals() {
    return Call(*client_, "GET", "/api/v1/identity/stats").body["terminals"].get<size_t>();
  }
};

TEST_F(IdentityScopesTest, AServiceCannotRegisterATerminalForACategoryNotGrantedToIt) {
  const std::string bus = NewOrg("杭州公交集团", "service", 801);
  const std::string stranger = NewOrg("某新注册服务公司", "service", 802);
  const std::string bus_id = OrgIdOf(*client_, bus), stranger_id = OrgIdOf(*client_, stranger);
  auto granted = server_->Cli({"code", "grant", bus_id, "bus"}, op_);
  EXPECT_EQ(granted.exit_code, 0) << granted.err;  // not fatal: the attacks are tested

  const uint64_t ledger = LedgerSize(*client_, op_);
  // The attack of the report: a new service org reads government_service claims.
  for (const char* category : {"government_service", "bus", "hospital"}) {
    auto r = RegisterTerminal(stranger, category, 0);
    EXPECT_EQ(r.status, 403) << category << ": " << r.raw;
    EXPECT_EQ(r.body["error"]["code"], "permission_denied");
  }
  // A service organisation cannot grant itself anything either.
  EXPECT_EQ(Call(*client_, "POST", "/api/v1/identity/grants", stranger,
                 json{{"org_id", stranger_id}, {"category", "government_service"}}.dump())
                .status,
            403);
  EXPECT_EQ(Terminals(), 0u);
  EXPECT_EQ(LedgerSize(*client_, op_), ledger) << "refusals write nothing to the ledger";
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/identity/grants?org_id=" + stranger_id, stranger)
                .body["items"]
                .size(),
            0u);

  // The granted organisation registers for its own category only.
  EXPECT_EQ(RegisterTerminal(bus, "bus", 1).status, 201);
  EXPECT_EQ(RegisterTerminal(bus, "hospital", 2).status, 403);
  EXPECT_EQ(Terminals(), 1u);
}

TEST_F(IdentityScopesTest, AnAuthorityGrantsOnlyItsOwnCategoriesAndRevokingDisablesTerminals) {
  const std::string health = NewOrg("杭州市卫生健康委员会", "authority", 811);
  const std::string transport = NewOrg("杭州市交通运输局", "authority", 812);
  const std::string hospital = NewOrg("杭州市第一人民医院", "service", 813);
  const std::string health_id = OrgIdOf(*client_, health),
                    hospital_id = OrgIdOf(*client_, hospital);
  EXPECT_EQ(Call(*client_, "POST", "/api/v1/identity/grants", op_,
                 json{{"org_id", health_id}, {"category", "hospital"}}.dump())
                .status,
            201);
  // The health commission grants its category to its hospital.
  auto ok = Call(*client_, "POST", "/api/v1/identity/grants", health,
                 json{{"org_id", hospital_id}, {"category", "hospital"}}.dump());
  EXPECT_EQ(ok.status, 201) << ok.raw;
  ASSERT_EQ(RegisterTerminal(hospital, "hospital", 0).status, 201);

  const uint64_t ledger = LedgerSize(*client_, op_);
  // Not its category; another authority's category; another authority revoking.
  EXPECT_EQ(Call(*client_, "POST", "/api/v1/identity/grants", health,
                 json{{"org_id", hospital_id}, {"category", "government_service"}}.dump())
                .status,
            403);
  EXPECT_EQ(Call(*client_, "POST", "/api/v1/identity/grants", transport,
                 json{{"org_id", hospital_id}, {"category", "bus"}}.dump())
                .status,
            403);
  EXPECT_EQ(
      Call(*client_, "DELETE", "/api/v1/identity/grants/" + hospital_id + "/hospital", transport)
          .status,
      403);
  EXPECT_EQ(LedgerSize(*client_, op_), ledger);
  auto grants = Call(*client_, "GET", "/api/v1/identity/grants?org_id=" + hospital_id, hospital);
  ASSERT_EQ(grants.body["items"].size(), 1u);
  EXPECT_EQ(grants.body["items"][0]["category"], "hospital");
  EXPECT_EQ(grants.body["items"][0]["granted_by"], health_id);

  // The operator revokes (CLI): the hospital's terminal stops, and no new one starts.
  auto revoked = server_->Cli({"--json", "code", "ungrant", hospital_id, "hospital"}, op_);
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  EXPECT_EQ(json::parse(revoked.out)["terminals_disabled"], 1);
  auto list = Call(*client_, "GET", "/api/v1/identity/terminals", hospital);
  EXPECT_EQ(list.body["items"][0]["state"], "disabled");
  EXPECT_EQ(RegisterTerminal(hospital, "hospital", 1).status, 403);
}

TEST_F(IdentityScopesTest, AnAuthorityCannotActOnAnotherAuthoritysCitizens) {
  const std::string police = NewOrg("杭州市公安局", "authority", 821);
  const std::string other = NewOrg("杭州市某区政府", "authority", 822);
  const std::string police_id = OrgIdOf(*client_, police), other_id = OrgIdOf(*client_, other);
  auto enrolled = Call(*client_, "POST", "/api/v1/identity/citizens", police,
                       json{{"name", "王阿姨"},
                            {"resident_id", ResidentIdOf(1, 1950)},
                            {"district", "上城区"},
                            {"concession", "elderly"}}
                           .dump());
  ASSERT_EQ(enrolled.status, 201) << enrolled.raw;
  const std::string id = enrolled.body["citizen"]["id"], token = enrolled.body["token"];
  EXPECT_EQ(enrolled.body["citizen"]["authority_id"], police_id);
  const std::string path = "/api/v1/identity/citizens/" + id;
  const json before = Call(*client_, "GET", path, police).body;
  const uint64_t ledger = LedgerSize(*client_, op_);

  struct Attempt {
    std::string method, path, body;
  };
  const std::vector<Attempt> attacks = {
      {"POST", path + "/token", "{}"},  // take over the citizen's app
      {"POST", path + "/talent", R"({"category": "A", "valid_until": "2099-12-31"})"},
      {"POST", path + "/talent", R"({"category": ""})"},
      {"POST", path + "/revoke", R"({"reason": "恶意"})"},
      {"POST", path + "/static-code", "{}"},
      {"GET", path, ""},
  };
  for (const Attempt& a : attacks) {
    auto r = Call(*client_, a.method, a.path, other, a.body);
    EXPECT_EQ(r.status, 403) << a.method << " " << a.path << ": " << r.raw;
    EXPECT_EQ(r.body["error"]["code"], "permission_denied") << a.path;
  }
  auto reset = server_->Cli({"code", "reset-token", id}, other);
  EXPECT_NE(reset.exit_code, 0);
  // Nothing changed: the citizen as its authority reads it, the old token, the ledger.
  EXPECT_EQ(Call(*client_, "GET", path, police).body, before);
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/identity/me", token).status, 200);
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/identity/stats").body["codes"], 0);
  EXPECT_EQ(LedgerSize(*client_, op_), ledger);
  auto theirs = Call(*client_, "GET", "/api/v1/identity/citizens", other);
  EXPECT_EQ(theirs.body["items"].size(), 0u) << "other authorities' citizens are not listed";

  // The operator delegates: the other authority may act, and only then.
  auto delegated = server_->Cli({"code", "delegate", police_id, other_id}, op_);
  ASSERT_EQ(delegated.exit_code, 0) << delegated.err;
  EXPECT_EQ(Call(*client_, "POST", path + "/talent", other,
                 R"({"category": "B", "valid_until": "2099-12-31"})")
                .status,
            200);
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/identity/citizens", other).body["items"].size(), 1u);
  ASSERT_EQ(server_->Cli({"code", "undelegate", police_id, other_id}, op_).exit_code, 0);
  EXPECT_EQ(Call(*client_, "POST", path + "/token", other).status, 403);
  // The operator reassigns the citizen: now the first authority is the stranger.
  auto moved = server_->Cli({"code", "reassign", id, "--authority", other_id}, op_);
  ASSERT_EQ(moved.exit_code, 0) << moved.err;
  EXPECT_EQ(Call(*client_, "POST", path + "/token", police).status, 403);
  EXPECT_EQ(Call(*client_, "POST", path + "/token", other).status, 201);
  // Only the operator delegates and reassigns.
  EXPECT_EQ(Call(*client_, "POST", "/api/v1/identity/delegations", police,
                 json{{"owner_id", other_id}, {"delegate_id", police_id}}.dump())
                .status,
            403);
  EXPECT_EQ(
      Call(*client_, "POST", path + "/authority", police, json{{"authority_id", police_id}}.dump())
          .status,
      403);
}

}  // namespace
}  // namespace qt::testing
