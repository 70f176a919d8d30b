// Proofs and roots of a log whose perfect subtrees are stored.
//
// A log of n leaves stores, for every level l >= 0, the hash of each complete
// ("perfect") subtree of 2^l leaves: NodeId{l, i} covers leaves
// [i * 2^l, (i + 1) * 2^l). Level 0 holds the leaf hashes. Every hash that
// RFC 9162's proofs need is either such a node or the hash of a range ending at
// the tree size, which is combined from at most log2(n) of them. So a proof or
// a root costs O(log n) node reads, fetched in one batch.
//
// Frontier is the other half: the right edge of the tree (one perfect subtree
// per set bit of n), which is all an append needs to produce the new nodes.
//
// Thread-safety: functions are pure given a NodeReader; Frontier is a value.
#ifndef QIANTANG_LEDGER_TREE_H_
#define QIANTANG_LEDGER_TREE_H_

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/status.h"
#include "ledger/merkle.h"

namespace qt::ledger {

struct NodeId {
  int level;
  uint64_t index;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
  auto operator<=>(const NodeId&) const = default;
};

// Reads stored perfect-subtree hashes.
class NodeReader {
 public:
  virtual ~NodeReader() = default;
  // The hashes of `ids`, in order. kNotFound if one is not stored.
  virtual Result<std::vector<Hash>> ReadNodes(std::span<const NodeId> ids) = 0;
};

// The root of the first `size` leaves. REQUIRES: the log has at least `size`.
Result<Hash> RootAt(NodeReader& nodes, uint64_t size);
// RFC 9162 2.1.3.1 PATH(index, D[0:size]). REQUIRES: index < size.
Result<std::vector<Hash>> InclusionProof(NodeReader& nodes, uint64_t index, uint64_t size);
// RFC 9162 2.1.4.1 PROOF(size1, D[0:size2]). REQUIRES: 0 < size1 <= size2.
Result<std::vector<Hash>> ConsistencyProof(NodeReader& nodes, uint64_t size1, uint64_t size2);

// The right edge of a tree: what appending needs.
class Frontier {
 public:
  Frontier() = default;

  uint64_t size() const { return size_; }

  // Appends a leaf; `emit` receives every perfect node it completes, the leaf
  // itself (level 0) first, then each new parent up the carry chain.
  void Append(const Hash& leaf_hash, const std::function<void(NodeId, const Hash&)>& emit);
  // The tree head for size().
  Hash Root() const;

  // The peaks, largest subtree first, 32 bytes each.
  Bytes Serialize() const;
  // kInternal if `bytes` does not hold one hash per set bit of `size`.
  static Result<Frontier> Parse(uint64_t size, std::span<const uint8_t> bytes);

 private:
  uint64_t size_ = 0;
  std::vector<Hash> peaks_;  // one per set bit of size_, from the highest bit down
};

}  // namespace qt::ledger

#endif  // QIANTANG_LEDGER_TREE_H_
