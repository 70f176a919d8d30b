// Offline verification of citizen codes, as a bus gate or a museum turnstile
// runs it: no network during a scan, only what the terminal last synced — the
// trust list, the revocations and its category's keys.
//
// A scan passes when every stage does, else it is refused with the stage
// named: "prefix", "base45", "zlib", "cbor"/"cose", "kid", "signature",
// "key" (unknown, not yet valid, expired, or used after retirement), "cwt",
// "expired", "not yet valid", "revoked", "replayed", "claims".
// Dynamic codes are valid from iat to exp, each side widened by the drift
// window, and are accepted once per terminal (the replay cache keeps a code id
// until its expiry). Static codes are printed cards: scanned any number of
// times until exp, unless their serial is revoked.
//
// Thread-safety: not thread-safe (one terminal, one scan at a time).
#ifndef QIANTANG_IDENTITY_VERIFIER_H_
#define QIANTANG_IDENTITY_VERIFIER_H_

#include <map>
#include <string>

#include "identity/categories.h"
#include "identity/code.h"
#include "identity/lists.h"

namespace qt::identity {

struct VerifierOptions {
  int64_t drift_ms = 30'000;  // tolerated clock difference between phone, issuer and terminal
};

class Verifier {
 public:
  Verifier(const Category& category, VerifierOptions options = {});

  void SetTrustList(TrustList list) { trust_ = std::move(list); }
  void SetCategoryKeys(std::map<uint32_t, CategoryKey> keys) { keys_ = std::move(keys); }
  RevocationState& revocations() { return revocations_; }
  const TrustList& trust_list() const { return trust_; }

  // Verifies `text` at `now_ms`; returns the code with this category's
  // claims. A dynamic code accepted here is remembered until it expires.
  Result<OpenedCode> Verify(std::string_view text, int64_t now_ms);

  // The replay cache, for saving a terminal's state: code id (hex) → expiry (ms).
  const std::map<std::string, int64_t>& seen() const { return seen_; }
  void Remember(const std::string& code_id_hex, int64_t expires_ms) {
    seen_[code_id_hex] = expires_ms;
  }

 private:
  const Category& category_;
  VerifierOptions options_;
  TrustList trust_;
  RevocationState revocations_;
  std::map<uint32_t, CategoryKey> keys_;
  std::map<std::string, int64_t> seen_;
  int64_t next_prune_ = 0;
};

}  // namespace qt::identity

#endif  // QIANTANG_IDENTITY_VERIFIER_H_
