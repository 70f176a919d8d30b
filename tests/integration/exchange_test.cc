// The data exchange through the real server and CLI: the seed's story end to
// end — register a medical imaging dataset, pass public notice, get
// certificate 00001, pledge it to a bank for 21,000,000.00 yuan, release it,
// list it, and sell it to a buyer who queries it through the data space's
// channel — with offline verification and the refusals along the way.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "tests/integration/api_test.h"
#include "tests/integration/test_codes.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace qt::testing {
namespace {

using nlohmann::json;

class ExchangeApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer({"--notice-days", "0"}));
    holder_ = NewOrg("杭州市医疗健康数据中心", "data_holder", 501);
    registry_ = NewOrg("杭州数据交易所登记中心", "authority", 502);
    bank_ = NewOrg("杭州银行科技支行", "institution", 503);
    buyer_ = NewOrg("杭州云图医疗影像科技有限公司", "enterprise", 504);
    bank_id_ = Call(*client_, "GET", "/api/v1/whoami", bank_).body["org"]["id"];
    const std::string registry_id =
        Call(*client_, "GET", "/api/v1/whoami", registry_).body["org"]["id"];
    ASSERT_EQ(server_->Cli({"exchange", "applications", "reviewers", "appoint", registry_id}, op_)
                  .exit_code,
              0);
  }

  // The imaging product and an offer on it; returns {product, offer}.
  std::pair<std::string, std::string> Publish() {
    std::string csv = "modality,district,age\n";
    const char* modalities[] = {"CT", "MR", "DX"};
    for (int i = 0; i < 300; ++i) {
      csv += std::string(modalities[i % 3]) + ",西湖区," + std::to_string(20 + i % 60) + "\n";
    }
    auto src = Call(*client_, "POST", "/api/v1/dataspace/sources", holder_,
                    json{{"name", "影像导出"}, {"csv", csv}}.dump());
    EXPECT_EQ(src.status, 201) << src.raw;
    auto pipe = Call(*client_, "POST", "/api/v1/dataspace/pipelines", holder_,
                     json{{"name", "p"},
                          {"source_id", src.body["id"]},
                          {"spec", json::parse(R"({"output": [{"name": "modality"},
                            {"name": "district"}, {"name": "age", "type": "integer", "min": 0, "max": 120}]})")}}
                         .dump());
    auto run = Call(*client_, "POST",
                    "/api/v1/dataspace/pipelines/" + pipe.body["id"].get<std::string>() + "/runs",
                    holder_);
    auto product = Call(*client_, "POST", "/api/v1/dataspace/products", holder_,
                        json{{"run_id", run.body["id"]}, {"title", "医学影像数据集"}}.dump());
    EXPECT_EQ(product.status, 201) << product.raw;
    auto offer = Call(*client_, "POST", "/api/v1/dataspace/offers", holder_,
                      json{{"product_id", product.body["id"]},
                           {"title", "统计分析"},
                           {"policy", json::parse(R"({"permission": [{"action": "aggregate_query",
                              "constraint": [{"leftOperand": "epsilon", "operator": "lteq", "rightOperand": 5.0},
                                             {"leftOperand": "groupSize", "operator": "gteq", "rightOperand": 10}]}]})")}}
                          .dump());
    EXPECT_EQ(offer.status, 201) << offer.raw;
    return {product.body["id"], offer.body["id"]};
  }

  // A complete application for the product operation right over `product`.
  static json Application(const std::string& product) {
    return {{"rights", {"product_operation"}},
            {"data_name", "医学影像数据集"},
            {"description", "d"},
            {"data_type", "dataset"},
            {"source_kind", "collected"},
            {"format", "CSV"},
            {"scale", "300 行"},
            {"update_cycle", "monthly"},
            {"product_id", product}};
  }

  std::string holder_, registry_, bank_, buyer_, bank_id_;
};

