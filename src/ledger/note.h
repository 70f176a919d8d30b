// Signed notes (C2SP signed-note) and checkpoints (C2SP tlog-checkpoint): the
// text formats that the Go checksum database, Sigstore and the transparency-dev
// tools use, so those tools can read and verify our tree heads.
//
// A note is UTF-8 text, a blank line, then one line per signature:
//   "— <key name> <base64(4-byte key id || 64-byte Ed25519 signature)>\n"
// A verifier key ("vkey") is "<name>+<8 hex key id>+<base64(0x01 || public key)>",
// where key id = SHA-256(name || "\n" || 0x01 || public key)[0:4].
//
// A checkpoint is a note whose text is
//   "<origin>\n<tree size, decimal>\n<root hash, base64>\n" (then optional lines).
//
// Verification follows golang.org/x/mod/sumdb/note: signatures by unknown keys
// are ignored, a bad signature by a known key fails the note, a note with no
// verified signature fails, more than 100 signatures is malformed.
//
// Thread-safety: pure functions.
#ifndef QIANTANG_LEDGER_NOTE_H_
#define QIANTANG_LEDGER_NOTE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "crypto/ed25519.h"
#include "ledger/merkle.h"

namespace qt::ledger {

struct NoteVerifier {
  std::string name;
  uint32_t key_id;
  crypto::PublicKey key;
};

uint32_t NoteKeyId(std::string_view name, const crypto::PublicKey& key);
std::string FormatVerifierKey(std::string_view name, const crypto::PublicKey& key);
// kInvalidArgument if the vkey is malformed, not Ed25519, or its id does not match.
Result<NoteVerifier> ParseVerifierKey(std::string_view vkey);

struct VerifiedNote {
  std::string text;                      // up to and including the last text newline
  std::vector<std::string> verified_by;  // names, in signature order
  std::vector<std::string> unverified;   // names of signatures by unknown keys
};

// Opens a note: kInvalidArgument with "malformed note", "note has no verifiable
// signatures", "invalid signature for key NAME+ID" or "ambiguous key NAME+ID".
Result<VerifiedNote> OpenNote(std::string_view note, const std::vector<NoteVerifier>& known);

// Appends a signature block to `text` (which must end with a newline).
using SignFn = std::function<Result<crypto::Signature>(std::span<const uint8_t>)>;
Result<std::string> SignNote(std::string_view text, std::string_view name,
                             const crypto::PublicKey& key, const SignFn& sign);

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
};

std::string FormatCheckpoint(const Checkpoint& c);
// Parses the text of a checkpoint note (not its signatures).
Result<Checkpoint> ParseCheckpoint(std::string_view text);

}  // namespace qt::ledger

#endif  // QIANTANG_LEDGER_NOTE_H_
