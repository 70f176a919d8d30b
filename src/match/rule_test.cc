// Explanations, near misses and entity profiles: what a rule says about an
// entity beyond yes or no. Whether rules compile and match is data:
// testdata/rule/*.test, run by rule_cases_test.cc.
#include "match/rule.h"

#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace qt::match {
namespace {

using ::qt::testing::IsOk;

using nlohmann::json;

class RuleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& [name, type] :
         std::vector<std::pair<std::string, Type>>{{"district", Type::kString},
                                                   {"industry", Type::kString},
                                                   {"founded", Type::kDate},
                                                   {"staff", Type::kNumber},
                                                   {"revenue", Type::kNumber},
                                                   {"rd_ratio", Type::kNumber},
                                                   {"high_tech", Type::kBool},
                                                   {"qualifications", Type::kSet},
                                                   {"credit_rating", Type::kString}}) {
      ASSERT_THAT(schema_.Add({name, type, ""}), IsOk());
    }
    today_ = *Schema::ParseDate("2026-11-26");
  }
  Entity Firm(const json& j) { return *schema_.EntityFromJson("e", j); }
  Rule Compile(const std::string& text) {
    auto r = Rule::Compile(text, schema_);
    EXPECT_THAT(r, IsOk()) << text << ": " << r.status().ToString();
    return r.ok() ? *r : Rule{};
  }

  Schema schema_;
  double today_ = 0;
};

