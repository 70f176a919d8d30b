// Attacks with the app token of a revoked citizen (docs/identity/README.md,
// "Verification, offline"), through the real binary: whoever holds the phone of a
// citizen whose code was revoked (a lost identity card, a death, a move away)
// tries every citizen route with its token. Revocation ends the token: each
// route answers 401 and reads or changes nothing, and the authority cannot
// hand the revoked citizen a new token. The record stays readable by its
// authority.
#include <gtest/gtest.h>

#include "tests/adversarial/identity_adversary.h"

namespace qt::testing {
namespace {

using nlohmann::json;

class RevokedCitizenTest : public ApiTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer());
    authority_ = NewOrg("杭州市公安局", "authority", 851);
    bus_ = NewOrg("杭州公交集团", "service", 852);
    auto granted = server_->Cli({"code", "grant", OrgIdOf(*client_, bus_), "bus"}, op_);
    ASSERT_EQ(granted.exit_code, 0) << granted.err;
  }

  json Enrol(int seq) {
    auto r = Call(*client_, "POST", "/api/v1/identity/citizens", authority_,
                  json{{"name", "王五"},
                       {"resident_id", ResidentIdOf(seq)},
                       {"district", "拱墅区"},
                       {"concession", "none"}}
                      .dump());
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body;
  }

  std::string authority_, bus_;
};

TEST_F(RevokedCitizenTest, ARevokedCitizensTokenReadsAndDoesNothing) {
  const json citizen = Enrol(11), neighbour = Enrol(12);
  const std::string token = citizen["token"], id = citizen["citizen"]["id"];
  // Before revocation: a code, scanned on a bus, is in the citizen's log.
  auto code = Call(*client_, "POST", "/api/v1/identity/me/code", token);
  ASSERT_EQ(code.status, 201) << code.raw;
  const std::string gate = dir_.File("gate.json");
  ASSERT_EQ(server_
                ->Cli({"code", "terminal", "register", "--category", "bus", "--name", "B4 路前门",
                       "--file", gate},
                      bus_)
                .exit_code,
            0);
  ASSERT_EQ(server_->Cli({"code", "verify", code.body["code"], "--terminal", gate}, "").exit_code,
            0);
  ASSERT_EQ(server_->Cli({"code", "receipts", "upload", gate}, "").exit_code, 0);
  auto log = Call(*client_, "GET", "/api/v1/identity/me/scans", token);
  ASSERT_EQ(log.status, 200) << log.raw;
  ASSERT_EQ(log.body["items"].size(), 1u) << "where the citizen went";
  ASSERT_EQ(Call(*client_, "GET", "/api/v1/match/me/inbox", token).status, 200);

  auto revoked = Call(*client_, "POST", "/api/v1/identity/citizens/" + id + "/revoke", authority_,
                      R"({"reason": "证件遗失"})");
  ASSERT_EQ(revoked.status, 200) << revoked.raw;

  const uint64_t ledger = LedgerSize(*client_, op_);
  // Every citizen route, as the holder of the revoked token.
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"GET", "/api/v1/identity/me"},
      {"POST", "/api/v1/identity/me/code"},
      {"GET", "/api/v1/identity/me/scans"},
      {"GET", "/api/v1/match/me/inbox"},
      {"POST", "/api/v1/match/me/inbox/nt_x/read"}};
  for (const auto& [method, path] : routes) {
    auto r = Call(*client_, method, path, token);
    EXPECT_EQ(r.status, 401) << method << " " << path << ": " << r.raw;
    EXPECT_EQ(r.body["error"]["code"], "unauthenticated") << path;
    EXPECT_EQ(r.raw.find(id), std::string::npos) << path << " names the citizen";
    EXPECT_EQ(r.raw.find("拱墅区"), std::string::npos) << path << " tells the district";
    EXPECT_EQ(r.raw.find("B4"), std::string::npos) << path << " tells where the citizen went";
  }
  // The CLI the citizen's app runs is refused the same way.
  EXPECT_NE(server_->Cli({"code", "log"}, token).exit_code, 0);
  EXPECT_NE(server_->Cli({"code", "mine"}, token).exit_code, 0);
  // No way back to a working token: the authority cannot reset a revoked citizen's.
  EXPECT_EQ(Call(*client_, "POST", "/api/v1/identity/citizens/" + id + "/token", authority_).status,
            409);
  EXPECT_EQ(LedgerSize(*client_, op_), ledger) << "refusals write nothing to the ledger";

  // The authority still reads the revoked record; another citizen still signs in.
  auto record = Call(*client_, "GET", "/api/v1/identity/citizens/" + id, authority_);
  EXPECT_EQ(record.status, 200) << record.raw;
  EXPECT_EQ(record.body["status"], "revoked");
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/identity/me", neighbour["token"]).status, 200);
}

}  // namespace
}  // namespace qt::testing
