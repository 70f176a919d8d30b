#include "compute/market/occupancy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "compute/market/occupancy_tree.h"

namespace qt::compute::market {
namespace {

// The definition, checked point by point: simple and slow.
bool ReferenceFits(const std::vector<Reservation>& rs, int64_t capacity, int64_t cards, int64_t t,
                   int64_t d) {
  std::vector<int64_t> points = {t};
  for (const Reservation& r : rs) {
    if (r.start > t && r.start < t + d) points.push_back(r.start);
  }
  for (int64_t p : points) {
    int64_t used = 0;
    for (const Reservation& r : rs) {
      if (r.start <= p && p < r.end) used += r.cards;
    }
    if (used + cards > capacity) return false;
  }
  return true;
}

int64_t ReferenceEarliest(const std::vector<Reservation>& rs, int64_t capacity, int64_t cards,
                          int64_t from, int64_t d, int64_t window_end) {
  std::vector<int64_t> candidates = {from};
  for (const Reservation& r : rs) {
    if (r.end > from) candidates.push_back(r.end);
  }
  std::sort(candidates.begin(), candidates.end());
  for (int64_t t : candidates) {
    if (t + d > window_end) break;
    if (ReferenceFits(rs, capacity, cards, t, d)) return t;
  }
  return -1;
}

// The matcher's two structures answer alike: Occupancy, built per quote, and
// OccupancyTree, kept current per reservation (occupancy_tree_test.cc has the rest).
template <typename T>
class EveryOccupancy : public ::testing::Test {};
using Kinds = ::testing::Types<Occupancy, OccupancyTree>;
TYPED_TEST_SUITE(EveryOccupancy, Kinds);

TYPED_TEST(EveryOccupancy, FindsTheGapAfterReservations) {
  TypeParam o(std::vector<Reservation>{{0, 100, 8}, {100, 200, 4}});
  EXPECT_EQ(o.EarliestStart(8, 8, 0, 50, 1000), 200);
  EXPECT_EQ(o.EarliestStart(8, 4, 0, 150, 1000), 100);
  EXPECT_EQ(o.EarliestStart(8, 4, 0, 150, 200), -1);  // the window is too short
  EXPECT_EQ(o.EarliestStart(8, 9, 0, 1, 1000), -1);   // larger than the pool
  EXPECT_TRUE(o.FitsAt(8, 4, 150, 10));
  EXPECT_FALSE(o.FitsAt(8, 5, 150, 10));
  EXPECT_EQ(TypeParam(std::vector<Reservation>{}).EarliestStart(8, 8, 5, 10, 15), 5);
}

TEST(Occupancy, AgreesWithTheDefinitionOnRandomReservations) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<Reservation> rs;
    int n = static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) {
      int64_t s = rng() % 100;
      rs.push_back(
          {s, s + 1 + static_cast<int64_t>(rng() % 40), 1 + static_cast<int64_t>(rng() % 8)});
    }
    Occupancy o(rs);
    int64_t capacity = 8 + rng() % 8, cards = 1 + rng() % 10, from = rng() % 100,
            d = 1 + rng() % 50;
    int64_t end = from + d + static_cast<int64_t>(rng() % 120);
    ASSERT_EQ(o.EarliestStart(capacity, cards, from, d, end),
              ReferenceEarliest(rs, capacity, cards, from, d, end))
        << "trial " << trial;
    ASSERT_EQ(o.FitsAt(capacity, cards, from, d), ReferenceFits(rs, capacity, cards, from, d))
        << "trial " << trial;
  }
}

}  // namespace
}  // namespace qt::compute::market
