// Fuzzes Base45 (identity/base45.h, RFC 9285): decoding any text either fails
// or gives bytes that encode back to the same text.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "identity/base45.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto bytes = qt::identity::Base45Decode(text);
  if (!bytes.ok()) return 0;
  if (qt::identity::Base45Encode(*bytes) != text) std::abort();
  return 0;
}
