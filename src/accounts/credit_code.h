// The unified social credit code (统一社会信用代码) of GB 32100-2015.
//
// 18 characters from the 31-character set 0-9 and A-Y without I, O, S, V, Z:
//   1     registration authority (1 = organisation bodies, 5 = civil affairs,
//         9 = market regulation (companies), Y = other...)
//   2     organisation category within that authority
//   3-8   administrative division code (6 digits, e.g. 330100 = Hangzhou)
//   9-17  the organisation code (GB 11714)
//   18    check character: C18 = 31 - (sum of value(Ci) * 3^(i-1) mod 31) mod 31,
//         where value is the position in the character set.
//
// Example: "91330100716105852F" is valid.
#ifndef QIANTANG_ACCOUNTS_CREDIT_CODE_H_
#define QIANTANG_ACCOUNTS_CREDIT_CODE_H_

#include <string>
#include <string_view>

#include "core/status.h"

namespace qt::accounts {

// OK if `code` is a well-formed credit code with a correct check character;
// otherwise kInvalidArgument with a message saying what is wrong.
Status ValidateCreditCode(std::string_view code);

// The check character for the first 17 characters.
// REQUIRES: first17 has 17 characters from the code's character set.
char CreditCodeCheckCharacter(std::string_view first17);

}  // namespace qt::accounts

#endif  // QIANTANG_ACCOUNTS_CREDIT_CODE_H_
