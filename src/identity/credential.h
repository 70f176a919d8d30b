// Our signed QR credentials ("HZ1:" codes), in the EU DCC encoding:
// "HZ1:" + Base45( zlib( COSE_Sign1( CWT ) ) ), signed with EdDSA or ES256
// under a key id, verified offline with a key looked up by that id.
//
// Thread-safety: pure functions.
#ifndef QIANTANG_IDENTITY_CREDENTIAL_H_
#define QIANTANG_IDENTITY_CREDENTIAL_H_

#include <functional>
#include <string>

#include "identity/cose.h"
#include "identity/issuer_key.h"

namespace qt::identity {

inline constexpr std::string_view kPrefix = "HZ1:";

// Encodes CBOR claims (a CWT map) as a signed code: protected header
// {1: alg, 4: kid}, tag 18.
Result<std::string> EncodeCredential(std::span<const uint8_t> cwt_claims, const IssuerKey& key);

struct DecodedCredential {
  Bytes kid;
  Bytes claims;  // the CWT payload, signature verified
};

// Decodes and verifies a code: the prefix, base45, bounded inflate, COSE, the
// key found by kid (its algorithm must be the one the code names: no
// algorithm confusion). invalid_argument naming the stage ("prefix",
// "base45", "zlib", "cose", "kid", "signature").
Result<DecodedCredential> DecodeCredential(
    std::string_view text, const std::function<const TrustedKey*(const Bytes& kid)>& key_for);

}  // namespace qt::identity

#endif  // QIANTANG_IDENTITY_CREDENTIAL_H_
