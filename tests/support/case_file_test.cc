// The case-file reader reads what case_file.h describes, and refuses a
// malformed file with its line instead of running fewer cases.
#include "tests/support/case_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "tests/support/case_suite.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace qt::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

TEST(CaseFile, ReadsHeadersInputsAndExpectedLines) {
  auto cases = ParseCaseFile(R"(# A comment above the first record.
schema
[{"name": "age"}]

# Two lines of input, two expected.
parse two-lines extra args
SELECT COUNT(*)
# not a comment: input
----
select count(*) as count
from data

skip the parser reads ';' in a string as a separator
parse refused
SELECT 1;
----
error invalid_argument: one statement
)",
                             "t.test");
  ASSERT_THAT(cases, IsOk());
  ASSERT_THAT(*cases, SizeIs(3));
  const Case& schema = (*cases)[0];
  EXPECT_EQ(schema.verb, "schema");
  EXPECT_EQ(schema.name, "");
  EXPECT_EQ(schema.input, "[{\"name\": \"age\"}]");
  EXPECT_FALSE(schema.has_expected);

  const Case& parse = (*cases)[1];
  EXPECT_EQ(parse.Where(), "t.test:6 two-lines");
  EXPECT_EQ(parse.verb, "parse");
  EXPECT_THAT(parse.args, ElementsAre("extra", "args"));
  EXPECT_EQ(parse.input, "SELECT COUNT(*)\n# not a comment: input");
  EXPECT_THAT(parse.expected, ElementsAre("select count(*) as count", "from data"));
  EXPECT_FALSE(parse.error.has_value());
  EXPECT_THAT(parse.skip, IsEmpty());

  const Case& refused = (*cases)[2];
  EXPECT_EQ(refused.line, 14);
  EXPECT_EQ(refused.skip, "the parser reads ';' in a string as a separator");
  ASSERT_TRUE(refused.error.has_value());
  EXPECT_EQ(refused.error->code, StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.error->message, "one statement");
}

TEST(CaseFile, ExpandsRepetitionsAndBytes) {
  auto cases = ParseCaseFile("parse deep\n{{3*(}}a{{3*)}} {{2*and b}}{{x00}}{{x7e}}\n", "t.test");
  ASSERT_THAT(cases, IsOk());
  EXPECT_EQ((*cases)[0].input, std::string("(((a))) and band b") + '\0' + "~");
}

TEST(CaseFile, AcceptsWindowsLineEndings) {
  auto cases = ParseCaseFile("parse crlf\r\nSELECT 1\r\n----\r\nok\r\n", "t.test");
  ASSERT_THAT(cases, IsOk());
  EXPECT_EQ((*cases)[0].input, "SELECT 1");
  EXPECT_THAT((*cases)[0].expected, ElementsAre("ok"));
}

// Each malformed file fails as a whole, naming the line.
TEST(CaseFile, AMalformedFileFailsWithItsLine) {
  struct Bad {
    const char* text;
    const char* error;
  };
  for (const Bad& bad : std::initializer_list<Bad>{
           {"", "t.test: no records"},
           {"# only a comment\n", "t.test: no records"},
           {"parse a\nx\n----\n", "t.test:3: nothing expected after ----"},
           {"parse a\nx\n----\ny\n----\nz\n", "t.test:5: a second ---- in one record"},
           {"parse a b\nx\n", "accepted"},
           {"parse a/b\nx\n", "t.test:1: a name is letters, digits, '-' and '_': 'a/b'"},
           {"  parse a\nx\n", "t.test:1: a record starts with a header line"},
           {"----\nx\n", "t.test:1: a record starts with a header line"},
           {"parse a\nx\n----\nerror bogus: x\n", "t.test:4: unknown status code 'bogus'"},
           {"parse a\nx\n----\nerror ok: x\n", "t.test:4: unknown status code 'ok'"},
           {"parse a\nx\n----\nerror invalid_argument\n", "t.test:4: an error is written"},
           {"parse a\nx\n----\nrow\nerror not_found: x\n",
            "t.test:5: an expected error is the only expected line"},
           {"parse a\n{{3*x\n", "t.test:2: '{{' without '}}'"},
           {"parse a\n{{*x}}\n", "t.test:2: {{*x}} is neither"},
           {"parse a\n{{x0g}}\n", "t.test:2: {{x0g}} is neither"},
           {"parse a\n{{200000*x}}\n", "t.test:2: {{200000*x}} writes more than 100000 bytes"},
           {"parse a\nx\n\nparse a\ny\n",
            "t.test:4: a second record named 'a' (the first is at "
            "line 1)"},
           {"skip\nparse a\nx\n", "t.test:1: skip needs a reason"},
           {"skip a known bug\n", "t.test:1: skip is not followed by a record"},
       }) {
    auto cases = ParseCaseFile(bad.text, "t.test");
    if (std::string(bad.error) == "accepted") {
      EXPECT_THAT(cases, IsOk()) << bad.text;
    } else {
      EXPECT_THAT(cases, StatusIs(StatusCode::kInvalidArgument, HasSubstr(bad.error))) << bad.text;
    }
  }
  EXPECT_THAT(ReadCaseFile("/nonexistent/x.test"), StatusIs(StatusCode::kNotFound));
}

