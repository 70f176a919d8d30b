// Merkle tree hashing and proof verification exactly as RFC 9162 section 2.1
// (the tree of Certificate Transparency 2.0): SHA-256, leaf hash
// SHA-256(0x00 || data), interior node SHA-256(0x01 || left || right), and the
// root of the empty tree SHA-256("").
//
// The verifiers take byte strings as they arrive from outside (a proof from a
// server, a file), so a hash of the wrong length is an error and not silently
// truncated. Their edge cases follow transparency-dev/merkle, whose published
// probes pass (testdata/merkle):
//   - inclusion: index < size, a 32-byte leaf hash and proof elements;
//   - consistency: size1 > 0 always; size1 == size2 needs an empty proof and
//     identical roots; size1 < size2 needs a non-empty proof.
//
// Thread-safety: pure functions.
#ifndef QIANTANG_LEDGER_MERKLE_H_
#define QIANTANG_LEDGER_MERKLE_H_

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace qt::ledger {

using Hash = std::array<uint8_t, 32>;
using Bytes = std::vector<uint8_t>;

Hash HashLeaf(std::span<const uint8_t> data);
// The leaf hash of text bytes (a journal event).
inline Hash HashLeaf(std::string_view data) {
  return HashLeaf(std::span(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}
Hash HashChildren(const Hash& left, const Hash& right);
Hash EmptyRoot();

// RFC 9162 2.1.3.2: is `leaf_hash` the leaf at `index` of the tree of `size`
// leaves whose root is `root`? OK, or kInvalidArgument saying why not.
Status VerifyInclusion(uint64_t index, uint64_t size, std::span<const uint8_t> leaf_hash,
                       const std::vector<Bytes>& proof, std::span<const uint8_t> root);

// RFC 9162 2.1.4.2: is the tree of size2 with root2 an append-only extension
// of the tree of size1 with root1?
Status VerifyConsistency(uint64_t size1, uint64_t size2, const std::vector<Bytes>& proof,
                         std::span<const uint8_t> root1, std::span<const uint8_t> root2);

// Hashes as byte strings, for the verifiers.
std::vector<Bytes> ToBytes(const std::vector<Hash>& hashes);

}  // namespace qt::ledger

#endif  // QIANTANG_LEDGER_MERKLE_H_
