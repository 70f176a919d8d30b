// Base45 (RFC 9285): the QR alphanumeric-mode encoding of signed credentials.
//
// Thread-safety: pure functions.
#ifndef QIANTANG_IDENTITY_BASE45_H_
#define QIANTANG_IDENTITY_BASE45_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace qt::identity {

std::string Base45Encode(std::span<const uint8_t> bytes);

// invalid_argument for characters outside the alphabet, a length of 1 mod 3,
// triples above 65535 and final pairs above 255 (RFC 9285 section 4.2).
Result<std::vector<uint8_t>> Base45Decode(std::string_view text);

}  // namespace qt::identity

#endif  // QIANTANG_IDENTITY_BASE45_H_
