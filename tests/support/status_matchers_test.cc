// IsOk and StatusIs match what they say, on Status and Result alike, and
// explain a mismatch with the status they got.
#include "tests/support/status_matchers.h"

#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <string>

namespace qt::testing {
namespace {

using ::testing::DescribeMatcher;
using ::testing::HasSubstr;
using ::testing::Not;

// What the matcher says about `value` when it does not match, or "matched".
template <typename M, typename T>
std::string Explain(const M& matcher, const T& value) {
  ::testing::StringMatchResultListener listener;
  if (::testing::ExplainMatchResult(matcher, value, &listener)) return "matched";
  return listener.str();
}

TEST(StatusMatchers, IsOkMatchesOkStatusesAndResultsWithValues) {
  EXPECT_THAT(OkStatus(), IsOk());
  EXPECT_THAT(Result<int>(7), IsOk());
  EXPECT_THAT(NotFound("no org"), Not(IsOk()));
  EXPECT_THAT(Result<int>(NotFound("no org")), Not(IsOk()));
  EXPECT_EQ(DescribeMatcher<Status>(IsOk()), "is OK");
}

TEST(StatusMatchers, StatusIsComparesTheCodeAndOptionallyTheMessage) {
  const Result<std::string> denied = PermissionDenied("field 'name' is identifying");
  EXPECT_THAT(denied, StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(denied, StatusIs(StatusCode::kPermissionDenied, "field 'name' is identifying"));
  EXPECT_THAT(denied, StatusIs(StatusCode::kPermissionDenied, HasSubstr("identifying")));
  EXPECT_THAT(denied, Not(StatusIs(StatusCode::kInvalidArgument)));
  EXPECT_THAT(denied, Not(StatusIs(StatusCode::kPermissionDenied, "field")));
  EXPECT_THAT(OkStatus(), StatusIs(StatusCode::kOk));
  EXPECT_THAT(Result<int>(1), Not(StatusIs(StatusCode::kNotFound)));
}

TEST(StatusMatchers, AMismatchSaysWhichPartDiffers) {
  const Status denied = PermissionDenied("field 'name' is identifying");
  EXPECT_EQ(Explain(StatusIs(StatusCode::kInvalidArgument), denied),
            "whose code is permission_denied");
  EXPECT_EQ(Explain(StatusIs(StatusCode::kNotFound), Result<int>(3)), "whose code is ok");
  EXPECT_EQ(Explain(StatusIs(StatusCode::kPermissionDenied, HasSubstr("secret")), denied),
            "whose message does not match");
  EXPECT_EQ(Explain(StatusIs(StatusCode::kPermissionDenied, "field"), denied),
            "whose message does not match");
  EXPECT_EQ(DescribeMatcher<Status>(StatusIs(StatusCode::kNotFound, HasSubstr("org"))),
            "has code not_found and a message that has substring \"org\"");
}

TEST(StatusMatchers, AFailedAssertionPrintsTheActualStatus) {
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(NotFound("no org cqt_1"), IsOk()),
                          "Actual: not_found: no org cqt_1");
  EXPECT_NONFATAL_FAILURE(
      EXPECT_THAT(Result<int>(5), StatusIs(StatusCode::kNotFound, HasSubstr("org"))),
      "Actual: OK: 5 (of type qt::Result<int>), whose code is ok");
}

TEST(StatusMatchers, GtestPrintsStatusesAndResultsReadably) {
  EXPECT_EQ(::testing::PrintToString(OkStatus()), "OK");
  EXPECT_EQ(::testing::PrintToString(NotFound("no org")), "not_found: no org");
  EXPECT_EQ(::testing::PrintToString(Result<int>(42)), "OK: 42");
  EXPECT_EQ(::testing::PrintToString(Result<std::string>(Conflict("taken"))), "conflict: taken");
}

}  // namespace
}  // namespace qt::testing
