// Citizen codes through the real server and CLI: an authority enrols, the
// citizen's app asks for a dynamic code, a service organisation's terminal
// (a local file) verifies it offline, uploads signed receipts, and the
// citizen reads who scanned them; revocation reaches the terminal on its next
// sync; bad input is refused with the field named and changes nothing.
#include <gtest/gtest.h>

#include <fstream>

#include "core/resident_id.h"
#include "tests/integration/api_test.h"

namespace qt::testing {
namespace {

using nlohmann::json;

std::string ResidentId(int seq) {
  std::string first17 = "33010619500307" + std::to_string(100 + seq % 900);  // born 1950: a senior
  return first17 + ResidentIdCheckCharacter(first17);
}

class IdentityApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer());
    authority_ = NewOrg("杭州市公安局", "authority", 701);
    bus_ = NewOrg("杭州公交集团", "service", 702);
    museum_ = NewOrg("浙江省博物馆", "service", 703);
    ASSERT_NO_FATAL_FAILURE(GrantCategory(bus_, "bus"));
    ASSERT_NO_FATAL_FAILURE(GrantCategory(museum_, "museum"));
  }

  // The operator grants `category` to the organisation of `token` (CLI).
  void GrantCategory(const std::string& token, const std::string& category) {
    const std::string org = Call(*client_, "GET", "/api/v1/whoami", token).body["org"]["id"];
    auto granted = server_->Cli({"code", "grant", org, category}, op_);
    ASSERT_EQ(granted.exit_code, 0) << granted.err;
  }

  json Enrol(int seq, const std::string& concession) {
    auto r = Call(*client_, "POST", "/api/v1/identity/citizens", authority_,
                  json{{"name", "王阿姨"},
                       {"resident_id", ResidentId(seq)},
                       {"district", "上城区"},
                       {"concession", concession}}
                      .dump());
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body;
  }

  std::string authority_, bus_, museum_;
};

TEST_F(IdentityApiTest, ACodeIsVerifiedOfflineAndTheCitizenSeesWhoReadIt) {
  json citizen = Enrol(1, "elderly");
  const std::string token = citizen["token"];
  auto code = Call(*client_, "POST", "/api/v1/identity/me/code", token);
  ASSERT_EQ(code.status, 201) << code.raw;
  EXPECT_TRUE(code.body["code"].get<std::string>().starts_with("HZ1:"));
  EXPECT_FALSE(code.body["png_base64"].get<std::string>().empty());

  const std::string gate = dir_.File("gate.json"), hall = dir_.File("hall.json");
  auto reg = server_->Cli(
      {"code", "terminal", "register", "--category", "bus", "--name", "B4 路前门", "--file", gate},
      bus_);
  ASSERT_EQ(reg.exit_code, 0) << reg.err;
  ASSERT_EQ(server_
                ->Cli({"code", "terminal", "register", "--category", "museum", "--name", "东门闸机",
                       "--file", hall},
                      museum_)
                .exit_code,
            0);
  // Offline: the server is not asked (the terminal file holds what it needs).
  auto at_bus =
      server_->Cli({"--json", "code", "verify", code.body["code"], "--terminal", gate}, "");
  ASSERT_EQ(at_bus.exit_code, 0) << at_bus.err;
  EXPECT_EQ(json::parse(at_bus.out)["claims"], json({{"concession", "elderly"}}));
  auto at_museum =
      server_->Cli({"--json", "code", "verify", code.body["code"], "--terminal", hall}, "");
  ASSERT_EQ(at_museum.exit_code, 0) << at_museum.err;
  EXPECT_EQ(json::parse(at_museum.out)["claims"], json({{"senior", true}}));
  auto again = server_->Cli({"code", "verify", code.body["code"], "--terminal", gate}, "");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("refused: replayed"), std::string::npos) << again.err;
  auto late = server_->Cli(
      {"code", "verify", code.body["code"], "--terminal", hall, "--now", "2099-01-01T00:00:00Z"},
      "");
  EXPECT_NE(late.err.find("refused"), std::string::npos);
  auto garbage = server_->Cli({"code", "verify", "HZ1:%%%%", "--terminal", gate}, "");
  EXPECT_NE(garbage.err.find("refused: base45"), std::string::npos) << garbage.err;

  for (const std::string& file : {gate, hall}) {
    auto up = server_->Cli({"--json", "code", "receipts", "upload", file}, "");
    ASSERT_EQ(up.exit_code, 0) << up.err;
    EXPECT_EQ(json::parse(up.out)["checks"], json({{"ok", 1}}));
  }
  auto log = server_->Cli({"--json", "code", "log"}, token);
  ASSERT_EQ(log.exit_code, 0) << log.err;
  json items = json::parse(log.out)["items"];
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["terminal_name"], "B4 路前门");
  EXPECT_EQ(items[0]["claims_read"], json({"concession"}));
  EXPECT_EQ(items[1]["category_name"], "博物馆");
  // The service sees its own scans, not the citizen.
  auto scans = Call(*client_, "GET", "/api/v1/identity/scans", bus_);
  ASSERT_EQ(scans.status, 200);
  EXPECT_EQ(scans.body["items"].size(), 1u);
  EXPECT_FALSE(scans.body["items"][0].contains("citizen_id"));
}

