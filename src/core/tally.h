// DailyTally: what happened on one UTC day, as the modules count it for the
// city dashboard (city/dashboard.h). A day is a Unix millisecond time divided
// by kDayMillis, so SQL can group by `created_at / 86400000` on SQLite and
// PostgreSQL alike.
#ifndef QIANTANG_CORE_TALLY_H_
#define QIANTANG_CORE_TALLY_H_

#include <cstdint>

namespace qt {

inline constexpr int64_t kDayMillis = 86'400'000;

struct DailyTally {
  int64_t day = 0;    // UnixMillis / kDayMillis
  int64_t count = 0;  // events that day
  int64_t sum = 0;    // their amount (fen, milli-epsilon, card-ms: the caller's unit)
};

}  // namespace qt

#endif  // QIANTANG_CORE_TALLY_H_