TEST_F(ExchangeApiTest, TheSeedsStoryFromRegistrationToATradeQueriedThroughTheChannel) {
  auto [product, offer] = Publish();
  std::string evidence = dir_.File("采集授权书.txt");
  std::ofstream(evidence) << "医院数据采集授权书 2025";
  auto submitted = server_->Cli({"--json", "exchange", "applications", "submit", "--rights",
                                 "resource_holding,processing_use,product_operation", "--data-name",
                                 "医学影像数据集", "--description", "全市医院检查元数据", "--scale",
                                 "300 行", "--product", product, "--evidence", evidence},
                                holder_);
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  std::string app = json::parse(submitted.out)["id"];
  for (const char* action : {"accept", "formal_pass", "substantive_pass"}) {
    auto r =
        server_->Cli({"exchange", "applications", "review", app, "--action", action}, registry_);
    ASSERT_EQ(r.exit_code, 0) << action << ": " << r.err;
  }
  // On the public notice board, without signing in.
  auto notices = Call(*client_, "GET", "/api/v1/exchange/notices");
  ASSERT_EQ(notices.status, 200);
  ASSERT_EQ(notices.body["items"].size(), 1u);
  EXPECT_EQ(notices.body["items"][0].count("product_id"), 0u);
  // The notice period is 0 days here: it has ended, so objections are too late.
  auto late = Call(*client_, "POST", "/api/v1/exchange/applications/" + app + "/objections", bank_,
                   R"({"reason": "异议"})");
  EXPECT_EQ(late.status, 409) << late.raw;
  auto issued = server_->Cli(
      {"--json", "exchange", "applications", "review", app, "--action", "issue"}, registry_);
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  std::string number = json::parse(issued.out)["certificate_number"];
  EXPECT_TRUE(number.starts_with("HZ-DR-20") && number.ends_with("-00001")) << number;

  // Public verification, online and offline.
  auto cert = Call(*client_, "GET", "/api/v1/exchange/certificates/" + number);
  ASSERT_EQ(cert.status, 200) << cert.raw;
  EXPECT_EQ(cert.body["status"], "valid");
  EXPECT_EQ(cert.body["pledged"], false);
  std::string file = dir_.File("cert.json");
  std::ofstream(file) << cert.raw;
  auto verified = RunCommand({QiantangBinary(), "cert", "verify", file});
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_NE(verified.out.find(number), std::string::npos);
  json tampered = cert.body;
  std::string doc = tampered["document"];
  doc.replace(doc.find("300 行"), std::string("300 行").size(), "900 行");
  tampered["document"] = doc;
  std::ofstream(file) << tampered.dump();
  auto refused = RunCommand({QiantangBinary(), "cert", "verify", file});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("altered"), std::string::npos);
  auto qr = Call(*client_, "GET", "/api/v1/exchange/certificates/" + number + "/qr.svg");
  EXPECT_EQ(qr.status, 200);
  EXPECT_TRUE(qr.raw.starts_with("<svg"));

  // The pledge: 21,000,000.00 yuan to the bank.
  auto pledge = server_->Cli({"--json", "exchange", "pledges", "request", number, "--institution",
                              bank_id_, "--amount", "21000000", "--term-days", "365"},
                             holder_);
  ASSERT_EQ(pledge.exit_code, 0) << pledge.err;
  std::string pledge_id = json::parse(pledge.out)["id"];
  ASSERT_EQ(server_->Cli({"exchange", "pledges", "confirm", pledge_id}, bank_).exit_code, 0);
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/exchange/certificates/" + number).body["pledged"], true);
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/exchange/stats").body["pledged_fen"], 2100000000);
  auto buyer_org = Call(*client_, "GET", "/api/v1/whoami", buyer_).body["org"]["id"];
  auto transfer = Call(*client_, "POST", "/api/v1/exchange/certificates/" + number + "/transfer",
                       holder_, json{{"to_org", buyer_org}}.dump());
  EXPECT_EQ(transfer.status, 409) << transfer.raw;
  EXPECT_NE(transfer.raw.find("pledged"), std::string::npos);
  auto listing_while_pledged = Call(*client_, "POST", "/api/v1/exchange/listings", holder_,
                                    json{{"number", number},
                                         {"offer_id", offer},
                                         {"title", "t"},
                                         {"price_fen", 1},
                                         {"terms", "one_off"}}
                                        .dump());
  EXPECT_EQ(listing_while_pledged.status, 409);
  ASSERT_EQ(server_->Cli({"exchange", "pledges", "release", pledge_id}, bank_).exit_code, 0);

  // List it per query and sell it; the buyer queries through the channel.
  auto listed = server_->Cli(
      {"--json", "exchange", "listings", "add", "--certificate", number, "--offer", offer,
       "--title", "医学影像数据集（按次计费）", "--price", "200", "--terms", "per_query"},
      holder_);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  std::string listing = json::parse(listed.out)["id"];
  auto order =
      server_->Cli({"--json", "exchange", "listings", "order", listing, "--quantity", "5"}, buyer_);
  ASSERT_EQ(order.exit_code, 0) << order.err;
  json trade = json::parse(order.out);
  EXPECT_EQ(trade["amount_fen"], 100000);
  EXPECT_EQ(trade["state"], "awaiting_payment");
  std::string contract = trade["contract_id"];
  // Unpaid: the contract cannot be used yet, and only the seller confirms payment.
  auto early = server_->Cli({"dataspace", "query", contract, "--sql", "SELECT COUNT(*) FROM data",
                             "--purpose", "research"},
                            buyer_);
  EXPECT_EQ(early.exit_code, 1);
  EXPECT_EQ(server_->Cli({"exchange", "confirm-payment", trade["id"]}, buyer_).exit_code, 1);
  auto paid = server_->Cli({"exchange", "confirm-payment", trade["id"]}, holder_);
  ASSERT_EQ(paid.exit_code, 0) << paid.err;
  EXPECT_NE(paid.out.find("settled"), std::string::npos) << paid.out;
  auto query = server_->Cli(
      {"dataspace", "query", contract, "--sql",
       "SELECT modality, COUNT(*), AVG(age) FROM data GROUP BY modality", "--purpose", "research"},
      buyer_);
  EXPECT_EQ(query.exit_code, 0) << query.err;
  EXPECT_NE(query.out.find("uses left 4"), std::string::npos) << query.out;
  auto stats = Call(*client_, "GET", "/api/v1/exchange/stats").body;
  EXPECT_EQ(stats["entities"], 1);
  EXPECT_EQ(stats["certificates"], 1);
  EXPECT_EQ(stats["trades"], 1);
  EXPECT_EQ(stats["traded_fen"], 100000);
  EXPECT_EQ(stats["pledged_fen"], 0);
  auto history = Call(*client_, "GET", "/api/v1/exchange/certificates/" + number);
  EXPECT_EQ(history.body["pledges"][0]["state"], "released");
  // Pledges and trades page through the server, each party seeing its own.
  for (const auto& [path, party, other] :
       {std::tuple{"/api/v1/exchange/pledges?limit=1", bank_, buyer_},
        {"/api/v1/exchange/trades?limit=1", buyer_, bank_}}) {
    auto mine = Call(*client_, "GET", path, party);
    ASSERT_EQ(mine.status, 200) << mine.raw;
    EXPECT_EQ(mine.body["total"], 1) << path;
    EXPECT_EQ(mine.body["items"].size(), 1u) << path;
    EXPECT_FALSE(mine.body.contains("next_cursor") && mine.body["next_cursor"].is_string()) << path;
    EXPECT_EQ(Call(*client_, "GET", path, other).body["total"], 0) << path;
    EXPECT_EQ(Call(*client_, "GET", std::string(path) + "&cursor=nope", party).status, 400);
  }
  auto listed_pledges = server_->Cli({"exchange", "pledges", "list"}, holder_);
  EXPECT_EQ(listed_pledges.exit_code, 0) << listed_pledges.err;
  EXPECT_NE(listed_pledges.out.find("(1 in all)"), std::string::npos) << listed_pledges.out;
  EXPECT_NE(listed_pledges.out.find("21000000.00"), std::string::npos) << listed_pledges.out;
  // The public list finds a certificate by number, or by words of its data's
  // or holder's name, and counts what it finds.
  auto found = [&](const std::string& q) {
    auto r = Call(*client_, "GET", "/api/v1/exchange/certificates?q=" + q);
    EXPECT_EQ(r.status, 200) << q << ": " << r.raw;
    EXPECT_EQ(r.body["total"], r.body["items"].size()) << q;
    return r.body["items"].size();
  };
  EXPECT_EQ(found(number), 1u);
  EXPECT_EQ(found("%E5%8C%BB%E5%AD%A6%E5%BD%B1%E5%83%8F"), 1u);  // 医学影像
  EXPECT_EQ(found("%E6%97%A0%E6%AD%A4"), 0u);                    // 无此
  EXPECT_EQ(found(number.substr(0, number.size() - 1)), 0u);     // numbers match whole
  auto cli = server_->Cli({"exchange", "certificates", "list", "--search", "影像"}, "");
  EXPECT_NE(cli.out.find(number), std::string::npos) << cli.out << cli.err;
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/exchange/certificates?q=%01").status, 400);
}