TEST_F(IdentityApiTest, RevocationReachesTerminalsOnTheirNextSync) {
  json citizen = Enrol(2, "none");
  const std::string id = citizen["citizen"]["id"];
  const std::string png = dir_.File("card.png");
  auto card = server_->Cli({"--json", "code", "static", id, "--png", png}, authority_);
  ASSERT_EQ(card.exit_code, 0) << card.err;
  const std::string text = json::parse(card.out)["code"];
  EXPECT_GT(std::ifstream(png, std::ios::binary | std::ios::ate).tellg(), 100);
  const std::string gate = dir_.File("gate.json");
  ASSERT_EQ(server_
                ->Cli({"code", "terminal", "register", "--category", "bus", "--name", "1", "--file",
                       gate},
                      bus_)
                .exit_code,
            0);
  EXPECT_EQ(server_->Cli({"code", "verify", text, "--terminal", gate}, "").exit_code, 0);
  auto revoked = Call(*client_, "POST", "/api/v1/identity/citizens/" + id + "/revoke", authority_,
                      R"({"reason": "证件遗失"})");
  ASSERT_EQ(revoked.status, 200) << revoked.raw;
  EXPECT_EQ(server_->Cli({"code", "verify", text, "--terminal", gate}, "").exit_code, 0)
      << "offline until it syncs";
  auto sync = server_->Cli({"--json", "code", "terminal", "sync", gate}, bus_);
  ASSERT_EQ(sync.exit_code, 0) << sync.err;
  EXPECT_EQ(json::parse(sync.out)["revocations"], 1);
  auto refused = server_->Cli({"code", "verify", text, "--terminal", gate}, "");
  EXPECT_NE(refused.err.find("refused: revoked"), std::string::npos) << refused.err;
  EXPECT_EQ(Call(*client_, "POST", "/api/v1/identity/me/code", citizen["token"]).status, 401)
      << "revocation ends the citizen's app token";
}

