// The compute trading platform through the real server: a provider registers
// a cluster, an enterprise with a compute voucher requests, accepts a quote,
// the simulated backend runs the order, and the bill deducts the voucher;
// bad input is refused with the field named and changes nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "tests/integration/api_test.h"
#include "tests/integration/test_codes.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace qt::testing {
namespace {

class MarketApiTest : public ApiTest {
 protected:
  void SetUp() override {
    // A 1-hour order runs for 2 s of wall time.
    ASSERT_NO_FATAL_FAILURE(
        StartServer({"--simulated-time-scale", "1800", "--market-tick-ms", "50"}));
    provider_ = NewOrg("算力 Co", "compute_provider", 701);
    enterprise_ = NewOrg("模型 Co", "enterprise", 702);
    authority_ = NewOrg("经信局", "authority", 703);
  }

  std::string provider_, enterprise_, authority_;
};

constexpr const char* kCluster = R"({"name": "液冷一号", "region": "钱塘区",
  "pools": [{"name": "h800", "chip": "H800", "nodes": 4}], "fen_per_card_hour": {"H800": 2800}})";

TEST_F(MarketApiTest, AnOrderRunsAndIsBilledWithItsVoucher) {
  auto cluster = Call(*client_, "POST", "/api/v1/compute/provider-clusters", provider_, kCluster);
  ASSERT_EQ(cluster.status, 201) << cluster.raw;
  EXPECT_EQ(cluster.body["cards"], 32);
  auto cap = Call(*client_, "GET", "/api/v1/compute/capacity");
  ASSERT_EQ(cap.status, 200);
  EXPECT_EQ(cap.body["cards"], 32);
  // A provider's own clusters, found by the server; another organisation has none.
  for (const auto& [org, count] :
       {std::pair{cluster.body["provider_id"].get<std::string>(), 1u},
        {Call(*client_, "GET", "/api/v1/whoami", enterprise_).body["org"]["id"], 0u}}) {
    auto own =
        Call(*client_, "GET", "/api/v1/compute/provider-clusters?provider_id=" + org, enterprise_);
    ASSERT_EQ(own.status, 200) << own.raw;
    EXPECT_EQ(own.body["items"].size(), count) << org;
  }

  auto prog = Call(*client_, "POST", "/api/v1/compute/voucher-programmes", authority_,
                   R"({"name": "算力券", "budget_fen": 100000000, "ratio_bp": 3000,
                       "cap_fen_per_enterprise_year": 1000000, "valid_to": "2099-01-01T00:00:00Z"})");
  ASSERT_EQ(prog.status, 201) << prog.raw;
  std::string pid = prog.body["id"];
  auto app = Call(*client_, "POST", "/api/v1/compute/voucher-programmes/" + pid + "/applications",
                  enterprise_, R"({"amount_fen": 1000000})");
  ASSERT_EQ(app.status, 201) << app.raw;
  auto twice = Call(*client_, "POST", "/api/v1/compute/voucher-programmes/" + pid + "/applications",
                    enterprise_, R"({"amount_fen": 5})");
  EXPECT_EQ(twice.status, 409) << twice.raw;
  auto ok = Call(
      *client_, "POST",
      "/api/v1/compute/voucher-applications/" + app.body["id"].get<std::string>() + "/decision",
      authority_, R"({"decision": "approve"})");
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(ok.body["state"], "approved");
  // The authority pages through the applications to its programmes, by name and in yuan.
  auto to_me = Call(*client_, "GET", "/api/v1/compute/voucher-applications?limit=1", authority_);
  ASSERT_EQ(to_me.status, 200) << to_me.raw;
  EXPECT_EQ(to_me.body["total"], 1);
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/compute/voucher-applications", provider_).body["total"],
            0);
  auto listed = server_->Cli({"compute", "vouchers", "applications", "list"}, authority_);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("10000.00"), std::string::npos) << listed.out;

  auto req = Call(
      *client_, "POST", "/api/v1/compute/requests", enterprise_,
      R"({"cards": 16, "chip": "chip:H800", "duration_s": 3600, "max_fen_per_card_hour": 3000})");
  ASSERT_EQ(req.status, 201) << req.raw;
  ASSERT_EQ(req.body["quotes"].size(), 1u);
  EXPECT_EQ(req.body["quotes"][0]["amount_fen"], 16 * 2800);
  auto order =
      Call(*client_, "POST",
           "/api/v1/compute/quotes/" + req.body["quotes"][0]["id"].get<std::string>() + "/accept",
           enterprise_);
  ASSERT_EQ(order.status, 201) << order.raw;
  std::string oid = order.body["id"];

  // The simulated backend starts and completes it (2 s at this scale).
  std::string state;
  for (int i = 0; i < 100 && state != "completed"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto orders = Call(*client_, "GET", "/api/v1/compute/orders", enterprise_);
    state = orders.body["items"][0]["state"];
  }
  ASSERT_EQ(state, "completed");
  auto bills = Call(*client_, "GET", "/api/v1/compute/bills", enterprise_);
  ASSERT_EQ(bills.body["items"].size(), 1u);
  const auto& bill = bills.body["items"][0];
  EXPECT_EQ(bill["gross_fen"], 16 * 2800);
  EXPECT_EQ(bill["voucher_fen"], 16 * 2800 * 3 / 10);
  EXPECT_EQ(bill["payable_fen"], 16 * 2800 - 16 * 2800 * 3 / 10);
  // The provider sees the order and the bill too; the trade is counted.
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/compute/bills", provider_).body["items"].size(), 1u);
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/compute/trades").body["total_fen"], 16 * 2800);
  auto rep =
      Call(*client_, "GET", "/api/v1/compute/voucher-programmes/" + pid + "/report", authority_);
  ASSERT_EQ(rep.status, 200);
  EXPECT_EQ(rep.body["programme"]["redeemed_fen"], 16 * 2800 * 3 / 10);
  // Every step is on the ledger.
  auto published = Call(*client_, "POST", "/api/v1/ledger/checkpoints", op_);
  ASSERT_EQ(published.status, 201) << published.raw;
  auto cp = Call(
      *client_, "GET",
      "/api/v1/ledger/entries?start=0&end=" + std::to_string(published.body["size"].get<int64_t>()),
      op_);
  ASSERT_EQ(cp.status, 200) << cp.raw;
  std::set<std::string> kinds;
  for (const auto& e : cp.body["entries"]) kinds.insert(e["event"]["kind"]);
  for (const char* k :
       {"compute.cluster.registered", "compute.request.posted", "compute.order.accepted",
        "compute.order.running", "compute.order.completed", "compute.bill.issued", "voucher.issued",
        "voucher.redeemed"}) {
    EXPECT_TRUE(kinds.contains(k)) << k;
  }
}