// A seller and a buyer that hold their own keys: the order stops where the
// node would have to sign for them, each signs the trade's contract with its
// key file, and payment is confirmed only once both have.
TEST_F(ExchangeApiTest, PartiesHoldingTheirKeysSignTheTradesContractThemselves) {
  auto [product, offer] = Publish();
  auto app =
      Call(*client_, "POST", "/api/v1/exchange/applications", holder_, Application(product).dump());
  ASSERT_EQ(app.status, 201) << app.raw;
  json issued;
  for (const char* action : {"accept", "formal_pass", "substantive_pass", "issue"}) {
    auto r = Call(*client_, "POST",
                  "/api/v1/exchange/applications/" + app.body["id"].get<std::string>() + "/review",
                  registry_, json{{"action", action}}.dump());
    ASSERT_EQ(r.status, 200) << action << ": " << r.raw;
    issued = r.body;
  }
  auto listed = Call(*client_, "POST", "/api/v1/exchange/listings", holder_,
                     json{{"number", issued["certificate_number"]},
                          {"offer_id", offer},
                          {"title", "按次"},
                          {"price_fen", 100},
                          {"terms", "per_query"}}
                         .dump());
  ASSERT_EQ(listed.status, 201) << listed.raw;
  std::map<std::string, std::string> keys;
  for (const auto& [name, token] : {std::pair{"seller", holder_}, {"buyer", buyer_}}) {
    keys[name] = dir_.File(std::string(name) + ".key");
    ASSERT_EQ(server_->Cli({"orgs", "keygen", "--out", keys[name]}, "").exit_code, 0);
    auto r = server_->Cli({"orgs", "register-key", "--key", keys[name]}, token);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  auto order = server_->Cli({"--json", "exchange", "listings", "order",
                             listed.body["id"].get<std::string>(), "--quantity", "2"},
                            buyer_);
  ASSERT_EQ(order.exit_code, 0) << order.err;
  const json trade = json::parse(order.out);
  const std::string contract = trade["contract_id"];
  auto state = [&] {
    return Call(*client_, "GET", "/api/v1/dataspace/contracts/" + contract, holder_).body["state"];
  };
  EXPECT_EQ(state(), "accepted");
  const std::vector<std::string> confirm = {"exchange", "confirm-payment", trade["id"]};
  EXPECT_NE(server_->Cli(confirm, holder_).exit_code, 0);  // nothing signed yet
  auto agreed =
      server_->Cli({"dataspace", "contracts", "agree", contract, "--key", keys["seller"]}, holder_);
  ASSERT_EQ(agreed.exit_code, 0) << agreed.err;
  EXPECT_NE(server_->Cli(confirm, holder_).exit_code, 0);  // the buyer has not signed
  auto verified =
      server_->Cli({"dataspace", "contracts", "verify", contract, "--key", keys["buyer"]}, buyer_);
  ASSERT_EQ(verified.exit_code, 0) << verified.err;
  auto paid = server_->Cli(confirm, holder_);
  ASSERT_EQ(paid.exit_code, 0) << paid.err;
  EXPECT_EQ(state(), "finalized");
}

TEST_F(ExchangeApiTest, BadApplicationsAreRefusedAndChangeNothing) {
  auto [product, offer] = Publish();
  const json good = Application(product);
  struct Case {
    std::string field;
    json value;
    int status;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"rights", json::array(), 400, "rights"},
           {"credit_code", "91330106MA2H0000XX", 400, "credit_code"},
           {"source_kind", "licensed", 400, "source_ref"},
           {"data_type", "video", 400, "data_type"},
           {"product_id", "prod_x", 404, "product_id"},
           {"evidence", json::array({{{"name", "a"}, {"content_base64", "!!"}}}), 400,
            "evidence[0].content_base64"},
       }) {
    json body = good;
    body[c.field] = c.value;
    auto a = Call(*client_, "POST", "/api/v1/exchange/applications", holder_, body.dump());
    EXPECT_EQ(a.status, c.status) << c.field << ": " << a.raw;
    EXPECT_NE(a.raw.find(c.message), std::string::npos) << a.raw;
  }
  json incomplete = good;
  incomplete.erase("scale");
  EXPECT_EQ(
      Call(*client_, "POST", "/api/v1/exchange/applications", holder_, incomplete.dump()).status,
      400);
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/exchange/applications", registry_).body["items"].size(),
            0u);
  // A bank cannot apply; a holder cannot review.
  EXPECT_EQ(Call(*client_, "POST", "/api/v1/exchange/applications", bank_, good.dump()).status,
            403);
  auto a = Call(*client_, "POST", "/api/v1/exchange/applications", holder_, good.dump());
  ASSERT_EQ(a.status, 201) << a.raw;
  EXPECT_EQ(Call(*client_, "POST",
                 "/api/v1/exchange/applications/" + a.body["id"].get<std::string>() + "/review",
                 holder_, R"({"action": "accept"})")
                .status,
            403);
  // Issue before the review steps: refused, nothing issued.
  auto early = Call(*client_, "POST",
                    "/api/v1/exchange/applications/" + a.body["id"].get<std::string>() + "/review",
                    registry_, R"({"action": "issue"})");
  EXPECT_EQ(early.status, 409);
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/exchange/stats").body["certificates"], 0);
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/exchange/certificates/HZ-DR-2026-00001").status, 404);
}

}  // namespace
}  // namespace qt::testing
