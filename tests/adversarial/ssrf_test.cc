// Request forgery through policy webhooks (issue 19 §3): an organisation's
// admin registers a webhook URL and the server POSTs each notice there. A
// hostile admin aims it at the server's own network — an internal admin page
// on loopback, the cloud metadata service, the same addresses spelt as
// numbers (0x7f000001, 2130706433, 0177.0.0.1), IPv6 and IPv4-mapped forms,
// names that resolve to them — to make the server call it and report what it
// answered. Each is refused with 400 and nothing is called; an allowed
// receiver's redirect is not followed and its answer's body never comes back.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "tests/integration/api_test.h"

namespace qt::testing {
namespace {

using nlohmann::json;

// An HTTP server on loopback that counts the requests it gets: the internal
// service the attacker wants the server to call. `answer` shapes its replies.
class LoopbackService {
 public:
  explicit LoopbackService(std::function<void(httplib::Response&)> answer = nullptr)
      : answer_(std::move(answer)) {
    auto handler = [this](const httplib::Request&, httplib::Response& res) {
      ++hits_;
      res.status = 403;
      res.set_content("INTERNAL-SECRET admin console", "text/plain");
      if (answer_) answer_(res);
    };
    server_.Post(".*", handler);
    server_.Get(".*", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~LoopbackService() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  int hits() const { return hits_; }

 private:
  std::function<void(httplib::Response&)> answer_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> hits_{0};
};

template <typename F>
bool Eventually(F done) {
  for (int i = 0; i < 100; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

class SsrfTest : public ApiTest {
 protected:
  std::string SetHook(const std::string& token, const std::string& url, int* status) {
    auto r = Call(*client_, "POST", "/api/v1/match/webhook", token, json{{"url", url}}.dump());
    *status = r.status;
    return r.raw;
  }

  // Makes `firm` (organisation n) eligible for a new policy, so that the
  // server's own sync notices it and delivers to its webhook.
  void MakeANotice(const std::string& firm, int n) {
    const std::string authority = NewOrg("杭州市科学技术局", "authority", 900);
    auto award = Call(*client_, "POST", "/api/v1/match/policies", authority,
                      json{{"audience", "enterprise"},
                           {"title", "研发投入补助"},
                           {"benefit", "最高 200 万元"},
                           {"rule", "staff >= 50"},
                           {"valid_from", "2026-01-01"},
                           {"valid_until", "2099-12-31"}}
                          .dump());
    ASSERT_EQ(award.status, 201) << award.raw;
    auto saved = Call(*client_, "POST", "/api/v1/match/finance/profile", firm,
                      json{{"name", "攻击者科技有限公司"},
                           {"profile", {{"credit_code", CodeFor(n)}, {"staff", 120}}}}
                          .dump());
    ASSERT_EQ(saved.status, 200) << saved.raw;
  }
};

TEST_F(SsrfTest, WebhooksToInternalAddressesAreRefusedAndNothingIsCalled) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const std::string admin = NewOrg("攻击者科技有限公司", "enterprise", 901);
  LoopbackService internal;
  const std::string p = ":" + std::to_string(internal.port());
  const std::vector<std::string> urls = {
      // The brief's four, then every spelling of loopback and the other
      // internal ranges, and names that resolve to loopback.
      "http://127.0.0.1" + p + "/internal/admin",
      "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
      "http://0x7f000001" + p + "/",
      "https://localhost" + p + "/",
      "https://127.0.0.1" + p + "/internal/admin",
      "https://0x7f000001" + p + "/",
      "https://0x7F000001" + p + "/",
      "https://2130706433" + p + "/",
      "https://0177.0.0.1" + p + "/",
      "https://127.1" + p + "/",
      "https://0x7f.0.0.1" + p + "/",
      "https://127.0.0.2" + p + "/",
      "https://0.0.0.0" + p + "/",
      "https://[::1]" + p + "/",
      "https://[0:0:0:0:0:0:0:1]" + p + "/",
      "https://[::ffff:127.0.0.1]" + p + "/",
      "https://[::ffff:7f00:1]" + p + "/",
      "https://[::127.0.0.1]" + p + "/",
      "https://[::]" + p + "/",
      "https://169.254.169.254/latest/meta-data/",
      "https://[fe80::1]/",
      "https://10.0.0.1/",
      "https://172.16.0.1/",
      "https://192.168.0.1/",
      "https://100.64.0.1/",
      "https://[fd00::1]/",
      "https://[fc00::1]/",
      "https://224.0.0.1/",
      "https://[ff02::1]/",
      "https://255.255.255.255/",
      "https://LOCALHOST" + p + "/",
      "https://localhost." + p + "/",
      "https://user@127.0.0.1" + p + "/",
      "https://example.com@127.0.0.1" + p + "/",
      "http://example.com/hook",  // http without the operator's leave
  };
  for (const std::string& url : urls) {
    int status = 0;
    const std::string raw = SetHook(admin, url, &status);
    EXPECT_EQ(status, 400) << url << " " << raw;
    EXPECT_NE(raw.find("\"invalid_argument\""), std::string::npos) << raw;
  }
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/match/webhook", admin).status, 404);
  // The admin cannot make it call anything: no notice reaches the service.
  ASSERT_NO_FATAL_FAILURE(MakeANotice(admin, 901));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(internal.hits(), 0);
}

TEST_F(SsrfTest, OnlyTheOperatorsHostsMayBeHttpOrInternal) {
  // The operator allows 127.0.0.1 (its own receiver); not localhost, not
  // other spellings of the same address.
  ASSERT_NO_FATAL_FAILURE(StartServer({"--outbound-allow-hosts", "127.0.0.1"}));
  const std::string admin = NewOrg("攻击者科技有限公司", "enterprise", 902);
  LoopbackService internal;
  const std::string p = ":" + std::to_string(internal.port());
  for (const std::string& url :
       {"http://localhost" + p + "/", "http://0x7f000001" + p + "/", "http://2130706433" + p + "/",
        "http://[::ffff:127.0.0.1]" + p + "/", "http://127.0.0.2" + p + "/"}) {
    int status = 0;
    EXPECT_EQ((SetHook(admin, url, &status), status), 400) << url;
  }
  int status = 0;
  const std::string ok = SetHook(admin, "http://127.0.0.1" + p + "/hook", &status);
  EXPECT_EQ(status, 200) << ok;
}

TEST_F(SsrfTest, AnAllowedReceiversRedirectIsNotFollowedAndItsBodyNeverComesBack) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--outbound-allow-hosts", "127.0.0.1"}));
  const std::string admin = NewOrg("攻击者科技有限公司", "enterprise", 903);
  LoopbackService internal;
  // The receiver sends every delivery on to the internal service, with a
  // large body of its own.
  LoopbackService receiver([&](httplib::Response& res) {
    res.status = 307;
    res.set_header("Location",
                   "http://127.0.0.1:" + std::to_string(internal.port()) + "/internal/admin");
    res.set_content("INTERNAL-SECRET " + std::string(1 << 20, 'x'), "text/plain");
  });
  int status = 0;
  const std::string set =
      SetHook(admin, "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook", &status);
  ASSERT_EQ(status, 200) << set;
  ASSERT_NO_FATAL_FAILURE(MakeANotice(admin, 903));
  HttpAnswer hook;
  ASSERT_TRUE(Eventually([&] {
    hook = Call(*client_, "GET", "/api/v1/match/webhook", admin);
    return hook.body["last_error"].is_string();
  })) << hook.raw;
  EXPECT_EQ(hook.body["last_error"], "HTTP 307");
  EXPECT_EQ(hook.raw.find("INTERNAL-SECRET"), std::string::npos);
  EXPECT_GE(receiver.hits(), 1);
  EXPECT_EQ(internal.hits(), 0);
}

}  // namespace
}  // namespace qt::testing
