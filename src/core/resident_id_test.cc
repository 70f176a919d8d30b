#include "core/resident_id.h"

#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace qt {
namespace {

using ::qt::testing::IsOk;

TEST(ResidentId, TheStandardsExampleAndChecksums) {
  // GB 11643-1999's own example.
  EXPECT_THAT(ValidateResidentId("11010519491231002X"), IsOk());
  EXPECT_THAT(ValidateResidentId("11010519491231002x"), IsOk());
  EXPECT_EQ(ResidentIdCheckCharacter("11010519491231002"), 'X');
  EXPECT_EQ(ResidentIdCheckCharacter("33010619900307451"), '7');
  EXPECT_THAT(ValidateResidentId("330106199003074517"), IsOk());
  EXPECT_NE(ValidateResidentId("330106199003074518").message().find("expected 7"),
            std::string::npos);
  EXPECT_FALSE(ValidateResidentId("110105194912310").ok());     // 15-digit old form
  EXPECT_FALSE(ValidateResidentId("11010519491331002X").ok());  // month 13
  EXPECT_FALSE(ValidateResidentId("11010519490229002X").ok());  // 1949 not a leap year
  EXPECT_FALSE(ValidateResidentId("1101051949123100AX").ok());
  EXPECT_EQ(ResidentBirthDate("330106199003074517"), "1990-03-07");
}

}  // namespace
}  // namespace qt
