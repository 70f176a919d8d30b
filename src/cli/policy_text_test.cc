#include "cli/policy_text.h"

#include <gtest/gtest.h>

namespace qt::cli {
namespace {

using nlohmann::json;

TEST(PolicySentences, ReadsEachRuleWithItsConstraintsAndDuties) {
  json policy = json::parse(R"({
    "permission": [{"action": "aggregate_query", "constraint": [
      {"leftOperand": "purpose", "operator": "isAnyOf", "rightOperand": ["research", "credit"]},
      {"leftOperand": "field", "operator": "isAnyOf", "rightOperand": ["district", "age"]},
      {"leftOperand": "epsilon", "operator": "lteq", "rightOperand": 10},
      {"leftOperand": "groupSize", "operator": "gteq", "rightOperand": 10},
      {"leftOperand": "dateTime", "operator": "lt", "rightOperand": "2030-01-01T00:00:00Z"}],
      "duty": [{"action": "inform"}]}],
    "prohibition": [{"action": "delivery"}]})");
  EXPECT_EQ(PolicySentences(policy),
            (std::vector<std::string>{
                "allowed: aggregate_query — for research, credit; on fields district, age; "
                "privacy budget ε ≤ 10; groups of at least 10 rows; until "
                "2030-01-01T00:00:00Z; the provider is told of each use",
                "prohibited: delivery"}));
}

TEST(PolicySentences, ReadsAPeersDspFormAndShowsTheUnknownAsWritten) {
  // Another node's catalog: prefixed terms, one rule not in a list, typed literals.
  json policy = json::parse(R"({
    "permission": {"action": {"@id": "odrl:psi"}, "constraint": [
      {"leftOperand": "odrl:psiClientSize", "operator": "odrl:lteq",
       "rightOperand": {"@value": "1000", "@type": "xsd:integer"}},
      {"leftOperand": "loudness", "operator": "gt", "rightOperand": 3}],
      "duty": [{"action": "compensate"}]}})");
  EXPECT_EQ(PolicySentences(policy),
            (std::vector<std::string>{"allowed: psi — at most 1000 items a PSI; loudness > 3; "
                                      "duty: compensate"}));
}

TEST(PolicySentences, NothingForWhatIsNotAPolicy) {
  EXPECT_TRUE(PolicySentences(json()).empty());
  EXPECT_TRUE(PolicySentences(json::array({1, 2})).empty());
  EXPECT_EQ(PolicySentences(json{{"permission", {1}}}), (std::vector<std::string>{"allowed: 1"}));
}

}  // namespace
}  // namespace qt::cli
