#include "core/text.h"

#include <fmt/format.h>

#include <string>

namespace qt {
std::optional<char32_t> DecodeUtf8(std::string_view s, size_t* pos) {
  const size_t i = *pos;
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t n;
  char32_t cp;
  if (c < 0x80) {
    *pos = i + 1;
    return c;
  }
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
    return std::nullopt;
  }
  if (i + n > s.size()) return std::nullopt;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (b(i + k) & 0x3f);
  }
  static constexpr char32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return std::nullopt;
  *pos = i + n;
  return cp;
}

std::string ValidUtf8Prefix(std::string_view s, size_t max_bytes) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  size_t pos = 0;
  while (pos < s.size()) {
    const size_t start = pos;
    const bool valid = DecodeUtf8(s, &pos).has_value();
    const std::string_view piece = valid ? s.substr(start, pos - start) : kReplacement;
    if (!valid) pos = start + 1;
    if (out.size() + piece.size() > max_bytes) break;
    out += piece;
  }
  return out;
}

bool IsInvisibleFormat(char32_t cp) {
  return cp == 0x00ad ||                      // soft hyphen
         cp == 0x034f ||                      // combining grapheme joiner
         cp == 0x061c ||                      // Arabic letter mark (bidi)
         cp == 0x115f || cp == 0x1160 ||      // Hangul fillers
         (cp >= 0x17b4 && cp <= 0x17b5) ||    // Khmer invisible vowels
         (cp >= 0x180b && cp <= 0x180f) ||    // Mongolian selectors and separator
         (cp >= 0x200b && cp <= 0x200f) ||    // zero widths, LRM, RLM
         (cp >= 0x2028 && cp <= 0x202e) ||    // separators; LRE, RLE, PDF, LRO, RLO
         (cp >= 0x2060 && cp <= 0x206f) ||    // word joiner, invisible operators; LRI..PDI
         cp == 0x3164 ||                      // Hangul filler
         (cp >= 0xfe00 && cp <= 0xfe0f) ||    // variation selectors
         cp == 0xfeff ||                      // zero width no-break space (BOM)
         cp == 0xffa0 ||                      // half-width Hangul filler
         (cp >= 0xfff0 && cp <= 0xfffb) ||    // specials, interlinear annotation
         (cp >= 0x1d173 && cp <= 0x1d17a) ||  // musical format controls
         (cp >= 0xe0000 && cp <= 0xe0fff);    // tags, variation selectors supplement
}

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
    std::optional<char32_t> cp = DecodeUtf8(text, &i);
    if (!cp) return InvalidArgument("is not valid UTF-8");
    if (*cp < 0x20 || (*cp >= 0x7f && *cp <= 0x9f)) {
      return InvalidArgument("must not contain control characters");
    }
    if (IsInvisibleFormat(*cp)) {
      return InvalidArgument(
          "must not contain bidirectional controls or invisible format characters (U+" +
          fmt::format("{:04X}", static_cast<uint32_t>(*cp)) + ")");
    }
  }
  return OkStatus();
}

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

}  // namespace qt
