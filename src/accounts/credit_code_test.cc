#include "accounts/credit_code.h"

#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace qt::accounts {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

// Codes published by the companies themselves on their business licences.
TEST(CreditCode, AcceptsPublishedCodes) {
  for (const char* code : {"91330100716105852F",     // Alibaba (China) Co., Ltd.
                           "9144030071526726XG",     // Shenzhen Tencent Computer Systems
                           "914403001922038216"}) {  // Huawei Technologies Co., Ltd.
    EXPECT_THAT(ValidateCreditCode(code), IsOk())
        << code << ": " << ValidateCreditCode(code).message();
  }
}

TEST(CreditCode, RejectsAWrongCheckCharacterAndSaysWhich) {
  Status s = ValidateCreditCode("91330100716105852G");
  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_NE(s.message().find("expected 'F'"), std::string::npos) << s.message();
}

TEST(CreditCode, RejectsBadLengthAndCharacters) {
  EXPECT_FALSE(ValidateCreditCode("").ok());
  EXPECT_FALSE(ValidateCreditCode("91330100716105852").ok());
  EXPECT_FALSE(ValidateCreditCode("91330100716105852FF").ok());
  EXPECT_FALSE(ValidateCreditCode("9133010071610585IF").ok());  // I is not in the set
  EXPECT_FALSE(ValidateCreditCode("913301007161058s2F").ok());  // lower case
  EXPECT_FALSE(ValidateCreditCode("91A30100716105852F").ok());  // division not numeric
}

TEST(CreditCode, CheckCharacterCompletesAnyPrefix) {
  std::string prefix = "91330106MA2H0000";
  for (char c : std::string("0123456789ABCDEFGHJKLMNPQRTUWXY")) {
    std::string first17 = prefix + c;
    EXPECT_THAT(ValidateCreditCode(first17 + CreditCodeCheckCharacter(first17)), IsOk());
  }
}

}  // namespace
}  // namespace qt::accounts
