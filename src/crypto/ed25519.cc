#include "crypto/ed25519.h"

#include <sodium.h>

#include <algorithm>

#include "crypto/encoding.h"

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
  // libsodium's secret key is seed || public key; the key already holds both
  // (deriving the public key again would cost a scalar multiplication).
  uint8_t sk[crypto_sign_SECRETKEYBYTES];
  std::copy(key.seed.begin(), key.seed.end(), sk);
  std::copy(key.public_key.begin(), key.public_key.end(), sk + 32);
  Signature sig;
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), sk);
  sodium_memzero(sk, sizeof sk);
  return sig;
}

bool Verify(const PublicKey& key, std::span<const uint8_t> message, const Signature& sig) {
  return crypto_sign_verify_detached(sig.data(), message.data(), message.size(), key.data()) == 0;
}

Result<PublicKey> PublicKeyFromHex(std::string_view hex) {
  auto bytes = HexDecode(hex);
  if (!bytes.ok() || bytes->size() != 32) {
    return InvalidArgument("not an Ed25519 public key (64 hex digits)");
  }
  PublicKey key;
  std::copy(bytes->begin(), bytes->end(), key.begin());
  return key;
}

Result<Signature> SignatureFromBase64(std::string_view base64) {
  auto bytes = Base64Decode(base64);
  if (!bytes.ok() || bytes->size() != 64) {
    return InvalidArgument("not an Ed25519 signature (64 bytes in base64)");
  }
  Signature sig;
  std::copy(bytes->begin(), bytes->end(), sig.begin());
  return sig;
}

}  // namespace qt::crypto
