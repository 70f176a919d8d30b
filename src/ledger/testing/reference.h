// A deliberately simple Merkle tree straight from RFC 9162's recursive
// definitions (MTH, PATH, PROOF), for tests to compare the real code against.
// Quadratic and slow on purpose: nothing clever to get wrong.
#ifndef QIANTANG_LEDGER_TESTING_REFERENCE_H_
#define QIANTANG_LEDGER_TESTING_REFERENCE_H_

#include <bit>
#include <vector>

#include "ledger/merkle.h"

namespace qt::ledger::reference {

inline uint64_t K(uint64_t n) { return std::bit_floor(n - 1); }

// MTH(D[lo:hi]) over leaf hashes.
inline Hash Mth(const std::vector<Hash>& d, uint64_t lo, uint64_t hi) {
  if (hi == lo) return EmptyRoot();
  if (hi - lo == 1) return d[lo];
  uint64_t k = K(hi - lo);
  return HashChildren(Mth(d, lo, lo + k), Mth(d, lo + k, hi));
}

// PATH(m, D[lo:hi]).
inline std::vector<Hash> Path(const std::vector<Hash>& d, uint64_t m, uint64_t lo, uint64_t hi) {
  uint64_t n = hi - lo;
  if (n <= 1) return {};
  uint64_t k = K(n);
  std::vector<Hash> out;
  if (m < k) {
    out = Path(d, m, lo, lo + k);
    out.push_back(Mth(d, lo + k, hi));
  } else {
    out = Path(d, m - k, lo + k, hi);
    out.push_back(Mth(d, lo, lo + k));
  }
  return out;
}

// SUBPROOF(m, D[lo:hi], b).
inline std::vector<Hash> SubProof(const std::vector<Hash>& d, uint64_t m, uint64_t lo, uint64_t hi,
                                  bool b) {
  uint64_t n = hi - lo;
  if (m == n) return b ? std::vector<Hash>{} : std::vector<Hash>{Mth(d, lo, hi)};
  uint64_t k = K(n);
  std::vector<Hash> out;
  if (m <= k) {
    out = SubProof(d, m, lo, lo + k, b);
    out.push_back(Mth(d, lo + k, hi));
  } else {
    out = SubProof(d, m - k, lo + k, hi, false);
    out.push_back(Mth(d, lo, lo + k));
  }
  return out;
}

// PROOF(m, D[0:n]).
inline std::vector<Hash> Proof(const std::vector<Hash>& d, uint64_t m, uint64_t n) {
  return m == n ? std::vector<Hash>{} : SubProof(d, m, 0, n, true);
}

}  // namespace qt::ledger::reference

#endif  // QIANTANG_LEDGER_TESTING_REFERENCE_H_
