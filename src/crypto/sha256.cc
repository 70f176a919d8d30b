#include "crypto/sha256.h"

#include <openssl/sha.h>

namespace qt::crypto {

Digest Sha256(std::span<const uint8_t> data) {
  Digest d;
  SHA256(data.data(), data.size(), d.data());
  return d;
}

Digest Sha256(std::string_view data) {
  return Sha256(std::span(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}

}  // namespace qt::crypto
