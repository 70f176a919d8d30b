#include "core/ids.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>

namespace qt {
namespace {

// A counter standing in for randomness, so ids are predictable here.
class CountingRandom : public Random {
 public:
  void Fill(std::span<uint8_t> out) override {
    for (auto& b : out) b = static_cast<uint8_t>(n_++);
  }

 private:
  int n_ = 0;
};

TEST(IdGenerator, IdsSortByCreationTime) {
  ManualClock clock(1'700'000'000'000);
  CountingRandom random;
  IdGenerator ids(clock, random);
  std::string a = ids.Next("org");
  clock.Advance(1);
  std::string b = ids.Next("org");
  EXPECT_LT(a, b);
  EXPECT_TRUE(IsValidId(a, "org"));
  EXPECT_EQ(a.size(), 4u + 26u);
}

TEST(IsValidId, RejectsWrongPrefixLengthAndAlphabet) {
  EXPECT_FALSE(IsValidId("usr_01JDX3V6Q0M4X8H2R5T7W9Y1ZA", "org"));
  EXPECT_FALSE(IsValidId("org_01JDX3V6Q0M4X8H2R5T7W9Y1Z", "org"));
  EXPECT_FALSE(IsValidId("org_01JDX3V6Q0M4X8H2R5T7W9Y1ZI", "org"));  // I is not Crockford
  EXPECT_FALSE(IsValidId("org_81JDX3V6Q0M4X8H2R5T7W9Y1ZA", "org"));  // > 128 bits
  EXPECT_TRUE(IsValidId("org_01JDX3V6Q0M4X8H2R5T7W9Y1ZA", "org"));
}

}  // namespace
}  // namespace qt
