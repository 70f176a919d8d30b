#include "dataspace/policy.h"

#include <gtest/gtest.h>

namespace qt::dataspace {
namespace {

using nlohmann::json;

Schema Fields() {
  return *ParseSchema(json::parse(R"([
    {"name": "name", "sensitivity": "identifying", "mask": "name"},
    {"name": "district"}, {"name": "age", "type": "integer", "min": 0, "max": 120}])"));
}

json Good() {
  return json::parse(R"({"permission": [{"action": "aggregate_query", "constraint": [
      {"leftOperand": "purpose", "operator": "isAnyOf", "rightOperand": ["research"]},
      {"leftOperand": "field", "operator": "isAnyOf", "rightOperand": ["district", "age"]},
      {"leftOperand": "count", "operator": "lteq", "rightOperand": 3},
      {"leftOperand": "dateTime", "operator": "lt", "rightOperand": "2027-01-01T00:00:00Z"},
      {"leftOperand": "epsilon", "operator": "lteq", "rightOperand": 1.0},
      {"leftOperand": "groupSize", "operator": "gteq", "rightOperand": 5}],
      "duty": [{"action": "inform"}]}],
    "prohibition": [{"action": "aggregate_query", "constraint": [
      {"leftOperand": "spatial", "operator": "isAnyOf", "rightOperand": ["overseas"]}]}]})");
}

std::string Error(const json& j) { return ParsePolicy(j, Fields()).status().message(); }

TEST(Policy, RoundTripsThroughItsCanonicalJson) {
  auto p = ParsePolicy(Good(), Fields());
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  auto again = ParsePolicy(PolicyJson(*p), Fields());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(PolicyJson(*again), PolicyJson(*p));
}

TEST(Policy, DeniesByDefaultWhatItDoesNotKnow) {
  json j = Good();
  j["permission"][0]["action"] = "download";
  EXPECT_EQ(Error(j), "permission[0].action: must be aggregate_query, psi or delivery");
  j = Good();
  j["permission"][0]["constraint"][0]["leftOperand"] = "industry";
  EXPECT_NE(Error(j).find("permission[0].constraint[0].leftOperand: unknown constraint 'industry'"),
            std::string::npos);
  j = Good();
  j["permission"][0]["constraint"][2]["operator"] = "gteq";
  EXPECT_EQ(Error(j), "permission[0].constraint[2].operator: count takes lteq");
  j = Good();
  j["permission"][0]["constraint"][1]["rightOperand"] = {"name"};
  EXPECT_NE(Error(j).find("identifying"), std::string::npos);
  j = Good();
  j["permission"][0]["constraint"][4]["rightOperand"] = 0.0001;
  EXPECT_NE(Error(j).find("epsilon must be above 0"), std::string::npos);
  j = Good();
  j["permission"][0]["constraint"].erase(5);  // no groupSize
  EXPECT_NE(Error(j).find("must constrain epsilon and groupSize"), std::string::npos);
  j = Good();
  j["permission"][0]["duty"][0]["action"] = "pay";
  EXPECT_NE(Error(j).find("duty[0].action"), std::string::npos);
  j = Good();
  j["obligation"] = json::array();
  EXPECT_EQ(Error(j), "policy.obligation: unknown term");
  EXPECT_NE(Error(json::object()).find("at least one use"), std::string::npos);
}

TEST(Policy, TermsOfTheWrongTypeAreRefusedNotThrown) {
  json j = Good();
  j["permission"][0]["constraint"][2]["operator"] = 1;  // found by the odrl_policy fuzzer
  EXPECT_EQ(Error(j), "permission[0].constraint[2].operator: count takes lteq");
  j = Good();
  j["permission"][0]["duty"][0]["action"] = json::array();
  EXPECT_EQ(Error(j), "permission[0].duty[0].action: must be inform, attribute or delete");
}

Use AUse() {
  return Use{.action = Action::kAggregateQuery,
             .purpose = "research",
             .region = "330100",
             .fields = {"district", "age"},
             .now = *ParseRfc3339("2026-11-26T00:00:00Z"),
             .epsilon_requested = 100};
}

TEST(Policy, EvaluationNamesTheConstraintThatFailed) {
  Policy p = *ParsePolicy(Good(), Fields());
  auto g = Evaluate(p, AUse());
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->epsilon_budget, 1000);
  EXPECT_EQ(g->min_group_size, 5);
  EXPECT_EQ(g->max_uses, 3);

  Use u = AUse();
  u.purpose = "marketing";
  EXPECT_EQ(Evaluate(p, u).status().message(),
            "constraint purpose isAnyOf [research]: purpose 'marketing' is not one of them");
  u = AUse();
  u.fields = {"district", "income"};
  EXPECT_NE(Evaluate(p, u).status().message().find("field 'income' is not allowed"),
            std::string::npos);
  u = AUse();
  u.uses_before = 3;
  EXPECT_NE(Evaluate(p, u).status().message().find("all 3 uses have been made"), std::string::npos);
  u = AUse();
  u.now = *ParseRfc3339("2027-01-01T00:00:00Z");
  EXPECT_NE(Evaluate(p, u).status().message().find("dateTime lt 2027-01-01"), std::string::npos);
  u = AUse();
  u.epsilon_spent = 950;
  EXPECT_NE(Evaluate(p, u).status().message().find("the budget left is 0.05"), std::string::npos);
  u = AUse();
  u.region = "overseas";
  EXPECT_NE(Evaluate(p, u).status().message().find("prohibits aggregate_query when spatial"),
            std::string::npos);
  u = AUse();
  u.action = Action::kDelivery;
  EXPECT_EQ(Evaluate(p, u).status().message(), "the contract does not permit delivery");
  EXPECT_EQ(Evaluate(p, u).status().code(), StatusCode::kPermissionDenied);
}

