// HookReceiver: a webhook endpoint on a loopback port for tests. It answers
// 503 to the first `fail_first` deliveries and 204 after, keeping each
// accepted delivery's body and X-Qiantang-Signature header.
#ifndef QIANTANG_TESTS_SUPPORT_HOOK_RECEIVER_H_
#define QIANTANG_TESTS_SUPPORT_HOOK_RECEIVER_H_

#include <httplib.h>

#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace qt::testing {

class HookReceiver {
 public:
  struct Delivery {
    std::string body;
    std::string signature;
  };

  explicit HookReceiver(int fail_first = 0) : fail_first_(fail_first) {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      if (fail_first_ > 0) {
        --fail_first_;
        res.status = 503;
        return;
      }
      received_.push_back({req.body, req.get_header_value("X-Qiantang-Signature")});
      res.status = 204;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~HookReceiver() {
    server_.stop();
    thread_.join();
  }
  HookReceiver(const HookReceiver&) = delete;
  HookReceiver& operator=(const HookReceiver&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  std::vector<Delivery> received() {
    std::lock_guard lock(mu_);
    return received_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  int fail_first_;
  std::vector<Delivery> received_;
};

}  // namespace qt::testing

#endif  // QIANTANG_TESTS_SUPPORT_HOOK_RECEIVER_H_
