// The privacy budget belongs to the data, not to the paperwork: a consumer
// holds one budget per product, however many contracts or exchange orders it
// has on it, enforced in the write that records each use (also when uses on
// two contracts race). An exchange order buys at most the listing's quantity
// and gives a usable contract only once the seller confirms payment.
#include <atomic>
#include <thread>

#include "tests/adversarial/data_product.h"

namespace qt::testing {
namespace {

using nlohmann::json;

class BudgetsTest : public DataProductTest {};

TEST_F(BudgetsTest, ASecondContractOnTheSameProductBuysNoSecondBudget) {
  const std::string first = Contract(NewOffer(2.0, 2), consumer_);
  const std::string second = Contract(NewOffer(2.0, 2), consumer_);
  const std::string sql = "SELECT COUNT(*) FROM data WHERE district = '萧山区'";
  for (int i = 0; i < 4; ++i) ASSERT_EQ(Query(first, sql, 0.5).status, 200);
  auto refused = Query(second, sql, 0.5);
  EXPECT_EQ(refused.status, 403) << refused.raw;
  EXPECT_NE(refused.raw.find("epsilon"), std::string::npos) << refused.raw;
  // Both contracts show the shared spend.
  for (const std::string& id : {first, second}) {
    auto c = Call(*client_, "GET", "/api/v1/dataspace/contracts/" + id, consumer_);
    EXPECT_EQ(c.body["epsilon_spent"], 2.0) << c.raw;
  }
  // Another consumer's budget is its own.
  const std::string other = NewOrg("另一 Co", "enterprise", 813);
  EXPECT_EQ(Query(Contract(offer_, other), sql, 0.5, other).status, 200);
}

TEST_F(BudgetsTest, UsesRacingOnTwoContractsCannotBothSpendTheLast) {
  const std::string a = Contract(NewOffer(2.0, 2), consumer_);
  const std::string b = Contract(NewOffer(2.0, 2), consumer_);
  std::atomic<int> answered{0};
  auto hammer = [&](const std::string& contract) {
    auto client = server_->Client();
    for (int i = 0; i < 8; ++i) {
      auto r = Call(
          *client, "POST", "/api/v1/dataspace/contracts/" + contract + "/queries", consumer_,
          json{{"sql", "SELECT COUNT(*) FROM data"}, {"purpose", "research"}, {"epsilon", 0.25}}
              .dump());
      answered += r.status == 200;
    }
  };
  std::thread ta(hammer, a), tb(hammer, b);
  ta.join();
  tb.join();
  EXPECT_LE(answered.load(), 8);  // 2.0 / 0.25, over both contracts
  auto c = Call(*client_, "GET", "/api/v1/dataspace/contracts/" + a, consumer_);
  EXPECT_LE(c.body["epsilon_spent"].get<double>(), 2.0) << c.raw;
}

TEST_F(BudgetsTest, OrdersAreCappedAndUsableOnlyOncePaidAndShareOneBudget) {
  const std::string registry = NewOrg("登记中心", "authority", 814);
  // The operator appoints it one of the registry's reviewers.
  const std::string registry_id =
      Call(*client_, "GET", "/api/v1/whoami", registry).body["org"]["id"];
  ASSERT_EQ(Call(*client_, "POST", "/api/v1/exchange/reviewers", op_,
                 json{{"org_id", registry_id}}.dump())
                .status,
            201);
  auto app = Call(*client_, "POST", "/api/v1/exchange/applications", holder_,
                  json{{"rights", {"resource_holding", "processing_use", "product_operation"}},
                       {"data_name", "居民收入"},
                       {"description", "居民抽样"},
                       {"scale", "401 行"},
                       {"data_type", "dataset"},
                       {"source_kind", "collected"},
                       {"format", "CSV"},
                       {"update_cycle", "monthly"},
                       {"product_id", product_}}
                      .dump());
  ASSERT_EQ(app.status, 201) << app.raw;
  const std::string app_id = app.body["id"];
  std::string number;
  for (const char* action : {"accept", "formal_pass", "substantive_pass", "issue"}) {
    auto r = Call(*client_, "POST", "/api/v1/exchange/applications/" + app_id + "/review", registry,
                  json{{"action", action}}.dump());
    ASSERT_EQ(r.status, 200) << action << ": " << r.raw;
    if (r.body["certificate_number"].is_string()) number = r.body["certificate_number"];
  }
  auto listing = Call(*client_, "POST", "/api/v1/exchange/listings", holder_,
                      json{{"number", number},
                           {"offer_id", offer_},
                           {"title", "按次"},
                           {"price_fen", 100},
                           {"terms", "per_query"},
                           {"max_quantity", 50}}
                          .dump());
  ASSERT_EQ(listing.status, 201) << listing.raw;
  const std::string orders =
      "/api/v1/exchange/listings/" + listing.body["id"].get<std::string>() + "/orders";
  // The issue's attack: an order of a million queries.
  auto huge = Call(*client_, "POST", orders, consumer_, R"({"quantity": 1000000})");
  EXPECT_EQ(huge.status, 400) << huge.raw;
  EXPECT_NE(huge.raw.find("1 to 50 queries per order"), std::string::npos) << huge.raw;

  std::vector<std::string> contracts;
  for (int i = 0; i < 2; ++i) {
    auto order = Call(*client_, "POST", orders, consumer_, R"({"quantity": 50})");
    ASSERT_EQ(order.status, 201) << order.raw;
    EXPECT_EQ(order.body["state"], "awaiting_payment");
    const std::string trade = order.body["id"], contract = order.body["contract_id"];
    // Unpaid: unusable; the buyer cannot declare itself paid; a stranger sees nothing.
    EXPECT_EQ(Query(contract, "SELECT COUNT(*) FROM data", 1.0).status, 409);
    EXPECT_EQ(
        Call(*client_, "POST", "/api/v1/exchange/trades/" + trade + "/confirm_payment", consumer_)
            .status,
        403);
    EXPECT_EQ(
        Call(*client_, "POST", "/api/v1/exchange/trades/" + trade + "/confirm_payment", registry)
            .status,
        404);
    auto paid =
        Call(*client_, "POST", "/api/v1/exchange/trades/" + trade + "/confirm_payment", holder_);
    ASSERT_EQ(paid.status, 200) << paid.raw;
    EXPECT_EQ(paid.body["state"], "settled");
    contracts.push_back(contract);
  }
  // Two paid contracts, one budget of 10: 10 queries at 1.0 in all.
  int answered = 0;
  for (int i = 0; i < 12; ++i) {
    answered += Query(contracts[i % 2], "SELECT COUNT(*) FROM data", 1.0).status == 200;
  }
  EXPECT_EQ(answered, 10);
  auto stats = Call(*client_, "GET", "/api/v1/exchange/stats");
  EXPECT_EQ(stats.body["trades"], 2);
  EXPECT_EQ(stats.body["traded_fen"], 2 * 50 * 100);
}

}  // namespace
}  // namespace qt::testing
