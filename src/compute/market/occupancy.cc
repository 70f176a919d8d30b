#include "compute/market/occupancy.h"

#include <algorithm>
#include <deque>
#include <limits>
#include <utility>

namespace qt::compute::market {

Occupancy::Occupancy(const std::vector<Reservation>& reservations) {
  std::vector<std::pair<int64_t, int64_t>> events;
  for (const Reservation& r : reservations) {
    if (r.end <= r.start) continue;
    events.emplace_back(r.start, r.cards);
    events.emplace_back(r.end, -r.cards);
  }
  std::sort(events.begin(), events.end());
  int64_t used = 0;
  for (size_t i = 0; i < events.size();) {
    int64_t t = events[i].first;
    for (; i < events.size() && events[i].first == t; ++i) used += events[i].second;
    at_.push_back(t);
    used_.push_back(used);
  }
}

int64_t Occupancy::EarliestStart(int64_t capacity, int64_t cards, int64_t from, int64_t duration,
                                 int64_t window_end) const {
  const int64_t limit = capacity - cards;  // most the others may hold
  if (limit < 0 || from + duration > window_end) return -1;
  const size_t n = at_.size();
  auto used_at = [&](size_t step) { return step == 0 ? int64_t{0} : used_[step - 1]; };
  // Step k (0..n) covers [start(k), start(k + 1)) with used_at(k) cards, where
  // step 0 starts at -inf and step n ends at +inf.
  auto start = [&](size_t k) { return k == 0 ? std::numeric_limits<int64_t>::min() : at_[k - 1]; };
  // The step containing `from`.
  size_t first = static_cast<size_t>(std::upper_bound(at_.begin(), at_.end(), from) - at_.begin());
  std::deque<size_t> window;  // steps in [i, j), used_at decreasing
  size_t j = first;
  for (size_t i = first; i <= n; ++i) {
    const int64_t t = i == first ? from : start(i);
    if (t + duration > window_end) return -1;
    while (!window.empty() && window.front() < i) window.pop_front();
    // Extend the window to every step beginning before t + duration.
    while (j <= n && (j == i || start(j) < t + duration)) {
      while (!window.empty() && used_at(window.back()) <= used_at(j)) window.pop_back();
      window.push_back(j);
      ++j;
    }
    if (used_at(window.front()) <= limit) return t;
  }
  return -1;
}

}  // namespace qt::compute::market