TEST_F(IdentityApiTest, BadInputIsRefusedWithTheFieldNamedAndChangesNothing) {
  std::string wrong = ResidentId(5);
  wrong[17] = wrong[17] == '0' ? '1' : '0';
  auto bad_id = Call(*client_, "POST", "/api/v1/identity/citizens", authority_,
                     json{{"name", "李四"}, {"resident_id", wrong}, {"district", "西湖区"}}.dump());
  EXPECT_EQ(bad_id.status, 400);
  EXPECT_NE(bad_id.body["error"]["message"].get<std::string>().find("resident_id"),
            std::string::npos);
  auto extra = Call(
      *client_, "POST", "/api/v1/identity/citizens", authority_,
      json{{"name", "李四"}, {"resident_id", ResidentId(3)}, {"district", "西湖区"}, {"vip", true}}
          .dump());
  EXPECT_EQ(extra.status, 400);
  auto concession = Call(*client_, "POST", "/api/v1/identity/citizens", authority_,
                         json{{"name", "李四"},
                              {"resident_id", ResidentId(3)},
                              {"district", "西湖区"},
                              {"concession", "vip"}}
                             .dump());
  EXPECT_EQ(concession.status, 400);
  EXPECT_EQ(
      Call(*client_, "POST", "/api/v1/identity/citizens", bus_,
           json{{"name", "李四"}, {"resident_id", ResidentId(3)}, {"district", "西湖区"}}.dump())
          .status,
      403);
  // A register with one bad row enrols nobody.
  const std::string csv = dir_.File("register.csv");
  std::ofstream(csv) << "name,resident_id,district,concession\n张三," << ResidentId(4)
                     << ",西湖区,student\n李四," << wrong << ",西湖区,\n";
  auto imported =
      server_->Cli({"code", "import", csv, "--tokens-out", dir_.File("tokens.csv")}, authority_);
  EXPECT_EQ(imported.exit_code, 1);
  EXPECT_NE(imported.err.find("row 2: resident_id"), std::string::npos) << imported.err;
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/identity/stats").body["citizens"], 0);
  // Terminals: unknown category, a key that is not one.
  EXPECT_EQ(Call(*client_, "POST", "/api/v1/identity/terminals", bus_,
                 R"({"category": "casino", "name": "x", "public_key": ")" + std::string(64, 'a') +
                     R"("})")
                .status,
            400);
  EXPECT_EQ(Call(*client_, "POST", "/api/v1/identity/terminals", bus_,
                 R"({"category": "bus", "name": "x", "public_key": "zz"})")
                .status,
            400);
  // Citizen routes without a citizen token; a forged receipt.
  EXPECT_EQ(Call(*client_, "POST", "/api/v1/identity/me/code", bus_).status, 401);
  auto forged = Call(*client_, "POST", "/api/v1/identity/scans", "",
                     json{{"receipts",
                           {{{"terminal_id", "tm_01JDX3V6Q0M4X8H2R5T7W9Y1ZA"},
                             {"code_id", std::string(32, '0')},
                             {"category", "bus"},
                             {"result", "accepted"},
                             {"scanned_at", 1'790'000'000'000},
                             {"signature", "AAAA"}}}}}
                         .dump());
  EXPECT_EQ(forged.status, 404) << forged.raw;
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/identity/revocations?since=9").status, 400);
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/identity/stats").body["terminals"], 0);
}

