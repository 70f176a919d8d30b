// A write acknowledged with 2xx survives kill -9 of the server.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "tests/integration/test_codes.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace qt::testing {
namespace {

TEST(Durability, AcknowledgedWritesSurviveKillDashNine) {
  TempDir dir;
  ServerProcess server(dir.path().string());
  ASSERT_TRUE(server.Start());
  const std::string op = server.bootstrap_token();
  std::vector<std::string> acknowledged;
  {
    auto client = server.Client();
    for (int i = 0; i < 25; ++i) {
      auto a = Call(*client, "POST", "/api/v1/orgs", op,
                    OrgBody("Durable " + std::to_string(i), "enterprise", i));
      ASSERT_EQ(a.status, 201) << a.raw;
      acknowledged.push_back(a.body["id"]);
    }
  }
  server.Kill();

  ASSERT_TRUE(server.Start());
  EXPECT_TRUE(server.bootstrap_token().empty());
  auto client = server.Client();
  for (size_t i = 0; i < acknowledged.size(); ++i) {
    auto a = Call(*client, "GET", "/api/v1/orgs/" + acknowledged[i], op);
    EXPECT_EQ(a.status, 200) << acknowledged[i];
    EXPECT_EQ(a.body["name"], "Durable " + std::to_string(i));
  }
}

// Creates organisations one after another from a thread until the server
// stops answering, remembering every one acknowledged with 201.
class WriteStream {
 public:
  WriteStream(ServerProcess& server, std::string token, int first_code)
      : thread_([this, &server, token, first_code] {
          auto client = server.Client();
          for (int i = 0;; ++i) {
            auto a = Call(*client, "POST", "/api/v1/orgs", token,
                          OrgBody("Stream " + std::to_string(i), "enterprise", first_code + i));
            if (a.status == 0) break;  // the server is gone
            std::lock_guard lock(mu_);
            if (a.status == 201) {
              acknowledged_.push_back(a.body["id"]);
            } else {
              ++unexpected_;  // never a half-served or failed request
            }
          }
        }) {}

  void WaitFor(size_t n) {
    for (;;) {
      {
        std::lock_guard lock(mu_);
        if (acknowledged_.size() >= n) return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  // REQUIRES: the server has stopped.
  std::vector<std::string> Join() {
    thread_.join();
    EXPECT_EQ(unexpected_, 0);
    return acknowledged_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> acknowledged_;
  int unexpected_ = 0;
  std::thread thread_;
};

TEST(Durability, KillDuringAStreamOfWritesLosesNoAcknowledgedOne) {
  TempDir dir;
  ServerProcess server(dir.path().string());
  ASSERT_TRUE(server.Start());
  const std::string op = server.bootstrap_token();
  WriteStream stream(server, op, 1000);
  stream.WaitFor(20);
  server.Kill();
  std::vector<std::string> acknowledged = stream.Join();

  ASSERT_TRUE(server.Start());
  auto client = server.Client();
  for (const auto& id : acknowledged) {
    EXPECT_EQ(Call(*client, "GET", "/api/v1/orgs/" + id, op).status, 200) << id;
  }
}

TEST(GracefulShutdown, SigtermDuringWritesExitsCleanlyAndKeepsEveryAcknowledgedWrite) {
  TempDir dir;
  ServerProcess server(dir.path().string());
  ASSERT_TRUE(server.Start());
  const std::string op = server.bootstrap_token();
  WriteStream stream(server, op, 5000);
  stream.WaitFor(20);
  EXPECT_EQ(server.Stop(), 0);
  std::vector<std::string> acknowledged = stream.Join();

  ASSERT_TRUE(server.Start());
  auto client = server.Client();
  for (const auto& id : acknowledged) {
    EXPECT_EQ(Call(*client, "GET", "/api/v1/orgs/" + id, op).status, 200) << id;
  }
}

}  // namespace
}  // namespace qt::testing
