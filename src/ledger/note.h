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
// are ignored, a bad signature by a known key fails the note (every line with
// a known key's name and id is checked, after a valid one too), a note with no
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

// The signature type byte of a vkey and of the key id hash: 0x01 for a note
// signed with Ed25519 (signed-note), 0x04 for an Ed25519 cosignature
// (tlog-cosignature/v1, federation/cosignature.h).
inline constexpr uint8_t kNoteEd25519 = 0x01;
inline constexpr uint8_t kCosignatureEd25519 = 0x04;

// SHA-256(name || "\n" || type || key)[0:4], big-endian.
uint32_t NoteKeyId(std::string_view name, const crypto::PublicKey& key,
                   uint8_t type = kNoteEd25519);
std::string FormatVerifierKey(std::string_view name, const crypto::PublicKey& key,
                              uint8_t type = kNoteEd25519);
// kInvalidArgument if the vkey is malformed, not of `type`, or its id does not match.
Result<NoteVerifier> ParseVerifierKey(std::string_view vkey, uint8_t type = kNoteEd25519);

// A note taken apart without verifying anything: its text and, in order, each
// signature line's key name, key id and the bytes after the id.
struct NoteSignature {
  std::string name;
  uint32_t key_id;
  Bytes signature;
  std::string line;  // as it appeared, without its newline
};
struct SplitNoteResult {
  std::string text;  // up to and including the last text newline
  std::vector<NoteSignature> signatures;
};
// kInvalidArgument "malformed note" unless the note is clean UTF-8 text, a
// blank line and 1..100 well-formed signature lines.
Result<SplitNoteResult> SplitNote(std::string_view note);

struct VerifiedNote {
  std::string text;                      // up to and including the last text newline
  std::vector<std::string> verified_by;  // names, in signature order
  std::vector<std::string> unverified;   // names of signatures by unknown keys
};

// Opens a note: kInvalidArgument "malformed note" if it cannot be read, else
// kPermissionDenied "note has no verifiable signatures", "invalid signature for
// key NAME+ID" or "ambiguous key NAME+ID" (a witness answers these 403).
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
