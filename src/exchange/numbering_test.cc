#include "exchange/numbering.h"

#include <gtest/gtest.h>

#include "exchange/certificate.h"
#include "tests/support/status_matchers.h"

namespace qt::exchange {
namespace {

using ::qt::testing::IsOk;

TEST(Numbering, FormatsTheRegistrysSequence) {
  ASSERT_THAT(ValidateNumberFormat(kDefaultNumberFormat), IsOk());
  EXPECT_EQ(FormatNumber(kDefaultNumberFormat, 2026, 1), "HZ-DR-2026-00001");
  EXPECT_EQ(FormatNumber(kDefaultNumberFormat, 2026, 123456), "HZ-DR-2026-123456");
  EXPECT_EQ(FormatNumber("SJ{seq:08}", 2026, 42), "SJ00000042");
  EXPECT_EQ(FormatNumber("N-{seq}", 2026, 7), "N-7");
  for (const char* bad :
       {"HZ-{year}", "{seq}{seq}", "hz-{seq}", "X-{seq:013}", "X-{seqq}", "X-{seq", "X {seq}"}) {
    EXPECT_FALSE(ValidateNumberFormat(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace qt::exchange
