#include "core/ids.h"

#include <array>
#include <cstdint>

namespace qt {
namespace {

constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

}  // namespace

std::string IdGenerator::Next(std::string_view prefix) {
  std::array<uint8_t, 16> bytes{};
  const uint64_t t = static_cast<uint64_t>(clock_.NowMillis());
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<uint8_t>(t >> (8 * (5 - i)));
  random_.Fill(std::span<uint8_t>(bytes).subspan(6));

  // 128 bits -> 26 base32 digits, most significant first (the first digit holds 3 bits).
  std::string out(prefix);
  out.push_back('_');
  auto bit = [&](int j) { return j < 0 ? 0 : (bytes[j / 8] >> (7 - j % 8)) & 1; };
  char digits[26];
  for (int i = 0; i < 26; ++i) {
    int v = 0;
    for (int j = i * 5 - 2; j < i * 5 + 3; ++j) v = (v << 1) | bit(j);
    digits[i] = kCrockford[static_cast<size_t>(v)];
  }
  out.append(digits, 26);
  return out;
}

bool IsValidId(std::string_view id, std::string_view prefix) {
  if (id.size() != prefix.size() + 1 + 26) return false;
  if (id.substr(0, prefix.size()) != prefix || id[prefix.size()] != '_') return false;
  for (char c : id.substr(prefix.size() + 1)) {
    if (kCrockford.find(c) == std::string_view::npos) return false;
  }
  return id[prefix.size() + 1] <= '7';  // 128 bits: the first digit holds only 3
}

}  // namespace qt
