#include "core/random.h"

#include <cassert>
#include <cstring>
#include <limits>

namespace qt {

uint64_t Random::Uniform(uint64_t bound) {
  assert(bound > 0);
  // Rejection sampling: discard draws from the incomplete last block.
  const uint64_t limit =
      std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % bound;
  for (;;) {
    uint8_t bytes[8];
    Fill(bytes);
    uint64_t v;
    std::memcpy(&v, bytes, sizeof v);
    if (v < limit) return v % bound;
  }
}

}  // namespace qt
