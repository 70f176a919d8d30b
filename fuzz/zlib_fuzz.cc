// Fuzzes the bounded zlib inflate of signed codes (identity/cose.h): any
// bytes either fail or inflate to at most the bound, and what inflates
// deflates and inflates back to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "identity/cose.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> in(data, size);
  auto out = qt::identity::Inflate(in);
  if (!out.ok()) return 0;
  if (out->size() > qt::identity::kMaxInflated) std::abort();
  auto again = qt::identity::Inflate(qt::identity::Deflate(*out));
  if (!again.ok() || *again != *out) std::abort();
  // A smaller bound refuses what does not fit, never truncates silently.
  auto small = qt::identity::Inflate(in, out->size() / 2);
  if (small.ok() && small->size() != out->size()) std::abort();
  return 0;
}