// The authority's list filters on the server, and a resident ID finds its
// citizen only for the authority that holds it: another authority learns
// nothing, not even that the person is enrolled somewhere.
TEST_F(IdentityApiTest, CitizensAreFilteredAndFoundByResidentIdOnlyByTheirAuthority) {
  const std::string id = Enrol(11, "elderly")["citizen"]["id"];
  Enrol(12, "none");
  ASSERT_EQ(Call(*client_, "POST", "/api/v1/identity/citizens/" + id + "/revoke", authority_,
                 R"({"reason": "moved away"})")
                .status,
            200);
  auto ids = [&](const std::string& token, const std::string& query) {
    auto r = Call(*client_, "GET", "/api/v1/identity/citizens?" + query, token);
    EXPECT_EQ(r.status, 200) << query << ": " << r.raw;
    std::vector<std::string> out;
    for (auto& c : r.body["items"]) out.push_back(c["id"]);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids(authority_, "resident_id=" + ResidentId(11)), V{id});
  // The check character in lower case is the same person.
  std::string lower = ResidentId(11);
  if (lower.back() == 'X') lower.back() = 'x';
  EXPECT_EQ(ids(authority_, "resident_id=" + lower), V{id});
  EXPECT_EQ(ids(authority_, "resident_id=" + ResidentId(13)), V{});  // not enrolled
  EXPECT_EQ(ids(authority_, "status=revoked"), V{id});
  EXPECT_EQ(ids(authority_, "status=active&district=上城区").size(), 1u);
  EXPECT_EQ(ids(authority_, "district=西湖区"), V{});
  EXPECT_EQ(ids(authority_, "talent_category=A"), V{});

  const std::string other = NewOrg("杭州市人力社保局", "authority", 704);
  EXPECT_EQ(ids(other, "resident_id=" + ResidentId(11)), V{});
  EXPECT_EQ(ids(other, ""), V{});
  EXPECT_EQ(
      Call(*client_, "GET", "/api/v1/identity/citizens?resident_id=" + ResidentId(11), bus_).status,
      403);
  for (const auto& [query, message] : std::vector<std::pair<std::string, std::string>>{
           {"resident_id=330106195003071234", "resident_id"},
           {"resident_id=abc", "resident_id"},
           {"talent_category=F", "talent_category"},
           {"status=gone", "status: active or revoked"},
           {"district=%01", "district"}}) {
    auto r = Call(*client_, "GET", "/api/v1/identity/citizens?" + query, authority_);
    EXPECT_EQ(r.status, 400) << query << ": " << r.raw;
    EXPECT_NE(r.raw.find(message), std::string::npos) << query << ": " << r.raw;
  }
}

// Enrolling someone already enrolled must be refused (one person, one code),
// and that refusal says the person is enrolled somewhere. So it cannot be
// used to test resident IDs in bulk: a register repeating a person is refused
// before the database is asked, each refusal of an enrolled person is counted
// and journaled, and after 20 in a day the authority may enrol nobody.
TEST_F(IdentityApiTest, EnrolmentCannotBeUsedToTestWhoIsEnrolled) {
  Enrol(21, "none");  // by authority_
  const std::string other = NewOrg("杭州市人力社保局", "authority", 705);
  auto import = [&](const std::vector<int>& seqs) {
    json rows = json::array();
    for (int seq : seqs) {
      rows.push_back({{"name", "王五"}, {"resident_id", ResidentId(seq)}, {"district", "西湖区"}});
    }
    return Call(*client_, "POST", "/api/v1/identity/citizens/import", other,
                json{{"citizens", rows}}.dump());
  };
  // The old trick: candidates, then the first again. Refused as a repeat.
  auto repeat = import({30, 31, 21, 32, 30});
  EXPECT_EQ(repeat.status, 400) << repeat.raw;
  EXPECT_NE(repeat.raw.find("row 5: resident_id: the same person as row 1"), std::string::npos)
      << repeat.raw;
  // Each refusal of an enrolled person is counted and journaled.
  for (int i = 0; i < 20; ++i) {
    auto r = import({21});
    ASSERT_EQ(r.status, 409) << i << ": " << r.raw;
  }
  auto paused = import({40});  // a person nobody enrolled: refused all the same
  EXPECT_EQ(paused.status, 429) << paused.raw;
  EXPECT_NE(paused.raw.find("enrolment paused"), std::string::npos) << paused.raw;
  EXPECT_EQ(
      Call(*client_, "POST", "/api/v1/identity/citizens", other,
           json{{"name", "赵六"}, {"resident_id", ResidentId(41)}, {"district", "西湖区"}}.dump())
          .status,
      429);
  const std::string other_id = Call(*client_, "GET", "/api/v1/whoami", other).body["org"]["id"];
  auto events = Call(*client_, "GET", "/api/v1/ledger/events?limit=100&subject=" + other_id, op_);
  int refused = 0;
  for (const auto& e : events.body["items"])
    refused += e["event"]["kind"] == "identity.citizen.enrol_refused";
  EXPECT_EQ(refused, 20) << events.raw;
  // Other authorities are not affected.
  Enrol(42, "none");
}

}  // namespace
}  // namespace qt::testing
