#include "ledger/ledger.h"

#include <spdlog/spdlog.h>

#include "ledger/event.h"
#include "ledger/journal.h"
#include "ledger/tree.h"
#include "store/decode.h"
#include "store/transact.h"

namespace qt::ledger {
namespace {

using store::Rows;
using store::Tx;

Result<StoredCheckpoint> CheckpointFromRow(const store::Row& r) {
  StoredCheckpoint c;
  c.published_at = r.Int("published_at");
  c.note = r.Text("note");
  size_t split = c.note.rfind("\n\n");
  QT_ASSIGN_OR_RETURN(c.checkpoint, ParseCheckpoint(std::string_view(c.note).substr(0, split + 1)));
  return c;
}

constexpr const char* kCheckpointColumns = "size, root, published_at, note";

std::string Range(uint64_t a, uint64_t b) { return std::to_string(a) + ".." + std::to_string(b); }

}  // namespace

Ledger::Ledger(store::Store& store, LedgerOptions options)
    : store_(store), options_(std::move(options)) {}

std::string Ledger::VerifierKey() const { return FormatVerifierKey(options_.origin, options_.key); }

Result<std::vector<Entry>> Ledger::Entries(uint64_t start, uint64_t end) {
  if (start >= end) return InvalidArgument("start: must be below end");
  if (end - start > kMaxEntriesPerPage) {
    return InvalidArgument("end: at most " + std::to_string(kMaxEntriesPerPage) +
                           " entries per request");
  }
  return store::ReadValue(store_, [&](Tx& tx) -> Result<std::vector<Entry>> {
    std::vector<Entry> out;
    QT_ASSIGN_OR_RETURN(Head head, ReadHead(tx));
    if (end > head.size) {
      return InvalidArgument("end: the ledger has " + std::to_string(head.size) + " entries");
    }
    QT_ASSIGN_OR_RETURN(Rows rows,
                        tx.Query("SELECT seq, event FROM ledger_entries"
                                 " WHERE seq >= ? AND seq < ? ORDER BY seq",
                                 {static_cast<int64_t>(start), static_cast<int64_t>(end)}));
    for (const auto& r : rows) {
      out.push_back(
          {static_cast<uint64_t>(r.Int("seq")), HashLeaf(r.Text("event")), r.Text("event")});
    }
    if (out.size() != end - start) {
      return Internal("ledger entries are missing in " + Range(start, end));
    }
    return out;
  });
}

Result<std::vector<Hash>> Ledger::InclusionProof(uint64_t index, uint64_t size) {
  if (index >= size) return InvalidArgument("index: must be below size");
  return store::ReadValue(store_, [&](Tx& tx) -> Result<std::vector<Hash>> {
    QT_ASSIGN_OR_RETURN(Head head, ReadHead(tx));
    if (size > head.size) {
      return InvalidArgument("size: the ledger has " + std::to_string(head.size) + " entries");
    }
    TxNodeReader nodes(tx);
    return ledger::InclusionProof(nodes, index, size);
  });
}

Result<std::vector<Hash>> Ledger::ConsistencyProof(uint64_t first, uint64_t second) {
  if (first == 0) return InvalidArgument("first: must be at least 1");
  if (first > second) return InvalidArgument("first: must not be above second");
  return store::ReadValue(store_, [&](Tx& tx) -> Result<std::vector<Hash>> {
    QT_ASSIGN_OR_RETURN(Head head, ReadHead(tx));
    if (second > head.size) {
      return InvalidArgument("second: the ledger has " + std::to_string(head.size) + " entries");
    }
    TxNodeReader nodes(tx);
    return ledger::ConsistencyProof(nodes, first, second);
  });
}

Result<EventProof> Ledger::ProveEvent(uint64_t index) {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<EventProof> {
    EventProof out;
    QT_ASSIGN_OR_RETURN(Rows cps, tx.Query(std::string("SELECT ") + kCheckpointColumns +
                                           " FROM ledger_checkpoints ORDER BY size DESC LIMIT 1"));
    QT_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT event FROM ledger_entries WHERE seq = ?",
                                            {static_cast<int64_t>(index)}));
    if (rows.empty()) return NotFound("no ledger event " + std::to_string(index));
    if (cps.empty() || static_cast<uint64_t>(cps[0].Int("size")) <= index) {
      return FailedPrecondition("event " + std::to_string(index) +
                                " is not yet in a published checkpoint; checkpoints are published "
                                "every few seconds, or on demand by the operator");
    }
    QT_ASSIGN_OR_RETURN(out.checkpoint, CheckpointFromRow(cps[0]));
    out.entry = {index, HashLeaf(rows[0].Text("event")), rows[0].Text("event")};
    TxNodeReader nodes(tx);
    QT_ASSIGN_OR_RETURN(out.proof,
                        ledger::InclusionProof(nodes, index, out.checkpoint.checkpoint.size));
    return out;
  });
}

