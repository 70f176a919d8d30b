#include "crypto/encoding.h"

#include <sodium.h>

namespace qt::crypto {
namespace {

std::string Base64(std::span<const uint8_t> data, int variant) {
  std::string out(sodium_base64_encoded_len(data.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), data.data(), data.size(), variant);
  out.pop_back();  // the terminating NUL
  return out;
}

}  // namespace

std::string HexEncode(std::span<const uint8_t> data) {
  std::string out(data.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data.data(), data.size());
  out.pop_back();
  return out;
}

Result<Bytes> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return InvalidArgument("hex string has an odd length");
  if (hex.empty()) return Bytes{};
  Bytes out(hex.size() / 2);
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &len, &end) != 0 ||
      end != hex.data() + hex.size()) {
    return InvalidArgument("not a hex string");
  }
  out.resize(len);
  return out;
}

std::string Base64Encode(std::span<const uint8_t> data) {
  return Base64(data, sodium_base64_VARIANT_ORIGINAL);
}

std::string Base64UrlEncode(std::span<const uint8_t> data) {
  return Base64(data, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

Result<Bytes> Base64Decode(std::string_view text) {
  Bytes out(text.size() * 3 / 4 + 3);
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return InvalidArgument("not a base64 string");
  }
  out.resize(len);
  return out;
}

}  // namespace qt::crypto
