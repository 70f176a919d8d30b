#include "ledger/tree.h"

#include <bit>
#include <map>

namespace qt::ledger {
namespace {

// Largest power of two strictly less than n. REQUIRES: n > 1.
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

// Computes hashes of ranges from perfect nodes. Run twice: first to record
// which nodes are needed (with placeholder hashes), then with the fetched ones.
class RangeHasher {
 public:
  explicit RangeHasher(const std::map<NodeId, Hash>* known) : known_(known) {}

  // MTH(D[lo:hi]). Ranges in RFC 9162's recursions are either perfect and
  // aligned, or end at the tree size with an aligned start; both decompose
  // into aligned perfect subtrees, largest first.
  Hash Range(uint64_t lo, uint64_t hi) {
    const uint64_t n = hi - lo;
    if (std::has_single_bit(n)) {
      const int level = std::countr_zero(n);
      return Node({level, lo >> level});
    }
    const uint64_t k = SplitPoint(n);
    return HashChildren(Range(lo, lo + k), Range(lo + k, hi));
  }

  // RFC 9162 PATH(m, D[lo:hi]).
  void Path(uint64_t m, uint64_t lo, uint64_t hi, std::vector<Hash>& out) {
    const uint64_t n = hi - lo;
    if (n <= 1) return;
    const uint64_t k = SplitPoint(n);
    if (m < k) {
      Path(m, lo, lo + k, out);
      out.push_back(Range(lo + k, hi));
    } else {
      Path(m - k, lo + k, hi, out);
      out.push_back(Range(lo, lo + k));
    }
  }

  // RFC 9162 SUBPROOF(m, D[lo:hi], b).
  void SubProof(uint64_t m, uint64_t lo, uint64_t hi, bool b, std::vector<Hash>& out) {
    const uint64_t n = hi - lo;
    if (m == n) {
      if (!b) out.push_back(Range(lo, hi));
      return;
    }
    const uint64_t k = SplitPoint(n);
    if (m <= k) {
      SubProof(m, lo, lo + k, b, out);
      out.push_back(Range(lo + k, hi));
    } else {
      SubProof(m - k, lo + k, hi, false, out);
      out.push_back(Range(lo, lo + k));
    }
  }

  const std::vector<NodeId>& wanted() const { return wanted_; }

 private:
  Hash Node(NodeId id) {
    if (known_ == nullptr) {
      wanted_.push_back(id);
      return Hash{};
    }
    return known_->at(id);
  }

  const std::map<NodeId, Hash>* known_;
  std::vector<NodeId> wanted_;
};

// Runs `compute` once to learn the nodes it reads, fetches them in one batch,
// and runs it again with them.
template <typename T, typename F>
Result<T> WithNodes(NodeReader& nodes, F compute) {
  RangeHasher recorder(nullptr);
  compute(recorder);
  std::vector<NodeId> ids = recorder.wanted();
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  QT_ASSIGN_OR_RETURN(std::vector<Hash> hashes, nodes.ReadNodes(ids));
  std::map<NodeId, Hash> known;
  for (size_t i = 0; i < ids.size(); ++i) known.emplace(ids[i], hashes[i]);
  RangeHasher hasher(&known);
  return compute(hasher);
}

}  // namespace

Result<Hash> RootAt(NodeReader& nodes, uint64_t size) {
  if (size == 0) return EmptyRoot();
  return WithNodes<Hash>(nodes, [&](RangeHasher& h) { return h.Range(0, size); });
}

Result<std::vector<Hash>> InclusionProof(NodeReader& nodes, uint64_t index, uint64_t size) {
  if (index >= size) return InvalidArgument("index must be below size");
  return WithNodes<std::vector<Hash>>(nodes, [&](RangeHasher& h) {
    std::vector<Hash> out;
    h.Path(index, 0, size, out);
    return out;
  });
}

Result<std::vector<Hash>> ConsistencyProof(NodeReader& nodes, uint64_t size1, uint64_t size2) {
  if (size1 == 0 || size1 > size2) return InvalidArgument("need 0 < size1 <= size2");
  return WithNodes<std::vector<Hash>>(nodes, [&](RangeHasher& h) {
    std::vector<Hash> out;
    if (size1 < size2) h.SubProof(size1, 0, size2, true, out);
    return out;
  });
}

void Frontier::Append(const Hash& leaf_hash, const std::function<void(NodeId, const Hash&)>& emit) {
  Hash h = leaf_hash;
  uint64_t index = size_;
  int level = 0;
  emit({0, index}, h);
  // Each trailing 1 bit of the old size is a peak that the new leaf completes.
  while (index & 1) {
    h = HashChildren(peaks_.back(), h);
    peaks_.pop_back();
    index >>= 1;
    ++level;
    emit({level, index}, h);
  }
  peaks_.push_back(h);
  ++size_;
}

Hash Frontier::Root() const {
  if (peaks_.empty()) return EmptyRoot();
  Hash h = peaks_.back();
  for (size_t i = peaks_.size() - 1; i-- > 0;) h = HashChildren(peaks_[i], h);
  return h;
}

Bytes Frontier::Serialize() const {
  Bytes out;
  out.reserve(peaks_.size() * 32);
  for (const Hash& p : peaks_) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Result<Frontier> Frontier::Parse(uint64_t size, std::span<const uint8_t> bytes) {
  if (bytes.size() != static_cast<size_t>(std::popcount(size)) * 32) {
    return Internal("the stored frontier does not match the tree size " + std::to_string(size));
  }
  Frontier f;
  f.size_ = size;
  for (size_t i = 0; i < bytes.size(); i += 32) {
    Hash h;
    std::copy(bytes.begin() + i, bytes.begin() + i + 32, h.begin());
    f.peaks_.push_back(h);
  }
  return f;
}

}  // namespace qt::ledger
