// The matching services through the real server and CLI. The finance
// station: institutions publish products (a rule that does not compile is
// refused with its position), the station imports screened firms, an
// enterprise keeps its profile, sees its matches with explanations, a bundle
// and a near miss, applies, and the bank accepts. The scenario lists. And
// policies that find people: a talent status set in the identity service and
// an enterprise's profile change reach the citizen's and the enterprise's
// inboxes through the server's own sync, and a signed webhook delivery.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "core/resident_id.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "tests/integration/api_test.h"
#include "tests/support/hook_receiver.h"

namespace qt::testing {
namespace {

using nlohmann::json;

class MatchApiTest : public ApiTest {
 protected:
  void SetUp() override {
    // The test's webhook receiver listens on loopback over http.
    ASSERT_NO_FATAL_FAILURE(StartServer({"--outbound-allow-hosts", "127.0.0.1"}));
    bank_ = NewOrg("杭州银行科技支行", "institution", 801);
    insurer_ = NewOrg("科技保险中心", "institution", 802);
    station_ = NewOrg("杭州市科学技术局", "authority", 803);
    firm_ = NewOrg("杭州云图医疗影像科技有限公司", "enterprise", 804);
  }
  std::string bank_, insurer_, station_, firm_;
};

TEST_F(MatchApiTest, ABundleIsMatchedExplainedAppliedForAndAccepted) {
  auto bad = server_->Cli({"match", "finance", "products", "publish", "--kind", "loan", "--name",
                           "x", "--rule", "revenue >= \"much\"", "--max-amount", "1"},
                          bank_);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("rule:12: expected an amount in yuan"), std::string::npos) << bad.err;
  auto loan =
      server_->Cli({"--json", "match", "finance", "products", "publish", "--kind", "loan", "--name",
                    "科技研发贷", "--rule", "need_types has \"贷\" and rd_ratio >= 0.1",
                    "--max-amount", "1000000", "--requires", "insurance"},
                   bank_);
  ASSERT_EQ(loan.exit_code, 0) << loan.err;
  auto policy = Call(*client_, "POST", "/api/v1/match/finance/products", insurer_,
                     json{{"kind", "insurance"},
                          {"name", "研发费用损失险"},
                          {"rule", "patents >= 3"},
                          {"max_amount_fen", 141000000}}
                         .dump());
  ASSERT_EQ(policy.status, 201) << policy.raw;
  auto grant = Call(
      *client_, "POST", "/api/v1/match/finance/products", bank_,
      json{
          {"kind", "subsidy"}, {"name", "补助"}, {"rule", "staff >= 500"}, {"max_amount_fen", 1000}}
          .dump());
  ASSERT_EQ(grant.status, 201);
  // Screened firms, imported by the station.
  const std::string file = dir_.File("firms.json");
  std::ofstream(file)
      << json::array(
             {{{"name", "甲"},
               {"profile",
                {{"credit_code", CodeFor(901)},
                 {"rd_ratio", 0.2},
                 {"patents", 5},
                 {"need_types", {"贷"}}}}},
              {{"name", "乙"}, {"profile", {{"credit_code", CodeFor(902)}, {"rd_ratio", 0.01}}}},
              {{"name", "丙"},
               {"profile",
                {{"credit_code", CodeFor(903)}, {"rd_ratio", 0.06}, {"need_types", {"贷"}}}}}})
             .dump();
  auto imported = server_->Cli({"--json", "match", "finance", "import", file}, station_);
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  auto reach = Call(
      *client_, "GET",
      "/api/v1/match/finance/products/" + json::parse(loan.out)["id"].get<std::string>() + "/reach",
      firm_);
  EXPECT_EQ(reach.body["enterprises"], 1);
  // 丙 is one clause (R&D ratio) away from the loan; 乙 fails both clauses.
  const std::string loan_id = json::parse(loan.out)["id"];
  auto prospects = server_->Cli({"match", "finance", "products", "prospects", loan_id}, bank_);
  ASSERT_EQ(prospects.exit_code, 0) << prospects.err;
  EXPECT_NE(prospects.out.find("one clause away: 1\n"), std::string::npos) << prospects.out;
  EXPECT_NE(prospects.out.find("丙  fails rd_ratio >= 0.1 (is 0.06, short by 0.04"),
            std::string::npos)
      << prospects.out;
  EXPECT_EQ(
      server_->Cli({"match", "finance", "products", "prospects", loan_id}, insurer_).exit_code, 1)
      << "another institution's product";
  // The enterprise's own profile.
  auto saved = Call(*client_, "POST", "/api/v1/match/finance/profile", firm_,
                    json{{"name", "杭州云图医疗影像科技有限公司"},
                         {"profile",
                          {{"credit_code", CodeFor(804)},
                           {"staff", 120},
                           {"rd_ratio", 0.3},
                           {"patents", 8},
                           {"need_types", {"贷"}},
                           {"need_amount_fen", 100'000'000}}}}
                        .dump());
  ASSERT_EQ(saved.status, 200) << saved.raw;
  const std::string ent = saved.body["id"];
  // Another enterprise cannot take a screened firm's profile (and with it
  // the firm's notices and the right to apply in its name) by its credit code.
  const std::string stranger = NewOrg("杭州冒名科技有限公司", "enterprise", 805);
  for (const json& profile : {json{{"credit_code", CodeFor(901)}, {"rd_ratio", 0.9}},
                              json{{"credit_code", CodeFor(804)}}}) {
    auto taken = Call(*client_, "POST", "/api/v1/match/finance/profile", stranger,
                      json{{"name", "甲"}, {"profile", profile}}.dump());
    EXPECT_EQ(taken.status, 403) << taken.raw;
  }
  auto screened =
      Call(*client_, "GET", "/api/v1/match/finance/enterprises?name=%E7%94%B2", stranger);
  ASSERT_EQ(screened.body["items"].size(), 1u) << screened.raw;
  EXPECT_TRUE(screened.body["items"][0]["org_id"].is_null()) << screened.raw;
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/match/finance/profile", stranger).status, 404);
  // The CLI finds it: the firm's own profile with its id, and the list by name.
  auto own = server_->Cli({"match", "finance", "profile", "show"}, firm_);
  EXPECT_NE(own.out.find(ent), std::string::npos) << own.out << own.err;
  auto named = server_->Cli({"match", "finance", "list", "--name", "云图医疗"}, station_);
  EXPECT_NE(named.out.find(ent), std::string::npos) << named.out << named.err;
  EXPECT_NE(named.out.find("(1 in all)"), std::string::npos) << named.out;
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/match/finance/enterprises?name=%01", station_).status,
            400);
  auto matches =
      Call(*client_, "GET", "/api/v1/match/finance/enterprises/" + ent + "/matches", firm_);
  ASSERT_EQ(matches.status, 200) << matches.raw;
  ASSERT_EQ(matches.body["eligible"].size(), 2u) << matches.raw;
  EXPECT_EQ(matches.body["eligible"][0]["product"]["name"], "科技研发贷");
  EXPECT_EQ(matches.body["eligible"][0]["bundle"][0]["name"], "研发费用损失险");
  ASSERT_EQ(matches.body["near_misses"].size(), 1u);
  EXPECT_EQ(matches.body["near_misses"][0]["clauses"][0]["gap"], 380);
  auto cli = server_->Cli({"match", "finance", "matches", ent}, firm_);
  EXPECT_NE(cli.out.find("+ with insurance 研发费用损失险"), std::string::npos) << cli.out;
  EXPECT_NE(cli.out.find("fails: staff >= 500 (is 120, short by 380)"), std::string::npos)
      << cli.out;

