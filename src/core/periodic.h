// PeriodicTask: runs a function on its own thread every interval until it is
// destroyed (the destructor waits for a run in progress, then stops).
//
//   PeriodicTask publisher(1000, [&] { ledger.Publish(); });
#ifndef QIANTANG_CORE_PERIODIC_H_
#define QIANTANG_CORE_PERIODIC_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace qt {

class PeriodicTask {
 public:
  PeriodicTask(int64_t interval_ms, std::function<void()> fn);
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

 private:
  const int64_t interval_ms_;
  std::function<void()> fn_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace qt

#endif  // QIANTANG_CORE_PERIODIC_H_
