#include "compute/cluster.h"

#include <gtest/gtest.h>

#include <set>

#include "compute/configs.h"
#include "tests/support/status_matchers.h"

namespace qt::compute {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

ChipCatalog Catalog() { return LoadChipCatalog("").value(); }

TEST(Cluster, TenThousandCardClusterHasItsTopology) {
  auto c = LoadCluster("hz-10k", Catalog());
  ASSERT_THAT(c, IsOk()) << c.status().message();
  EXPECT_EQ(c->total_cards(), 10000);
  EXPECT_EQ(c->nodes().size(), 1250u);
  EXPECT_EQ(c->leaf_count(), 40);  // 39 full leaves of 32 nodes and one of 2
  EXPECT_EQ(c->pod_count(), 5);
  EXPECT_EQ(c->LeafNodes(39), std::make_pair(1248, 1250));
  EXPECT_EQ(c->total_tflops(), 9'890'000);  // 9,890 P
}

TEST(Cluster, CityPoolMixesSevenChipKinds) {
  auto c = LoadCluster("hz-pool", Catalog());
  ASSERT_THAT(c, IsOk()) << c.status().message();
  EXPECT_EQ(c->pools().size(), 18u);
  std::set<int> chips;
  for (const Pool& p : c->pools()) chips.insert(p.chip);
  EXPECT_EQ(chips.size(), 7u);
  double partners_p = ToPflops(c->total_tflops()) - 9890;
  EXPECT_GT(partners_p, 4000);  // "4000P more from 17 partners"
  EXPECT_LT(partners_p, 4100);
  // Pods never span pools.
  for (int d = 0; d < c->pod_count(); ++d) {
    auto [first, last] = c->PodLeaves(d);
    EXPECT_EQ(c->LeafPool(first), c->LeafPool(last - 1));
  }
}

TEST(Cluster, GovernmentCloudHasEightyThousandDomesticCoresAndOverAThousandCards) {
  const ChipCatalog catalog = Catalog();
  auto c = LoadCluster("hz-xinchuang", catalog);
  ASSERT_THAT(c, IsOk()) << c.status().message();
  int64_t cores = 0, cards = 0;
  for (const Pool& p : c->pools()) {
    const Chip& chip = catalog.at(p.chip);
    EXPECT_TRUE(chip.domestic) << chip.name;
    (chip.cpu() ? cores : cards) += p.cards();
  }
  EXPECT_EQ(cores, 80'000);  // "国产通算8万核"
  EXPECT_GT(cards, 1'000);   // "国产智算超千卡"
  // A pool of cores may have more units a node than any card pool.
  EXPECT_THAT(Cluster::Parse(R"(
name = "x"
[[pool]]
name = "gpu"
chip = "A100"
nodes = 1
cards_per_node = 128
cpu_cores_per_node = 1
memory_gib_per_node = 1
nodes_per_leaf = 1
leaves_per_pod = 1
)",
                             "x.toml", catalog),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(Cluster, RejectsBadFiles) {
  ChipCatalog cat = Catalog();
  auto unknown = Cluster::Parse(R"(name = "x"
[[pool]]
name = "p"
chip = "B200"
nodes = 1
cards_per_node = 8
cpu_cores_per_node = 1
memory_gib_per_node = 1
nodes_per_leaf = 1
leaves_per_pod = 1
)",
                                "c.toml", cat);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(), "c.toml: pool 1: chip \"B200\" is not in the chip catalog");
  auto zero = Cluster::Parse(R"(name = "x"
[[pool]]
name = "p"
chip = "A100"
nodes = 0
)",
                             "c.toml", cat);
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.status().message(), "c.toml: pool 1: nodes must be between 1 and 1000000");
  EXPECT_FALSE(Cluster::Parse("[[pool]]\n", "c.toml", cat).ok());
  EXPECT_THAT(LoadCluster("no-such-cluster", cat), StatusIs(StatusCode::kNotFound));
  EXPECT_FALSE(Cluster::Homogeneous(12, "A100", cat).ok());
  EXPECT_FALSE(Cluster::Homogeneous(16, "Z", cat).ok());
  EXPECT_THAT(Cluster::Homogeneous(16, "A100", cat), IsOk());
}

}  // namespace
}  // namespace qt::compute
