// Cleaning and checking single values: the building blocks of governance
// pipelines (pipeline.h) and of previews.
//
// Chinese identifiers:
//   - resident identity number (公民身份号码, GB 11643-1999): core/resident_id.h.
//   - unified social credit code: accounts/credit_code.h.
//   - mobile numbers: 11 digits starting 1[3-9], optionally written with
//     +86 / 0086, spaces and dashes.
//
// Thread-safety: all functions are pure.
#ifndef QIANTANG_DATASPACE_STANDARDIZE_H_
#define QIANTANG_DATASPACE_STANDARDIZE_H_

#include <optional>
#include <string>
#include <string_view>

#include "core/resident_id.h"
#include "core/status.h"

namespace qt::dataspace {

// "138 0013-8000", "+86 13800138000" -> "13800138000"; nullopt if the text is
// not a mainland mobile number.
std::optional<std::string> StandardizeMobile(std::string_view text);

// "2024-1-2", "2024/01/02", "2024.1.2", "20240102", "2024年1月2日" ->
// "2024-01-02"; nullopt unless a real calendar date (1900-2199).
std::optional<std::string> StandardizeDate(std::string_view text);

// Unicode normalisation with ICU: "NFC", or "NFKC" (which also folds
// full-width digits and letters, common in Chinese forms, to ASCII).
// invalid_argument if `text` is not UTF-8.
Result<std::string> NormalizeUnicode(std::string_view text, bool compatibility);

// Removes leading and trailing white space, including U+3000 (ideographic
// space) and U+00A0.
std::string TrimSpace(std::string_view text);

// How a value is shown in a preview.
enum class Mask { kNone, kName, kMobile, kResidentId, kCreditCode, kRedact };
std::optional<Mask> ParseMask(std::string_view name);  // "none", "name", "mobile", ...
std::string_view MaskName(Mask mask);

// "张三丰" -> "张**", "13800138000" -> "138****8000",
// "110101199003074514" -> "110101********4514", credit code -> first 8 + "*"s
// + last 2, redact -> "***". Works on UTF-8 characters, never splits one.
std::string ApplyMask(Mask mask, std::string_view value);

}  // namespace qt::dataspace

#endif  // QIANTANG_DATASPACE_STANDARDIZE_H_
