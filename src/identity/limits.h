// Rate limits and lockouts, kept in the serving process's memory.
//
// RateLimiter: a token bucket per key — `per_minute` requests, refilled
// continuously, bursts up to the same number.
// Lockout: exponential back-off per key. The first `free_failures`
// consecutive failures cost nothing; each further one locks the key for
// base, 2x, 4x ... up to `max_ms` from that failure. A success forgets the
// key; so does a day without failures. At most `max_keys` keys are kept: when
// full, keys not locked now are dropped, and while every kept key is locked a
// new key's failures are not counted (an attacker who fills the table only
// stops counting its own junk).
//
// The caller chooses what a key proves: identity.h keys bad citizen tokens
// by (address, token prefix) and bad receipt signatures by address.
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
  struct Options {
    int free_failures = 5;
    int64_t base_ms = 1'000;
    int64_t max_ms = 3'600'000;
    size_t max_keys = 100'000;
  };
  Lockout(const Clock& clock, Options options) : clock_(clock), options_(options) {}
  explicit Lockout(const Clock& clock) : Lockout(clock, Options()) {}
  Lockout(const Clock& clock, int free_failures)
      : Lockout(clock, Options{.free_failures = free_failures}) {}
  // When `key` is locked: the time it unlocks (ms).
  std::optional<int64_t> LockedUntil(const std::string& key);
  void Fail(const std::string& key);
  void Succeed(const std::string& key);

 private:
  struct Entry {
    int failures = 0;
    int64_t locked_until = 0;
    int64_t last_failure = 0;
  };
  // Drops keys not locked now (REQUIRES: mu_ held).
  void Prune(int64_t now);
  const Clock& clock_;
  const Options options_;
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
  int64_t next_prune_ = 0;
};

}  // namespace qt::identity

#endif  // QIANTANG_IDENTITY_LIMITS_H_
