// A contract's prohibitions hold against every query that touches what they
// prohibit: "field isAnyOf [income]" refuses a query on income alone, with
// other fields beside it, or in its filter, and the refusal spends nothing.
// (Until the data-driven ODRL cases found it, a use of district and income
// passed a prohibition of income: the permission's every-field test was reused.)
#include "tests/adversarial/data_product.h"

namespace qt::testing {
namespace {

using nlohmann::json;

class ProhibitionsTest : public DataProductTest {
 protected:
  // An offer that permits research queries and prohibits any that touch income.
  std::string IncomeProhibitedOffer() {
    json policy = {
        {"permission",
         {{{"action", "aggregate_query"},
           {"constraint",
            {{{"leftOperand", "purpose"}, {"operator", "isAnyOf"}, {"rightOperand", {"research"}}},
             {{"leftOperand", "epsilon"}, {"operator", "lteq"}, {"rightOperand", 10.0}},
             {{"leftOperand", "groupSize"}, {"operator", "gteq"}, {"rightOperand", 2}}}}}}},
        {"prohibition",
         {{{"action", "aggregate_query"},
           {"constraint",
            {{{"leftOperand", "field"},
              {"operator", "isAnyOf"},
              {"rightOperand", {"income"}}}}}}}}};
    auto offer = Call(*client_, "POST", "/api/v1/dataspace/offers", holder_,
                      json{{"product_id", product_},
                           {"title", "不含收入"},
                           {"policy", policy},
                           {"negotiable_by", {{"kinds", {"enterprise"}}}}}
                          .dump());
    EXPECT_EQ(offer.status, 201) << offer.raw;
    return offer.body.value("id", "");
  }

  double Spent(const std::string& contract) {
    auto c = Call(*client_, "GET", "/api/v1/dataspace/contracts/" + contract, consumer_);
    EXPECT_EQ(c.status, 200) << c.raw;
    return c.body.value("epsilon_spent", -1.0);
  }
};

TEST_F(ProhibitionsTest, AProhibitedFieldIsRefusedAloneWithOthersAndInAFilter) {
  const std::string contract = Contract(IncomeProhibitedOffer(), consumer_);
  for (const char* sql : {
           "SELECT AVG(income) FROM data",
           "SELECT AVG(income) FROM data WHERE district = '西湖区'",
           "SELECT district, AVG(income) FROM data GROUP BY district",
           "SELECT COUNT(*) FROM data WHERE income > 20000 AND district = '西湖区'",
           "SELECT COUNT(*) FROM data WHERE district = '西湖区' OR income > 20000",
           "SELECT SUM(age) FROM data WHERE NOT (income < 5000)",
       }) {
    auto refused = Query(contract, sql, 0.5);
    EXPECT_EQ(refused.status, 403) << sql << ": " << refused.raw;
    EXPECT_NE(refused.raw.find("prohibits"), std::string::npos) << sql << ": " << refused.raw;
  }
  EXPECT_EQ(Spent(contract), 0.0);
  // What the prohibition leaves alone is answered.
  auto allowed = Query(contract, "SELECT district, AVG(age) FROM data GROUP BY district", 0.5);
  EXPECT_EQ(allowed.status, 200) << allowed.raw;
  EXPECT_EQ(Spent(contract), 0.5);
}

}  // namespace
}  // namespace qt::testing
