// Card allocation on a cluster: topology-aware, all-or-nothing placement.
//
// Rules (docs/compute/scheduler.md):
// - A job fits in one node when it can: the node with the fewest free cards
//   that still fits is chosen (best fit keeps whole nodes for big jobs).
// - A multi-node job takes whole free nodes inside the smallest topology
//   domain that holds it: one leaf switch, else one pod, else the pool; among
//   domains of a level the one with the fewest free cards (best fit). Its
//   remainder goes on the best-fitting node of the leaves already used.
// - Only when no domain has enough whole free nodes does the job spread over
//   partially used nodes (fewest nodes first).
// - Among the pools a job's chips allow: fewest leaves, then fewest pods,
//   then the fastest chip (dense FP16 per card), then the tightest fit.
// - A gang job never spans two pools. Place() either returns the whole
//   allocation or changes nothing: no partial allocation is ever held.
// So a job of c cards can be placed iff some allowed pool has c free cards.
//
// Not thread-safe; the scheduler that owns it serialises calls.
#ifndef QIANTANG_COMPUTE_ALLOCATOR_H_
#define QIANTANG_COMPUTE_ALLOCATOR_H_

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "compute/cluster.h"

namespace qt::compute {

struct Allocation {
  int pool = -1;
  std::vector<std::pair<int, int>> parts;  // (node, cards)
  int leaves = 0;                          // distinct leaf switches spanned
  int pods = 0;                            // distinct pods spanned
  int total = 0;                           // sum of the parts' cards

  int cards() const { return total; }
  bool empty() const { return parts.empty(); }
};

class Allocator {
 public:
  explicit Allocator(const Cluster& cluster);

  // All-or-nothing placement of `cards` cards on a pool in `pool_mask`.
  std::optional<Allocation> Place(int cards, uint64_t pool_mask);
  // Elastic placement: `cards` if they fit, else as many as the allowed pool
  // with the most free cards holds (nullopt when that is zero).
  std::optional<Allocation> PlaceUpTo(int cards, uint64_t pool_mask);
  // Exactly whether Place(cards, pool_mask) would succeed.
  bool CanPlace(int cards, uint64_t pool_mask) const { return MaxPoolFree(pool_mask) >= cards; }

  // Returns the allocation's cards. REQUIRES: it was placed and not released.
  void Release(const Allocation& a);
  // Takes exactly the cards of `a` again if all are still free (used to undo
  // a tentative preemption); returns false and changes nothing otherwise.
  bool Reacquire(const Allocation& a);
  // Takes a node out of placement (none of its cards is free while it is
  // down) or puts it back with all its cards free. REQUIRES: to take it
  // down, no allocation holds cards on it; to bring it up, it is down.
  void SetDown(int node, bool down);
  bool down(int node) const { return down_[static_cast<size_t>(node)]; }

  int MaxPoolFree(uint64_t pool_mask) const;
  int64_t FreeCards(uint64_t pool_mask) const;
  int64_t free_cards() const { return free_total_; }
  int node_free(int node) const { return node_free_[static_cast<size_t>(node)]; }
  const Cluster& cluster() const { return *cluster_; }

 private:
  void SetNodeFree(int node, int free);
  void Take(int node, int cards, Allocation* a);
  std::optional<Allocation> PlaceInPool(int pool, int cards) const;
  void PlanSmall(int pool, int cards, Allocation* a) const;
  bool PlanMulti(int pool, int cards, Allocation* a) const;
  // PlanMulti's steps: the leaves to take `k` whole nodes (and `cards` in
  // all) from, in order: one leaf, else one pod, else the pool (empty if
  // the pool has too few whole nodes); the whole nodes, taken leaf by leaf
  // (false if too few); the remaining `r` cards, best fit first.
  std::vector<int> MultiDomain(int pool_index, int k, int cards) const;
  bool TakeWholeNodes(const std::vector<int>& domain, int k, int cpn, Allocation* a,
                      size_t* used_leaves) const;
  void PlaceRemainder(const std::vector<int>& domain, size_t used_leaves, int r,
                      Allocation* a) const;
  void Commit(Allocation* a);

  const Cluster* cluster_;
  std::vector<int> node_free_;
  std::vector<int> leaf_free_, leaf_whole_;
  std::vector<int> pod_free_, pod_whole_;
  std::vector<int> pool_free_;
  // Per pool, per free count f (1..cards_per_node): the nodes with f free cards.
  std::vector<std::vector<std::vector<int>>> buckets_;
  std::vector<int> bucket_pos_;
  std::vector<bool> down_;
  int64_t free_total_ = 0;
};

}  // namespace qt::compute

#endif  // QIANTANG_COMPUTE_ALLOCATOR_H_
