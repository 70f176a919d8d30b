// Keys that sign codes: EdDSA (Ed25519, libsodium) — our algorithm — or ES256
// (ECDSA P-256 with SHA-256, OpenSSL), the second algorithm, kept so that one
// can be retired if it is ever broken. A key is known to verifiers by its
// 8-byte kid, the first 8 bytes of SHA-256 of its public key (as the EU DCC
// does).
//
// Thread-safety: pure functions.
#ifndef QIANTANG_IDENTITY_ISSUER_KEY_H_
#define QIANTANG_IDENTITY_ISSUER_KEY_H_

#include <optional>
#include <string_view>

#include "core/random.h"
#include "identity/cose.h"

namespace qt::identity {

struct IssuerKey {
  CoseAlg alg = CoseAlg::kEdDSA;
  Bytes kid{};
  Bytes secret{};      // EdDSA: the 32-byte seed; ES256: PKCS#8 DER
  Bytes public_key{};  // EdDSA: 32 raw bytes; ES256: SubjectPublicKeyInfo DER
};

// A verifier's view of a key: no secret.
struct TrustedKey {
  CoseAlg alg = CoseAlg::kEdDSA;
  Bytes public_key{};
};

// "EdDSA" / "ES256"; ParseAlg refuses anything else (PS256 is verify-only).
std::string_view AlgName(CoseAlg alg);
std::optional<CoseAlg> ParseAlg(std::string_view name);

// A fresh key. EdDSA draws its seed from `random`; ES256 from OpenSSL's CSPRNG.
Result<IssuerKey> GenerateIssuerKey(CoseAlg alg, Random& random);

// The signature of `message` as COSE transmits it (64 bytes; r||s for ES256).
Result<Bytes> SignWith(const IssuerKey& key, std::span<const uint8_t> message);

// The kid of a public key.
Bytes KidOf(std::span<const uint8_t> public_key);

}  // namespace qt::identity

#endif  // QIANTANG_IDENTITY_ISSUER_KEY_H_
