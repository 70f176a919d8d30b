// Cosignatures (C2SP tlog-cosignature, the Ed25519 "cosignature/v1" type): a
// witness's timestamped statement that, as of that time, the checkpoint is the
// largest consistent tree head it has seen for the log.
//
// A cosignature is a note signature line
//   "— <witness name> base64(key id || u64 big-endian timestamp || signature)"
// with key id = SHA-256(name || "\n" || 0x04 || public key)[0:4], over the
// message
//   "cosignature/v1\ntime <timestamp>\n" || the checkpoint's note text
// (its text with extension lines, without signature lines). Cosigner keys are
// vkeys of type 0x04 (ledger/note.h).
//
// Thread-safety: pure functions.
#ifndef QIANTANG_FEDERATION_COSIGNATURE_H_
#define QIANTANG_FEDERATION_COSIGNATURE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "ledger/note.h"

namespace qt::federation {

// The bytes a cosigner signs for `checkpoint_text` at `timestamp` (seconds).
std::string CosignedMessage(std::string_view checkpoint_text, uint64_t timestamp);

// The signature line (ending in "\n") for `checkpoint_text`, which must be a
// checkpoint's text ending in a newline; `timestamp` is POSIX seconds, 1 to
// 2^63 - 1.
Result<std::string> Cosign(std::string_view checkpoint_text, std::string_view name,
                           const crypto::PublicKey& key, uint64_t timestamp,
                           const ledger::SignFn& sign);

struct Cosigned {
  std::string name;  // the cosigner key's name
  uint32_t key_id = 0;
  uint64_t timestamp = 0;
};

// The cosigners among `cosigners` (parsed with type kCosignatureEd25519) whose
// valid cosignature `note` carries, in signature order. Lines by other keys
// are ignored; a line with a known name and key id that does not verify is
// kPermissionDenied naming the key, as for a note's own signatures. The note
// must be well formed (kInvalidArgument otherwise); the log's own signature is
// not checked here (ledger::OpenNote does that).
Result<std::vector<Cosigned>> VerifyCosignatures(
    std::string_view note, const std::vector<ledger::NoteVerifier>& cosigners);

}  // namespace qt::federation

#endif  // QIANTANG_FEDERATION_COSIGNATURE_H_