TEST(MoneyRule, LiteralsInYuanAreExactFenAndExplanationsReadInYuan) {
  Schema schema;
  ASSERT_THAT(schema.Add({"revenue", Type::kMoney, ""}), IsOk());
  auto rule = Rule::Compile("revenue between 0.5万 and 4999999.99", schema);
  ASSERT_THAT(rule, IsOk()) << rule.status().ToString();
  EXPECT_EQ(rule->clauses()[0].a, 500'000) << "5,000 yuan in fen";
  EXPECT_EQ(rule->clauses()[0].b, 499'999'999);
  for (const char* refused : {"revenue >= 0.001", "revenue >= 1.2345678万", "revenue >= 1e5",
                              "revenue >= 99999999999亿", "revenue >= \"much\""}) {
    EXPECT_FALSE(Rule::Compile(refused, schema).ok()) << refused;
  }
  auto at = [&](int64_t fen) { return *schema.EntityFromJson("e", {{"revenue_fen", fen}}); };
  EXPECT_TRUE(rule->Matches(at(499'999'999), 0));
  const Explanation above = rule->Explain(at(500'000'000), schema, 0);
  EXPECT_FALSE(above.passed);
  EXPECT_EQ(above.clauses[0].actual, "5000000");
  EXPECT_DOUBLE_EQ(above.clauses[0].gap, 0.01);
  EXPECT_EQ(above.clauses[0].operands, (json{5000.0, 4999999.99}));
  EXPECT_EQ(schema.EntityToJson(at(12)), (json{{"revenue_fen", 12}}));
  EXPECT_FALSE(schema.EntityFromJson("e", {{"revenue", 12}}).ok()) << "money has its _fen key";
  EXPECT_FALSE(schema.EntityFromJson("e", {{"revenue_fen", 1.5}}).ok());
}

TEST(MoneyRule, YuanToFenRoundsOnlyWhenAsked) {
  using R = Schema::Rounding;
  EXPECT_EQ(Schema::YuanToFen("4999999.99", 0, R::kExact), 499'999'999);
  EXPECT_EQ(Schema::YuanToFen("500", 4, R::kExact), 500'000'000);
  EXPECT_EQ(Schema::YuanToFen("-3", 0, R::kExact), -300);
  EXPECT_EQ(Schema::YuanToFen("1.5e+07", 0, R::kExact), 1'500'000'000);
  EXPECT_EQ(Schema::YuanToFen("0.285", 0, R::kExact), std::nullopt);
  EXPECT_EQ(Schema::YuanToFen("0.285", 0, R::kNearest), 29);
  EXPECT_EQ(Schema::YuanToFen("0.284", 0, R::kNearest), 28);
  EXPECT_EQ(Schema::YuanToFen("1e-9", 0, R::kNearest), 0);
  for (const char* bad : {"", "-", ".", "1.2.3", "1e", "abc", "1,000", "99999999999999999"}) {
    EXPECT_EQ(Schema::YuanToFen(bad, 0, R::kNearest), std::nullopt) << bad;
  }
}

TEST_F(RuleTest, ExplainsEachClauseAndFindsTheOneThatKeepsAnEntityOut) {
  Rule r = Compile(
      "high_tech and revenue >= 2000万 and staff between 10 and 500 and district in [\"西湖区\", "
      "\"滨江区\"]");
  Entity firm =
      Firm({{"district", "西湖区"}, {"staff", 80}, {"revenue", 15000000}, {"high_tech", true}});
  Explanation ex = r.Explain(firm, schema_, today_);
  EXPECT_FALSE(ex.passed);
  ASSERT_EQ(ex.clauses.size(), 4u);
  EXPECT_TRUE(ex.clauses[0].passed);
  EXPECT_EQ(ex.clauses[1].text, "revenue >= 2000万");
  EXPECT_FALSE(ex.clauses[1].passed);
  EXPECT_EQ(ex.clauses[1].actual, "15000000");
  EXPECT_DOUBLE_EQ(ex.clauses[1].gap, 5000000);
  EXPECT_EQ(ex.clauses[3].actual, "西湖区");
  auto near = r.NearMisses(firm, schema_, today_);
  ASSERT_EQ(near.size(), 1u);
  EXPECT_EQ(near[0].text, "revenue >= 2000万");
  // Two clauses short: no near miss.
  Entity far =
      Firm({{"district", "上城区"}, {"staff", 80}, {"revenue", 15000000}, {"high_tech", true}});
  EXPECT_TRUE(r.NearMisses(far, schema_, today_).empty());
  // In an or, either branch's single clause may be the near miss.
  Rule either = Compile("staff >= 100 or revenue >= 2000万");
  EXPECT_EQ(either.NearMisses(firm, schema_, today_).size(), 2u);
  EXPECT_EQ(r.RequiredClauses(), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_TRUE(either.RequiredClauses().empty());
}

TEST_F(RuleTest, AnAgeAndItsGapReadToTheSameTenth) {
  // Founded 2023-07-10: 3.38 years before today, read as 3.3; the gap is
  // read from that figure, so "3.3, short by 1.7" adds up to the rule's 5.
  Explanation ex = Compile("years_since(founded) >= 5")
                       .Explain(Firm({{"founded", "2023-07-10"}}), schema_, today_);
  ASSERT_EQ(ex.clauses.size(), 1u);
  EXPECT_EQ(ex.clauses[0].actual, "3.3");
  EXPECT_DOUBLE_EQ(ex.clauses[0].gap, 1.7);
}

// What each clause asks comes apart, for the console to phrase in words.
TEST_F(RuleTest, AnExplanationCarriesEachClausesAttributeOperatorAndOperands) {
  Rule r = Compile(
      "high_tech and revenue between 1000万 and 5000万 and years_since(founded) >= 5 and "
      "district in [\"西湖区\", \"滨江区\"] and qualifications has \"专精特新\" and "
      "founded <= 2020-01-01");
  Entity firm = Firm({{"district", "西湖区"},
                      {"founded", "2019-05-01"},
                      {"revenue", 32000000},
                      {"high_tech", true}});
  json clauses = ExplanationJson(r.Explain(firm, schema_, today_));
  ASSERT_EQ(clauses.size(), 6u);
  auto parts = [&](size_t i) {
    const json& c = clauses[i];
    return json{c["attribute"], c["op"], c["operands"], c["years_since"]};
  };
  EXPECT_EQ(parts(0), (json{"high_tech", "true", json::array(), false}));
  EXPECT_EQ(parts(1), (json{"revenue", "between", {10000000.0, 50000000.0}, false}));
  EXPECT_EQ(clauses[1]["value"], 32000000.0);
  EXPECT_EQ(parts(2), (json{"founded", ">=", {5.0}, true}));
  EXPECT_GT(clauses[2]["value"].get<double>(), 7.5);
  EXPECT_EQ(parts(3)[0], "district");
  EXPECT_EQ(parts(3)[1], "in");
  EXPECT_EQ(parts(3)[2], (json{"滨江区", "西湖区"}));  // sorted, whatever the order written
  EXPECT_EQ(parts(4), (json{"qualifications", "has", {"专精特新"}, false}));
  EXPECT_FALSE(clauses[4]["passed"]);
  EXPECT_EQ(parts(5), (json{"founded", "<=", {"2020-01-01"}, false}));
  EXPECT_TRUE(clauses[5]["value"].is_null());  // a date, not a number
}

TEST_F(RuleTest, EntityProfilesAreTyped) {
  EXPECT_EQ(schema_.EntityFromJson("e", {{"staff", "many"}}).status().message(),
            "staff: must be a number");
  EXPECT_EQ(schema_.EntityFromJson("e", {{"size", 1}}).status().message(),
            "size: unknown attribute");
  EXPECT_EQ(schema_.EntityFromJson("e", {{"founded", "2019-13-01"}}).status().message(),
            "founded: must be a date YYYY-MM-DD");
  json profile = {{"district", "西湖区"},
                  {"founded", "2019-05-01"},
                  {"high_tech", false},
                  {"qualifications", {"b", "a", "a"}},
                  {"staff", 12}};
  EXPECT_EQ(schema_.EntityToJson(*schema_.EntityFromJson("e", profile)),
            json({{"district", "西湖区"},
                  {"founded", "2019-05-01"},
                  {"high_tech", false},
                  {"qualifications", {"a", "b"}},
                  {"staff", 12}}));
}

}  // namespace
}  // namespace qt::match
