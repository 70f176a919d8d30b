#include "core/status.h"

#include <gtest/gtest.h>

namespace qt {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("x: must be even");
  return x / 2;
}

Result<int> Quarter(int x) {
  QT_ASSIGN_OR_RETURN(int h, Half(x));
  QT_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(Status, OkByDefaultAndNamesItsCode) {
  EXPECT_TRUE(Status().ok());
  Status s = NotFound("no such organisation");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "not_found: no such organisation");
  EXPECT_EQ(s.WithContext("org_1").message(), "org_1: no such organisation");
  EXPECT_EQ(ParseStatusCode("not_found"), StatusCode::kNotFound);
  EXPECT_EQ(ParseStatusCode(StatusCodeName(StatusCode::kUnavailable)), StatusCode::kUnavailable);
  EXPECT_EQ(ParseStatusCode("ok"), std::nullopt);
  EXPECT_EQ(ParseStatusCode("teapot"), std::nullopt);
}

TEST(Result, PropagatesTheFirstFailure) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace qt
