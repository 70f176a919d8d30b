// MemoryLog: a Merkle log held in memory, every perfect node kept per level.
// The reference for tests and benchmarks of the stored log; the same
// Frontier and proof code run over it.
//
// Thread-safety: not thread-safe.
#ifndef QIANTANG_LEDGER_MEMORY_LOG_H_
#define QIANTANG_LEDGER_MEMORY_LOG_H_

#include <vector>

#include "ledger/tree.h"

namespace qt::ledger {

class MemoryLog final : public NodeReader {
 public:
  void AppendLeafHash(const Hash& leaf_hash);
  uint64_t size() const { return frontier_.size(); }
  Hash Root() const { return frontier_.Root(); }
  Result<std::vector<Hash>> ReadNodes(std::span<const NodeId> ids) override;

 private:
  Frontier frontier_;
  std::vector<std::vector<Hash>> levels_;
};

}  // namespace qt::ledger

#endif  // QIANTANG_LEDGER_MEMORY_LOG_H_
