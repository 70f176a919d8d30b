// A data product with planted canaries, published through the real server,
// and finalized contracts on it: the ground the channel attacks stand on.
//
// The product: 400 residents in four districts (100 each), ages 18-77,
// incomes 4,000-23,963, plus canaries an attacker wants: 金丝雀甲 alone in
// 萧山区 and alone with age 117 and income 88,888 (clamped into the field's
// bounds), and a street of its own. `district` declares a public domain (the
// four districts, 萧山区 and 余杭区, where nobody lives); `street` does not.
#ifndef QIANTANG_TESTS_ADVERSARIAL_DATA_PRODUCT_H_
#define QIANTANG_TESTS_ADVERSARIAL_DATA_PRODUCT_H_

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/integration/api_test.h"

namespace qt::testing {

class DataProductTest : public ApiTest {
 protected:
  void SetUp() override {
    // Notice periods of 0 days let a test issue a certificate at once.
    ASSERT_NO_FATAL_FAILURE(StartServer({"--notice-days", "0"}));
    holder_ = NewOrg("数据 Co", "data_holder", 811);
    consumer_ = NewOrg("好奇 Co", "enterprise", 812);
    ASSERT_NO_FATAL_FAILURE(Publish());
  }

  static std::string Csv() {
    std::string csv = "姓名,区,街道,年龄,收入\n";
    const char* districts[] = {"西湖区", "上城区", "滨江区", "拱墅区"};
    for (int i = 0; i < 400; ++i) {
      csv += "居民" + std::to_string(i) + "," + districts[i % 4] + ",街道" + std::to_string(i % 8) +
             "," + std::to_string(18 + i % 60) + "," + std::to_string(4000 + (i * 37) % 20000) +
             "\n";
    }
    csv += "金丝雀甲,萧山区,金丝雀路,117,88888\n";
    return csv;
  }

  void Publish() {
    const char* spec = R"({"steps": [{"op": "trim"}],
      "output": [{"name": "name", "from": "c1", "sensitivity": "identifying"},
                 {"name": "district", "from": "c2",
                  "domain": ["西湖区", "上城区", "滨江区", "拱墅区", "萧山区", "余杭区"]},
                 {"name": "street", "from": "c3"},
                 {"name": "age", "from": "c4", "type": "integer", "min": 0, "max": 120},
                 {"name": "income", "from": "c5", "type": "integer", "min": 0,
                  "max": 100000, "sensitivity": "sensitive"}]})";
    auto src = Call(*client_, "POST", "/api/v1/dataspace/sources", holder_,
                    nlohmann::json{{"name", "居民"}, {"csv", Csv()}}.dump());
    ASSERT_EQ(src.status, 201) << src.raw;
    auto pipe = Call(
        *client_, "POST", "/api/v1/dataspace/pipelines", holder_,
        nlohmann::json{
            {"name", "清洗"}, {"source_id", src.body["id"]}, {"spec", nlohmann::json::parse(spec)}}
            .dump());
    ASSERT_EQ(pipe.status, 201) << pipe.raw;
    auto run = Call(*client_, "POST",
                    "/api/v1/dataspace/pipelines/" + pipe.body["id"].get<std::string>() + "/runs",
                    holder_);
    ASSERT_EQ(run.status, 201) << run.raw;
    auto product = Call(*client_, "POST", "/api/v1/dataspace/products", holder_,
                        nlohmann::json{{"run_id", run.body["id"]}, {"title", "居民收入"}}.dump());
    ASSERT_EQ(product.status, 201) << product.raw;
    product_ = product.body["id"];
    offer_ = NewOffer(10.0, 2);
  }

  // An offer on the product allowing epsilon up to `epsilon` in all and
  // groups down to `group_size`.
  std::string NewOffer(double epsilon, int group_size) {
    nlohmann::json policy = {
        {"permission",
         {{{"action", "aggregate_query"},
           {"constraint",
            {{{"leftOperand", "purpose"}, {"operator", "isAnyOf"}, {"rightOperand", {"research"}}},
             {{"leftOperand", "epsilon"}, {"operator", "lteq"}, {"rightOperand", epsilon}},
             {{"leftOperand", "groupSize"},
              {"operator", "gteq"},
              {"rightOperand", group_size}}}}}}}};
    auto offer = Call(*client_, "POST", "/api/v1/dataspace/offers", holder_,
                      nlohmann::json{{"product_id", product_},
                                     {"title", "研究"},
                                     {"policy", policy},
                                     {"negotiable_by", {{"kinds", {"enterprise"}}}}}
                          .dump());
    EXPECT_EQ(offer.status, 201) << offer.raw;
    return offer.body.value("id", "");
  }

  // A finalized contract of `consumer` on `offer`.
  std::string Contract(const std::string& offer, const std::string& consumer) {
    auto c = Call(*client_, "POST", "/api/v1/dataspace/offers/" + offer + "/contracts", consumer);
    EXPECT_EQ(c.status, 201) << c.raw;
    std::string id = c.body.value("id", "");
    for (auto [verb, token] : {std::pair{"offer", holder_},
                               {"accept", consumer},
                               {"agree", holder_},
                               {"verify", consumer},
                               {"finalize", holder_}}) {
      auto r = Call(*client_, "POST", "/api/v1/dataspace/contracts/" + id + "/" + verb, token);
      EXPECT_EQ(r.status, 200) << verb << ": " << r.raw;
    }
    return id;
  }

  HttpAnswer Query(const std::string& contract, const std::string& sql, double epsilon,
                   const std::string& token = "") {
    return Call(*client_, "POST", "/api/v1/dataspace/contracts/" + contract + "/queries",
                token.empty() ? consumer_ : token,
                nlohmann::json{{"sql", sql}, {"purpose", "research"}, {"epsilon", epsilon}}.dump());
  }

  std::string holder_, consumer_, product_, offer_;
};

}  // namespace qt::testing

#endif  // QIANTANG_TESTS_ADVERSARIAL_DATA_PRODUCT_H_
