// Object identifiers: "<prefix>_<26 chars>", a ULID in Crockford base32.
//
// The first 48 bits are the creation time in milliseconds and the remaining 80
// bits are random, so ids sort by creation time (cursor pagination orders by id)
// and cannot be guessed or enumerated. Example: "org_01JDX3V6Q0M4X8H2R5T7W9Y1ZA".
//
// Thread-safety: IdGenerator is safe for concurrent use if its Random is.
#ifndef QIANTANG_CORE_IDS_H_
#define QIANTANG_CORE_IDS_H_

#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/random.h"

namespace qt {

class IdGenerator {
 public:
  IdGenerator(const Clock& clock, Random& random) : clock_(clock), random_(random) {}
  // REQUIRES: prefix is lower-case ASCII letters.
  std::string Next(std::string_view prefix);

 private:
  const Clock& clock_;
  Random& random_;
};

// True if `id` is "<prefix>_" followed by 26 Crockford base32 characters.
bool IsValidId(std::string_view id, std::string_view prefix);

}  // namespace qt

#endif  // QIANTANG_CORE_IDS_H_
