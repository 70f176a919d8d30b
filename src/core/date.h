// Date: a calendar day in UTC, as days since 1970-01-01, written "YYYY-MM-DD"
// (ISO 8601). For the domain's days (a policy's validity, a demand's
// deadline), where milliseconds would say more than is meant.
//
// Thread-safety: a value type.
//
// Example:
//   std::optional<Date> d = Date::Parse("2026-12-31");   // nullopt: not a real day
//   Date today = Date::OfMillis(clock.NowMillis());
//   if (*d < today) ...;  d->ToString() == "2026-12-31"
#ifndef QIANTANG_CORE_DATE_H_
#define QIANTANG_CORE_DATE_H_

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace qt {

struct Date {
  int64_t days = 0;  // since 1970-01-01

  // "YYYY-MM-DD" of a day that exists (years 1..9999); nullopt otherwise.
  static std::optional<Date> Parse(std::string_view text);
  // The UTC day holding `utc_ms` (before 1970 too).
  static Date OfMillis(int64_t utc_ms);
  std::string ToString() const;

  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
  auto operator<=>(const Date&) const = default;
};

// A calendar month in UTC, written "YYYY-MM": the unit usage is reported in.
struct Month {
  int year = 1970;
  int month = 1;  // 1..12

  // "YYYY-MM" (years 1..9999); nullopt otherwise.
  static std::optional<Month> Parse(std::string_view text);
  // The UTC month holding `utc_ms`.
  static Month OfMillis(int64_t utc_ms);
  std::string ToString() const;
  // UTC milliseconds of its first instant.
  int64_t StartMillis() const;
  Month Next() const { return month == 12 ? Month{year + 1, 1} : Month{year, month + 1}; }

  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
  auto operator<=>(const Month&) const = default;
};

}  // namespace qt

#endif  // QIANTANG_CORE_DATE_H_
