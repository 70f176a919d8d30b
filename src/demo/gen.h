// Deterministic draws for the demo's content: the same seed, the same city.
#ifndef QIANTANG_DEMO_GEN_H_
#define QIANTANG_DEMO_GEN_H_

#include <cstdint>
#include <string>

#include "crypto/random.h"

namespace qt::demo {

// Thread-compatible: one generator per loader.
class Gen {
 public:
  explicit Gen(const std::string& seed) : random_(seed) {}
  int64_t Int(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(random_.Uniform(static_cast<uint64_t>(hi - lo + 1)));
  }
  bool Chance(int percent) { return Int(1, 100) <= percent; }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[random_.Uniform(N)];
  }
  Random& random() { return random_; }

 private:
  crypto::DeterministicRandom random_;
};

}  // namespace qt::demo

#endif  // QIANTANG_DEMO_GEN_H_
