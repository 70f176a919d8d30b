// The two lists a verifier downloads, both signed (Ed25519, over the
// canonical JSON of the document) by the organisation that issues codes, whose
// public key the terminal pins when it is registered:
//
// Trust list — the keys that sign codes:
//   {"type": "qiantang.identity.trust-list/v1", "issuer": {"id", "name", "public_key"},
//    "version", "issued_at", "keys": [{"kid" (hex), "alg", "public_key" (base64:
//    raw Ed25519 or SPKI DER), "not_before", "retired_at" (null while it signs),
//    "not_after"}]}
// A retired key still verifies codes it signed before retirement, until its
// not_after; one key is active at a time.
//
// Revocations — the serials of static codes no longer valid, as an append-only
// chain fetched incrementally:
//   {"type": "qiantang.identity.revocations/v1", "issuer": {...}, "from", "to",
//    "head" (hex), "issued_at", "entries": [{"seq", "serial", "revoked_at", "reason"}]}
// head(0) = 32 zero bytes, head(seq) = SHA-256(head(seq-1) || canonical JSON of
// entry seq). A delta from `from` applies to a verifier at `from`; the signed
// head proves nothing was left out or changed.
//
// Both are exported as {"document": {...}, "signature": base64}. The service
// returns them as SignedTrustList and SignedRevocations, whose Export*
// functions rebuild the very document that was signed.
//
// Thread-safety: pure functions; RevocationState is a value.
#ifndef QIANTANG_IDENTITY_LISTS_H_
#define QIANTANG_IDENTITY_LISTS_H_

#include <array>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "identity/issuer_key.h"

namespace qt::identity {

inline constexpr std::string_view kTrustListType = "qiantang.identity.trust-list/v1";
inline constexpr std::string_view kRevocationsType = "qiantang.identity.revocations/v1";

struct TrustListKey {
  std::string kid;  // hex
  TrustedKey key;
  int64_t not_before = 0;  // ms
  int64_t retired_at = 0;  // ms; 0 while active
  int64_t not_after = 0;   // ms
};

struct TrustList {
  int64_t version = 0;
  int64_t issued_at = 0;
  std::vector<TrustListKey> keys;
  const TrustListKey* Find(std::string_view kid_hex) const;
};

// The document of a trust list (to be signed by the issuer).
nlohmann::json TrustListDocument(const nlohmann::json& issuer, const TrustList& list);

// Checks an exported list's type and signature under `root`, and reads it.
Result<TrustList> ReadTrustList(const nlohmann::json& exported, const crypto::PublicKey& root);

using Head = std::array<uint8_t, 32>;

struct RevocationEntry {
  int64_t seq = 0;
  std::string serial;
  int64_t revoked_at = 0;  // ms
  std::string reason;
};
nlohmann::json RevocationJson(const RevocationEntry& e);
Head ChainHead(const Head& previous, const RevocationEntry& e);

// The document of a delta (entries from+1..to, in order).
nlohmann::json RevocationsDocument(const nlohmann::json& issuer, int64_t from, const Head& head,
                                   int64_t issued_at, const std::vector<RevocationEntry>& entries);

struct RevocationState {
  int64_t seq = 0;
  Head head{};
  std::set<std::string> serials;
};

// Applies an exported delta: type and signature under `root`, `from` equal to
// the state's sequence, the chain from the state's head to the signed head.
// On any error the state is unchanged.
Status ApplyRevocations(RevocationState& state, const nlohmann::json& exported,
                        const crypto::PublicKey& root);

// The organisation that signs both lists: {"id", "name", "public_key" (hex)}.
struct ListIssuer {
  std::string id;
  std::string name;
  std::string public_key;  // hex Ed25519: what terminals pin
};
nlohmann::json ListIssuerJson(const ListIssuer& issuer);

// A trust list and the issuer's signature over its document.
struct SignedTrustList {
  ListIssuer issuer{};
  TrustList list{};
  crypto::Signature signature{};
};
nlohmann::json ExportTrustList(const SignedTrustList& signed_list);

// A delta of the revocation chain (entries from+1..from+entries.size()) and
// the issuer's signature over its document.
struct SignedRevocations {
  ListIssuer issuer{};
  int64_t from = 0;
  Head head{};  // of the whole chain, at its last entry
  int64_t issued_at = 0;
  std::vector<RevocationEntry> entries{};
  crypto::Signature signature{};
};
nlohmann::json ExportRevocations(const SignedRevocations& delta);

// {"document", "signature"}.
nlohmann::json ExportSigned(const nlohmann::json& document, const crypto::Signature& signature);
// The bytes signed for a document: its canonical JSON.
Result<std::string> SignedBytes(const nlohmann::json& document);

}  // namespace qt::identity

#endif  // QIANTANG_IDENTITY_LISTS_H_
