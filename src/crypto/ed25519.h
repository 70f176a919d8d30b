// Ed25519 signatures (libsodium), the signing scheme of every organisation.
//
// Thread-safety: functions are pure.
#ifndef QIANTANG_CRYPTO_ED25519_H_
#define QIANTANG_CRYPTO_ED25519_H_

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/random.h"
#include "core/status.h"

namespace qt::crypto {

using PublicKey = std::array<uint8_t, 32>;
using Signature = std::array<uint8_t, 64>;

struct SigningKey {
  std::array<uint8_t, 32> seed{};  // the secret; the 64-byte libsodium key is derived from it
  PublicKey public_key{};
};

// A fresh key pair from `random` (SystemRandom in production).
SigningKey GenerateSigningKey(Random& random);
// The key pair determined by a 32-byte seed.
SigningKey SigningKeyFromSeed(std::span<const uint8_t, 32> seed);

Signature Sign(const SigningKey& key, std::span<const uint8_t> message);
bool Verify(const PublicKey& key, std::span<const uint8_t> message, const Signature& sig);

// Keys travel as 64 hex digits, signatures as base64 (standard alphabet);
// kInvalidArgument for anything else.
Result<PublicKey> PublicKeyFromHex(std::string_view hex);
Result<Signature> SignatureFromBase64(std::string_view base64);

}  // namespace qt::crypto

#endif  // QIANTANG_CRYPTO_ED25519_H_
