// ODRL usage policies as data: every testdata/odrl/*.test case (format:
// tests/support/case_file.h) is a test. Verbs:
//
//   schema                 setup: the product's schema as JSON (schema.h)
//   policy NAME            setup: a policy as JSON, for `evaluate` cases
//   parse NAME             ParsePolicy(input): `ok` (and the policy survives
//                          a round trip through PolicyJson unchanged), or
//                          `error CODE: TEXT`
//   evaluate NAME POLICY   Evaluate(POLICY, the use in the input): the grant
//                          on one line, or `error CODE: TEXT`
//
// A use is written one "FIELD VALUE" a line, with the names of struct Use
// (policy.h); fields left out keep their defaults:
//   action aggregate_query            aggregate_query, psi or delivery
//   purpose research / region 330100 / psi_output size
//   fields district age               and protected_fields: names, by spaces
//   now 2026-11-26T00:00:00Z          RFC 3339
//   uses_before 2 / psi_client_size 5000
//   epsilon_spent 900 / epsilon_requested 100    in thousandths
// A grant reads
//   grant epsilon_budget=1000 min_group_size=5 max_uses=3 psi_sessions_per_day=0
// (max_uses=none when the permission does not count uses).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "dataspace/policy.h"
#include "tests/support/case_suite.h"
#include "tests/support/status_matchers.h"

namespace qt::dataspace {
namespace {

using nlohmann::json;
using qt::testing::Case;
using qt::testing::IsOk;
using qt::testing::StatusIs;
using ::testing::HasSubstr;

Result<json> JsonOf(const Case& record) {
  json j = json::parse(record.input, nullptr, false);
  if (j.is_discarded()) return InvalidArgument(record.Where() + ": not JSON");
  return j;
}

Result<Schema> SchemaOf(const Case& c) {
  const Case* given = c.Given("schema");
  if (given == nullptr) return InvalidArgument("no schema record above the case");
  QT_ASSIGN_OR_RETURN(json j, JsonOf(*given));
  return ParseSchema(j);
}

Result<int64_t> Integer(const std::string& field, const std::string& value) {
  int64_t n = 0;
  std::istringstream in(value);
  if (!(in >> n) || !in.eof()) return InvalidArgument(field + ": not an integer: " + value);
  return n;
}

std::vector<std::string> Names(const std::string& value) {
  std::istringstream in(value);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

Result<Use> UseOf(const Case& c) {
  Use use{.action = Action::kAggregateQuery};
  std::istringstream lines(c.input);
  for (std::string line; std::getline(lines, line);) {
    const size_t space = line.find(' ');
    const std::string field = line.substr(0, space);
    const std::string value = space == std::string::npos ? "" : line.substr(space + 1);
    if (field == "action") {
      auto action = ParseAction(value);
      if (!action) return InvalidArgument("unknown action '" + value + "'");
      use.action = *action;
    } else if (field == "purpose") {
      use.purpose = value;
    } else if (field == "region") {
      use.region = value;
    } else if (field == "psi_output") {
      use.psi_output = value;
    } else if (field == "fields") {
      use.fields = Names(value);
    } else if (field == "protected_fields") {
      use.protected_fields = Names(value);
    } else if (field == "now") {
      auto now = ParseRfc3339(value);
      if (!now) return InvalidArgument("now: not an RFC 3339 time: " + value);
      use.now = *now;
    } else if (field == "uses_before") {
      QT_ASSIGN_OR_RETURN(use.uses_before, Integer(field, value));
    } else if (field == "epsilon_spent") {
      QT_ASSIGN_OR_RETURN(use.epsilon_spent, Integer(field, value));
    } else if (field == "epsilon_requested") {
      QT_ASSIGN_OR_RETURN(use.epsilon_requested, Integer(field, value));
    } else if (field == "psi_client_size") {
      QT_ASSIGN_OR_RETURN(use.psi_client_size, Integer(field, value));
    } else {
      return InvalidArgument("a use has no field '" + field + "'");
    }
  }
  return use;
}

std::string Render(const Grant& g) {
  return "grant epsilon_budget=" + std::to_string(g.epsilon_budget) +
         " min_group_size=" + std::to_string(g.min_group_size) +
         " max_uses=" + (g.max_uses ? std::to_string(*g.max_uses) : "none") +
         " psi_sessions_per_day=" + std::to_string(g.psi_sessions_per_day);
}

class PolicyCases : public qt::testing::CaseTest {};

TEST_P(PolicyCases, Hold) {
  const Case& c = GetParam();
  ASSERT_THAT(c.verb, ::testing::AnyOf("parse", "evaluate")) << "unknown verb";
  ASSERT_TRUE(c.has_expected) << "a case needs ---- and its expected outcome";
  auto schema = SchemaOf(c);
  ASSERT_THAT(schema, IsOk());

  if (c.verb == "parse") {
    auto input = JsonOf(c);
    ASSERT_THAT(input, IsOk());
    auto policy = ParsePolicy(*input, *schema);
    if (c.error) {
      EXPECT_THAT(policy, StatusIs(c.error->code, HasSubstr(c.error->message)));
      return;
    }
    ASSERT_THAT(policy, IsOk());
    EXPECT_EQ(qt::testing::Lines(c.expected), "ok\n");
    auto again = ParsePolicy(PolicyJson(*policy), *schema);
    ASSERT_THAT(again, IsOk());
    EXPECT_EQ(PolicyJson(*again), PolicyJson(*policy));
    return;
  }

  ASSERT_EQ(c.args.size(), 1u) << "evaluate NAME POLICY";
  const Case* given = c.Given("policy", c.args[0]);
  ASSERT_NE(given, nullptr) << "no policy record named '" << c.args[0] << "' above the case";
  auto policy_json = JsonOf(*given);
  ASSERT_THAT(policy_json, IsOk());
  auto policy = ParsePolicy(*policy_json, *schema);
  ASSERT_THAT(policy, IsOk()) << given->Where();
  auto use = UseOf(c);
  ASSERT_THAT(use, IsOk());
  auto grant = Evaluate(*policy, *use);
  if (c.error) {
    EXPECT_THAT(grant, StatusIs(c.error->code, HasSubstr(c.error->message)));
  } else {
    ASSERT_THAT(grant, IsOk());
    EXPECT_EQ(qt::testing::Lines({Render(*grant)}), qt::testing::Lines(c.expected));
  }
}

INSTANTIATE_TEST_SUITE_P(Files, PolicyCases,
                         ::testing::ValuesIn(qt::testing::LoadCases("odrl", {"schema", "policy"})),
                         qt::testing::CaseName);

}  // namespace
}  // namespace qt::dataspace
