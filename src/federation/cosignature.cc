#include "federation/cosignature.h"

#include <set>

#include "crypto/encoding.h"

namespace qt::federation {
namespace {

constexpr std::string_view kSigPrefix = "\xe2\x80\x94 ";  // U+2014 EM DASH, space
constexpr uint64_t kMaxTimestamp = (uint64_t{1} << 63) - 1;

std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

std::string CosignedMessage(std::string_view checkpoint_text, uint64_t timestamp) {
  return "cosignature/v1\ntime " + std::to_string(timestamp) + "\n" + std::string(checkpoint_text);
}

Result<std::string> Cosign(std::string_view checkpoint_text, std::string_view name,
                           const crypto::PublicKey& key, uint64_t timestamp,
                           const ledger::SignFn& sign) {
  if (timestamp == 0 || timestamp > kMaxTimestamp) {
    return InvalidArgument("cosignature: timestamp must be between 1 and 2^63-1");
  }
  QT_RETURN_IF_ERROR(ledger::ParseCheckpoint(checkpoint_text).status());
  // The name must be a valid key name: a vkey of it must parse back.
  QT_RETURN_IF_ERROR(
      ledger::ParseVerifierKey(ledger::FormatVerifierKey(name, key, ledger::kCosignatureEd25519),
                               ledger::kCosignatureEd25519)
          .status());
  QT_ASSIGN_OR_RETURN(crypto::Signature sig,
                      sign(AsBytes(CosignedMessage(checkpoint_text, timestamp))));
  const uint32_t id = ledger::NoteKeyId(name, key, ledger::kCosignatureEd25519);
  ledger::Bytes blob;
  for (int shift = 24; shift >= 0; shift -= 8) blob.push_back(static_cast<uint8_t>(id >> shift));
  for (int shift = 56; shift >= 0; shift -= 8) {
    blob.push_back(static_cast<uint8_t>(timestamp >> shift));
  }
  blob.insert(blob.end(), sig.begin(), sig.end());
  return std::string(kSigPrefix) + std::string(name) + " " + crypto::Base64Encode(blob) + "\n";
}

Result<std::vector<Cosigned>> VerifyCosignatures(
    std::string_view note, const std::vector<ledger::NoteVerifier>& cosigners) {
  QT_ASSIGN_OR_RETURN(ledger::SplitNoteResult split, ledger::SplitNote(note));
  std::vector<Cosigned> out;
  std::set<std::pair<std::string, uint32_t>> seen;
  for (const ledger::NoteSignature& line : split.signatures) {
    const ledger::NoteVerifier* key = nullptr;
    for (const ledger::NoteVerifier& c : cosigners) {
      if (c.name == line.name && c.key_id == line.key_id) key = &c;
    }
    if (key == nullptr) continue;
    char label[9];
    snprintf(label, sizeof label, "%08x", line.key_id);
    const Status bad = PermissionDenied("invalid cosignature for key " + line.name + "+" + label);
    crypto::Signature sig{};
    if (line.signature.size() != 8 + sig.size()) return bad;
    uint64_t timestamp = 0;
    for (size_t i = 0; i < 8; ++i) timestamp = (timestamp << 8) | line.signature[i];
    std::copy(line.signature.begin() + 8, line.signature.end(), sig.begin());
    if (timestamp > kMaxTimestamp ||
        !crypto::Verify(key->key, AsBytes(CosignedMessage(split.text, timestamp)), sig)) {
      return bad;
    }
    if (seen.insert({line.name, line.key_id}).second) {
      out.push_back({line.name, line.key_id, timestamp});
    }
  }
  return out;
}

}  // namespace qt::federation
