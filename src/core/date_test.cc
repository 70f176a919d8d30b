#include "core/date.h"

#include <gtest/gtest.h>

namespace qt {
namespace {

TEST(Date, ParsesRealDaysAndWritesThemBack) {
  EXPECT_EQ(Date::Parse("1970-01-01")->days, 0);
  EXPECT_EQ(Date::Parse("2026-12-07")->days, 20'794);
  EXPECT_EQ(Date::Parse("2028-02-29")->ToString(), "2028-02-29");
  EXPECT_EQ(Date::Parse("1969-12-31")->days, -1);
  for (const char* s : {"2026-12-07", "0001-01-01", "9999-12-31", "2000-02-29"}) {
    EXPECT_EQ(Date::Parse(s)->ToString(), s);
  }
}

TEST(Date, RefusesWhatIsNotADay) {
  for (const char* s : {"", "2026-2-07", "2026-02-30", "2027-02-29", "2026-13-01", "2026-00-10",
                        "2026-12-00", "0000-01-01", "20261207", "2026-12-07T00:00:00Z",
                        "2026-12-0x", "+026-12-07", "2026/12/07", "２０２６-12-07"}) {
    EXPECT_FALSE(Date::Parse(s).has_value()) << s;
  }
}

TEST(Date, TheDayOfAMomentIsItsUtcDay) {
  EXPECT_EQ(Date::OfMillis(0), Date{0});
  EXPECT_EQ(Date::OfMillis(86'399'999), Date{0});
  EXPECT_EQ(Date::OfMillis(86'400'000), Date{1});
  EXPECT_EQ(Date::OfMillis(-1), Date{-1});
  EXPECT_EQ(Date::OfMillis(-86'400'000), Date{-1});
  EXPECT_EQ(Date::OfMillis(-86'400'001), Date{-2});
  EXPECT_LT(*Date::Parse("2026-12-07"), *Date::Parse("2026-12-08"));
}

TEST(Month, ParsesWritesAndStepsThroughTheYear) {
  auto m = Month::Parse("2026-12");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->ToString(), "2026-12");
  EXPECT_EQ(m->Next(), (Month{2027, 1}));
  EXPECT_EQ(m->StartMillis(), 1'796'083'200'000);  // 2026-12-01T00:00:00Z
  EXPECT_EQ(m->Next().StartMillis(), 1'798'761'600'000);
  EXPECT_EQ(Month::OfMillis(m->StartMillis()), *m);
  EXPECT_EQ(Month::OfMillis(m->StartMillis() - 1), (Month{2026, 11}));
  EXPECT_LT(*Month::Parse("2026-07"), *m);
  for (const char* s : {"", "2026-13", "2026-00", "2026-1", "2026-12-01", "0000-01", "2026/12"}) {
    EXPECT_FALSE(Month::Parse(s).has_value()) << s;
  }
}

}  // namespace
}  // namespace qt
