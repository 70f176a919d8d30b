#include "identity/base45.h"

#include <array>

namespace qt::identity {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

// Digit values by character, -1 outside the alphabet.
constexpr std::array<int8_t, 256> kValues = [] {
  std::array<int8_t, 256> v{};
  v.fill(-1);
  for (size_t i = 0; i < kAlphabet.size(); ++i)
    v[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  return v;
}();

int Value(char c) { return kValues[static_cast<uint8_t>(c)]; }

}  // namespace

std::string Base45Encode(std::span<const uint8_t> bytes) {
  std::string out;
  size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) {
    unsigned n = bytes[i] * 256u + bytes[i + 1];
    out += kAlphabet[n % 45];
    out += kAlphabet[(n / 45) % 45];
    out += kAlphabet[n / 2025];
  }
  if (i < bytes.size()) {
    unsigned n = bytes[i];
    out += kAlphabet[n % 45];
    out += kAlphabet[n / 45];
  }
  return out;
}

Result<std::vector<uint8_t>> Base45Decode(std::string_view text) {
  if (text.size() % 3 == 1) return InvalidArgument("base45: a length of 1 mod 3 is not valid");
  std::vector<uint8_t> out;
  out.reserve(text.size() / 3 * 2 + 1);
  for (size_t i = 0; i < text.size(); i += 3) {
    const size_t n = std::min<size_t>(3, text.size() - i);
    unsigned v = 0, mul = 1;
    for (size_t k = 0; k < n; ++k) {
      int d = Value(text[i + k]);
      if (d < 0) {
        return InvalidArgument("base45: '" + std::string(1, text[i + k]) + "' at " +
                               std::to_string(i + k) + " is not in the alphabet");
      }
      v += static_cast<unsigned>(d) * mul;
      mul *= 45;
    }
    if (n == 3) {
      if (v > 0xffff)
        return InvalidArgument("base45: a triple above 65535 at " + std::to_string(i));
      out.push_back(static_cast<uint8_t>(v >> 8));
      out.push_back(static_cast<uint8_t>(v & 0xff));
    } else {
      if (v > 0xff) return InvalidArgument("base45: a final pair above 255");
      out.push_back(static_cast<uint8_t>(v));
    }
  }
  return out;
}

}  // namespace qt::identity
