#include "identity/limits.h"

#include <algorithm>

namespace qt::identity {

bool RateLimiter::Allow(const std::string& key) {
  const int64_t now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{static_cast<double>(per_minute_), now});
  Bucket& b = it->second;
  b.tokens = std::min<double>(per_minute_, b.tokens + (now - b.at) * per_minute_ / 60'000.0);
  b.at = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

std::optional<int64_t> Lockout::LockedUntil(const std::string& key) {
  const int64_t now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.locked_until <= now) return std::nullopt;
  return it->second.locked_until;
}

void Lockout::Fail(const std::string& key) {
  const int64_t now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  Entry& e = entries_[key];
  if (e.last_failure && now - e.last_failure > 86'400'000) e.level = 0;
  e.last_failure = now;
  if (++e.failures < threshold_) return;
  e.failures = 0;
  e.locked_until = now + std::min(max_ms_, base_ms_ << std::min(e.level, 20));
  ++e.level;
}

void Lockout::Succeed(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it != entries_.end()) it->second.failures = 0;
}

}  // namespace qt::identity
