#include "api/json_body.h"

#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace qt::api {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

std::string ErrorOf(const Status& s) { return s.message(); }

TEST(JsonBody, RejectsMalformedJsonAndNonObjects) {
  EXPECT_EQ(JsonBody::Parse("{").status().message(), "request body is not valid JSON");
  EXPECT_EQ(JsonBody::Parse("[1]").status().message(), "request body must be a JSON object");
  EXPECT_THAT(JsonBody::Parse(""), StatusIs(StatusCode::kInvalidArgument));
}

TEST(JsonBody, NamesTheFieldInEveryError) {
  auto b = *JsonBody::Parse(R"({"name": 5, "big": 1e3, "n": 99, "kind": "x", "long": "abcdef"})");
  EXPECT_EQ(ErrorOf(b.String("name", 10).status()), "name: must be a string, got an integer");
  EXPECT_EQ(ErrorOf(b.String("missing", 10).status()), "missing: is required");
  EXPECT_EQ(ErrorOf(b.OptionalInt("big", 0, 0, 10).status()),
            "big: must be an integer, got a number");
  EXPECT_EQ(ErrorOf(b.OptionalInt("n", 0, 0, 10).status()), "n: must be between 0 and 10");
  EXPECT_EQ(ErrorOf(b.Enum("kind", {"a", "b"}).status()), "kind: 'x' is not one of a, b");
  EXPECT_EQ(ErrorOf(b.String("long", 3).status()), "long: is 6 bytes long, at most 3 allowed");
}

TEST(JsonBody, RejectsUnknownFieldsAndHugeNumbers) {
  auto b = *JsonBody::Parse(R"({"name": "a", "nmae": "b", "n": 18446744073709551615})");
  EXPECT_EQ(*b.String("name", 10), "a");
  EXPECT_FALSE(b.OptionalInt("n", 0, 0, 100).ok());
  EXPECT_EQ(ErrorOf(b.Finish()), "nmae: unknown field");
}

TEST(JsonBody, RejectsDuplicateKeysAtAnyDepth) {
  EXPECT_EQ(JsonBody::Parse(R"({"role": "viewer", "role": "admin"})").status().message(),
            "request body holds the key 'role' twice");
  EXPECT_FALSE(JsonBody::Parse(R"({"a": {"x": 1, "x": 2}})").ok());
  EXPECT_FALSE(JsonBody::Parse(R"({"a": [{"x": 1}, {"y": 1, "y": 2}]})").ok());
  // The same key in sibling or nested objects is fine.
  EXPECT_THAT(JsonBody::Parse(R"({"x": {"x": 1}, "a": [{"x": 1}, {"x": 2}]})"), IsOk());
}

TEST(JsonBody, OptionalFieldsFallBackWhenAbsentOrNull) {
  auto b = *JsonBody::Parse(R"({"label": null})");
  EXPECT_EQ(*b.OptionalString("label", 10, "default"), "default");
  EXPECT_EQ(*b.OptionalInt("ttl", 7, 0, 10), 7);
  EXPECT_THAT(b.Finish(), IsOk());
}

TEST(JsonBody, DatesAreRealDaysWrittenYyyyMmDd) {
  auto b = *JsonBody::Parse(
      R"({"from": "2026-02-28", "bad": "2026-02-29", "long": "2026-02-280", "num": 20260228})");
  EXPECT_EQ(b.Date("from")->ToString(), "2026-02-28");
  EXPECT_THAT(b.Date("bad"),
              StatusIs(StatusCode::kInvalidArgument, "bad: must be a day written YYYY-MM-DD"));
  EXPECT_THAT(b.Date("long"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(b.Date("num"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(b.Date("absent"), StatusIs(StatusCode::kInvalidArgument, "absent: is required"));
}

}  // namespace
}  // namespace qt::api
