#include "core/periodic.h"

#include <chrono>

namespace qt {

PeriodicTask::PeriodicTask(int64_t interval_ms, std::function<void()> fn)
    : interval_ms_(interval_ms), fn_(std::move(fn)) {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      cv_.wait_for(lock, std::chrono::milliseconds(interval_ms_), [this] { return stop_; });
      if (stop_) break;
      lock.unlock();
      fn_();
      lock.lock();
    }
  });
}

PeriodicTask::~PeriodicTask() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

}  // namespace qt