namespace {

// What Publish reads: the log's head and its latest checkpoint, if any.
struct PublishState {
  Head head;
  std::optional<StoredCheckpoint> latest;
};

}  // namespace

Result<StoredCheckpoint> Ledger::Publish() {
  QT_ASSIGN_OR_RETURN(
      const PublishState state, store::ReadValue(store_, [&](Tx& tx) -> Result<PublishState> {
        PublishState out;
        QT_ASSIGN_OR_RETURN(out.head, ReadHead(tx));
        QT_ASSIGN_OR_RETURN(Rows cps,
                            tx.Query(std::string("SELECT ") + kCheckpointColumns +
                                     " FROM ledger_checkpoints ORDER BY size DESC LIMIT 1"));
        if (!cps.empty()) {
          QT_ASSIGN_OR_RETURN(out.latest, CheckpointFromRow(cps[0]));
        }
        return out;
      }));
  const Head& head = state.head;
  if (head.size == 0) return FailedPrecondition("the ledger is empty: nothing to checkpoint");
  if (state.latest && state.latest->checkpoint.size >= head.size) return *state.latest;

  // Signing happens outside the transaction; the checkpoint of a given size is
  // the same bytes whoever publishes it (Ed25519 is deterministic).
  StoredCheckpoint cp;
  cp.checkpoint = {options_.origin, head.size, head.frontier.Root()};
  cp.published_at = options_.clock->NowMillis();
  QT_ASSIGN_OR_RETURN(cp.note, SignNote(FormatCheckpoint(cp.checkpoint), options_.origin,
                                        options_.key, options_.sign));
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) {
    return tx
        .Exec(
            "INSERT INTO ledger_checkpoints (size, root, published_at, note) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (size) DO NOTHING",
            {static_cast<int64_t>(cp.checkpoint.size),
             store::Bytes(cp.checkpoint.root.begin(), cp.checkpoint.root.end()), cp.published_at,
             cp.note})
        .status();
  }));
  return cp;
}

Result<StoredCheckpoint> Ledger::LatestCheckpoint() {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<StoredCheckpoint> {
    QT_ASSIGN_OR_RETURN(Rows cps, tx.Query(std::string("SELECT ") + kCheckpointColumns +
                                           " FROM ledger_checkpoints ORDER BY size DESC LIMIT 1"));
    if (cps.empty()) return NotFound("no checkpoint has been published yet");
    return CheckpointFromRow(cps[0]);
  });
}

Result<StoredCheckpoint> Ledger::CheckpointAt(uint64_t size) {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<StoredCheckpoint> {
    QT_ASSIGN_OR_RETURN(Rows cps, tx.Query(std::string("SELECT ") + kCheckpointColumns +
                                               " FROM ledger_checkpoints WHERE size = ?",
                                           {static_cast<int64_t>(size)}));
    if (cps.empty()) return NotFound("no checkpoint of size " + std::to_string(size));
    return CheckpointFromRow(cps[0]);
  });
}

Result<std::vector<StoredCheckpoint>> Ledger::Checkpoints(uint64_t after, int limit) {
  if (limit < 1 || limit > 500) return InvalidArgument("limit: must be between 1 and 500");
  return store::ReadValue(store_, [&](Tx& tx) -> Result<std::vector<StoredCheckpoint>> {
    QT_ASSIGN_OR_RETURN(Rows cps, tx.Query(std::string("SELECT ") + kCheckpointColumns +
                                               " FROM ledger_checkpoints WHERE size > ?"
                                               " ORDER BY size LIMIT ?",
                                           {static_cast<int64_t>(after), int64_t{limit}}));
    std::vector<StoredCheckpoint> out;
    QT_RETURN_IF_ERROR(store::DecodeInto(cps, CheckpointFromRow, out));
    return out;
  });
}

