// What an offline verifier checks, given only files and the log's verifier
// key: no server, no database. `qiantang ledger verify` is a thin shell over
// these; docs/formats/ledger.md spells out the same steps for other tools.
//
// Thread-safety: pure functions.
#ifndef QIANTANG_LEDGER_VERIFY_H_
#define QIANTANG_LEDGER_VERIFY_H_

#include <string_view>
#include <vector>

#include "ledger/merkle.h"
#include "ledger/note.h"

namespace qt::ledger {

// Opens a checkpoint note signed by `key`, whose origin must be the key's name.
Result<Checkpoint> OpenCheckpoint(std::string_view note, const NoteVerifier& key);

// `leaf` (an event's canonical bytes) is entry `index` of the log that the
// signed `checkpoint_note` commits to, by the inclusion `proof`.
Status VerifyEvent(std::string_view leaf, uint64_t index, const std::vector<Bytes>& proof,
                   std::string_view checkpoint_note, const NoteVerifier& key);

// The log at `new_note` extends the log at `old_note` (no fork, no rewrite).
// `proof` is the consistency proof between their sizes (empty if equal).
Status VerifyCheckpoints(std::string_view old_note, std::string_view new_note,
                         const std::vector<Bytes>& proof, const NoteVerifier& key);

}  // namespace qt::ledger

#endif  // QIANTANG_LEDGER_VERIFY_H_
