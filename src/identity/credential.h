// Our signed QR credentials ("HZ1:" codes), in the EU DCC encoding:
// "HZ1:" + Base45( zlib( COSE_Sign1( CWT ) ) ), signed with EdDSA (Ed25519)
// under a key id, verified offline with a key looked up by that id.
//
// Thread-safety: pure functions.
#ifndef QIANTANG_IDENTITY_CREDENTIAL_H_
#define QIANTANG_IDENTITY_CREDENTIAL_H_

#include <functional>
#include <optional>
#include <string>

#include "crypto/ed25519.h"
#include "identity/cose.h"

namespace qt::identity {

inline constexpr std::string_view kPrefix = "HZ1:";

// Encodes CBOR claims (a CWT map) as a signed code.
Result<std::string> EncodeCredential(std::span<const uint8_t> cwt_claims, const Bytes& kid,
                                     const crypto::SigningKey& key);

struct DecodedCredential {
  Bytes kid;
  Bytes claims;  // the CWT payload, signature verified
};

// Decodes and verifies a code: the prefix, base45, bounded inflate, COSE
// (EdDSA only), the key found by kid. invalid_argument naming the stage
// ("prefix", "base45", "zlib", "cose", "kid", "signature").
Result<DecodedCredential> DecodeCredential(
    std::string_view text,
    const std::function<std::optional<crypto::PublicKey>(const Bytes& kid)>& key_for);

}  // namespace qt::identity

#endif  // QIANTANG_IDENTITY_CREDENTIAL_H_