TEST_F(MarketApiTest, BadInputIsRefusedNamingTheField) {
  ASSERT_EQ(Call(*client_, "POST", "/api/v1/compute/provider-clusters", provider_, kCluster).status,
            201);
  struct Case {
    std::string path, token, body;
    int status;
    std::string message;
  } cases[] = {
      {"/api/v1/compute/provider-clusters", provider_,
       R"({"name": "x", "region": "y", "pools": [{"name": "p", "chip": "B300", "nodes": 1}], "fen_per_card_hour": {"B300": 1}})",
       400, "pools[0].chip: unknown chip \"B300\""},
      {"/api/v1/compute/provider-clusters", provider_,
       R"({"name": "x", "region": "y", "pools": [{"name": "p", "chip": "A100"}], "fen_per_card_hour": {"A100": 1}})",
       400, "pools[0].nodes: is required"},
      {"/api/v1/compute/provider-clusters", provider_,
       R"({"name": "x", "region": "y", "pools": [{"name": "p", "chip": "A100", "nodes": 1}], "fen_per_card_hour": {"A100": 99999999999999999}})",
       400, "fen_per_card_hour.A100: must be an integer between 1 and 100000000"},
      {"/api/v1/compute/requests", enterprise_,
       R"({"cards": -1, "duration_s": 3600, "max_fen_per_card_hour": 1})", 400,
       "cards: must be between 1 and 100000"},
      {"/api/v1/compute/requests", enterprise_,
       R"({"cards": 8, "duration_s": 3600, "max_fen_per_card_hour": 1, "window_end": "2020-01-01T00:00:00Z"})",
       400, "window_end: the window has already ended"},
      {"/api/v1/compute/requests", enterprise_,
       R"({"cards": 8, "duration_s": 3600, "max_fen_per_card_hour": 1, "window_end": "tomorrow"})",
       400, "window_end: not an RFC 3339 time"},
      {"/api/v1/compute/requests", enterprise_,
       R"({"cards": 8, "chip": "gpu", "duration_s": 3600, "max_fen_per_card_hour": 1})", 400,
       "chip: chip constraint \"gpu\" is not"},
      {"/api/v1/compute/quotes/cqt_nope/accept", enterprise_, "", 404, "quote: no quote cqt_nope"},
      {"/api/v1/compute/voucher-programmes", authority_,
       R"({"name": "p", "budget_fen": 10, "ratio_bp": 20000, "cap_fen_per_enterprise_year": 1, "valid_to": "2099-01-01T00:00:00Z"})",
       400, "ratio_bp: must be between 1 and 10000"},
  };
  for (const Case& c : cases) {
    auto a = Call(*client_, "POST", c.path, c.token, c.body);
    EXPECT_EQ(a.status, c.status) << c.body << " -> " << a.raw;
    EXPECT_NE(a.body["error"]["message"].get<std::string>().find(c.message), std::string::npos)
        << a.raw;
  }
  EXPECT_EQ(
      Call(*client_, "GET", "/api/v1/compute/provider-clusters", provider_).body["items"].size(),
      1u);
  EXPECT_TRUE(Call(*client_, "GET", "/api/v1/compute/orders", enterprise_).body["items"].empty());
}