  auto app = server_->Cli({"--json", "match", "finance", "apply", ent, "--product",
                           json::parse(loan.out)["id"].get<std::string>(), "--amount", "1000000"},
                          firm_);
  ASSERT_EQ(app.exit_code, 0) << app.err;
  const std::string app_id = json::parse(app.out)["id"];
  // The bank sees who applied for what by name, not only by id.
  auto received = Call(*client_, "GET", "/api/v1/match/finance/applications", bank_);
  ASSERT_EQ(received.body["items"].size(), 1u) << received.raw;
  EXPECT_EQ(received.body["items"][0]["enterprise_name"], "杭州云图医疗影像科技有限公司");
  EXPECT_EQ(received.body["items"][0]["product_name"], "科技研发贷");
  EXPECT_EQ(received.body["total"], 1);
  // Paged like every list; the CLI shows names and yuan.
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/match/finance/applications?cursor=nope", bank_).status,
            400);
  auto listed = server_->Cli({"match", "finance", "applications"}, bank_);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("科技研发贷"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("1000000.00"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("(1 in all)"), std::string::npos) << listed.out;
  auto refused = Call(
      *client_, "POST", "/api/v1/match/finance/applications", firm_,
      json{{"enterprise_id", ent}, {"product_id", grant.body["id"]}, {"amount_fen", 1}}.dump());
  EXPECT_EQ(refused.status, 409);
  EXPECT_NE(refused.body["error"]["message"].get<std::string>().find("staff >= 500"),
            std::string::npos);
  EXPECT_EQ(Call(*client_, "POST", "/api/v1/match/finance/applications/" + app_id + "/decision",
                 insurer_, R"({"decision": "accept", "served_fen": 1})")
                .status,
            404);
  auto decided = server_->Cli({"--json", "match", "finance", "decide", app_id, "--decision",
                               "accept", "--served", "1000000"},
                              bank_);
  ASSERT_EQ(decided.exit_code, 0) << decided.err;
  auto stats = Call(*client_, "GET", "/api/v1/match/finance/stats");
  EXPECT_EQ(stats.body["served_fen"], 100000000);
  EXPECT_EQ(stats.body["enterprises"], 4);
}

}  // namespace
}  // namespace qt::testing

