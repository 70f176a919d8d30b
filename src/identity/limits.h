// Rate limits and lockouts, kept in the serving process's memory.
//
// RateLimiter: a token bucket per key — `per_minute` requests, refilled
// continuously, bursts up to the same number.
// Lockout: after `threshold` consecutive failures a key is locked; each
// further lock doubles (base, 2x, 4x ... up to `max_ms`); a success clears the
// failure count but not the escalation level, which decays after a day without
// failures.
//
// With several server processes each keeps its own counts, so a client that
// spreads requests over N processes gets up to N times the limit.
//
// Thread-safety: safe for concurrent use.
#ifndef QIANTANG_IDENTITY_LIMITS_H_
#define QIANTANG_IDENTITY_LIMITS_H_

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.h"

namespace qt::identity {

class RateLimiter {
 public:
  RateLimiter(const Clock& clock, int per_minute) : clock_(clock), per_minute_(per_minute) {}
  // Takes one token for `key`; false if none is left.
  bool Allow(const std::string& key);

 private:
  struct Bucket {
    double tokens = 0;
    int64_t at = 0;
  };
  const Clock& clock_;
  const int per_minute_;
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
};

class Lockout {
 public:
  Lockout(const Clock& clock, int threshold = 5, int64_t base_ms = 60'000,
          int64_t max_ms = 3'600'000)
      : clock_(clock), threshold_(threshold), base_ms_(base_ms), max_ms_(max_ms) {}
  // When `key` is locked: the time it unlocks (ms).
  std::optional<int64_t> LockedUntil(const std::string& key);
  void Fail(const std::string& key);
  void Succeed(const std::string& key);

 private:
  struct Entry {
    int failures = 0;
    int level = 0;  // locks so far
    int64_t locked_until = 0;
    int64_t last_failure = 0;
  };
  const Clock& clock_;
  const int threshold_;
  const int64_t base_ms_, max_ms_;
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

}  // namespace qt::identity

#endif  // QIANTANG_IDENTITY_LIMITS_H_
