#include "core/date.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>

namespace qt {
namespace {

// The digits of text[from, from + n) as a number, or -1.
int Digits(std::string_view text, size_t from, size_t n) {
  int out = 0;
  for (size_t i = from; i < from + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    out = out * 10 + (text[i] - '0');
  }
  return out;
}

}  // namespace

std::optional<Date> Date::Parse(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const int y = Digits(text, 0, 4), m = Digits(text, 5, 2), d = Digits(text, 8, 2);
  if (y < 1 || m < 1 || d < 1) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{y},
                                        std::chrono::month{static_cast<unsigned>(m)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return Date{std::chrono::sys_days(ymd).time_since_epoch().count()};
}

Date Date::OfMillis(int64_t utc_ms) {
  constexpr int64_t kDay = 86'400'000;
  return Date{utc_ms >= 0 ? utc_ms / kDay : -((-utc_ms + kDay - 1) / kDay)};
}

std::string Date::ToString() const {
  const std::chrono::year_month_day ymd{
      std::chrono::sys_days{std::chrono::days{static_cast<int32_t>(days)}}};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

std::optional<Month> Month::Parse(std::string_view text) {
  if (text.size() != 7 || text[4] != '-') return std::nullopt;
  const int y = Digits(text, 0, 4), m = Digits(text, 5, 2);
  if (y < 1 || m < 1 || m > 12) return std::nullopt;
  return Month{y, m};
}

Month Month::OfMillis(int64_t utc_ms) {
  const std::chrono::year_month_day ymd{
      std::chrono::sys_days{std::chrono::days{static_cast<int32_t>(Date::OfMillis(utc_ms).days)}}};
  return Month{static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month()))};
}

std::string Month::ToString() const { return fmt::format("{:04}-{:02}", year, month); }

int64_t Month::StartMillis() const {
  const std::chrono::year_month_day first{std::chrono::year{year},
                                          std::chrono::month{static_cast<unsigned>(month)},
                                          std::chrono::day{1}};
  return int64_t{std::chrono::sys_days(first).time_since_epoch().count()} * 86'400'000;
}

}  // namespace qt
