#include "crypto/ed25519.h"

#include <sodium.h>

namespace qt::crypto {

SigningKey GenerateSigningKey(Random& random) {
  std::array<uint8_t, 32> seed;
  random.Fill(seed);
  SigningKey key = SigningKeyFromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

SigningKey SigningKeyFromSeed(std::span<const uint8_t, 32> seed) {
  SigningKey key;
  std::copy(seed.begin(), seed.end(), key.seed.begin());
  uint8_t sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(key.public_key.data(), sk, key.seed.data());
  sodium_memzero(sk, sizeof sk);
  return key;
}

Signature Sign(const SigningKey& key, std::span<const uint8_t> message) {
  uint8_t pk[crypto_sign_PUBLICKEYBYTES];
  uint8_t sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(pk, sk, key.seed.data());
  Signature sig;
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), sk);
  sodium_memzero(sk, sizeof sk);
  return sig;
}

bool Verify(const PublicKey& key, std::span<const uint8_t> message, const Signature& sig) {
  return crypto_sign_verify_detached(sig.data(), message.data(), message.size(), key.data()) == 0;
}

}  // namespace qt::crypto
