// ConnectionPool: up to `max` open connections of one backend, handed to one
// caller at a time. Shared by SqliteStore and PgStore.
//
// Thread-safety: safe for concurrent use.
#ifndef QIANTANG_STORE_INTERNAL_CONNECTION_POOL_H_
#define QIANTANG_STORE_INTERNAL_CONNECTION_POOL_H_

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/status.h"

namespace qt::store::internal {

template <typename Conn>
class ConnectionPool {
 public:
  using Opener = std::function<Result<std::unique_ptr<Conn>>()>;

  ConnectionPool(int max, Opener open) : max_(max), open_(std::move(open)) {}

  // An idle connection, or a new one while fewer than `max` are open; else waits.
  Result<std::unique_ptr<Conn>> Acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !idle_.empty() || open_count_ < max_; });
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    ++open_count_;
    lock.unlock();
    auto conn = open_();
    if (!conn.ok()) Forget();
    return conn;
  }

  // Returns a connection; a broken one is closed and a new one opened later.
  void Release(std::unique_ptr<Conn> conn, bool healthy) {
    if (!healthy) {
      conn.reset();
      Forget();
      return;
    }
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(conn));
    cv_.notify_one();
  }

 private:
  void Forget() {
    std::lock_guard lock(mu_);
    --open_count_;
    cv_.notify_one();
  }

  const int max_;
  const Opener open_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Conn>> idle_;
  int open_count_ = 0;
};

}  // namespace qt::store::internal

#endif  // QIANTANG_STORE_INTERNAL_CONNECTION_POOL_H_