TEST(CaseFile, StatusCodesAreNamedAsOnTheWire) {
  EXPECT_EQ(StatusCodeNamed("permission_denied"), StatusCode::kPermissionDenied);
  EXPECT_EQ(StatusCodeNamed("unavailable"), StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeNamed("PermissionDenied"), std::nullopt);
}

// LoadCases over a folder: cases carry the setup records above them, and a
// broken file becomes one failing stand-in instead of silently fewer tests.
class LoadCasesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* old = std::getenv("QIANTANG_TESTDATA");
    if (old != nullptr) old_ = old;
    setenv("QIANTANG_TESTDATA", dir_.path().c_str(), 1);
    std::filesystem::create_directory(dir_.path() / "family");
  }
  void TearDown() override {
    if (old_) {
      setenv("QIANTANG_TESTDATA", old_->c_str(), 1);
    } else {
      unsetenv("QIANTANG_TESTDATA");
    }
  }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_.path() / "family" / name) << text;
  }

  TempDir dir_;
  std::optional<std::string> old_;
};

TEST_F(LoadCasesTest, CasesCarryTheSetupRecordsAboveThem) {
  Write("b.test", "schema\none\n\nparse first\nx\n\nschema\ntwo\n\nparse second\ny\n");
  Write("a.test", "parse alone\nz\n");
  Write("notes.txt", "not a case file\n");
  std::vector<Case> cases = LoadCases("family", {"schema"});
  ASSERT_THAT(cases, SizeIs(3));
  EXPECT_EQ(cases[0].name, "alone");  // files in name order
  EXPECT_EQ(cases[0].Given("schema"), nullptr);
  EXPECT_EQ(cases[1].Given("schema")->input, "one");
  EXPECT_EQ(cases[2].Given("schema")->input, "two");
  EXPECT_EQ(CaseName(::testing::TestParamInfo<Case>(cases[2], 2)), "b_second");
}

TEST_F(LoadCasesTest, ABrokenFileIsOneFailingTest) {
  Write("good.test", "parse fine\nx\n");
  Write("bad.test", "parse fine\nx\n----\n");
  Write("setup.test", "schema\nx\n");
  Write("unnamed.test", "parse\nx\n");
  std::vector<Case> cases = LoadCases("family", {"schema"});
  ASSERT_THAT(cases, SizeIs(4));
  EXPECT_EQ(cases[0].name, "bad_unreadable");
  EXPECT_THAT(cases[0].problem, HasSubstr("bad.test:3: nothing expected after ----"));
  EXPECT_EQ(cases[1].name, "fine");
  EXPECT_THAT(cases[1].problem, IsEmpty());
  EXPECT_EQ(cases[2].name, "setup_empty");
  EXPECT_THAT(cases[2].problem, HasSubstr("setup records but no cases"));
  EXPECT_EQ(cases[3].name, "unnamed_unnamed");
  EXPECT_THAT(cases[3].problem, HasSubstr("unnamed.test:1: the case 'parse' has no name"));
}

TEST_F(LoadCasesTest, AMissingOrEmptyFolderIsOneFailingTest) {
  ASSERT_THAT(LoadCases("family", {}), SizeIs(1));
  EXPECT_THAT(LoadCases("family", {})[0].problem, HasSubstr("no *.test files"));
  EXPECT_THAT(LoadCases("elsewhere", {})[0].problem, HasSubstr("elsewhere"));
  unsetenv("QIANTANG_TESTDATA");
  EXPECT_THAT(LoadCases("family", {})[0].problem, HasSubstr("QIANTANG_TESTDATA is not set"));
}

}  // namespace
}  // namespace qt::testing
