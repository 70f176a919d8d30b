// Journal: appends events to the ledger inside the caller's transaction, so a
// state change and its event commit together or not at all.
//
// Storage (tables of module "ledger"): ledger_entries(seq, event) holds each
// leaf's bytes; ledger_nodes(level, idx, hash) every perfect subtree (level 0
// are leaf hashes); ledger_head(size, frontier) the tree's right edge. An
// append writes the entry, the one to log2(n) nodes it completes, and the head:
// O(1) amortised rows, no reads but the head.
//
// Thread-safety: safe for concurrent use; appends serialise on the head row
// (the store's write transactions).
//
// Example:
//   store.Write([&](store::Tx& tx) -> Status {
//     ... change module tables ...
//     return journal.Append(tx, {caller.org_id, "org.created", org.id, payload}).status();
//   });
#ifndef QIANTANG_LEDGER_JOURNAL_H_
#define QIANTANG_LEDGER_JOURNAL_H_

#include <span>
#include <vector>

#include "core/clock.h"
#include "ledger/event.h"
#include "ledger/tree.h"
#include "store/store.h"

namespace qt::ledger {

class Journal {
 public:
  explicit Journal(const Clock& clock) : clock_(clock) {}

  // The schema of the ledger, for store::Migrate.
  static std::vector<store::Migration> Migrations();

  // Appends one event; returns its sequence number (its leaf index).
  Result<uint64_t> Append(store::Tx& tx, const NewEvent& event);
  // Appends several events in order; returns the first one's sequence number.
  Result<uint64_t> AppendAll(store::Tx& tx, std::span<const NewEvent> events);

 private:
  const Clock& clock_;
};

// Reads stored nodes through a transaction, in one query per batch.
class TxNodeReader final : public NodeReader {
 public:
  explicit TxNodeReader(store::Tx& tx) : tx_(tx) {}
  Result<std::vector<Hash>> ReadNodes(std::span<const NodeId> ids) override;

 private:
  store::Tx& tx_;
};

struct Head {
  uint64_t size = 0;
  Frontier frontier;
};
// The stored head (size 0 on an empty ledger).
Result<Head> ReadHead(store::Tx& tx);

}  // namespace qt::ledger

#endif  // QIANTANG_LEDGER_JOURNAL_H_
