// The rule language as data: every testdata/rule/*.test case (format:
// tests/support/case_file.h) is a test. Verbs:
//
//   schema          setup: the attributes, one "NAME TYPE" a line (number,
//                   string, bool, date, set)
//   today           setup: the date years_since counts to, YYYY-MM-DD
//   entity NAME     setup: an entity's profile as JSON (Schema::EntityFromJson)
//   rule NAME       Rule::Compile(input), then for each expected line
//                   "ENTITY: true|false" whether the rule matches that entity;
//                   or `error CODE: TEXT` when it does not compile
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "match/rule.h"
#include "tests/support/case_suite.h"
#include "tests/support/status_matchers.h"

namespace qt::match {
namespace {

using qt::testing::Case;
using qt::testing::IsOk;
using qt::testing::StatusIs;
using ::testing::HasSubstr;

// The schema of the `schema` record above the case.
Result<Schema> SchemaOf(const Case& c) {
  const Case* given = c.Given("schema");
  if (given == nullptr) return InvalidArgument("no schema record above the case");
  Schema schema;
  std::istringstream lines(given->input);
  for (std::string name, type; lines >> name >> type;) {
    std::optional<Type> t;
    for (Type k : {Type::kNumber, Type::kString, Type::kBool, Type::kDate, Type::kSet}) {
      if (TypeName(k) == type) t = k;
    }
    if (!t) return InvalidArgument(given->Where() + ": unknown type '" + type + "'");
    QT_RETURN_IF_ERROR(schema.Add({name, *t, ""}));
  }
  return schema;
}

// "ENTITY: true|false" for each expected line, as the compiled rule finds it.
Result<std::vector<std::string>> Verdicts(const Case& c, const Rule& rule, Schema& schema) {
  const Case* today_record = c.Given("today");
  std::optional<double> today =
      today_record ? Schema::ParseDate(today_record->input) : std::nullopt;
  if (!today) return InvalidArgument("no today record (YYYY-MM-DD) above the case");
  std::vector<std::string> out;
  for (const std::string& line : c.expected) {
    const std::string name = line.substr(0, line.find(':'));
    const Case* profile = c.Given("entity", name);
    if (profile == nullptr) return InvalidArgument("no entity record named '" + name + "'");
    auto json = nlohmann::json::parse(profile->input, nullptr, false);
    if (json.is_discarded()) return InvalidArgument(profile->Where() + ": not JSON");
    QT_ASSIGN_OR_RETURN(Entity e, schema.EntityFromJson(name, json));
    out.push_back(name + ": " + (rule.Matches(e, *today) ? "true" : "false"));
  }
  return out;
}

class RuleCases : public qt::testing::CaseTest {};

TEST_P(RuleCases, Hold) {
  const Case& c = GetParam();
  ASSERT_EQ(c.verb, "rule") << "unknown verb";
  ASSERT_TRUE(c.has_expected) << "a case needs ---- and its expected outcome";
  auto schema = SchemaOf(c);
  ASSERT_THAT(schema, IsOk());
  auto rule = Rule::Compile(c.input, *schema);
  if (c.error) {
    EXPECT_THAT(rule, StatusIs(c.error->code, HasSubstr(c.error->message)));
    return;
  }
  ASSERT_THAT(rule, IsOk());
  auto verdicts = Verdicts(c, *rule, *schema);
  ASSERT_THAT(verdicts, IsOk());
  EXPECT_EQ(qt::testing::Lines(*verdicts), qt::testing::Lines(c.expected));
}

INSTANTIATE_TEST_SUITE_P(Files, RuleCases,
                         ::testing::ValuesIn(qt::testing::LoadCases("rule",
                                                                    {"schema", "today", "entity"})),
                         qt::testing::CaseName);

}  // namespace
}  // namespace qt::match
