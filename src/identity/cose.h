// The layers of a signed QR credential, as the EU Digital COVID Certificate
// defines them (and our HZ1: codes reuse): "PREFIX:" + Base45( zlib(
// COSE_Sign1 (RFC 9052) whose payload is a CWT (RFC 8392) ) ).
//
// Decoding is defensive: zlib output is bounded (a zlib bomb is refused),
// CBOR input is bounded in size and nesting depth, and every stage reports
// why it failed.
//
// Thread-safety: pure functions.
#ifndef QIANTANG_IDENTITY_COSE_H_
#define QIANTANG_IDENTITY_COSE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace qt::identity {

using Bytes = std::vector<uint8_t>;

inline constexpr size_t kMaxInflated = 64 * 1024;
inline constexpr size_t kMaxCbor = 64 * 1024;
inline constexpr int kMaxCborDepth = 16;

// zlib-inflates at most `max_out` bytes; invalid_argument for a broken or
// truncated stream, or one that would inflate past the bound.
Result<Bytes> Inflate(std::span<const uint8_t> compressed, size_t max_out = kMaxInflated);
// zlib-deflates at the best compression, or in stored blocks when that
// saves less than a tenth (the data is mostly ciphertext).
Bytes Deflate(std::span<const uint8_t> data);

// COSE algorithms this module verifies.
enum class CoseAlg { kEdDSA = -8, kES256 = -7, kPS256 = -37 };

struct CoseSign1 {
  Bytes protected_bytes{};  // the protected header as transmitted
  Bytes payload{};
  Bytes signature{};
  std::optional<int64_t> alg{};  // from the protected header, else the unprotected one
  Bytes kid{};                   // protected kid if present, else unprotected
  bool tagged = false;           // CBOR tag 18
};

// Parses a COSE_Sign1 (tag 18 or untagged).
Result<CoseSign1> ParseCoseSign1(std::span<const uint8_t> cbor);

// The bytes signed: CBOR ["Signature1", protected, external_aad, payload].
Bytes SigStructure(const CoseSign1& s, std::span<const uint8_t> external_aad = {});

// Verifies the signature with a public key given as DER SubjectPublicKeyInfo
// (EC P-256 for ES256, RSA for PS256) or, for EdDSA, 32 raw Ed25519 bytes.
// invalid_argument naming the failure.
Status VerifyCoseSign1(const CoseSign1& s, std::span<const uint8_t> public_key,
                       std::span<const uint8_t> external_aad = {});

// CWT claims of a payload: 1 iss, 4 exp, 6 iat, and the encoded CBOR of
// -260 (the health-certificate claim) or of another private claim.
struct CwtClaims {
  std::string iss;
  std::optional<int64_t> exp, iat;
  Bytes claim;  // the CBOR of claim `private_label` (e.g. -260), if present
};
Result<CwtClaims> ParseCwt(std::span<const uint8_t> payload, int64_t private_label);

}  // namespace qt::identity

#endif  // QIANTANG_IDENTITY_COSE_H_