TEST_F(MarketApiTest, CliVerbsDriveTheMarket) {
  TempDir files;
  std::string path = files.File("cluster.json");
  { std::ofstream(path) << kCluster; }
  auto reg = server_->Cli({"compute", "provider-clusters", "register", "--file", path}, provider_);
  ASSERT_EQ(reg.exit_code, 0) << reg.err;
  auto req = server_->Cli(
      {"--json", "compute", "request", "--cards", "8", "--duration-s", "3600", "--max-price", "30"},
      enterprise_);
  ASSERT_EQ(req.exit_code, 0) << req.err;
  auto quote = nlohmann::json::parse(req.out)["quotes"][0]["id"].get<std::string>();
  auto acc = server_->Cli({"compute", "accept", quote}, enterprise_);
  ASSERT_EQ(acc.exit_code, 0) << acc.err;
  EXPECT_NE(acc.out.find("state: accepted"), std::string::npos) << acc.out;
  auto list = server_->Cli({"compute", "orders", "list"}, provider_);
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("H800"), std::string::npos) << list.out;
  auto cap = server_->Cli({"compute", "capacity"}, enterprise_);
  EXPECT_NE(cap.out.find("32 cards"), std::string::npos) << cap.out;
  auto bad = server_->Cli({"compute", "accept", "cqt_missing"}, enterprise_);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("no quote cqt_missing"), std::string::npos) << bad.err;
}

