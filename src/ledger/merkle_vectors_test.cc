// The published vectors of testdata/merkle (see its README): every valid case
// verifies, every broken variant is rejected, and the trees we build reproduce
// the published roots, proofs and fold hashes.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <bit>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "ledger/memory_log.h"
#include "ledger/merkle.h"
#include "ledger/testing/reference.h"
#include "ledger/tree.h"
#include "tests/support/status_matchers.h"

namespace qt::ledger {
namespace {

using ::qt::testing::IsOk;

namespace fs = std::filesystem;
using nlohmann::json;

fs::path TestData() { return fs::path(std::getenv("QIANTANG_TESTDATA")) / "merkle"; }

json Load(const fs::path& p) {
  std::ifstream in(p);
  return json::parse(in);
}

Bytes B64(const json& j) {
  if (j.is_null()) return {};
  return *crypto::Base64Decode(j.get<std::string>());
}

Bytes Hex(const json& j) { return *crypto::HexDecode(j.get<std::string>()); }

std::vector<Bytes> Proof(const json& j, Bytes (*decode)(const json&)) {
  std::vector<Bytes> out;
  if (j.is_null()) return out;
  for (const auto& e : j) out.push_back(decode(e));
  return out;
}

std::string HexOf(const Hash& h) { return crypto::HexEncode(h); }

// Runs `verify` on every probe under `dir`: valid ones must pass, broken ones
// must fail. Each folder holds 6 valid probes and 92 broken variants.
void ExpectProbesVerifyExactlyWhenValid(const std::string& dir,
                                        const std::function<Status(const json&)>& verify) {
  int valid = 0, invalid = 0;
  for (const auto& entry : fs::recursive_directory_iterator(TestData() / dir)) {
    if (entry.path().extension() != ".json") continue;
    json c = Load(entry.path());
    Status s = verify(c);
    const bool want_err = c["wantErr"].get<bool>();
    EXPECT_EQ(s.ok(), !want_err) << entry.path() << ": " << c["desc"] << ": " << s.message();
    (want_err ? invalid : valid)++;
  }
  EXPECT_EQ(valid, 6);
  EXPECT_EQ(invalid, 92);
}

TEST(TransparencyDevProbes, InclusionProofsVerifyExactlyWhenValid) {
  ExpectProbesVerifyExactlyWhenValid("transparency-dev/inclusion", [](const json& c) {
    return VerifyInclusion(c["leafIdx"].get<uint64_t>(), c["treeSize"].get<uint64_t>(),
                           B64(c["leafHash"]), Proof(c["proof"], B64), B64(c["root"]));
  });
}

TEST(TransparencyDevProbes, ConsistencyProofsVerifyExactlyWhenValid) {
  ExpectProbesVerifyExactlyWhenValid("transparency-dev/consistency", [](const json& c) {
    return VerifyConsistency(c["size1"].get<uint64_t>(), c["size2"].get<uint64_t>(),
                             Proof(c["proof"], B64), B64(c["root1"]), B64(c["root2"]));
  });
}

TEST(ReferenceTree, EightLeafTreeMatchesPublishedHashesRootsAndProofs) {
  json t = Load(TestData() / "reference_tree.json");
  MemoryLog log;
  std::vector<Hash> roots = {log.Root()};
  for (size_t i = 0; i < t["leafInputsHex"].size(); ++i) {
    Hash leaf = HashLeaf(Hex(t["leafInputsHex"][i]));
    EXPECT_EQ(HexOf(leaf), t["leafHashes"][i]);
    log.AppendLeafHash(leaf);
    roots.push_back(log.Root());
  }
  for (size_t n = 0; n < roots.size(); ++n) {
    EXPECT_EQ(HexOf(roots[n]), t["rootsBySize"][std::to_string(n)]) << n;
    EXPECT_EQ(HexOf(*RootAt(log, n)), t["rootsBySize"][std::to_string(n)]) << n;
  }
  for (size_t level = 0; level < t["nodeHashesByLevel"].size(); ++level) {
    for (size_t i = 0; i < t["nodeHashesByLevel"][level].size(); ++i) {
      NodeId id{static_cast<int>(level), i};
      EXPECT_EQ(HexOf(log.ReadNodes(std::span(&id, 1))->at(0)), t["nodeHashesByLevel"][level][i]);
    }
  }
  for (const auto& p : t["inclusionProofs"]) {
    auto proof = InclusionProof(log, p["leafIndex"], p["treeSize"]);
    ASSERT_THAT(proof, IsOk());
    EXPECT_EQ(ToBytes(*proof), Proof(p["proof"], Hex)) << p.dump();
    EXPECT_THAT(VerifyInclusion(p["leafIndex"], p["treeSize"], Hex(p["leafHash"]), ToBytes(*proof),
                                Hex(p["root"])),
                IsOk());
  }
  for (const auto& p : t["consistencyProofs"]) {
    auto proof = ConsistencyProof(log, p["size1"], p["size2"]);
    ASSERT_THAT(proof, IsOk());
    EXPECT_EQ(ToBytes(*proof), Proof(p["proof"], Hex)) << p.dump();
    EXPECT_THAT(VerifyConsistency(p["size1"], p["size2"], ToBytes(*proof), Hex(p["root1"]),
                                  Hex(p["root2"])),
                IsOk());
  }
  EXPECT_EQ(HexOf(HashLeaf(std::span(reinterpret_cast<const uint8_t*>("hello world"), 11))),
            t["extraLeafVector"]["leafHash_hex"]);
}

// Tree D: 130 one-byte leaves 0x00..0x81 (draft-ietf-plants-merkle-tree-certs).
std::vector<Hash> TreeD() {
  std::vector<Hash> d;
  for (int i = 0; i < 130; ++i) {
    uint8_t b = static_cast<uint8_t>(i);
    d.push_back(HashLeaf(std::span(&b, 1)));
  }
  return d;
}

bool ValidSubtree(uint64_t start, uint64_t end) {
  return start <= end && (start == 0 || start == end || start % std::bit_ceil(end - start) == 0);
}

// A MemoryLog over D[start:end], so the real proof code computes subtree proofs.
MemoryLog SubLog(const std::vector<Hash>& d, uint64_t start, uint64_t end) {
  MemoryLog log;
  for (uint64_t i = start; i < end; ++i) log.AppendLeafHash(d[i]);
  return log;
}

// Calls fn(start, end, log of D[start:end]) for every valid subtree of tree D
// with end <= 130, in the published order (by end, then start).
void ForEachSubtree(const std::vector<Hash>& d,
                    const std::function<void(uint64_t, uint64_t, MemoryLog&)>& fn) {
  for (uint64_t end = 0; end <= 130; ++end) {
    for (uint64_t start = 0; start <= end; ++start) {
      if (!ValidSubtree(start, end)) continue;
      MemoryLog log = SubLog(d, start, end);
      fn(start, end, log);
    }
  }
}

std::string PublishedFold(const json& v, const std::string& name) {
  for (const auto& p : v["published"]) {
    if (p["name"] == name) return p["sha256_of_concatenated_lines"];
  }
  return "";
}

TEST(MerkleTreeCertVectors, SubtreeHashFoldMatches) {
  json v = Load(TestData() / "mtc_fold_vectors.json");
  std::vector<Hash> d = TreeD();
  std::string lines;
  ForEachSubtree(d, [&](uint64_t start, uint64_t end, MemoryLog& log) {
    lines += fmt::format("[{}, {}) {}\n", start, end, HexOf(*RootAt(log, end - start)));
  });
  EXPECT_EQ(crypto::HexEncode(crypto::Sha256(lines)), PublishedFold(v, "subtree hash vector"));
}

TEST(MerkleTreeCertVectors, SubtreeInclusionProofFoldMatches) {
  json v = Load(TestData() / "mtc_fold_vectors.json");
  std::vector<Hash> d = TreeD();
  std::string lines;
  ForEachSubtree(d, [&](uint64_t start, uint64_t end, MemoryLog& log) {
    for (uint64_t index = start; index < end; ++index) {
      lines += fmt::format("{} [{}, {})", index, start, end);
      for (const Hash& h : *InclusionProof(log, index - start, end - start))
        lines += " " + HexOf(h);
      lines += "\n";
    }
  });
  EXPECT_EQ(crypto::HexEncode(crypto::Sha256(lines)),
            PublishedFold(v, "subtree inclusion proof vector"));
}

// The consistency fold includes subtrees that start above 0 (a Merkle Tree
// Certificates extension, computed here with the reference code); those with
// start 0 are plain RFC 9162 proofs, computed with the real code.
std::vector<Hash> SubtreeSubproof(const std::vector<Hash>& d, uint64_t start, uint64_t end,
                                  uint64_t lo, uint64_t hi, bool b) {
  const uint64_t n = hi - lo;
  if (start == 0 && end == n)
    return b ? std::vector<Hash>{} : std::vector<Hash>{reference::Mth(d, lo, hi)};
  const uint64_t k = reference::K(n);
  std::vector<Hash> out;
  if (end <= k) {
    out = SubtreeSubproof(d, start, end, lo, lo + k, b);
    out.push_back(reference::Mth(d, lo + k, hi));
  } else if (start >= k) {
    out = SubtreeSubproof(d, start - k, end - k, lo + k, hi, b);
    out.push_back(reference::Mth(d, lo, lo + k));
  } else {
    out = reference::SubProof(d, end - k, lo + k, hi, false);
    out.push_back(reference::Mth(d, lo, lo + k));
  }
  return out;
}

TEST(MerkleTreeCertVectors, SubtreeConsistencyProofFoldMatches) {
  json v = Load(TestData() / "mtc_fold_vectors.json");
  std::vector<Hash> d = TreeD();
  MemoryLog log;
  for (const Hash& h : d) log.AppendLeafHash(h);
  std::string lines;
  for (uint64_t n = 0; n <= 130; ++n) {
    for (uint64_t end = 0; end <= n; ++end) {
      for (uint64_t start = 0; start <= end; ++start) {
        if (!ValidSubtree(start, end)) continue;
        std::vector<Hash> proof;
        if (start == 0 && end > 0) {
          proof = *ConsistencyProof(log, end, n);
        } else if (start != end) {
          proof = SubtreeSubproof(d, start, end, 0, n, true);
        }
        lines += fmt::format("[{}, {}) {}", start, end, n);
        for (const Hash& h : proof) lines += " " + HexOf(h);
        lines += "\n";
      }
    }
  }
  EXPECT_EQ(crypto::HexEncode(crypto::Sha256(lines)),
            PublishedFold(v, "subtree consistency proof vector"));
}

}  // namespace
}  // namespace qt::ledger