json PsiPolicy(const std::string& extra) {
  return json::parse(R"({"permission": [{"action": "psi", "constraint": [
      {"leftOperand": "psiOutput", "operator": "isAnyOf", "rightOperand": ["intersection", "size"]},
      {"leftOperand": "field", "operator": "isAnyOf", "rightOperand": ["name", "district"]})" +
                     extra + "]}]}");
}

Use PsiUse(const std::string& output, int64_t client_size, bool identifying) {
  return Use{.action = Action::kPsi,
             .purpose = "p",
             .fields = {identifying ? "name" : "district"},
             .psi_output = output,
             .psi_client_size = client_size,
             .protected_fields =
                 identifying ? std::vector<std::string>{"name"} : std::vector<std::string>{}};
}

TEST(Policy, PsiLimitsParseRoundTripAndNameTheirPlace) {
  auto p = ParsePolicy(
      PsiPolicy(R"(, {"leftOperand": "psiClientSize", "operator": "lteq", "rightOperand": 5000},
                     {"leftOperand": "psiSessionsPerDay", "operator": "lteq", "rightOperand": 3},
                     {"leftOperand": "psiIntersectionField", "operator": "isAnyOf",
                      "rightOperand": ["name"]})"),
      Fields());
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(PolicyJson(*ParsePolicy(PolicyJson(*p), Fields())), PolicyJson(*p));
  EXPECT_EQ(Error(PsiPolicy(
                R"(, {"leftOperand": "psiClientSize", "operator": "lteq", "rightOperand": 0})")),
            "permission[0].constraint[2].rightOperand: must be an integer from 1 to 16777216");
  EXPECT_EQ(
      Error(PsiPolicy(
          R"(, {"leftOperand": "psiSessionsPerDay", "operator": "gteq", "rightOperand": 1})")),
      "permission[0].constraint[2].operator: psiSessionsPerDay takes lteq");
  EXPECT_EQ(Error(PsiPolicy(R"(, {"leftOperand": "psiIntersectionField", "operator": "isAnyOf",
                                  "rightOperand": ["phone"]})")),
            "permission[0].constraint[2].rightOperand: the product has no field 'phone'");
  json channel = Good();
  channel["permission"][0]["constraint"].push_back(
      {{"leftOperand", "psiClientSize"}, {"operator", "lteq"}, {"rightOperand", 10}});
  EXPECT_EQ(Error(channel),
            "permission[0].constraint[6].leftOperand: psiClientSize constrains psi rules only");
}

TEST(Policy, PsiOnAnIdentifyingFieldIsSizeOnlyUnlessNamedAndThenCapped) {
  Policy plain = *ParsePolicy(PsiPolicy(""), Fields());
  // Size on anything, up to the default client size.
  auto g = Evaluate(plain, PsiUse("size", 100'000, true));
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->psi_sessions_per_day, kDefaultPsiSessionsPerDay);
  EXPECT_NE(Evaluate(plain, PsiUse("size", 100'001, true)).status().message().find("100000"),
            std::string::npos);
  // The intersection: on a non-protected field yes, on an identifying one no.
  EXPECT_TRUE(Evaluate(plain, PsiUse("intersection", 10'000, false)).ok());
  EXPECT_NE(Evaluate(plain, PsiUse("intersection", 10, true))
                .status()
                .message()
                .find("returns the size only"),
            std::string::npos);
  Policy named =
      *ParsePolicy(PsiPolicy(R"(, {"leftOperand": "psiIntersectionField", "operator": "isAnyOf",
                     "rightOperand": ["name"]},
                    {"leftOperand": "psiSessionsPerDay", "operator": "lteq", "rightOperand": 3})"),
                   Fields());
  EXPECT_TRUE(Evaluate(named, PsiUse("intersection", 1'000, true)).ok());
  EXPECT_EQ(Evaluate(named, PsiUse("intersection", 1'000, true))->psi_sessions_per_day, 3);
  EXPECT_NE(Evaluate(named, PsiUse("intersection", 1'001, true))
                .status()
                .message()
                .find("at most 1000 items per PSI session"),
            std::string::npos);
  // Naming fields limits the intersection to them.
  EXPECT_NE(Evaluate(named, PsiUse("intersection", 10, false))
                .status()
                .message()
                .find("the intersection on field 'district' is not allowed"),
            std::string::npos);
  Policy sized = *ParsePolicy(
      PsiPolicy(R"(, {"leftOperand": "psiClientSize", "operator": "lteq", "rightOperand": 50})"),
      Fields());
  EXPECT_EQ(Evaluate(sized, PsiUse("size", 51, false)).status().message(),
            "constraint psiClientSize lteq 50: client_size 51 is over the limit of 50 items per PSI"
            " session");
}

}  // namespace
}  // namespace qt::dataspace
