#include "core/clock.h"

#include <gtest/gtest.h>

namespace qt {
namespace {

TEST(Rfc3339, RoundTripsFormattedTimes) {
  for (UnixMillis t : {UnixMillis{0}, UnixMillis{1'790'000'000'123}, UnixMillis{951'782'400'000}}) {
    EXPECT_EQ(ParseRfc3339(FormatRfc3339(t)), t) << FormatRfc3339(t);
  }
  EXPECT_EQ(ParseRfc3339("2026-12-01T08:00:00Z"), UnixMillis{1'796'112'000'000});
  EXPECT_EQ(ParseRfc3339("2026-12-01T08:00:00.5Z"), UnixMillis{1'796'112'000'500});
}

TEST(Rfc3339, RejectsOtherForms) {
  for (const char* bad :
       {"", "2026-12-01", "2026-12-01 08:00:00Z", "2026-12-01T08:00:00",
        "2026-12-01T08:00:00+08:00", "2026-13-01T08:00:00Z", "2026-12-01T08:00:00.Z",
        "2026-12-01T24:00:00Z", "2026-12-01T08:00:00Zjunk"}) {
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace qt
