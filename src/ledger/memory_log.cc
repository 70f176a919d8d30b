#include "ledger/memory_log.h"

namespace qt::ledger {

void MemoryLog::AppendLeafHash(const Hash& leaf_hash) {
  frontier_.Append(leaf_hash, [this](NodeId id, const Hash& h) {
    if (levels_.size() <= static_cast<size_t>(id.level)) levels_.resize(id.level + 1);
    levels_[id.level].push_back(h);  // nodes of a level complete in index order
  });
}

Result<std::vector<Hash>> MemoryLog::ReadNodes(std::span<const NodeId> ids) {
  std::vector<Hash> out;
  out.reserve(ids.size());
  for (NodeId id : ids) {
    if (static_cast<size_t>(id.level) >= levels_.size() || id.index >= levels_[id.level].size()) {
      return NotFound("no node at level " + std::to_string(id.level) + " index " +
                      std::to_string(id.index));
    }
    out.push_back(levels_[id.level][id.index]);
  }
  return out;
}

}  // namespace qt::ledger
