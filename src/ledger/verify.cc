#include "ledger/verify.h"

#include <algorithm>

#include "ledger/event.h"

namespace qt::ledger {

Result<Checkpoint> OpenCheckpoint(std::string_view note, const NoteVerifier& key) {
  auto opened = OpenNote(note, {key});
  if (!opened.ok()) return opened.status().WithContext("checkpoint signature");
  QT_ASSIGN_OR_RETURN(Checkpoint cp, ParseCheckpoint(opened->text));
  if (cp.origin != key.name) {
    return InvalidArgument("checkpoint origin '" + cp.origin + "' is not the key's log '" +
                           key.name + "'");
  }
  return cp;
}

Status VerifyEvent(std::string_view leaf, uint64_t index, const std::vector<Bytes>& proof,
                   std::string_view checkpoint_note, const NoteVerifier& key) {
  QT_ASSIGN_OR_RETURN(Checkpoint cp, OpenCheckpoint(checkpoint_note, key));
  QT_RETURN_IF_ERROR(CheckEncodedEvent(leaf, index).WithContext("event"));
  Hash leaf_hash = HashLeaf(std::string_view(leaf));
  return VerifyInclusion(index, cp.size, leaf_hash, proof, cp.root)
      .WithContext("inclusion in checkpoint " + std::to_string(cp.size));
}

Status VerifyCheckpoints(std::string_view old_note, std::string_view new_note,
                         const std::vector<Bytes>& proof, const NoteVerifier& key) {
  auto a_or = OpenCheckpoint(old_note, key);
  if (!a_or.ok()) return a_or.status().WithContext("old checkpoint");
  auto b_or = OpenCheckpoint(new_note, key);
  if (!b_or.ok()) return b_or.status().WithContext("new checkpoint");
  Checkpoint a = *a_or, b = *b_or;
  if (a.size > b.size) std::swap(a, b);
  return VerifyConsistency(a.size, b.size, proof, a.root, b.root)
      .WithContext("consistency of checkpoints " + std::to_string(a.size) + " and " +
                   std::to_string(b.size));
}

}  // namespace qt::ledger
