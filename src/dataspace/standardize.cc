#include "dataspace/standardize.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/ustring.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <vector>

#include "core/clock.h"
#include "core/text.h"

namespace qt::dataspace {
namespace {

// Length in bytes of the UTF-8 character starting with `lead`.
size_t Utf8Length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

}  // namespace

std::optional<std::string> StandardizeMobile(std::string_view text) {
  std::string digits;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && digits.empty() && i == 0) continue;
    if (c == ' ' || c == '-' || c == '(' || c == ')') continue;
    if (c < '0' || c > '9') return std::nullopt;
    digits += c;
  }
  if (digits.size() == 13 && digits.starts_with("86")) digits.erase(0, 2);
  if (digits.size() == 15 && digits.starts_with("0086")) digits.erase(0, 4);
  if (digits.size() != 11 || digits[0] != '1' || digits[1] < '3') return std::nullopt;
  return digits;
}

std::optional<std::string> StandardizeDate(std::string_view text) {
  int y = 0, m = 0, d = 0;
  if (text.size() == 8 && AllDigits(text)) {
    y = std::stoi(std::string(text.substr(0, 4)));
    m = std::stoi(std::string(text.substr(4, 2)));
    d = std::stoi(std::string(text.substr(6, 2)));
  } else {
    // Three digit runs separated by one of - / . or 年 月 (and an optional 日).
    std::array<int, 3> parts{};
    size_t n = 0, i = 0;
    while (n < 3) {
      size_t start = i;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
      if (i == start || i - start > 4) return std::nullopt;
      parts[n++] = std::stoi(std::string(text.substr(start, i - start)));
      if (n == 3) break;
      if (i < text.size() && (text[i] == '-' || text[i] == '/' || text[i] == '.')) {
        ++i;
      } else if (text.substr(i).starts_with("年") || text.substr(i).starts_with("月")) {
        i += 3;
      } else {
        return std::nullopt;
      }
    }
    std::string_view rest = text.substr(i);
    if (!rest.empty() && rest != "日") return std::nullopt;
    y = parts[0], m = parts[1], d = parts[2];
  }
  if (!ValidCivilDate(y, m, d)) return std::nullopt;
  char out[11];
  std::snprintf(out, sizeof out, "%04d-%02d-%02d", y, m, d);
  return std::string(out);
}

Result<std::string> NormalizeUnicode(std::string_view text, bool compatibility) {
  bool ascii = true;
  for (char c : text) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) return std::string(text);  // already normal in every form
  UErrorCode err = U_ZERO_ERROR;
  int32_t length = 0;
  u_strFromUTF8(nullptr, 0, &length, text.data(), static_cast<int32_t>(text.size()), &err);
  if (err == U_INVALID_CHAR_FOUND || err == U_ILLEGAL_CHAR_FOUND) {
    return InvalidArgument("not UTF-8 text");
  }
  err = U_ZERO_ERROR;
  const icu::Normalizer2* norm = compatibility ? icu::Normalizer2::getNFKCInstance(err)
                                               : icu::Normalizer2::getNFCInstance(err);
  if (U_FAILURE(err)) return Internal(std::string("ICU normaliser: ") + u_errorName(err));
  const icu::StringPiece piece(text.data(), static_cast<int32_t>(text.size()));
  if (norm->isNormalizedUTF8(piece, err) && U_SUCCESS(err)) return std::string(text);
  err = U_ZERO_ERROR;
  std::string result;
  icu::StringByteSink<std::string> sink(&result);
  norm->normalizeUTF8(0, piece, sink, nullptr, err);
  if (U_FAILURE(err)) return InvalidArgument(std::string("cannot normalise: ") + u_errorName(err));
  return result;
}

std::string TrimSpace(std::string_view text) {
  auto space_at_start = [](std::string_view s) -> size_t {
    if (!s.empty() && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n')) return 1;
    if (s.starts_with("\u3000")) return 3;
    if (s.starts_with("\u00a0")) return 2;
    return 0;
  };
  auto space_at_end = [](std::string_view s) -> size_t {
    if (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
      return 1;
    if (s.ends_with("\u3000")) return 3;
    if (s.ends_with("\u00a0")) return 2;
    return 0;
  };
  while (size_t n = space_at_start(text)) text.remove_prefix(n);
  while (size_t n = space_at_end(text)) text.remove_suffix(n);
  return std::string(text);
}

std::optional<Mask> ParseMask(std::string_view name) {
  for (Mask m : {Mask::kNone, Mask::kName, Mask::kMobile, Mask::kResidentId, Mask::kCreditCode,
                 Mask::kRedact}) {
    if (MaskName(m) == name) return m;
  }
  return std::nullopt;
}

std::string_view MaskName(Mask mask) {
  switch (mask) {
    case Mask::kNone:
      return "none";
    case Mask::kName:
      return "name";
    case Mask::kMobile:
      return "mobile";
    case Mask::kResidentId:
      return "resident_id";
    case Mask::kCreditCode:
      return "credit_code";
    case Mask::kRedact:
      return "redact";
  }
  return "none";
}

namespace {

// Keeps the first `head` and last `tail` characters (UTF-8), starring the rest.
std::string KeepEnds(std::string_view value, size_t head, size_t tail) {
  std::vector<std::string_view> chars;
  for (size_t i = 0; i < value.size();) {
    size_t n = std::min(Utf8Length(static_cast<unsigned char>(value[i])), value.size() - i);
    chars.push_back(value.substr(i, n));
    i += n;
  }
  if (chars.size() <= head + tail) {
    return std::string(chars.empty() ? std::string_view() : chars[0]) +
           std::string(chars.size() > 1 ? chars.size() - 1 : 0, '*');
  }
  std::string out;
  for (size_t i = 0; i < chars.size(); ++i) {
    out += (i < head || i >= chars.size() - tail) ? std::string(chars[i]) : std::string("*");
  }
  return out;
}

}  // namespace

std::string ApplyMask(Mask mask, std::string_view value) {
  switch (mask) {
    case Mask::kNone:
      return std::string(value);
    case Mask::kName:
      return KeepEnds(value, 1, 0);
    case Mask::kMobile:
      return KeepEnds(value, 3, 4);
    case Mask::kResidentId:
      return KeepEnds(value, 6, 4);
    case Mask::kCreditCode:
      return KeepEnds(value, 8, 2);
    case Mask::kRedact:
      return "***";
  }
  return "***";
}

}  // namespace qt::dataspace
