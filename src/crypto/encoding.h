// Hex and base64 (RFC 4648) encodings, via libsodium's constant-time codecs.
#ifndef QIANTANG_CRYPTO_ENCODING_H_
#define QIANTANG_CRYPTO_ENCODING_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace qt::crypto {

using Bytes = std::vector<uint8_t>;

std::string HexEncode(std::span<const uint8_t> data);
Result<Bytes> HexDecode(std::string_view hex);

// The bytes of a string, to sign or hash text without copying it.
inline std::span<const uint8_t> AsBytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// Standard alphabet with padding ("+/="), as used by signed notes.
std::string Base64Encode(std::span<const uint8_t> data);
Result<Bytes> Base64Decode(std::string_view text);

// URL-safe alphabet without padding, as used in API tokens.
std::string Base64UrlEncode(std::span<const uint8_t> data);

}  // namespace qt::crypto

#endif  // QIANTANG_CRYPTO_ENCODING_H_
