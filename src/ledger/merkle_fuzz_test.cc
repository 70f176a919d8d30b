// The real log (Frontier + stored perfect nodes + batched proofs) against the
// RFC's recursive definitions, for random sizes, indices and pairs of sizes.
#include <gtest/gtest.h>

#include <random>

#include "ledger/memory_log.h"
#include "ledger/testing/reference.h"
#include "ledger/tree.h"
#include "tests/support/status_matchers.h"

namespace qt::ledger {
namespace {

using ::qt::testing::IsOk;

TEST(MerkleFuzz, RootsAndProofsMatchTheReferenceForRandomSizes) {
  std::mt19937_64 rng(20261126);
  std::vector<Hash> leaves;
  MemoryLog log;
  for (int i = 0; i < 700; ++i) {
    Hash h;
    for (auto& b : h) b = static_cast<uint8_t>(rng());
    leaves.push_back(h);
    log.AppendLeafHash(h);
    ASSERT_EQ(log.Root(), reference::Mth(leaves, 0, leaves.size())) << i;
  }
  for (int trial = 0; trial < 2000; ++trial) {
    uint64_t size = 1 + rng() % leaves.size();
    uint64_t index = rng() % size;
    Hash root = *RootAt(log, size);
    ASSERT_EQ(root, reference::Mth(leaves, 0, size));
    auto path = *InclusionProof(log, index, size);
    ASSERT_EQ(path, reference::Path(leaves, index, 0, size)) << index << "/" << size;
    ASSERT_THAT(VerifyInclusion(index, size, leaves[index], ToBytes(path), root), IsOk());

    uint64_t size1 = 1 + rng() % size;
    auto proof = *ConsistencyProof(log, size1, size);
    ASSERT_EQ(proof, reference::Proof(leaves, size1, size)) << size1 << "->" << size;
    ASSERT_THAT(VerifyConsistency(size1, size, ToBytes(proof), *RootAt(log, size1), root), IsOk());

    // A different leaf, root or size must not verify.
    if (size > 1) {
      ASSERT_FALSE(
          VerifyInclusion(index, size, leaves[(index + 1) % size], ToBytes(path), root).ok());
    }
    if (size1 < size) {
      Hash wrong = root;
      wrong[0] ^= 1;
      ASSERT_FALSE(VerifyConsistency(size1, size, ToBytes(proof), *RootAt(log, size1), wrong).ok());
    }
  }
}

TEST(Frontier, SerialisesAndParsesBack) {
  MemoryLog log;
  Frontier frontier;
  for (uint8_t i = 0; i < 77; ++i) {
    Hash h{};
    h[0] = i;
    log.AppendLeafHash(h);
    frontier.Append(h, [](NodeId, const Hash&) {});
  }
  EXPECT_EQ(frontier.Root(), log.Root());
  auto parsed = Frontier::Parse(77, frontier.Serialize());
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->Root(), log.Root());
  EXPECT_FALSE(Frontier::Parse(79, frontier.Serialize()).ok());  // 5 peaks, not 4
}

}  // namespace
}  // namespace qt::ledger
