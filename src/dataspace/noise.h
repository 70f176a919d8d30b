// Discrete noise for differential privacy, exact in integer arithmetic
// (Canonne, Kamath, Steinke, "The Discrete Gaussian for Differential
// Privacy", NeurIPS 2020, Algorithms 1 and 2). No floating point is involved,
// so the output distribution is exactly the discrete Laplace and cannot leak
// through rounding (Mironov 2012's attack on textbook Laplace).
//
// The discrete Laplace with scale t has P(x) proportional to exp(-|x| / t).
// Adding it to an integer query of sensitivity S with t = S / epsilon is
// epsilon-differentially private.
//
// Thread-safety: as safe as the Random given.
#ifndef QIANTANG_DATASPACE_NOISE_H_
#define QIANTANG_DATASPACE_NOISE_H_

#include <cstdint>

#include "core/random.h"

namespace qt::dataspace {

// True with probability num / den. REQUIRES: 0 <= num <= den, den > 0.
bool SampleBernoulli(Random& random, uint64_t num, uint64_t den);

// True with probability exp(-num / den). REQUIRES: den > 0.
bool SampleBernoulliExp(Random& random, uint64_t num, uint64_t den);

// A sample of the discrete Laplace with scale num / den.
// REQUIRES: num > 0, den > 0, num < 2^62.
int64_t SampleDiscreteLaplace(Random& random, uint64_t num, uint64_t den);

// Noise for a query of `sensitivity` at privacy `epsilon_milli` / 1000.
int64_t LaplaceNoise(Random& random, int64_t sensitivity, int64_t epsilon_milli);

}  // namespace qt::dataspace

#endif  // QIANTANG_DATASPACE_NOISE_H_
