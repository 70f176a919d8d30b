// Ledger: the read side of the journal, signed checkpoints, and the audit.
//
// Checkpoints are C2SP tlog-checkpoint notes signed by the operator's Ed25519
// key (key name = origin). Publish() signs the current head if it has grown
// since the last checkpoint; CheckpointPublisher calls it on an interval.
// Every proof is computed from stored nodes in O(log n) reads; a leaf hash
// served is always recomputed from the stored event bytes, so a tampered event
// no longer verifies against a checkpoint signed before the tampering.
//
// Thread-safety: safe for concurrent use.
#ifndef QIANTANG_LEDGER_LEDGER_H_
#define QIANTANG_LEDGER_LEDGER_H_

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/periodic.h"
#include "crypto/ed25519.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "store/store.h"

namespace qt::ledger {

struct LedgerOptions {
  std::string origin = "hangzhou.qiantang/ledger";  // checkpoint origin and key name
  const Clock* clock = nullptr;                     // required
  crypto::PublicKey key{};                          // the operator's public key
  SignFn sign;                                      // signs as the operator
};

struct Entry {
  uint64_t index;
  Hash leaf_hash;
  std::string event;  // canonical JSON: the leaf's bytes
};

struct StoredCheckpoint {
  Checkpoint checkpoint;
  UnixMillis published_at;
  std::string note;  // the signed note text
};

struct EventProof {
  Entry entry;
  StoredCheckpoint checkpoint;
  std::vector<Hash> proof;  // inclusion of entry in checkpoint
};

// The first place where the stored log and its recomputation disagree.
struct AuditFinding {
  uint64_t index;  // the leaf index at which the log goes wrong
  std::string what;
};
struct AuditReport {
  uint64_t size = 0;
  uint64_t checkpoints_checked = 0;
  std::optional<AuditFinding> finding;  // empty: everything matches
};

class Ledger {
 public:
  static constexpr uint64_t kMaxEntriesPerPage = 1000;

  Ledger(store::Store& store, LedgerOptions options);

  // Entries [start, end), end - start <= kMaxEntriesPerPage, end <= size.
  Result<std::vector<Entry>> Entries(uint64_t start, uint64_t end);
  Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size);
  Result<std::vector<Hash>> ConsistencyProof(uint64_t first, uint64_t second);
  // The event at `index` with its proof against the latest checkpoint.
  Result<EventProof> ProveEvent(uint64_t index);
  // Events whose subject is `subject`, newest first: those with an index below
  // `before` (all if nullopt), at most `limit` (1..kMaxEntriesPerPage), and
  // the `before` of the next page if there are older ones. The first call in
  // a process indexes the entries journaled before the index existed.
  struct EventsPage {
    std::vector<Entry> entries;
    std::optional<uint64_t> next_before;
  };
  Result<EventsPage> EventsAbout(const std::string& subject, std::optional<uint64_t> before,
                                 int limit);

  // Signs and stores a checkpoint of the current head, unless the latest
  // checkpoint already has this size; returns the latest either way.
  // kFailedPrecondition on an empty ledger.
  Result<StoredCheckpoint> Publish();
  Result<StoredCheckpoint> LatestCheckpoint();
  Result<StoredCheckpoint> CheckpointAt(uint64_t size);
  // Published checkpoints with size > after, ascending, at most `limit`.
  Result<std::vector<StoredCheckpoint>> Checkpoints(uint64_t after, int limit);

  // "<origin>+<key id>+<base64 key>": what a verifier needs.
  std::string VerifierKey() const;

  // Recomputes the whole log from storage: each event's encoding and payload
  // hash, each leaf hash, each stored node, the head, and each checkpoint's
  // root and signature.
  Result<AuditReport> Audit();

 private:
  // Indexes the subjects of the entries journaled before the index existed,
  // in batches; once done, later calls return at once.
  Status IndexSubjects();

  store::Store& store_;
  LedgerOptions options_;
  std::atomic<bool> subjects_indexed_ = false;
};

// Calls ledger.Publish() every `interval_ms` until destroyed.
class CheckpointPublisher {
 public:
  // A failed publication is logged and counted in
  // qiantang_background_failures_total{task="checkpoints"} (`metrics` may be null).
  CheckpointPublisher(Ledger& ledger, int64_t interval_ms, MetricsRegistry* metrics = nullptr);

 private:
  PeriodicTask task_;
};

}  // namespace qt::ledger

#endif  // QIANTANG_LEDGER_LEDGER_H_
