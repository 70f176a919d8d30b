// Runs the case files of one family (case_file.h) as parameterised
// GoogleTests, one test per case, named FILE_CASE:
//
//   class RuleCases : public qt::testing::CaseTest {};
//   TEST_P(RuleCases, Hold) {
//     const qt::testing::Case& c = GetParam();
//     ... run c.input, compare with c.expected or c.error ...
//   }
//   INSTANTIATE_TEST_SUITE_P(Files, RuleCases,
//                            ::testing::ValuesIn(qt::testing::LoadCases("rule", {"schema"})),
//                            qt::testing::CaseName);
//
// LoadCases reads every testdata/<family>/*.test (the folder from the
// environment variable QIANTANG_TESTDATA, which CTest sets) in name order.
// Records whose verb is one of `setup_verbs` are not tests: each later case
// of the same file carries them in `givens`. Every other record is a case
// and needs a name.
//
// A file that cannot be read or parsed, a missing folder and a folder
// without case files each become one failing test saying why, so a broken
// file fails loudly instead of running nothing. CaseTest's SetUp fails
// those, skips cases marked "skip", and puts "FILE:LINE: NAME" on every
// failure of the case, above gtest's own line.
//
// Thread-safety: as GoogleTest.
#ifndef QIANTANG_TESTS_SUPPORT_CASE_SUITE_H_
#define QIANTANG_TESTS_SUPPORT_CASE_SUITE_H_

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "tests/support/case_file.h"

namespace qt::testing {

std::vector<Case> LoadCases(const std::string& family, const std::set<std::string>& setup_verbs);

// The test's name: the file's stem and the case's name, in the characters a
// gtest name may hold ("select.test" case "group-by" -> "select_group_by").
std::string CaseName(const ::testing::TestParamInfo<Case>& info);

// How gtest prints a case: "FILE:LINE NAME".
void PrintTo(const Case& c, std::ostream* os);

// The lines joined with '\n', to compare a rendering with the expected lines
// (gtest shows a line diff of two multi-line strings).
std::string Lines(const std::vector<std::string>& lines);

class CaseTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override;
  void TearDown() override;

 private:
  std::optional<::testing::ScopedTrace> trace_;
};

}  // namespace qt::testing

#endif  // QIANTANG_TESTS_SUPPORT_CASE_SUITE_H_
