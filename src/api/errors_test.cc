#include "api/errors.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace qt::api {
namespace {

TEST(ErrorsTest, TheFieldIsTheMessagesLeadingNameWhenItHasOne) {
  EXPECT_EQ(FieldOf("name: must not be empty"), "name");
  EXPECT_EQ(FieldOf("pools[0].chip: unknown chip \"X\""), "pools[0].chip");
  EXPECT_EQ(FieldOf("prices.H800: must be between 1 and 10"), "prices.H800");
  EXPECT_EQ(FieldOf("resident_id: bad check character"), "resident_id");
  for (const char* none :
       {"no organisation org_1", "row 2: resident_id: bad", "Name: x", "pools[: x", "pools[]: x",
        "pools[1: x", ": x", "a-b: x", "rule:12: expected a number"}) {
    EXPECT_EQ(FieldOf(none), "") << none;
  }
}

TEST(ErrorsTest, TheBodyCarriesCodeFieldAndMessage) {
  auto body = nlohmann::json::parse(ErrorBody(InvalidArgument("cards: must be at least 1")));
  EXPECT_EQ(body, (nlohmann::json{{"error",
                                   {{"code", "invalid_argument"},
                                    {"field", "cards"},
                                    {"message", "cards: must be at least 1"}}}}));
  body = nlohmann::json::parse(ErrorBody(NotFound("no quote cqt_1")));
  EXPECT_FALSE(body["error"].contains("field"));
  EXPECT_EQ(HttpStatusOf(StatusCode::kNotFound), 404);
}

}  // namespace
}  // namespace qt::api
