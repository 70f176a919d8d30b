// gMock matchers for qt::Status and qt::Result<T> (core/status.h), after
// abseil's status_matchers.h, so a test states the outcome it expects in one
// line and a failure prints the status it got instead of "false":
//
//   EXPECT_THAT(accounts.GetOrg(id), IsOk());
//   EXPECT_THAT(ParseChannelSql("SELECT * FROM data"),
//               StatusIs(StatusCode::kInvalidArgument, HasSubstr("SELECT *")));
//   EXPECT_THAT(store.Delete(id), StatusIs(StatusCode::kNotFound));
//   ASSERT_THAT(result, IsOk());  // then use *result
//
//   IsOk()                     the Status or Result is OK.
//   StatusIs(code)             its code is `code` (StatusCode::kOk matches OK).
//   StatusIs(code, message)    and its message matches `message`: a string
//                              (equality) or any string matcher (HasSubstr,
//                              StartsWith, MatchesRegex, ...).
//
// Each matcher takes a Status or a Result<T> of any T, by value or through a
// reference. On failure gMock prints the actual status ("invalid_argument:
// rule:1: unknown attribute ...", or "OK: " and the value) and StatusIs says
// which part differs ("whose code is not_found"). The PrintTo overloads below make gtest
// print Status and Result<T> values in any assertion, not only these.
//
// Thread-safety: as gMock's matchers (use them from the test's thread).
#ifndef QIANTANG_TESTS_SUPPORT_STATUS_MATCHERS_H_
#define QIANTANG_TESTS_SUPPORT_STATUS_MATCHERS_H_

#include <gmock/gmock.h>

#include <ostream>
#include <string>
#include <utility>

#include "core/status.h"

namespace qt {

// How gtest prints a Status: "OK" or "invalid_argument: the message".
inline void PrintTo(const Status& status, std::ostream* os) {
  *os << (status.ok() ? std::string("OK") : status.ToString());
}

// How gtest prints a Result<T>: its status, or "OK: " and the value.
template <typename T>
void PrintTo(const Result<T>& result, std::ostream* os) {
  if (!result.ok()) {
    PrintTo(result.status(), os);
    return;
  }
  *os << "OK: " << ::testing::PrintToString(*result);
}

namespace testing {
namespace internal_status {

inline const Status& StatusOf(const Status& status) { return status; }
template <typename T>
const Status& StatusOf(const Result<T>& result) {
  return result.status();
}

class IsOkMatcher {
 public:
  // gMock prints the actual status itself (PrintTo above): nothing to add.
  template <typename T>
  bool MatchAndExplain(const T& actual, ::testing::MatchResultListener* /*listener*/) const {
    return StatusOf(actual).ok();
  }
  void DescribeTo(std::ostream* os) const { *os << "is OK"; }
  void DescribeNegationTo(std::ostream* os) const { *os << "is not OK"; }
};

class StatusIsMatcher {
 public:
  StatusIsMatcher(StatusCode code, ::testing::Matcher<const std::string&> message)
      : code_(code), message_(std::move(message)) {}

  template <typename T>
  bool MatchAndExplain(const T& actual, ::testing::MatchResultListener* listener) const {
    const Status& status = StatusOf(actual);
    if (status.code() != code_) {
      *listener << "whose code is " << StatusCodeName(status.code());
      return false;
    }
    ::testing::StringMatchResultListener why;
    if (!message_.MatchAndExplain(status.message(), &why)) {
      *listener << "whose message does not match";
      if (!why.str().empty()) *listener << ", " << why.str();
      return false;
    }
    return true;
  }
  void DescribeTo(std::ostream* os) const {
    *os << "has code " << StatusCodeName(code_) << " and a message that ";
    message_.DescribeTo(os);
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "has a code other than " << StatusCodeName(code_) << " or a message that ";
    message_.DescribeNegationTo(os);
  }

 private:
  StatusCode code_;
  ::testing::Matcher<const std::string&> message_;
};

}  // namespace internal_status

// The Status or Result is OK.
inline ::testing::PolymorphicMatcher<internal_status::IsOkMatcher> IsOk() {
  return ::testing::MakePolymorphicMatcher(internal_status::IsOkMatcher());
}

// The status has `code` and a message that `message` matches (any message
// when omitted).
inline ::testing::PolymorphicMatcher<internal_status::StatusIsMatcher> StatusIs(
    StatusCode code, ::testing::Matcher<const std::string&> message = ::testing::_) {
  return ::testing::MakePolymorphicMatcher(
      internal_status::StatusIsMatcher(code, std::move(message)));
}

}  // namespace testing
}  // namespace qt

#endif  // QIANTANG_TESTS_SUPPORT_STATUS_MATCHERS_H_
