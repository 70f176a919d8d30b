// The resident identity number (公民身份号码, GB 11643-1999): 17 digits
// (6 address, 8 birth date YYYYMMDD, 3 sequence) and a check character
// a18 = (12 - sum(a_i * w_i) mod 11) mod 11 with w_i = 2^(18-i) mod 11,
// written "X" when it is 10.
//
// Thread-safety: pure functions.
#ifndef QIANTANG_CORE_RESIDENT_ID_H_
#define QIANTANG_CORE_RESIDENT_ID_H_

#include <string>
#include <string_view>

#include "core/status.h"

namespace qt {

// OK if `id` is an 18-character resident identity number with a valid birth
// date and check character (lower-case x accepted); else invalid_argument
// saying what is wrong.
Status ValidateResidentId(std::string_view id);

// The check character ('0'..'9' or 'X') for the first 17 digits.
// REQUIRES: first17 is 17 ASCII digits.
char ResidentIdCheckCharacter(std::string_view first17);

// "YYYY-MM-DD" of a valid number's birth date.
// REQUIRES: ValidateResidentId(id).ok().
std::string ResidentBirthDate(std::string_view id);

}  // namespace qt

#endif  // QIANTANG_CORE_RESIDENT_ID_H_
