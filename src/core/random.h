// Random: the one source of randomness, injected like Clock.
//
// crypto/ provides the implementations: SystemRandom (libsodium's CSPRNG, for
// keys, tokens and noise) and DeterministicRandom (a seeded stream, for the demo
// city and tests).
//
// Thread-safety: implementations are safe for concurrent use.
#ifndef QIANTANG_CORE_RANDOM_H_
#define QIANTANG_CORE_RANDOM_H_

#include <cstddef>
#include <cstdint>
#include <span>

namespace qt {

class Random {
 public:
  virtual ~Random() = default;
  virtual void Fill(std::span<uint8_t> out) = 0;

  // A uniform integer in [0, bound). REQUIRES: bound > 0.
  uint64_t Uniform(uint64_t bound);
};

}  // namespace qt

#endif  // QIANTANG_CORE_RANDOM_H_