// A provider changes its prices: new quotes use them, an order already made
// keeps its own, and nobody else may change them.
TEST_F(MarketApiTest, AProviderChangesItsPricesForNewQuotesOnly) {
  auto cluster = Call(*client_, "POST", "/api/v1/compute/provider-clusters", provider_, kCluster);
  ASSERT_EQ(cluster.status, 201) << cluster.raw;
  const std::string id = cluster.body["id"];
  auto quote = [&](int64_t max_price) {
    return Call(*client_, "POST", "/api/v1/compute/requests", enterprise_,
                R"({"cards": 8, "duration_s": 3600, "max_fen_per_card_hour": )" +
                    std::to_string(max_price) + "}");
  };
  auto before = quote(3000);
  ASSERT_EQ(before.status, 201) << before.raw;
  ASSERT_EQ(before.body["quotes"].size(), 1u);
  auto order = Call(
      *client_, "POST",
      "/api/v1/compute/quotes/" + before.body["quotes"][0]["id"].get<std::string>() + "/accept",
      enterprise_);
  ASSERT_EQ(order.status, 201) << order.raw;

  auto cli =
      server_->Cli({"compute", "provider-clusters", "prices", id, "--price", "H800=35"}, provider_);
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_NE(cli.out.find("H800: 35.00 yuan per card-hour"), std::string::npos) << cli.out;
  for (const char* bad :
       {"H800=35.001", "H800=-1", "=35", "H800", "H800=3,500", "A100=20,H800=30"}) {
    auto refused =
        server_->Cli({"compute", "provider-clusters", "prices", id, "--price", bad}, provider_);
    EXPECT_NE(refused.exit_code, 0) << bad;
    EXPECT_NE(refused.err.find("CHIP=YUAN"), std::string::npos) << bad << ": " << refused.err;
  }
  auto twice = server_->Cli(
      {"compute", "provider-clusters", "prices", id, "--price", "H800=35", "--price", "H800=36"},
      provider_);
  EXPECT_NE(twice.exit_code, 0);
  EXPECT_NE(twice.err.find("H800 is priced twice"), std::string::npos) << twice.err;
  EXPECT_TRUE(quote(3000).body["quotes"].empty());  // now above the enterprise's limit
  auto after = quote(4000);
  ASSERT_EQ(after.body["quotes"].size(), 1u) << after.raw;
  EXPECT_EQ(after.body["quotes"][0]["fen_per_card_hour"], 3500);
  auto orders = Call(*client_, "GET", "/api/v1/compute/orders", enterprise_);
  ASSERT_EQ(orders.body["items"].size(), 1u);
  EXPECT_EQ(orders.body["items"][0]["fen_per_card_hour"], 2800);
  auto shown = Call(*client_, "GET", "/api/v1/compute/provider-clusters", enterprise_);
  EXPECT_EQ(shown.body["items"][0]["fen_per_card_hour"]["H800"], 3500);

  const std::string rival = NewOrg("别家算力", "compute_provider", 704);
  struct Case {
    std::string token, body;
    int status;
    std::string part;
  };
  for (const Case& c : std::vector<Case>{
           {rival, R"({"fen_per_card_hour": {"H800": 1}})", 403, "not one of your clusters"},
           {enterprise_, R"({"fen_per_card_hour": {"H800": 1}})", 403, ""},
           {provider_, R"({"fen_per_card_hour": {}})", 400, "must hold 1 to 64 entries"},
           {provider_, R"({"fen_per_card_hour": {"A100": 100}})", 400,
            "no price for chip H800 of pool h800"},
           {provider_, R"({"fen_per_card_hour": {"H800": 0}})", 400, "fen_per_card_hour"},
           {provider_, R"({"fen_per_card_hour": {"H800": 100, "A100": 100}})", 400,
            "prices.A100: no pool has this chip"},
           {provider_, R"({"fen_per_card_hour": {"H800": "cheap"}})", 400, "fen_per_card_hour"},
           {provider_, R"({"prices": {}})", 400, ""}}) {
    auto r = Call(*client_, "POST", "/api/v1/compute/provider-clusters/" + id + "/prices", c.token,
                  c.body);
    EXPECT_EQ(r.status, c.status) << c.body << ": " << r.raw;
    EXPECT_NE(r.raw.find(c.part), std::string::npos) << c.body << ": " << r.raw;
  }
  EXPECT_EQ(Call(*client_, "POST", "/api/v1/compute/provider-clusters/mcl_nope/prices", provider_,
                 R"({"fen_per_card_hour": {"H800": 100}})")
                .status,
            404);
  // Nothing above changed the price.
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/compute/provider-clusters", enterprise_)
                .body["items"][0]["fen_per_card_hour"]["H800"],
            3500);
}

}  // namespace
}  // namespace qt::testing
