#include "ledger/merkle.h"

#include <openssl/sha.h>

#include <algorithm>
#include <string>

namespace qt::ledger {
namespace {

Hash HashNode(std::span<const uint8_t> left, std::span<const uint8_t> right) {
  uint8_t buf[1 + 64];
  buf[0] = 0x01;
  std::copy(left.begin(), left.end(), buf + 1);
  std::copy(right.begin(), right.end(), buf + 33);
  Hash h;
  SHA256(buf, sizeof buf, h.data());
  return h;
}

bool Equal(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// RFC 9162's "right-shift fn and sn equally until LSB(fn) is set or fn is 0".
void ShiftUntilOddOrZero(uint64_t& fn, uint64_t& sn) {
  while (!(fn & 1) && fn != 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

Status CheckElements(const std::vector<Bytes>& proof) {
  for (size_t i = 0; i < proof.size(); ++i) {
    if (proof[i].size() != 32) {
      return InvalidArgument("proof element " + std::to_string(i) + " is " +
                             std::to_string(proof[i].size()) + " bytes, not 32");
    }
  }
  return OkStatus();
}

}  // namespace

Hash HashLeaf(std::span<const uint8_t> data) {
  Hash h;
  uint8_t small[1024];
  if (data.size() < sizeof small) {
    small[0] = 0x00;
    std::copy(data.begin(), data.end(), small + 1);
    SHA256(small, data.size() + 1, h.data());
  } else {
    std::vector<uint8_t> buf(data.size() + 1, 0x00);
    std::copy(data.begin(), data.end(), buf.begin() + 1);
    SHA256(buf.data(), buf.size(), h.data());
  }
  return h;
}

Hash HashChildren(const Hash& left, const Hash& right) { return HashNode(left, right); }

Hash EmptyRoot() {
  Hash h;
  SHA256(nullptr, 0, h.data());
  return h;
}

Status VerifyInclusion(uint64_t index, uint64_t size, std::span<const uint8_t> leaf_hash,
                       const std::vector<Bytes>& proof, std::span<const uint8_t> root) {
  if (index >= size) {
    return InvalidArgument("index " + std::to_string(index) + " is not below the tree size " +
                           std::to_string(size));
  }
  if (leaf_hash.size() != 32) return InvalidArgument("the leaf hash is not 32 bytes");
  QT_RETURN_IF_ERROR(CheckElements(proof));
  uint64_t fn = index, sn = size - 1;
  Hash r;
  std::copy(leaf_hash.begin(), leaf_hash.end(), r.begin());
  for (const Bytes& p : proof) {
    if (sn == 0) return InvalidArgument("the proof is too long");
    if ((fn & 1) || fn == sn) {
      r = HashNode(p, r);
      ShiftUntilOddOrZero(fn, sn);
    } else {
      r = HashNode(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return InvalidArgument("the proof is too short");
  if (!Equal(r, root)) return InvalidArgument("the proof does not lead to the root");
  return OkStatus();
}

Status VerifyConsistency(uint64_t size1, uint64_t size2, const std::vector<Bytes>& proof,
                         std::span<const uint8_t> root1, std::span<const uint8_t> root2) {
  if (size1 == 0) return InvalidArgument("size1 must be at least 1");
  if (size1 > size2) return InvalidArgument("size1 is larger than size2");
  if (size1 == size2) {
    if (!proof.empty()) return InvalidArgument("trees of equal size need an empty proof");
    if (!Equal(root1, root2)) return InvalidArgument("trees of equal size have different roots");
    return OkStatus();
  }
  if (proof.empty()) return InvalidArgument("the proof is empty");
  QT_RETURN_IF_ERROR(CheckElements(proof));

  std::vector<Bytes> path;
  if ((size1 & (size1 - 1)) == 0) path.emplace_back(root1.begin(), root1.end());
  path.insert(path.end(), proof.begin(), proof.end());
  if (path[0].size() != 32) return InvalidArgument("root1 is not 32 bytes");

  uint64_t fn = size1 - 1, sn = size2 - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr, sr;
  std::copy(path[0].begin(), path[0].end(), fr.begin());
  sr = fr;
  for (size_t i = 1; i < path.size(); ++i) {
    const Bytes& c = path[i];
    if (sn == 0) return InvalidArgument("the proof is too long");
    if ((fn & 1) || fn == sn) {
      fr = HashNode(c, fr);
      sr = HashNode(c, sr);
      ShiftUntilOddOrZero(fn, sn);
    } else {
      sr = HashNode(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return InvalidArgument("the proof is too short");
  if (!Equal(fr, root1)) return InvalidArgument("the proof does not lead to root1");
  if (!Equal(sr, root2)) return InvalidArgument("the proof does not lead to root2");
  return OkStatus();
}

std::vector<Bytes> ToBytes(const std::vector<Hash>& hashes) {
  std::vector<Bytes> out;
  out.reserve(hashes.size());
  for (const Hash& h : hashes) out.emplace_back(h.begin(), h.end());
  return out;
}

}  // namespace qt::ledger
