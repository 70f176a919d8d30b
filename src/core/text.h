// Checks on human-entered text (names, labels, titles).
#ifndef QIANTANG_CORE_TEXT_H_
#define QIANTANG_CORE_TEXT_H_

#include <cstddef>
#include <string_view>

#include "core/status.h"

namespace qt {

// OK if `text` is valid UTF-8, 1..max_bytes bytes, has no control characters,
// and does not start or end with white space. The message does not name the
// field; callers add it with WithContext.
Status CheckDisplayText(std::string_view text, size_t max_bytes);

}  // namespace qt

#endif  // QIANTANG_CORE_TEXT_H_
