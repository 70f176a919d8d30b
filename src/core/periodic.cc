#include "core/periodic.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <exception>

namespace qt {

PeriodicTask::PeriodicTask(std::string name, int64_t interval_ms, std::function<Status()> fn,
                           MetricsRegistry* metrics)
    : name_(std::move(name)),
      interval_ms_(interval_ms),
      fn_(std::move(fn)),
      failures_(metrics ? &metrics->GetCounter("qiantang_background_failures_total",
                                               "Runs of background tasks that failed (logged)",
                                               {{"task", name_}})
                        : &own_failures_) {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      cv_.wait_for(lock, std::chrono::milliseconds(interval_ms_), [this] { return stop_; });
      if (stop_) break;
      lock.unlock();
      RunOnce();
      lock.lock();
    }
  });
}

void PeriodicTask::RunOnce() {
  std::string failure;
  try {
    Status s = fn_();
    if (!s.ok()) failure = s.ToString();
  } catch (const std::exception& e) {
    failure = std::string("exception: ") + e.what();
  } catch (...) {
    failure = "unknown exception";
  }
  if (failure.empty()) return;
  failures_->Increment();
  spdlog::error("background task {} failed (it runs again in {} ms): {}", name_, interval_ms_,
                failure);
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