namespace qt::testing {
namespace {

TEST_F(MatchApiTest, DemandsAndCapabilitiesAreMatchedAndPairedThroughTheCli) {
  auto demand = server_->Cli(
      {"--json", "match", "scenarios", "demands", "add", "--title", "城市道路自动驾驶公交测试",
       "--description", "在滨江区开放道路开展自动驾驶公交与车路协同测试", "--domain", "智慧交通",
       "--budget", "5000000", "--deadline", "2099-06-30"},
      station_);
  ASSERT_EQ(demand.exit_code, 0) << demand.err;
  auto cap = server_->Cli(
      {"--json", "match", "scenarios", "capabilities", "add", "--title", "L4 自动驾驶公交",
       "--description", "自动驾驶公交车辆与车路协同系统", "--domain", "智慧交通"},
      firm_);
  ASSERT_EQ(cap.exit_code, 0) << cap.err;
  const std::string d = json::parse(demand.out)["id"], c = json::parse(cap.out)["id"];
  auto bad = server_->Cli({"match", "scenarios", "demands", "add", "--title", "x", "--description",
                           "y", "--domain", "赌博", "--budget", "0.01", "--deadline", "2099-01-01"},
                          station_);
  EXPECT_NE(bad.err.find("domain"), std::string::npos) << bad.err;
  auto matches = Call(*client_, "GET", "/api/v1/match/scenarios/listings/" + d + "/matches");
  ASSERT_EQ(matches.status, 200) << matches.raw;
  ASSERT_EQ(matches.body["items"].size(), 1u);
  EXPECT_EQ(matches.body["items"][0]["listing"]["id"], c);
  auto found =
      server_->Cli({"match", "scenarios", "search", "车路协同", "--list", "capability"}, "");
  EXPECT_NE(found.out.find("L4 自动驾驶公交"), std::string::npos) << found.out << found.err;
  EXPECT_EQ(
      Call(*client_, "GET", "/api/v1/match/scenarios/search?list=capability&q=%EF%BC%8C").status,
      400);
  auto pair = server_->Cli({"--json", "match", "scenarios", "pair", d, c}, station_);
  ASSERT_EQ(pair.exit_code, 0) << pair.err;
  const std::string p = json::parse(pair.out)["id"];
  EXPECT_NE(server_->Cli({"match", "scenarios", "advance", p, "--state", "deployed"}, firm_)
                .err.find("next is contacted"),
            std::string::npos);
  for (const char* s : {"contacted", "piloting", "deployed"}) {
    ASSERT_EQ(server_->Cli({"match", "scenarios", "advance", p, "--state", s}, firm_).exit_code, 0)
        << s;
  }
  EXPECT_EQ(
      Call(*client_, "GET", "/api/v1/match/scenarios/stats").body["pairs_by_state"]["deployed"], 1);
  // The lists filter and count on the server.
  auto listed = [&](const std::string& query) {
    auto r = Call(*client_, "GET", "/api/v1/match/scenarios/demands?" + query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.raw;
    EXPECT_EQ(r.body["total"], r.body["items"].size()) << query;
    return r.body["items"].size();
  };
  EXPECT_EQ(listed("q=%E8%87%AA%E5%8A%A8%E9%A9%BE%E9%A9%B6"), 1u);  // 自动驾驶
  EXPECT_EQ(listed("q=%25"), 0u);                                   // % is literal
  EXPECT_EQ(listed("state=open"), 1u);
  EXPECT_EQ(listed("state=closed"), 0u);
  auto cli = server_->Cli({"match", "scenarios", "demands", "list", "--search", "公交"}, "");
  EXPECT_NE(cli.out.find("城市道路自动驾驶公交测试"), std::string::npos) << cli.out << cli.err;
  EXPECT_NE(cli.out.find("(1 in all)"), std::string::npos) << cli.out;
  for (const auto& [query, message] : std::vector<std::pair<std::string, std::string>>{
           {"state=gone", "state: open or closed"}, {"q=%01", "q"}}) {
    auto r = Call(*client_, "GET", "/api/v1/match/scenarios/demands?" + query);
    EXPECT_EQ(r.status, 400) << query << ": " << r.raw;
    EXPECT_NE(r.raw.find(message), std::string::npos) << query << ": " << r.raw;
  }
}

// Polls `done` for up to ten seconds (the server syncs every second).
template <typename F>
bool Eventually(F done) {
  for (int i = 0; i < 100; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

TEST_F(MatchApiTest, PoliciesFindTalentsAndFirmsAndTellTheirWebhooks) {
  // Bad policies are refused with the field or position, and change nothing.
  auto bad = server_->Cli({"match", "policies", "publish", "--audience", "person", "--title",
                           "购房补贴", "--benefit", "800 万", "--rule", "talent_category in [\"A\"",
                           "--from", "2026-01-01", "--until", "2099-12-31"},
                          station_);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("rule:"), std::string::npos) << bad.err;
  auto wrong = server_->Cli(
      {"match", "policies", "publish", "--audience", "person", "--title", "x", "--benefit", "y",
       "--rule", "revenue > 1", "--from", "2026-01-01", "--until", "2099-12-31"},
      station_);
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("revenue"), std::string::npos)
      << "an enterprise attribute in a person rule: " << wrong.err;
  EXPECT_EQ(server_
                ->Cli({"match", "policies", "publish", "--audience", "person", "--title", "x",
                       "--benefit", "y", "--rule", "age > 1", "--from", "2026-01-01", "--until",
                       "2099-12-31"},
                      firm_)
                .exit_code,
            1)
      << "only authorities publish";
  auto none = Call(*client_, "GET", "/api/v1/match/policies", "");
  EXPECT_EQ(none.body["items"].size(), 0u);

  // A person policy, then a talent status makes a citizen eligible.
  auto housing = server_->Cli({"--json", "match", "policies", "publish", "--audience", "person",
                               "--title", "高层次人才购房补贴", "--benefit", "最高 800 万元",
                               "--rule", "talent_category in [\"A\", \"B\"] and age <= 55",
                               "--from", "2026-01-01", "--until", "2099-12-31"},
                              station_);
  ASSERT_EQ(housing.exit_code, 0) << housing.err;
  std::string first17 = "330106198803071" + std::string("23");
  auto enrolled = Call(*client_, "POST", "/api/v1/identity/citizens", station_,
                       json{{"name", "陈博士"},
                            {"resident_id", first17 + ResidentIdCheckCharacter(first17)},
                            {"district", "西湖区"}}
                           .dump());
  ASSERT_EQ(enrolled.status, 201) << enrolled.raw;
  const std::string citizen_token = enrolled.body["token"];
  const std::string citizen_id = enrolled.body["citizen"]["id"];
  auto talent = Call(*client_, "POST", "/api/v1/identity/citizens/" + citizen_id + "/talent",
                     station_, json{{"category", "B"}, {"valid_until", "2099-06-30"}}.dump());
  ASSERT_EQ(talent.status, 200) << talent.raw;
  json inbox;
  ASSERT_TRUE(Eventually([&] {
    auto r = server_->Cli({"--json", "match", "inbox"}, citizen_token);
    if (r.exit_code != 0) return false;
    inbox = json::parse(r.out);
    return inbox["items"].size() == 1;
  })) << inbox.dump();
  EXPECT_EQ(inbox["items"][0]["title"], "高层次人才购房补贴");
  EXPECT_EQ(inbox["items"][0]["explanation"][0]["actual"], "B");
  auto text = server_->Cli({"match", "inbox"}, citizen_token);
  EXPECT_NE(text.out.find("✓ talent_category in"), std::string::npos) << text.out;
  auto read = server_->Cli({"match", "inbox", "--read", inbox["items"][0]["id"]}, citizen_token);
  EXPECT_EQ(read.exit_code, 0) << read.err;
  EXPECT_EQ(json::parse(
                server_->Cli({"--json", "match", "inbox", "--unread"}, citizen_token).out)["items"]
                .size(),
            0u);

  // An enterprise with a webhook: its profile change makes it eligible.
  HookReceiver receiver;
  auto hook = server_->Cli({"--json", "match", "webhook", "set", receiver.url()}, firm_);
  ASSERT_EQ(hook.exit_code, 0) << hook.err;
  const std::string secret = json::parse(hook.out)["secret"];
  EXPECT_EQ(server_->Cli({"match", "webhook", "set", "gopher://x"}, firm_).exit_code, 1);
  auto award = Call(*client_, "POST", "/api/v1/match/policies", station_,
                    json{{"audience", "enterprise"},
                         {"title", "研发投入补助"},
                         {"benefit", "最高 200 万元"},
                         {"rule", "rd_ratio >= 0.08 and staff >= 50"},
                         {"valid_from", "2026-01-01"},
                         {"valid_until", "2099-12-31"}}
                        .dump());
  ASSERT_EQ(award.status, 201) << award.raw;
  EXPECT_EQ(award.body["notified"], 0);
  auto saved =
      Call(*client_, "POST", "/api/v1/match/finance/profile", firm_,
           json{{"name", "杭州云图医疗影像科技有限公司"},
                {"profile", {{"credit_code", CodeFor(804)}, {"staff", 120}, {"rd_ratio", 0.3}}}}
               .dump());
  ASSERT_EQ(saved.status, 200) << saved.raw;
  ASSERT_TRUE(Eventually([&] { return receiver.received().size() == 1; }));
  const auto [body, signature] = receiver.received()[0];
  const json delivered = json::parse(body);
  EXPECT_EQ(delivered["type"], "qiantang.policy.notice/v1");
  EXPECT_EQ(delivered["notice"]["policy_id"], award.body["id"]);
  const std::string t = signature.substr(2, signature.find(',') - 2);
  EXPECT_EQ(signature.substr(signature.find(",v1=") + 4),
            crypto::HexEncode(crypto::HmacSha256(secret, t + "." + body)));
  auto firm_inbox = Call(*client_, "GET", "/api/v1/match/inbox", firm_);
  ASSERT_EQ(firm_inbox.body["items"].size(), 1u);
  EXPECT_EQ(firm_inbox.body["items"][0]["explanation"][1]["clause"], "staff >= 50");
  auto state = server_->Cli({"--json", "match", "webhook", "show"}, firm_);
  EXPECT_EQ(json::parse(state.out)["delivered"], 1) << state.out;

  // Saving the same eligible profile again notices nothing more.
  ASSERT_EQ(
      Call(*client_, "POST", "/api/v1/match/finance/profile", firm_,
           json{{"name", "杭州云图医疗影像科技有限公司"},
                {"profile", {{"credit_code", CodeFor(804)}, {"staff", 130}, {"rd_ratio", 0.3}}}}
               .dump())
          .status,
      200);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/match/inbox", firm_).body["items"].size(), 1u);
  EXPECT_EQ(receiver.received().size(), 1u);
  auto listed = server_->Cli({"--json", "match", "policies", "list", "--in-force"}, "");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(json::parse(listed.out)["items"].size(), 2u);
}

}  // namespace
}  // namespace qt::testing
