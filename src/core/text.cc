#include "core/text.h"

#include <string>

namespace qt {
namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 if it is malformed
// (overlong forms, surrogates and code points above U+10FFFF are malformed).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xe0) == 0xc0) {
    n = 2;
    cp = c & 0x1f;
  } else if ((c & 0xf0) == 0xe0) {
    n = 3;
    cp = c & 0x0f;
  } else if ((c & 0xf8) == 0xf0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3f);
  }
  static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

}  // namespace

Status CheckDisplayText(std::string_view text, size_t max_bytes) {
  if (text.empty()) return InvalidArgument("must not be empty");
  if (text.size() > max_bytes) {
    return InvalidArgument("is " + std::to_string(text.size()) + " bytes, at most " +
                           std::to_string(max_bytes) + " allowed");
  }
  if (text.front() == ' ' || text.back() == ' ') {
    return InvalidArgument("must not start or end with a space");
  }
  for (size_t i = 0; i < text.size();) {
    size_t n = Utf8SequenceLength(text, i);
    if (n == 0) return InvalidArgument("is not valid UTF-8");
    if (n == 1 && (static_cast<unsigned char>(text[i]) < 0x20 || text[i] == 0x7f)) {
      return InvalidArgument("must not contain control characters");
    }
    i += n;
  }
  return OkStatus();
}

}  // namespace qt
