#include "compute/market/occupancy_tree.h"

#include <algorithm>
#include <utility>

namespace qt::compute::market {

OccupancyTree::OccupancyTree(const std::vector<Reservation>& reservations) {
  // The steps, as Occupancy builds them, with how many reservations start or
  // end at each.
  std::vector<std::pair<int64_t, int64_t>> events;
  for (const Reservation& r : reservations) {
    if (r.end <= r.start || r.cards == 0) continue;
    events.emplace_back(r.start, r.cards);
    events.emplace_back(r.end, -r.cards);
  }
  std::sort(events.begin(), events.end());
  int64_t used = 0;
  for (size_t i = 0; i < events.size();) {
    const int64_t t = events[i].first;
    int32_t refs = 0;
    for (; i < events.size() && events[i].first == t; ++i, ++refs) used += events[i].second;
    NewNode(t, used, refs);
  }
  // A treap over keys already in order, in one pass: each node is hung below
  // the nearest one to its left of higher priority (a Cartesian tree).
  std::vector<int32_t> spine;
  for (int32_t i = 0; i < static_cast<int32_t>(nodes_.size()); ++i) {
    int32_t last = -1;
    while (!spine.empty() && nodes_[spine.back()].priority < nodes_[i].priority) {
      last = spine.back();
      spine.pop_back();
    }
    nodes_[i].left = last;
    if (!spine.empty()) nodes_[spine.back()].right = i;
    spine.push_back(i);
  }
  if (spine.empty()) return;
  root_ = spine.front();
  // Every child before its parent: a post-order walk, without recursion.
  std::vector<std::pair<int32_t, bool>> walk = {{root_, false}};
  while (!walk.empty()) {
    auto [v, children_done] = walk.back();
    walk.pop_back();
    if (children_done) {
      Pull(v);
      continue;
    }
    walk.emplace_back(v, true);
    if (nodes_[v].left >= 0) walk.emplace_back(nodes_[v].left, false);
    if (nodes_[v].right >= 0) walk.emplace_back(nodes_[v].right, false);
  }
}

int32_t OccupancyTree::NewNode(int64_t key, int64_t used, int32_t refs) {
  seed_ ^= seed_ << 13;
  seed_ ^= seed_ >> 7;
  seed_ ^= seed_ << 17;
  const Node n{key, used, 0, used, used, static_cast<uint32_t>(seed_ >> 32), refs, -1, -1};
  if (!free_.empty()) {
    const int32_t v = free_.back();
    free_.pop_back();
    nodes_[v] = n;
    return v;
  }
  nodes_.push_back(n);
  return static_cast<int32_t>(nodes_.size() - 1);
}

void OccupancyTree::AddToSubtree(int32_t v, int64_t cards) {
  Node& n = nodes_[v];
  n.add += cards;
  n.max += cards;
  n.min += cards;
}

void OccupancyTree::Push(int32_t v) {
  const int64_t add = nodes_[v].add;
  if (add == 0) return;
  nodes_[v].self += add;
  nodes_[v].add = 0;
  if (nodes_[v].left >= 0) AddToSubtree(nodes_[v].left, add);
  if (nodes_[v].right >= 0) AddToSubtree(nodes_[v].right, add);
}

void OccupancyTree::Pull(int32_t v) {
  Node& n = nodes_[v];
  int64_t hi = n.self, lo = n.self;
  for (int32_t c : {n.left, n.right}) {
    if (c < 0) continue;
    hi = std::max(hi, nodes_[c].max);
    lo = std::min(lo, nodes_[c].min);
  }
  n.max = n.add + hi;
  n.min = n.add + lo;
}

std::pair<int32_t, int32_t> OccupancyTree::Split(int32_t v, int64_t key) {
  if (v < 0) return {-1, -1};
  Push(v);
  if (nodes_[v].key < key) {
    auto [lo, hi] = Split(nodes_[v].right, key);
    nodes_[v].right = lo;
    Pull(v);
    return {v, hi};
  }
  auto [lo, hi] = Split(nodes_[v].left, key);
  nodes_[v].left = hi;
  Pull(v);
  return {lo, v};
}

int32_t OccupancyTree::Merge(int32_t a, int32_t b) {
  if (a < 0) return b;
  if (b < 0) return a;
  if (nodes_[a].priority > nodes_[b].priority) {
    Push(a);
    nodes_[a].right = Merge(nodes_[a].right, b);
    Pull(a);
    return a;
  }
  Push(b);
  nodes_[b].left = Merge(a, nodes_[b].left);
  Pull(b);
  return b;
}

int32_t OccupancyTree::Find(int64_t key) const {
  int32_t v = root_;
  while (v >= 0 && nodes_[v].key != key) v = key < nodes_[v].key ? nodes_[v].left : nodes_[v].right;
  return v;
}

int64_t OccupancyTree::UsedAt(int64_t t) const {
  int64_t used = 0, acc = 0;
  for (int32_t v = root_; v >= 0;) {
    const Node& n = nodes_[v];
    acc += n.add;
    if (n.key <= t) {
      used = acc + n.self;
      v = n.right;
    } else {
      v = n.left;
    }
  }
  return used;
}

void OccupancyTree::Hold(int64_t key) {
  if (int32_t v = Find(key); v >= 0) {
    ++nodes_[v].refs;
    return;
  }
  // A new step, holding what the one it splits held.
  const int32_t n = NewNode(key, UsedAt(key), 1);
  auto [lo, hi] = Split(root_, key);
  root_ = Merge(Merge(lo, n), hi);
}

void OccupancyTree::Release(int64_t key) {
  const int32_t v = Find(key);
  if (v < 0 || --nodes_[v].refs > 0) return;
  // Nothing starts or ends here any more: the step holds what the one before
  // it holds, and goes.
  auto [lo, rest] = Split(root_, key);
  auto [single, hi] = Split(rest, key + 1);
  free_.push_back(single);
  root_ = Merge(lo, hi);
}

void OccupancyTree::AddRange(int64_t from, int64_t to, int64_t cards) {
  auto [lo, rest] = Split(root_, from);
  auto [mid, hi] = Split(rest, to);
  if (mid >= 0) AddToSubtree(mid, cards);
  root_ = Merge(lo, Merge(mid, hi));
}

void OccupancyTree::Add(const Reservation& r) {
  if (r.end <= r.start || r.cards == 0) return;
  Hold(r.start);
  Hold(r.end);
  AddRange(r.start, r.end, r.cards);
}

void OccupancyTree::Remove(const Reservation& r) {
  if (r.end <= r.start || r.cards == 0) return;
  AddRange(r.start, r.end, -r.cards);
  Release(r.start);
  Release(r.end);
}

std::optional<int64_t> OccupancyTree::FirstAfter(int64_t after, int64_t limit, bool above) const {
  return FirstAfter(root_, 0, after, limit, above);
}

// `acc`: the pending additions of v's ancestors. Only the path towards
// `after` and one subtree wholly after it that holds the answer are walked:
// O(depth).
std::optional<int64_t> OccupancyTree::FirstAfter(int32_t v, int64_t acc, int64_t after,
                                                 int64_t limit, bool above) const {
  if (v < 0) return std::nullopt;
  const Node& n = nodes_[v];
  if (above ? acc + n.max <= limit : acc + n.min > limit) return std::nullopt;
  const int64_t below = acc + n.add;  // the children's ancestors' additions
  if (n.key <= after) return FirstAfter(n.right, below, after, limit, above);
  if (auto left = FirstAfter(n.left, below, after, limit, above)) return left;
  const int64_t used = below + n.self;
  if (above ? used > limit : used <= limit) return n.key;
  return FirstAfter(n.right, below, after, limit, above);
}

int64_t OccupancyTree::EarliestStart(int64_t capacity, int64_t cards, int64_t from,
                                     int64_t duration, int64_t window_end) const {
  const int64_t limit = capacity - cards;  // most the others may hold
  if (limit < 0 || from + duration > window_end) return -1;
  for (int64_t t = from;;) {
    if (t + duration > window_end) return -1;
    // The first step of [t, t + duration) holding more than the limit...
    std::optional<int64_t> blocked;
    if (UsedAt(t) > limit) {
      blocked = t;
    } else if (auto b = FirstAfter(t, limit, true); b && *b < t + duration) {
      blocked = b;
    }
    if (!blocked) return t;
    // ... and no start before the next step at or below it can fit.
    std::optional<int64_t> next = FirstAfter(*blocked, limit, false);
    if (!next) return -1;
    t = *next;
  }
}

}  // namespace qt::compute::market
