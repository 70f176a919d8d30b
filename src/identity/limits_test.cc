// Rate limits and lockouts under concurrent use (limits.h says: safe for
// concurrent use). Run under ThreadSanitizer by scripts/tsan.sh; the counts
// below also fail without it if an update is lost.
#include "identity/limits.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace qt::identity {
namespace {

TEST(RateLimiterConcurrency, ManyThreadsGetExactlyTheBudgetBetweenThem) {
  ManualClock clock(1'780'000'000'000);
  RateLimiter limiter(clock, 100);
  std::atomic<int> allowed{0}, other_allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        if (limiter.Allow("citizen-1")) ++allowed;
        // Other keys are created while the shared one is used.
        if (limiter.Allow("citizen-" + std::to_string(100 + t * 50 + i))) ++other_allowed;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 100) << "the burst is the per-minute budget, shared by all threads";
  EXPECT_EQ(other_allowed.load(), 400);
}

TEST(LockoutConcurrency, FailuresFromManyThreadsAllCountAndLock) {
  ManualClock clock(1'780'000'000'000);
  Lockout lockout(clock, /*threshold=*/5);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        lockout.Fail("10.0.0.9");
        (void)lockout.LockedUntil("10.0.0.9");
        // Another address succeeds and fails at the same time.
        const std::string other = "10.0.1." + std::to_string(t);
        lockout.Fail(other);
        lockout.Succeed(other);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(lockout.LockedUntil("10.0.0.9").has_value());
  for (int t = 0; t < 8; ++t) {
    EXPECT_FALSE(lockout.LockedUntil("10.0.1." + std::to_string(t)).has_value());
  }
}

}  // namespace
}  // namespace qt::identity
