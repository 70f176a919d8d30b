#include "identity/verifier.h"

#include "crypto/encoding.h"
#include "identity/credential.h"

namespace qt::identity {

Verifier::Verifier(const Category& category, VerifierOptions options)
    : category_(category), options_(options) {}

Result<OpenedCode> Verifier::Verify(std::string_view text, int64_t now_ms) {
  const TrustListKey* signer = nullptr;
  auto key_for = [&](const Bytes& kid) -> const TrustedKey* {
    signer = trust_.Find(crypto::HexEncode(kid));
    return signer ? &signer->key : nullptr;
  };
  QT_ASSIGN_OR_RETURN(DecodedCredential credential, DecodeCredential(text, key_for));
  auto epoch_key = [&](uint32_t epoch) -> const CategoryKey* {
    auto it = keys_.find(epoch);
    return it == keys_.end() ? nullptr : &it->second;
  };
  QT_ASSIGN_OR_RETURN(OpenedCode code, OpenCode(credential.claims, category_.number, epoch_key));
  const int64_t iat = code.issued_at * 1000, exp = code.expires_at * 1000;
  const int64_t drift = options_.drift_ms;
  if (now_ms + drift < signer->not_before ||
      (signer->not_after && now_ms - drift > signer->not_after)) {
    return InvalidArgument("key: the signing key is not valid now");
  }
  if (signer->retired_at && iat > signer->retired_at + drift) {
    return InvalidArgument("key: signed after the key was retired");
  }
  if (now_ms + drift < iat) return InvalidArgument("not yet valid: issued in the future");
  if (now_ms - drift > exp) return InvalidArgument("expired: the code's time is over");
  if (code.kind == 's' && revocations_.serials.contains(code.serial)) {
    return InvalidArgument("revoked: static code " + code.serial + " is revoked");
  }
  if (code.claims.is_null()) {
    return InvalidArgument("claims: the code carries nothing for " + std::string(category_.code));
  }
  if (code.kind == 'd') {
    // Once a second, forget codes that can no longer pass; then refuse a second scan.
    if (now_ms >= next_prune_) {
      std::erase_if(seen_, [&](const auto& e) { return e.second + drift < now_ms; });
      next_prune_ = now_ms + 1000;
    }
    const std::string id = crypto::HexEncode(code.code_id);
    if (!seen_.emplace(id, exp).second) {
      return InvalidArgument("replayed: this dynamic code was already scanned here");
    }
  }
  return code;
}

}  // namespace qt::identity
