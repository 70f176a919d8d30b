// Certificate numbers: a format with {year} and {seq:0N} (the registry's
// sequence, zero-padded to N digits), e.g. "HZ-DR-{year}-{seq:05}" ->
// "HZ-DR-2026-00001". The sequence is one per registry, never reset, never
// reused, without gaps (exchange.h draws it inside the issuing transaction).
#ifndef QIANTANG_EXCHANGE_NUMBERING_H_
#define QIANTANG_EXCHANGE_NUMBERING_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace qt::exchange {

inline constexpr const char* kDefaultNumberFormat = "HZ-DR-{year}-{seq:05}";

// invalid_argument unless the format has exactly one {seq} or {seq:0N}
// (1 <= N <= 12), at most {year} besides, and otherwise only A-Z, 0-9, '-'.
Status ValidateNumberFormat(std::string_view format);

// REQUIRES: ValidateNumberFormat(format) is OK.
std::string FormatNumber(std::string_view format, int year, int64_t seq);

}  // namespace qt::exchange

#endif  // QIANTANG_EXCHANGE_NUMBERING_H_
