#include "compute/allocator.h"

#include <algorithm>
#include <cassert>
#include <tuple>

namespace qt::compute {
namespace {

void CountSpan(const Cluster& cluster, Allocation* a) {
  std::vector<int> leaves, pods;
  for (auto [node, cards] : a->parts) {
    leaves.push_back(cluster.nodes()[static_cast<size_t>(node)].leaf);
    pods.push_back(cluster.nodes()[static_cast<size_t>(node)].pod);
  }
  std::sort(leaves.begin(), leaves.end());
  std::sort(pods.begin(), pods.end());
  a->leaves = static_cast<int>(std::unique(leaves.begin(), leaves.end()) - leaves.begin());
  a->pods = static_cast<int>(std::unique(pods.begin(), pods.end()) - pods.begin());
  a->total = 0;
  for (const auto& p : a->parts) a->total += p.second;
}

}  // namespace

Allocator::Allocator(const Cluster& cluster)
    : cluster_(&cluster),
      node_free_(cluster.nodes().size(), 0),
      leaf_free_(static_cast<size_t>(cluster.leaf_count()), 0),
      leaf_whole_(static_cast<size_t>(cluster.leaf_count()), 0),
      pod_free_(static_cast<size_t>(cluster.pod_count()), 0),
      pod_whole_(static_cast<size_t>(cluster.pod_count()), 0),
      pool_free_(cluster.pools().size(), 0),
      buckets_(cluster.pools().size()),
      bucket_pos_(cluster.nodes().size(), -1),
      down_(cluster.nodes().size(), false) {
  for (size_t p = 0; p < cluster.pools().size(); ++p) {
    buckets_[p].resize(static_cast<size_t>(cluster.pools()[p].cards_per_node) + 1);
  }
  for (size_t n = 0; n < cluster.nodes().size(); ++n) {
    const Pool& pool = cluster.pools()[static_cast<size_t>(cluster.nodes()[n].pool)];
    SetNodeFree(static_cast<int>(n), pool.cards_per_node);
  }
}

void Allocator::SetNodeFree(int node, int free) {
  const Node& n = cluster_->nodes()[static_cast<size_t>(node)];
  const int cpn = cluster_->pools()[static_cast<size_t>(n.pool)].cards_per_node;
  int old = node_free_[static_cast<size_t>(node)];
  int delta = free - old;
  int whole_delta = (free == cpn) - (old == cpn);
  leaf_free_[static_cast<size_t>(n.leaf)] += delta;
  pod_free_[static_cast<size_t>(n.pod)] += delta;
  pool_free_[static_cast<size_t>(n.pool)] += delta;
  leaf_whole_[static_cast<size_t>(n.leaf)] += whole_delta;
  pod_whole_[static_cast<size_t>(n.pod)] += whole_delta;
  free_total_ += delta;
  auto& buckets = buckets_[static_cast<size_t>(n.pool)];
  if (old > 0) {  // swap-remove from its old bucket
    auto& b = buckets[static_cast<size_t>(old)];
    int pos = bucket_pos_[static_cast<size_t>(node)];
    b[static_cast<size_t>(pos)] = b.back();
    bucket_pos_[static_cast<size_t>(b.back())] = pos;
    b.pop_back();
  }
  if (free > 0) {
    auto& b = buckets[static_cast<size_t>(free)];
    bucket_pos_[static_cast<size_t>(node)] = static_cast<int>(b.size());
    b.push_back(node);
  }
  node_free_[static_cast<size_t>(node)] = free;
}

int Allocator::MaxPoolFree(uint64_t mask) const {
  int best = 0;
  for (size_t p = 0; p < pool_free_.size(); ++p) {
    if ((mask >> p) & 1) best = std::max(best, pool_free_[p]);
  }
  return best;
}

int64_t Allocator::FreeCards(uint64_t mask) const {
  int64_t sum = 0;
  for (size_t p = 0; p < pool_free_.size(); ++p) {
    if ((mask >> p) & 1) sum += pool_free_[p];
  }
  return sum;
}

void Allocator::PlanSmall(int pool, int cards, Allocation* a) const {
  const auto& buckets = buckets_[static_cast<size_t>(pool)];
  for (size_t f = static_cast<size_t>(cards); f < buckets.size(); ++f) {
    if (!buckets[f].empty()) {
      a->parts.emplace_back(buckets[f].back(), cards);
      return;
    }
  }
}

bool Allocator::PlanMulti(int pool_index, int cards, Allocation* a) const {
  const int cpn = cluster_->pools()[static_cast<size_t>(pool_index)].cards_per_node;
  const int k = cards / cpn;
  const int r = cards % cpn;
  const std::vector<int> domain = MultiDomain(pool_index, k, cards);
  size_t used_leaves = 0;
  if (domain.empty() || !TakeWholeNodes(domain, k, cpn, a, &used_leaves)) return false;
  if (r > 0) PlaceRemainder(domain, used_leaves, r, a);
  return true;
}

std::vector<int> Allocator::MultiDomain(int pool_index, int k, int cards) const {
  const Pool& pool = cluster_->pools()[static_cast<size_t>(pool_index)];
  std::vector<int> domain;  // leaves, in the order whole nodes are taken from them
  // One leaf switch, best fit.
  int best = -1;
  for (int l = pool.first_leaf; l < pool.first_leaf + pool.leaf_count; ++l) {
    if (leaf_whole_[static_cast<size_t>(l)] >= k && leaf_free_[static_cast<size_t>(l)] >= cards &&
        (best < 0 || leaf_free_[static_cast<size_t>(l)] < leaf_free_[static_cast<size_t>(best)])) {
      best = l;
    }
  }
  if (best >= 0) return {best};
  auto by_whole = [&](int x, int y) {
    return std::tie(leaf_whole_[static_cast<size_t>(y)], x) <
           std::tie(leaf_whole_[static_cast<size_t>(x)], y);
  };
  // One pod, best fit; else the whole pool, fullest pods and leaves first.
  int best_pod = -1;
  int pool_whole = 0;
  for (int d = pool.first_pod; d < pool.first_pod + pool.pod_count; ++d) {
    pool_whole += pod_whole_[static_cast<size_t>(d)];
    if (pod_whole_[static_cast<size_t>(d)] >= k && pod_free_[static_cast<size_t>(d)] >= cards &&
        (best_pod < 0 ||
         pod_free_[static_cast<size_t>(d)] < pod_free_[static_cast<size_t>(best_pod)])) {
      best_pod = d;
    }
  }
  if (best_pod >= 0) {
    auto [first, last] = cluster_->PodLeaves(best_pod);
    for (int l = first; l < last; ++l) domain.push_back(l);
    std::sort(domain.begin(), domain.end(), by_whole);
    return domain;
  }
  if (pool_whole < k) return {};
  std::vector<int> pods;
  for (int d = pool.first_pod; d < pool.first_pod + pool.pod_count; ++d) pods.push_back(d);
  std::sort(pods.begin(), pods.end(), [&](int x, int y) {
    return std::tie(pod_whole_[static_cast<size_t>(y)], x) <
           std::tie(pod_whole_[static_cast<size_t>(x)], y);
  });
  for (int d : pods) {
    auto [first, last] = cluster_->PodLeaves(d);
    size_t start = domain.size();
    for (int l = first; l < last; ++l) domain.push_back(l);
    std::sort(domain.begin() + static_cast<long>(start), domain.end(), by_whole);
  }
  return domain;
}

bool Allocator::TakeWholeNodes(const std::vector<int>& domain, int k, int cpn, Allocation* a,
                               size_t* used_leaves) const {
  int need = k;
  for (int l : domain) {
    if (need == 0) break;
    auto [first, last] = cluster_->LeafNodes(l);
    bool used = false;
    for (int n = first; n < last && need > 0; ++n) {
      if (node_free_[static_cast<size_t>(n)] == cpn) {
        a->parts.emplace_back(n, cpn);
        --need;
        used = true;
      }
    }
    if (used) ++*used_leaves;
  }
  if (need > 0) a->parts.clear();
  return need == 0;
}

void Allocator::PlaceRemainder(const std::vector<int>& domain, size_t used_leaves, int r,
                               Allocation* a) const {
  // The best-fitting node in the leaves used, else in the domain, else spread.
  auto is_taken = [&](int n) {
    for (const auto& p : a->parts) {
      if (p.first == n) return true;
    }
    return false;
  };
  for (size_t scope : {used_leaves, domain.size()}) {
    int best_node = -1;
    for (size_t i = 0; i < scope; ++i) {
      auto [first, last] = cluster_->LeafNodes(domain[i]);
      for (int n = first; n < last; ++n) {
        int f = node_free_[static_cast<size_t>(n)];
        if (f >= r && !is_taken(n) &&
            (best_node < 0 || f < node_free_[static_cast<size_t>(best_node)])) {
          best_node = n;
        }
      }
    }
    if (best_node >= 0) {
      a->parts.emplace_back(best_node, r);
      return;
    }
  }
  std::vector<int> partial;
  for (int l : domain) {
    auto [first, last] = cluster_->LeafNodes(l);
    for (int n = first; n < last; ++n) {
      if (node_free_[static_cast<size_t>(n)] > 0 && !is_taken(n)) partial.push_back(n);
    }
  }
  std::stable_sort(partial.begin(), partial.end(), [&](int x, int y) {
    return node_free_[static_cast<size_t>(x)] > node_free_[static_cast<size_t>(y)];
  });
  int left = r;
  for (int n : partial) {
    if (left == 0) break;
    int take = std::min(left, node_free_[static_cast<size_t>(n)]);
    a->parts.emplace_back(n, take);
    left -= take;
  }
  assert(left == 0);
}

std::optional<Allocation> Allocator::PlaceInPool(int pool, int cards) const {
  if (pool_free_[static_cast<size_t>(pool)] < cards) return std::nullopt;
  Allocation a;
  a.pool = pool;
  const int cpn = cluster_->pools()[static_cast<size_t>(pool)].cards_per_node;
  if (cards <= cpn) {
    PlanSmall(pool, cards, &a);
  } else {
    PlanMulti(pool, cards, &a);
  }
  if (a.parts.empty()) {
    // Spread over the nodes with the most free cards.
    const auto& buckets = buckets_[static_cast<size_t>(pool)];
    int left = cards;
    for (size_t f = buckets.size() - 1; f >= 1 && left > 0; --f) {
      for (int n : buckets[f]) {
        if (left == 0) break;
        int take = std::min(left, static_cast<int>(f));
        a.parts.emplace_back(n, take);
        left -= take;
      }
    }
    assert(left == 0);
  }
  CountSpan(*cluster_, &a);
  return a;
}

std::optional<Allocation> Allocator::Place(int cards, uint64_t mask) {
  if (cards <= 0) return std::nullopt;
  std::optional<Allocation> best;
  std::tuple<int, int, int64_t, int, int> best_rank;
  for (size_t p = 0; p < pool_free_.size(); ++p) {
    if (!((mask >> p) & 1) || pool_free_[p] < cards) continue;
    std::optional<Allocation> a = PlaceInPool(static_cast<int>(p), cards);
    if (!a) continue;
    // Fewest leaves, fewest pods, fastest chip, tightest node fit, tightest pool fit.
    int node_slack =
        node_free_[static_cast<size_t>(a->parts.back().first)] - a->parts.back().second;
    int64_t tflops = cluster_->catalog().at(cluster_->pools()[p].chip).fp16_tflops;
    std::tuple<int, int, int64_t, int, int> rank{a->leaves, a->pods, -tflops, node_slack,
                                                 pool_free_[p]};
    if (!best || rank < best_rank) {
      best = std::move(a);
      best_rank = rank;
    }
  }
  if (best) Commit(&*best);
  return best;
}

std::optional<Allocation> Allocator::PlaceUpTo(int cards, uint64_t mask) {
  if (CanPlace(cards, mask)) return Place(cards, mask);
  int most = MaxPoolFree(mask);
  if (most == 0) return std::nullopt;
  return Place(most, mask);
}

void Allocator::Commit(Allocation* a) {
  for (auto [node, cards] : a->parts) {
    SetNodeFree(node, node_free_[static_cast<size_t>(node)] - cards);
  }
}

void Allocator::Release(const Allocation& a) {
  for (auto [node, cards] : a.parts) {
    assert(node_free_[static_cast<size_t>(node)] + cards <=
           cluster_->pools()[static_cast<size_t>(a.pool)].cards_per_node);
    SetNodeFree(node, node_free_[static_cast<size_t>(node)] + cards);
  }
}

void Allocator::SetDown(int node, bool down) {
  const Node& n = cluster_->nodes()[static_cast<size_t>(node)];
  const int cpn = cluster_->pools()[static_cast<size_t>(n.pool)].cards_per_node;
  assert(down_[static_cast<size_t>(node)] != down);
  assert(!down || node_free_[static_cast<size_t>(node)] == cpn);
  SetNodeFree(node, down ? 0 : cpn);
  down_[static_cast<size_t>(node)] = down;
}

bool Allocator::Reacquire(const Allocation& a) {
  for (auto [node, cards] : a.parts) {
    if (node_free_[static_cast<size_t>(node)] < cards) return false;
  }
  for (auto [node, cards] : a.parts) {
    SetNodeFree(node, node_free_[static_cast<size_t>(node)] - cards);
  }
  return true;
}

}  // namespace qt::compute
