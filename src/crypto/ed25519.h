// Ed25519 signatures (libsodium), the signing scheme of every organisation.
//
// Thread-safety: functions are pure.
#ifndef QIANTANG_CRYPTO_ED25519_H_
#define QIANTANG_CRYPTO_ED25519_H_

#include <array>
#include <cstdint>
#include <span>

#include "core/random.h"

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

}  // namespace qt::crypto

#endif  // QIANTANG_CRYPTO_ED25519_H_
