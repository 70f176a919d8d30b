#include "dataspace/noise.h"

namespace qt::dataspace {

bool SampleBernoulli(Random& random, uint64_t num, uint64_t den) {
  return random.Uniform(den) < num;
}

bool SampleBernoulliExp(Random& random, uint64_t num, uint64_t den) {
  // exp(-g) for g > 1 is exp(-1)^floor(g) * exp(-(g - floor(g))).
  while (num > den) {
    if (!SampleBernoulliExp(random, 1, 1)) return false;
    num -= den;
  }
  // g in [0, 1]: draw A_k ~ Bernoulli(g / k) until one is 0; P(K odd) = exp(-g).
  uint64_t k = 1;
  while (SampleBernoulli(random, num, den * k)) ++k;
  return k % 2 == 1;
}

int64_t SampleDiscreteLaplace(Random& random, uint64_t num, uint64_t den) {
  // Algorithm 2 of CKS20 for scale t / s with t = num, s = den.
  const uint64_t t = num, s = den;
  while (true) {
    uint64_t u = random.Uniform(t);
    if (!SampleBernoulliExp(random, u, t)) continue;
    uint64_t v = 0;
    while (SampleBernoulliExp(random, 1, 1)) ++v;
    uint64_t x = u + t * v;
    uint64_t y = x / s;
    bool negative = SampleBernoulli(random, 1, 2);
    if (negative && y == 0) continue;
    return negative ? -static_cast<int64_t>(y) : static_cast<int64_t>(y);
  }
}

int64_t LaplaceNoise(Random& random, int64_t sensitivity, int64_t epsilon_milli) {
  // scale = S / (e / 1000) = 1000 S / e
  return SampleDiscreteLaplace(random, static_cast<uint64_t>(sensitivity) * 1000,
                               static_cast<uint64_t>(epsilon_milli));
}

}  // namespace qt::dataspace
