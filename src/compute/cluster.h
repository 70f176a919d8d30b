// Cluster topology: pools of identical nodes (one chip kind, one provider),
// nodes grouped under leaf switches, leaves grouped into pods under spines.
// Placement prefers fewer leaves, then fewer pods; a gang job never spans
// two pools (two pools are two clusters, possibly two providers).
//
// A cluster file (configs/clusters/*.toml):
//   name = "hz-10k"
//   [[pool]]
//   name = "hz-10k-h800"   provider = "..."   region = "hangzhou"
//   chip = "H800"          nodes = 1250       cards_per_node = 8
//   cpu_cores_per_node = 128   memory_gib_per_node = 2048
//   nodes_per_leaf = 32    leaves_per_pod = 8
//
// Immutable after loading; safe to share between threads.
#ifndef QIANTANG_COMPUTE_CLUSTER_H_
#define QIANTANG_COMPUTE_CLUSTER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "compute/chip.h"
#include "core/status.h"

namespace qt::compute {

// The shape of a pool of identical nodes: how many, what each holds, and
// how they hang under leaf switches and pods. Shared by the scheduler's
// pools and the pools providers register on the market.
struct PoolShape {
  int nodes = 0;
  int cards_per_node = 0;
  int cpu_cores_per_node = 0;
  int memory_gib_per_node = 0;
  int nodes_per_leaf = 0;
  int leaves_per_pod = 0;

  int64_t cards() const { return int64_t{nodes} * cards_per_node; }
};

struct Pool : PoolShape {
  std::string name;
  std::string provider;
  std::string region;
  int chip = 0;  // index into the catalog
  // Global index ranges of this pool's nodes, leaves and pods.
  int first_node = 0, first_leaf = 0, leaf_count = 0, first_pod = 0, pod_count = 0;
};

struct Node {
  int pool = 0;
  int leaf = 0;  // global leaf index
  int pod = 0;   // global pod index
};

// Thread-safety: immutable once built; safe for concurrent reads.
class Cluster {
 public:
  static constexpr int kMaxPools = 64;

  // Parses TOML text against `catalog`; `origin` names the source in errors.
  static Result<Cluster> Parse(std::string_view toml, std::string_view origin,
                               const ChipCatalog& catalog);
  static Result<Cluster> Load(const std::string& path, const ChipCatalog& catalog);
  // `cards` cards of `chip` in 8-card nodes, 32 nodes per leaf, 8 leaves per
  // pod. REQUIRES nothing; invalid_argument unless cards is a positive
  // multiple of 8 and the chip is in the catalog.
  static Result<Cluster> Homogeneous(int64_t cards, std::string_view chip,
                                     const ChipCatalog& catalog);
  // A cluster of `pools` (shapes, names and chip indexes into `catalog` set;
  // the index ranges are computed). invalid_argument for an empty list, a
  // chip not in the catalog, a shape field that is not positive, a
  // duplicate pool name, or too many pools or nodes.
  static Result<Cluster> FromPools(std::string name, const ChipCatalog& catalog,
                                   std::vector<Pool> pools);

  const std::string& name() const { return name_; }
  const ChipCatalog& catalog() const { return catalog_; }
  const std::vector<Pool>& pools() const { return pools_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  int leaf_count() const { return leaf_count_; }
  int pod_count() const { return pod_count_; }
  int64_t total_cards() const { return total_cards_; }
  // Sum of the cards' dense FP16 TFLOPS.
  int64_t total_tflops() const;
  // Node index range [first, last) of leaf `leaf`.
  std::pair<int, int> LeafNodes(int leaf) const {
    return leaf_nodes_.at(static_cast<size_t>(leaf));
  }
  // The pool owning leaf / pod `i`.
  int LeafPool(int leaf) const { return nodes_[static_cast<size_t>(LeafNodes(leaf).first)].pool; }
  // Leaf index range [first, last) of pod `pod`.
  std::pair<int, int> PodLeaves(int pod) const { return pod_leaves_.at(static_cast<size_t>(pod)); }

 private:
  Status AddPool(Pool pool);

  std::string name_;
  ChipCatalog catalog_;
  std::vector<Pool> pools_;
  std::vector<Node> nodes_;
  std::vector<std::pair<int, int>> leaf_nodes_;
  std::vector<std::pair<int, int>> pod_leaves_;
  int leaf_count_ = 0;
  int pod_count_ = 0;
  int64_t total_cards_ = 0;
};

}  // namespace qt::compute

#endif  // QIANTANG_COMPUTE_CLUSTER_H_
