// Clock: the one source of time. Time is UTC milliseconds since the Unix epoch.
//
// Production code takes a Clock& and never calls the system clock directly, so
// tests (ManualClock) and the simulator decide what "now" is.
//
// Thread-safety: all implementations are safe for concurrent use.
#ifndef QIANTANG_CORE_CLOCK_H_
#define QIANTANG_CORE_CLOCK_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace qt {

using UnixMillis = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixMillis NowMillis() const = 0;
};

// The system's real-time clock.
class SystemClock final : public Clock {
 public:
  UnixMillis NowMillis() const override;
  // A process-wide instance.
  static SystemClock& Get();
};

// A clock that moves only when told to; for tests and simulation.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(UnixMillis start) : now_(start) {}
  UnixMillis NowMillis() const override { return now_.load(); }
  void Advance(int64_t millis) { now_.fetch_add(millis); }

 private:
  std::atomic<UnixMillis> now_;
};

// Times a client sends as Unix milliseconds are accepted from 2000-01-01 to
// 2199-12-31 (UTC); anything else is a mistake, or an attack on the
// arithmetic and formatting of times (2^62 ms is year 146 million).
constexpr UnixMillis kEarliestClientTime = 946'684'800'000;  // 2000-01-01T00:00:00Z
constexpr UnixMillis kLatestClientTime = 7'258'118'399'999;  // 2199-12-31T23:59:59.999Z

// "2026-11-26T04:29:18.123Z"
std::string FormatRfc3339(UnixMillis t);
// Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" (UTC only); nullopt otherwise.
std::optional<UnixMillis> ParseRfc3339(std::string_view text);

// True if y-m-d is a date of the Gregorian calendar with 1900 <= y <= 2199.
bool ValidCivilDate(int y, int m, int d);

}  // namespace qt

#endif  // QIANTANG_CORE_CLOCK_H_
