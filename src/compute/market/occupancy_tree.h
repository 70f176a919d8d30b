// OccupancyTree: how many cards one pool's reservations hold over time, kept
// current reservation by reservation: the matcher's in-memory view of a pool
// (market.h), where Occupancy (occupancy.h) is built from scratch.
//
// The step function is a treap keyed by the times at which a reservation
// starts or ends: each node holds the cards held from its time to the next
// one, and its subtree's largest and smallest count, with a pending addition
// for the whole subtree (a reservation adds its cards to every step in
// [start, end) by splitting the range off, marking it and merging it back).
// With S steps (at most two per reservation):
//   - Add and Remove cost O(log S) expected;
//   - FitsAt costs O(log S): one descent for the first step in the interval
//     above the limit;
//   - EarliestStart costs O((k + 1) log S), where k is the number of gaps too
//     short for the request that it skips (each skip is two descents: to the
//     next step above the limit and from there to the next one at or below);
//     Occupancy's sweep reads every step of the window instead;
//   - building from R reservations costs O(R log R) (a sort, then a linear
//     build of the tree); memory is about 64 bytes per step.
// Answers are those of Occupancy over the same reservations
// (occupancy_tree_test.cc checks both against the definition).
//
// Thread-safety: const methods may run concurrently; Add and Remove need
// exclusive access (the Market holds its lock).
//
// Example:
//   OccupancyTree pool;
//   pool.Add({0, 100, 8});
//   pool.EarliestStart(8, 8, 0, 50, 1000);  // 100
//   pool.Remove({0, 100, 8});
//   pool.EarliestStart(8, 8, 0, 50, 1000);  // 0
#ifndef QIANTANG_COMPUTE_MARKET_OCCUPANCY_TREE_H_
#define QIANTANG_COMPUTE_MARKET_OCCUPANCY_TREE_H_

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "compute/market/occupancy.h"

namespace qt::compute::market {

class OccupancyTree {
 public:
  OccupancyTree() = default;
  explicit OccupancyTree(const std::vector<Reservation>& reservations);

  // A reservation with end <= start or no cards holds nothing and is ignored
  // by both.
  // REQUIRES: end < INT64_MAX.
  void Add(const Reservation& r);
  // REQUIRES: `r` was added (the same start, end and cards) and not removed
  // since.
  void Remove(const Reservation& r);

  // As Occupancy::EarliestStart: the earliest t >= from with t + duration <=
  // window_end such that `cards` more fit throughout [t, t + duration) on a
  // pool of `capacity` cards; -1 if there is none.
  int64_t EarliestStart(int64_t capacity, int64_t cards, int64_t from, int64_t duration,
                        int64_t window_end) const;
  bool FitsAt(int64_t capacity, int64_t cards, int64_t t, int64_t duration) const {
    return EarliestStart(capacity, cards, t, duration, t + duration) == t;
  }

  // The cards held at time t.
  int64_t UsedAt(int64_t t) const;
  // The number of steps (distinct start and end times held).
  size_t steps() const { return nodes_.size() - free_.size(); }

 private:
  struct Node {
    int64_t key;   // the step's start
    int64_t self;  // its cards, less the pending additions of it and its ancestors
    int64_t add;   // pending for the whole subtree, this node included
    int64_t max;   // of the subtree, with `add` and the subtree's own pending additions
    int64_t min;   //   (but not the ancestors')
    uint32_t priority;
    int32_t refs;  // reservations starting or ending at `key`
    int32_t left, right;
  };

  int32_t NewNode(int64_t key, int64_t used, int32_t refs);
  void Push(int32_t v);
  void Pull(int32_t v);
  void AddToSubtree(int32_t v, int64_t cards);
  // Splits `v` into the keys < key and the keys >= key.
  std::pair<int32_t, int32_t> Split(int32_t v, int64_t key);
  int32_t Merge(int32_t a, int32_t b);
  int32_t Find(int64_t key) const;
  void Hold(int64_t key);     // a reservation starts or ends at `key`
  void Release(int64_t key);  // ... no longer
  void AddRange(int64_t from, int64_t to, int64_t cards);
  // The first key > after whose step holds more than `limit` cards (or at
  // most `limit` when `above` is false), if any.
  std::optional<int64_t> FirstAfter(int64_t after, int64_t limit, bool above) const;
  std::optional<int64_t> FirstAfter(int32_t v, int64_t acc, int64_t after, int64_t limit,
                                    bool above) const;

  std::vector<Node> nodes_;
  std::vector<int32_t> free_;
  int32_t root_ = -1;
  uint64_t seed_ = 0x9E3779B97F4A7C15ULL;  // priorities (xorshift); balance only
};

}  // namespace qt::compute::market

#endif  // QIANTANG_COMPUTE_MARKET_OCCUPANCY_TREE_H_
