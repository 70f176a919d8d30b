// How many cards of one pool reservations hold over time, as a step
// function, and where a new reservation fits: the matcher's core. Built in
// O(R log R) from R reservations; EarliestStart is one sweep with a sliding
// window maximum, O(R).
//
// Thread-safety: immutable once built; safe for concurrent reads.
#ifndef QIANTANG_COMPUTE_MARKET_OCCUPANCY_H_
#define QIANTANG_COMPUTE_MARKET_OCCUPANCY_H_

#include <cstdint>
#include <vector>

namespace qt::compute::market {

struct Reservation {
  int64_t start, end, cards;  // [start, end)
};

class Occupancy {
 public:
  explicit Occupancy(const std::vector<Reservation>& reservations);

  // The earliest t >= from with t + duration <= window_end such that `cards`
  // more fit next to the reservations throughout [t, t + duration) on a pool
  // of `capacity` cards; -1 if there is none.
  int64_t EarliestStart(int64_t capacity, int64_t cards, int64_t from, int64_t duration,
                        int64_t window_end) const;
  // Whether they fit exactly at [t, t + duration).
  bool FitsAt(int64_t capacity, int64_t cards, int64_t t, int64_t duration) const {
    return EarliestStart(capacity, cards, t, duration, t + duration) == t;
  }

 private:
  // Step i holds `used[i]` cards over [at[i], at[i + 1]); before at[0] and
  // from the last step on, nothing is held.
  std::vector<int64_t> at_;
  std::vector<int64_t> used_;
};

}  // namespace qt::compute::market

#endif  // QIANTANG_COMPUTE_MARKET_OCCUPANCY_H_
