#include "crypto/random.h"

#include <sodium.h>

#include <cstdlib>

#include "crypto/sha256.h"

namespace qt::crypto {

void SystemRandom::Fill(std::span<uint8_t> out) { randombytes_buf(out.data(), out.size()); }

SystemRandom& SystemRandom::Get() {
  static SystemRandom* random = [] {
    // sodium_init makes randombytes thread-safe; it is idempotent.
    if (sodium_init() < 0) std::abort();
    return new SystemRandom();
  }();
  return *random;
}

DeterministicRandom::DeterministicRandom(std::string_view seed) : key_(Sha256(seed)) {}

void DeterministicRandom::Fill(std::span<uint8_t> out) {
  std::lock_guard lock(mu_);
  // Each call takes whole 64-byte blocks of the keystream from a fresh nonce.
  uint8_t nonce[crypto_stream_chacha20_NONCEBYTES] = {};
  for (size_t i = 0; i < sizeof nonce; ++i) nonce[i] = static_cast<uint8_t>(block_ >> (8 * i));
  crypto_stream_chacha20(out.data(), out.size(), nonce, key_.data());
  ++block_;
}

}  // namespace qt::crypto
