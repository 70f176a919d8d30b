#include "compute/market/occupancy_tree.h"

#include <gtest/gtest.h>

#include <random>

#include "compute/market/occupancy.h"

namespace qt::compute::market {
namespace {

// The definition, point by point: the cards reservations hold at t.
int64_t ReferenceUsedAt(const std::vector<Reservation>& rs, int64_t t) {
  int64_t used = 0;
  for (const Reservation& r : rs) {
    if (r.start <= t && t < r.end) used += r.cards;
  }
  return used;
}

TEST(OccupancyTree, SkipsGapsTooShortForTheRequest) {
  OccupancyTree o;
  // Full pool with 10-long gaps every 100: a 20-long request fits only after.
  for (int64_t t = 0; t < 1000; t += 100) o.Add({t, t + 90, 8});
  EXPECT_EQ(o.EarliestStart(8, 1, 0, 10, 5000), 90);
  EXPECT_EQ(o.EarliestStart(8, 1, 0, 20, 5000), 990);
  EXPECT_EQ(o.EarliestStart(8, 1, 0, 20, 1000), -1);
  EXPECT_EQ(o.steps(), 20u);
}

TEST(OccupancyTree, RemovingEveryReservationLeavesNothing) {
  OccupancyTree o;
  o.Add({0, 100, 8});
  o.Add({50, 100, 2});
  o.Add({100, 150, 3});
  EXPECT_EQ(o.steps(), 4u);  // 0, 50, 100, 150
  EXPECT_EQ(o.UsedAt(75), 10);
  o.Remove({0, 100, 8});
  EXPECT_EQ(o.UsedAt(75), 2);
  EXPECT_EQ(o.steps(), 3u);  // 0 went; 100 still ends one and starts another
  o.Remove({50, 100, 2});
  o.Remove({100, 150, 3});
  EXPECT_EQ(o.steps(), 0u);
  EXPECT_EQ(o.UsedAt(75), 0);
  // Empty or inverted reservations hold nothing, added or removed.
  o.Add({10, 10, 8});
  o.Add({20, 10, 8});
  EXPECT_EQ(o.steps(), 0u);
  o.Remove({10, 10, 8});
  EXPECT_EQ(o.steps(), 0u);
}

// Random adds and removes, after each of which the tree must answer as
// Occupancy built from scratch over the same reservations, and hold what
// the definition says at every point.
TEST(OccupancyTree, AgreesWithARebuildAfterEveryAddAndRemove) {
  std::mt19937 rng(23);
  for (int trial = 0; trial < 200; ++trial) {
    OccupancyTree tree;
    std::vector<Reservation> held;
    const int ops = 1 + static_cast<int>(rng() % 60);
    for (int op = 0; op < ops; ++op) {
      if (!held.empty() && rng() % 3 == 0) {
        size_t i = rng() % held.size();
        tree.Remove(held[i]);
        held.erase(held.begin() + static_cast<long>(i));
      } else {
        int64_t s = rng() % 100;
        Reservation r{s, s + static_cast<int64_t>(rng() % 40), static_cast<int64_t>(rng() % 8)};
        tree.Add(r);
        held.push_back(r);
      }
      const Occupancy rebuilt(held);
      for (int q = 0; q < 10; ++q) {
        const int64_t capacity = 8 + rng() % 8, cards = rng() % 10, from = rng() % 150,
                      d = rng() % 50;
        const int64_t end = from + d + static_cast<int64_t>(rng() % 120);
        ASSERT_EQ(tree.EarliestStart(capacity, cards, from, d, end),
                  rebuilt.EarliestStart(capacity, cards, from, d, end))
            << "trial " << trial << " op " << op;
        ASSERT_EQ(tree.FitsAt(capacity, cards, from, d), rebuilt.FitsAt(capacity, cards, from, d))
            << "trial " << trial << " op " << op;
      }
      for (int64_t t = -1; t < 150; t += 7) {
        ASSERT_EQ(tree.UsedAt(t), ReferenceUsedAt(held, t)) << "trial " << trial << " t " << t;
      }
    }
    // Built in one go from the survivors, it answers as the one kept current.
    const OccupancyTree bulk(held);
    EXPECT_EQ(bulk.steps(), tree.steps()) << "trial " << trial;
    for (int64_t t = -1; t < 150; t += 3) ASSERT_EQ(bulk.UsedAt(t), tree.UsedAt(t));
    for (const Reservation& r : held) tree.Remove(r);
    EXPECT_EQ(tree.steps(), 0u) << "trial " << trial;
  }
}

TEST(OccupancyTree, StaysShallowOverManyReservations) {
  // 20,000 reservations added in time order (the worst order for an
  // unbalanced tree) are still answered quickly, and removed again.
  OccupancyTree o;
  std::vector<Reservation> rs;
  for (int64_t i = 0; i < 20'000; ++i) rs.push_back({i * 10, i * 10 + 25, 1 + i % 3});
  for (const Reservation& r : rs) o.Add(r);
  EXPECT_EQ(o.steps(), 40'000u);
  // Three reservations (6 cards) overlap in [10k, 10k + 5), two (at most 5)
  // in between: 5 cards for 6 fit only where the last ones end, 4 at once.
  EXPECT_EQ(o.EarliestStart(10, 5, 100, 6, 1'000'000), 199'995);
  EXPECT_EQ(Occupancy(rs).EarliestStart(10, 5, 100, 6, 1'000'000), 199'995);
  EXPECT_EQ(o.EarliestStart(10, 4, 100, 6, 1'000'000), 100);
  for (const Reservation& r : rs) o.Remove(r);
  EXPECT_EQ(o.steps(), 0u);
}

}  // namespace
}  // namespace qt::compute::market
