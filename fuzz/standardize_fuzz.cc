// Fuzzes the single-value cleaners of governance pipelines
// (dataspace/standardize.h) and the identifier checks they use: mobile
// numbers, dates, Unicode normalisation, trimming, masks, resident identity
// numbers and credit codes. Cleaned values are fixed points (cleaning them
// again changes nothing) and masks never split a UTF-8 character.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "accounts/credit_code.h"
#include "core/resident_id.h"
#include "core/text.h"
#include "dataspace/schema.h"
#include "dataspace/standardize.h"

namespace ds = qt::dataspace;

namespace {

bool ValidUtf8(std::string_view s) {
  size_t pos = 0;
  while (pos < s.size()) {
    if (!qt::DecodeUtf8(s, &pos)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto m = ds::StandardizeMobile(text)) {
    if (m->size() != 11 || ds::StandardizeMobile(*m) != m) std::abort();
  }
  if (auto d = ds::StandardizeDate(text)) {
    if (d->size() != 10 || ds::StandardizeDate(*d) != d) std::abort();
    if (!ds::ValueFitsType(ds::FieldType::kDate, *d)) std::abort();
  }
  for (bool compat : {false, true}) {
    auto n = ds::NormalizeUnicode(text, compat);
    if (n.ok()) {
      auto again = ds::NormalizeUnicode(*n, compat);
      if (!again.ok() || *again != *n) std::abort();
    }
  }
  const std::string trimmed = ds::TrimSpace(text);
  if (ds::TrimSpace(trimmed) != trimmed) std::abort();
  const bool utf8 = ValidUtf8(text);
  for (ds::Mask mask : {ds::Mask::kNone, ds::Mask::kName, ds::Mask::kMobile, ds::Mask::kResidentId,
                        ds::Mask::kCreditCode, ds::Mask::kRedact}) {
    const std::string masked = ds::ApplyMask(mask, text);
    if (utf8 && !ValidUtf8(masked)) std::abort();
  }
  for (ds::FieldType t : {ds::FieldType::kText, ds::FieldType::kInteger, ds::FieldType::kReal,
                          ds::FieldType::kDate}) {
    (void)ds::ValueFitsType(t, text);
  }
  if (qt::ValidateResidentId(text).ok()) (void)qt::ResidentBirthDate(text);
  (void)qt::accounts::ValidateCreditCode(text);
  (void)qt::CheckDisplayText(text, 200);
  return 0;
}
