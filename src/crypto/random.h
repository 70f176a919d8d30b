// Implementations of qt::Random.
#ifndef QIANTANG_CRYPTO_RANDOM_H_
#define QIANTANG_CRYPTO_RANDOM_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string_view>

#include "core/random.h"

namespace qt::crypto {

// libsodium's CSPRNG. Use for keys, tokens, nonces and privacy noise.
class SystemRandom final : public Random {
 public:
  void Fill(std::span<uint8_t> out) override;
  static SystemRandom& Get();
};

// A reproducible stream (ChaCha20 keyed by SHA-256 of the seed text). Same seed,
// same bytes, on every machine. Never use it for secrets.
class DeterministicRandom final : public Random {
 public:
  explicit DeterministicRandom(std::string_view seed);
  void Fill(std::span<uint8_t> out) override;

 private:
  std::mutex mu_;
  std::array<uint8_t, 32> key_{};
  uint64_t block_ = 0;
};

}  // namespace qt::crypto

#endif  // QIANTANG_CRYPTO_RANDOM_H_
