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

namespace {
constexpr int64_t kForgetAfterMs = 86'400'000;
}  // namespace

std::optional<int64_t> Lockout::LockedUntil(const std::string& key) {
  const int64_t now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.locked_until <= now) return std::nullopt;
  return it->second.locked_until;
}

void Lockout::Prune(int64_t now) {
  std::erase_if(entries_, [&](const auto& e) {
    return e.second.locked_until <= now || now - e.second.last_failure > kForgetAfterMs;
  });
}

void Lockout::Fail(const std::string& key) {
  const int64_t now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= options_.max_keys) {
      if (now < next_prune_) return;
      Prune(now);
      if (entries_.size() >= options_.max_keys) {
        next_prune_ = now + 1'000;  // every key is locked: sweep again in a second
        return;
      }
    }
    it = entries_.emplace(key, Entry{}).first;
  }
  Entry& e = it->second;
  if (e.last_failure && now - e.last_failure > kForgetAfterMs) e = Entry{};
  e.last_failure = now;
  const int over = ++e.failures - options_.free_failures;
  if (over <= 0) return;
  const int64_t wait = options_.base_ms << std::min(over - 1, 30);
  e.locked_until = now + std::min(options_.max_ms, wait);
}

void Lockout::Succeed(const std::string& key) {
  std::lock_guard lock(mu_);
  entries_.erase(key);
}

}  // namespace qt::identity
