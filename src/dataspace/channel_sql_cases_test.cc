// The channel's SQL subset as data: every testdata/channel_sql/*.test case
// (format: tests/support/case_file.h) is a test. Verbs:
//
//   schema          setup: the product's schema as JSON (schema.h), for the
//                   `check` cases below it
//   parse NAME      ParseChannelSql(input): the query as rendered below, or
//                   `error CODE: TEXT`
//   check NAME      parsed, then CheckAgainstSchema with the file's schema:
//                   `keys KIND` (KeyReleaseOf: none, public_domain,
//                   partition_selection), or `error CODE: TEXT` from either
//
// A parsed query renders as lines, keywords lower case, every item with its
// label, every AND/OR inside another condition in parentheses:
//   select district as district, count(*) as count, avg(age) as avg_age
//   from data
//   where age between 18 and 65 and (district in ('a', 'b') or not (income < 0))
//   group by district
//   fields district, age, income          (FieldsUsed; "fields" alone if none)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dataspace/channel.h"
#include "dataspace/channel_sql.h"
#include "tests/support/case_suite.h"
#include "tests/support/status_matchers.h"

namespace qt::dataspace {
namespace {

using qt::testing::Case;
using qt::testing::IsOk;
using qt::testing::StatusIs;
using ::testing::HasSubstr;

std::string Quoted(const Literal& v) {
  if (v.is_number) return v.text;
  std::string out = "'";
  for (char c : v.text) out += c == '\'' ? "''" : std::string(1, c);
  return out + "'";
}

std::string Render(const Condition& c, bool nested) {
  using K = Condition::Kind;
  auto values = [&] {
    std::string out;
    for (const Literal& v : c.values) out += (out.empty() ? "" : ", ") + Quoted(v);
    return out;
  };
  switch (c.kind) {
    case K::kAnd:
    case K::kOr: {
      std::string out;
      for (const Condition& child : c.children) {
        if (!out.empty()) out += c.kind == K::kAnd ? " and " : " or ";
        out += Render(child, true);
      }
      return nested ? "(" + out + ")" : out;
    }
    case K::kNot:
      return "not (" + Render(c.children[0], false) + ")";
    case K::kCompare:
      return c.field + " " + c.op + " " + values();
    case K::kBetween:
      return c.field + " between " + Quoted(c.values[0]) + " and " + Quoted(c.values[1]);
    case K::kIn:
      return c.field + " in (" + values() + ")";
    case K::kNotIn:
      return c.field + " not in (" + values() + ")";
    case K::kIsNull:
      return c.field + " is null";
    case K::kIsNotNull:
      return c.field + " is not null";
  }
  return "?";
}

std::vector<std::string> Render(const AggregateQuery& q) {
  using K = SelectItem::Kind;
  std::string select;
  for (const SelectItem& s : q.select) {
    const std::string item = s.kind == K::kGroupField   ? s.field
                             : s.kind == K::kCount      ? "count(*)"
                             : s.kind == K::kCountField ? "count(" + s.field + ")"
                             : s.kind == K::kSum        ? "sum(" + s.field + ")"
                                                        : "avg(" + s.field + ")";
    select += (select.empty() ? "" : ", ") + item + " as " + s.label;
  }
  std::vector<std::string> lines = {"select " + select, "from " + q.table};
  if (q.where) lines.push_back("where " + Render(*q.where, false));
  auto list = [](const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  };
  if (!q.group_by.empty()) lines.push_back("group by " + list(q.group_by));
  const std::vector<std::string> fields = FieldsUsed(q);
  lines.push_back(fields.empty() ? "fields" : "fields " + list(fields));
  return lines;
}

Result<std::vector<std::string>> Outcome(const Case& c) {
  QT_ASSIGN_OR_RETURN(AggregateQuery q, ParseChannelSql(c.input));
  if (c.verb == "parse") return Render(q);
  const Case* schema_text = c.Given("schema");
  if (schema_text == nullptr) return Internal("no schema record above this check");
  auto schema_json = nlohmann::json::parse(schema_text->input, nullptr, false);
  auto schema = ParseSchema(schema_json);
  if (!schema.ok()) return Internal("the schema record: " + schema.status().ToString());
  QT_RETURN_IF_ERROR(CheckAgainstSchema(q, *schema));
  return std::vector<std::string>{"keys " + std::string(KeyReleaseName(KeyReleaseOf(q, *schema)))};
}

class ChannelSqlCases : public qt::testing::CaseTest {};

TEST_P(ChannelSqlCases, Hold) {
  const Case& c = GetParam();
  ASSERT_THAT(c.verb, ::testing::AnyOf("parse", "check")) << "unknown verb";
  ASSERT_TRUE(c.has_expected) << "a case needs ---- and its expected outcome";
  auto outcome = Outcome(c);
  if (c.error) {
    EXPECT_THAT(outcome, StatusIs(c.error->code, HasSubstr(c.error->message)));
  } else {
    ASSERT_THAT(outcome, IsOk());
    EXPECT_EQ(qt::testing::Lines(*outcome), qt::testing::Lines(c.expected));
  }
}

INSTANTIATE_TEST_SUITE_P(Files, ChannelSqlCases,
                         ::testing::ValuesIn(qt::testing::LoadCases("channel_sql", {"schema"})),
                         qt::testing::CaseName);

}  // namespace
}  // namespace qt::dataspace
