// Checks on human-entered text (names, labels, titles).
#ifndef QIANTANG_CORE_TEXT_H_
#define QIANTANG_CORE_TEXT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace qt {

// Decodes the UTF-8 sequence at s[*pos] and advances *pos past it. Returns
// nullopt (and leaves *pos) for malformed input: bad continuation bytes,
// truncation, overlong forms, surrogates, code points above U+10FFFF.
std::optional<char32_t> DecodeUtf8(std::string_view s, size_t* pos);

// True for characters that change how text around them is shown without being
// seen: bidirectional controls (U+202A–202E, U+2066–2069, LRM, RLM, ALM),
// zero-width characters, invisible fillers, variation selectors and tags —
// what makes "gpj.exe" display as "exe.jpg" or two names look the same.
bool IsInvisibleFormat(char32_t cp);

// OK if `text` is valid UTF-8, 1..max_bytes bytes, has no control characters
// (C0, DEL, C1) and no invisible format characters (IsInvisibleFormat), and
// does not start or end with white space. The message does not name the
// field; callers add it with WithContext.
Status CheckDisplayText(std::string_view text, size_t max_bytes);

// `s` as valid UTF-8 of at most `max_bytes`: each malformed byte replaced by
// U+FFFD, cut at a character boundary. For text from outside (a peer's error
// message) that is stored, journaled or printed: cutting it byte-wise, or
// passing it on as is, can leave a broken character that a JSON writer
// refuses.
std::string ValidUtf8Prefix(std::string_view s, size_t max_bytes);

// True if `s` is one or more ASCII digits.
bool AllDigits(std::string_view s);

}  // namespace qt

#endif  // QIANTANG_CORE_TEXT_H_
