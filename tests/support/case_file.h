// Case files: tests whose cases are data, after duckdb's sqllogictest. A file
// under testdata/<family>/NAME.test holds records separated by blank lines:
//
//   # Lines starting with '#' above a record (or between records) are comments.
//   parse select-star                    <- header: a verb, a name, arguments
//   SELECT * FROM data                   <- input: every line up to ----
//   ----
//   error invalid_argument: SELECT *     <- expected: every line after ----
//
// The header's first word is the verb, which the family's runner interprets
// (a case to check, or a setup record such as a schema that later cases of
// the same file use); the second is the record's name, of letters, digits,
// '-' and '_'; the rest are arguments. Input lines are joined with '\n'.
// Input and expected lines are taken literally (a '#' there is text), except
// that two forms in {{ }} write what a line cannot hold:
//   {{40*(}}   the text after '*' repeated 40 times (at most 100,000 bytes)
//   {{x00}}    one byte, in two hex digits
// The expected outcome is the family's rendering of a result, one or more
// lines compared exactly, or a single line
//   error CODE: TEXT
// meaning the call fails with StatusCodeName CODE and a message containing
// TEXT. A record may have no input or no expected part where its verb allows.
//
// A line "skip REASON" just above a header keeps its case in the file but
// skips it (gtest reports it skipped, with the reason): for a case that shows
// a bug not fixed yet.
//
// Anything else malformed (no header, a bad name, two "----", an empty
// expected part, an unknown status code, a bad {{ }} form) makes the whole
// file fail with "FILE:LINE: what is wrong".
//
// Thread-safety: pure functions and values.
#ifndef QIANTANG_TESTS_SUPPORT_CASE_FILE_H_
#define QIANTANG_TESTS_SUPPORT_CASE_FILE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace qt::testing {

// The outcome "error CODE: TEXT".
struct ExpectedError {
  StatusCode code = StatusCode::kOk;
  std::string message;  // a substring of the actual message
};

// One record of a case file.
struct Case {
  std::string file;  // the path it was read from
  int line = 0;      // of its header, 1-based
  std::string verb;
  std::string name;               // may be empty for a setup record
  std::vector<std::string> args;  // the header's words after the name
  std::string input;              // {{ }} forms expanded, here and in `expected`
  bool has_expected = false;      // there was a "----" line
  std::vector<std::string> expected;
  std::optional<ExpectedError> error;  // when `expected` is one "error ..." line
  std::string skip;                    // the reason, when marked "skip"
  // Setup records of the same file above this case (the runner's loader
  // fills these in; see case_suite.h).
  std::vector<Case> givens;
  // Why the file could not be used; set only on the stand-in case a loader
  // makes for a broken file, so that the file's failure is a failing test.
  std::string problem;

  // "FILE:LINE NAME", for failure messages.
  std::string Where() const;
  // The last given with `verb` (and `name`, unless empty), or nullptr.
  const Case* Given(std::string_view given_verb, std::string_view given_name = "") const;
};

// Parses the text of a case file; `file` names it in the records and errors.
Result<std::vector<Case>> ParseCaseFile(std::string_view text, const std::string& file);
// Reads and parses the file at `path`; not_found if it cannot be read.
Result<std::vector<Case>> ReadCaseFile(const std::string& path);

// The code whose StatusCodeName is `name`, or nullopt.
std::optional<StatusCode> StatusCodeNamed(std::string_view name);

}  // namespace qt::testing

#endif  // QIANTANG_TESTS_SUPPORT_CASE_FILE_H_