Result<AuditReport> Ledger::Audit() {
  QT_ASSIGN_OR_RETURN(NoteVerifier verifier, ParseVerifierKey(VerifierKey()));
  return store::ReadValue(store_, [&](Tx& tx) -> Result<AuditReport> {
    AuditReport report;
    QT_ASSIGN_OR_RETURN(Head head, ReadHead(tx));
    report.size = head.size;
    QT_ASSIGN_OR_RETURN(Rows cps, tx.Query(std::string("SELECT ") + kCheckpointColumns +
                                           " FROM ledger_checkpoints ORDER BY size"));
    size_t next_cp = 0;
    auto fail = [&](uint64_t index, std::string what) {
      report.finding = AuditFinding{index, std::move(what)};
      return report;
    };

    Frontier recomputed;
    constexpr uint64_t kChunk = 4096;
    for (uint64_t start = 0; start < head.size; start += kChunk) {
      const uint64_t end = std::min(head.size, start + kChunk);
      QT_ASSIGN_OR_RETURN(Rows entries,
                          tx.Query("SELECT seq, event FROM ledger_entries"
                                   " WHERE seq >= ? AND seq < ? ORDER BY seq",
                                   {static_cast<int64_t>(start), static_cast<int64_t>(end)}));
      // Nodes completed by the leaves [start, end): (idx + 1) << level in (start, end].
      QT_ASSIGN_OR_RETURN(Rows node_rows,
                          tx.Query("SELECT level, idx, hash FROM ledger_nodes"
                                   " WHERE ((idx + 1) << CAST(level AS INTEGER)) > ? AND ((idx + "
                                   "1) << CAST(level AS INTEGER)) <= ?",
                                   {static_cast<int64_t>(start), static_cast<int64_t>(end)}));
      std::map<NodeId, store::Bytes> stored;
      for (const auto& r : node_rows) {
        stored[{static_cast<int>(r.Int("level")), static_cast<uint64_t>(r.Int("idx"))}] =
            r.Blob("hash");
      }
      size_t e = 0;
      for (uint64_t i = start; i < end; ++i) {
        if (e >= entries.size() || static_cast<uint64_t>(entries[e].Int("seq")) != i) {
          return fail(i, "the entry is missing");
        }
        const std::string& event = entries[e++].Text("event");
        if (Status s = CheckEncodedEvent(event, i); !s.ok()) return fail(i, s.message());
        std::optional<std::string> node_problem;
        recomputed.Append(HashLeaf(event), [&](NodeId id, const Hash& h) {
          if (node_problem) return;
          auto it = stored.find(id);
          if (it == stored.end()) {
            node_problem =
                "node " + std::to_string(id.level) + "/" + std::to_string(id.index) + " is missing";
          } else if (!std::equal(h.begin(), h.end(), it->second.begin(), it->second.end())) {
            node_problem = id.level == 0
                               ? "the stored leaf hash does not match the event"
                               : "node " + std::to_string(id.level) + "/" +
                                     std::to_string(id.index) + " does not match its children";
          }
        });
        if (node_problem) return fail(i, *node_problem);
        while (next_cp < cps.size() && static_cast<uint64_t>(cps[next_cp].Int("size")) == i + 1) {
          auto cp = CheckpointFromRow(cps[next_cp]);
          if (!cp.ok() || cp->checkpoint.root != recomputed.Root()) {
            return fail(i, "checkpoint " + std::to_string(i + 1) + " does not match the log");
          }
          if (!OpenNote(cp->note, {verifier}).ok()) {
            return fail(i,
                        "checkpoint " + std::to_string(i + 1) + " has no valid operator signature");
          }
          ++report.checkpoints_checked;
          ++next_cp;
        }
      }
    }
    if (next_cp < cps.size()) {
      return fail(head.size, "checkpoint " + std::to_string(cps[next_cp].Int("size")) +
                                 " is beyond the end of the log");
    }
    if (recomputed.Serialize() != head.frontier.Serialize()) {
      return fail(head.size, "the stored head does not match the log");
    }
    QT_ASSIGN_OR_RETURN(Rows extra,
                        tx.Query("SELECT COUNT(*) AS n FROM ledger_entries WHERE seq >= ?",
                                 {static_cast<int64_t>(head.size)}));
    if (extra[0].Int("n") > 0) return fail(head.size, "entries exist beyond the head");
    return report;
  });
}

CheckpointPublisher::CheckpointPublisher(Ledger& ledger, int64_t interval_ms,
                                         MetricsRegistry* metrics)
    : task_(
          "checkpoints", interval_ms,
          [&ledger]() -> Status {
            auto r = ledger.Publish();
            // failed_precondition: nothing new to sign, not a failure.
            if (!r.ok() && r.status().code() != StatusCode::kFailedPrecondition) return r.status();
            return OkStatus();
          },
          metrics) {}

}  // namespace qt::ledger
