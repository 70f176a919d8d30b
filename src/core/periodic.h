// PeriodicTask: runs a function on its own thread every interval until it is
// destroyed (the destructor waits for a run in progress, then stops).
//
// A run that fails, by returning a non-OK Status or by throwing, is logged
// with the task's name and counted in
// qiantang_background_failures_total{task="NAME"} (when given a registry); the
// next run comes on time. Nothing a run does ends the process.
//
// Thread-safety: the function runs on the task's own thread only.
//
//   PeriodicTask publisher("checkpoints", 1000, [&] { return ledger.Publish().status(); },
//                          &metrics);
#ifndef QIANTANG_CORE_PERIODIC_H_
#define QIANTANG_CORE_PERIODIC_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/metrics.h"
#include "core/status.h"

namespace qt {

class PeriodicTask {
 public:
  // `metrics` may be null (nothing is counted); it must outlive the task.
  PeriodicTask(std::string name, int64_t interval_ms, std::function<Status()> fn,
               MetricsRegistry* metrics = nullptr);
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  // Runs that failed so far.
  uint64_t failures() const { return failures_->value(); }

 private:
  void RunOnce();

  const std::string name_;
  const int64_t interval_ms_;
  std::function<Status()> fn_;
  Counter own_failures_;  // used when no registry is given
  Counter* failures_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace qt

#endif  // QIANTANG_CORE_PERIODIC_H_
