#include "compute/allocator.h"

#include <gtest/gtest.h>

#include <random>

#include "compute/configs.h"
#include "compute/job.h"

namespace qt::compute {
namespace {

Cluster TenK() { return LoadCluster("hz-10k", LoadChipCatalog("").value()).value(); }

TEST(Allocator, SmallJobsBestFitAPartlyUsedNode) {
  Cluster c = TenK();
  Allocator a(c);
  auto six = a.Place(6, 1);
  ASSERT_TRUE(six);
  auto two = a.Place(2, 1);
  ASSERT_TRUE(two);
  // The 2-card job fills the node the 6-card job left with 2 free cards.
  EXPECT_EQ(two->parts[0].first, six->parts[0].first);
  EXPECT_EQ(a.node_free(six->parts[0].first), 0);
  EXPECT_EQ(a.free_cards(), 10000 - 8);
}

TEST(Allocator, GangJobTakesWholeNodesUnderOneLeaf) {
  Cluster c = TenK();
  Allocator a(c);
  auto big = a.Place(256, 1);  // 32 nodes: exactly one leaf
  ASSERT_TRUE(big);
  EXPECT_EQ(big->leaves, 1);
  EXPECT_EQ(big->parts.size(), 32u);
  auto job = a.Place(20, 1);  // 2 whole nodes + 4 cards, all in one leaf
  ASSERT_TRUE(job);
  EXPECT_EQ(job->leaves, 1);
  EXPECT_EQ(job->cards(), 20);
  // 1,000 cards need 125 nodes: four leaves of one pod at best.
  auto huge = a.Place(1000, 1);
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->pods, 1);
  EXPECT_EQ(huge->leaves, 4);
}

TEST(Allocator, BestFitLeafKeepsEmptyLeavesForBigJobs) {
  Cluster c = TenK();
  Allocator a(c);
  ASSERT_TRUE(a.Place(8 * 30, 1));  // leaf 0 keeps 2 free nodes
  auto two_nodes = a.Place(16, 1);
  ASSERT_TRUE(two_nodes);
  for (auto [node, cards] : two_nodes->parts) EXPECT_EQ(c.nodes()[node].leaf, 0);
}

TEST(Allocator, FailedPlacementHoldsNothing) {
  Cluster c = LoadCluster("hz-10k", LoadChipCatalog("").value()).value();
  Allocator a(c);
  ASSERT_TRUE(a.Place(9996, 1));
  EXPECT_FALSE(a.Place(5, 1));
  EXPECT_EQ(a.free_cards(), 4);
  EXPECT_FALSE(a.CanPlace(5, 1));
  EXPECT_TRUE(a.CanPlace(4, 1));
}

TEST(Allocator, SpreadsOverPartlyUsedNodesOnlyWhenItMust) {
  Cluster c = Cluster::Homogeneous(32, "A100", LoadChipCatalog("").value()).value();
  Allocator a(c);
  std::vector<Allocation> held;
  for (int i = 0; i < 4; ++i) held.push_back(*a.Place(6, 1));  // 2 free on each node
  auto spread = a.Place(8, 1);
  ASSERT_TRUE(spread);
  EXPECT_EQ(spread->parts.size(), 4u);
  EXPECT_EQ(a.free_cards(), 0);
}

TEST(Allocator, ReacquireRestoresExactlyOrNothing) {
  Cluster c = Cluster::Homogeneous(16, "A100", LoadChipCatalog("").value()).value();
  Allocator a(c);
  Allocation x = *a.Place(8, 1);
  a.Release(x);
  EXPECT_TRUE(a.Reacquire(x));
  EXPECT_EQ(a.free_cards(), 8);
  a.Release(x);
  Allocation y = *a.Place(16, 1);
  EXPECT_FALSE(a.Reacquire(x));
  EXPECT_EQ(a.free_cards(), 0);
  a.Release(y);
  EXPECT_EQ(a.free_cards(), 16);
}

TEST(Allocator, ChipConstraintsSelectPools) {
  ChipCatalog cat = LoadChipCatalog("").value();
  Cluster c = LoadCluster("hz-pool", cat).value();
  Allocator a(c);
  uint64_t huawei = ChipConstraint::Parse("vendor:huawei").value().PoolMask(c);
  auto job = a.Place(64, huawei);
  ASSERT_TRUE(job);
  EXPECT_EQ(cat.at(c.pools()[job->pool].chip).vendor, "huawei");
  uint64_t fast = ChipConstraint::Parse("tflops>=900").value().PoolMask(c);
  auto h800 = a.Place(8, fast);
  ASSERT_TRUE(h800);
  EXPECT_EQ(cat.at(c.pools()[h800->pool].chip).name, "H800");
  // A gang larger than any Huawei pool (1,600 cards) cannot be placed.
  EXPECT_FALSE(a.CanPlace(1700, huawei));
}

// Random place/release sequences against simple invariants: placement
// succeeds exactly when some allowed pool has the cards, allocations never
// overlap, and releasing everything restores the empty cluster.
TEST(Allocator, RandomSequencesKeepInvariants) {
  ChipCatalog cat = LoadChipCatalog("").value();
  Cluster c = LoadCluster("hz-pool", cat).value();
  Allocator a(c);
  std::mt19937 rng(7);
  std::vector<Allocation> live;
  std::vector<int> used(c.nodes().size(), 0);
  const int sizes[] = {1, 2, 4, 8, 12, 16, 64, 256, 1024};
  for (int step = 0; step < 4000; ++step) {
    if (!live.empty() && rng() % 3 == 0) {
      size_t i = rng() % live.size();
      for (auto [n, k] : live[i].parts) used[n] -= k;
      a.Release(live[i]);
      live.erase(live.begin() + static_cast<long>(i));
      continue;
    }
    int cards = sizes[rng() % std::size(sizes)];
    uint64_t mask = rng() % 4 == 0 ? (uint64_t{1} << (rng() % c.pools().size()))
                                   : ~uint64_t{0} >> (64 - c.pools().size());
    bool can = a.CanPlace(cards, mask);
    auto got = a.Place(cards, mask);
    ASSERT_EQ(can, got.has_value()) << "step " << step;
    if (!got) continue;
    ASSERT_EQ(got->cards(), cards);
    ASSERT_TRUE((mask >> got->pool) & 1);
    for (auto [n, k] : got->parts) {
      used[n] += k;
      ASSERT_EQ(c.nodes()[n].pool, got->pool);
      ASSERT_LE(used[n], c.pools()[got->pool].cards_per_node);
      ASSERT_EQ(a.node_free(n), c.pools()[got->pool].cards_per_node - used[n]);
    }
    live.push_back(*got);
  }
  for (const Allocation& x : live) a.Release(x);
  EXPECT_EQ(a.free_cards(), c.total_cards());
}

}  // namespace
}  // namespace qt::compute
