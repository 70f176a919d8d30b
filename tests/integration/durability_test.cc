// A write acknowledged with 2xx survives kill -9 of the server.
#include <gtest/gtest.h>

#include <atomic>
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

TEST(Durability, KillDuringAStreamOfWritesLosesNoAcknowledgedOne) {
  TempDir dir;
  ServerProcess server(dir.path().string());
  ASSERT_TRUE(server.Start());
  const std::string op = server.bootstrap_token();
  std::vector<std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    auto client = server.Client();
    for (int i = 0; !stop; ++i) {
      auto a = Call(*client, "POST", "/api/v1/orgs", op,
                    OrgBody("Stream " + std::to_string(i), "enterprise", 1000 + i));
      if (a.status != 201) break;  // the server is gone
      acknowledged.push_back(a.body["id"]);
    }
  });
  while (acknowledged.size() < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  server.Kill();
  stop = true;
  writer.join();

  ASSERT_TRUE(server.Start());
  auto client = server.Client();
  for (const auto& id : acknowledged)
    EXPECT_EQ(Call(*client, "GET", "/api/v1/orgs/" + id, op).status, 200) << id;
}

TEST(GracefulShutdown, SigtermDuringWritesExitsCleanlyAndKeepsEveryAcknowledgedWrite) {
  TempDir dir;
  ServerProcess server(dir.path().string());
  ASSERT_TRUE(server.Start());
  const std::string op = server.bootstrap_token();
  std::vector<std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    auto client = server.Client();
    for (int i = 0; !stop; ++i) {
      auto a = Call(*client, "POST", "/api/v1/orgs", op,
                    OrgBody("Graceful " + std::to_string(i), "enterprise", 5000 + i));
      if (a.status == 0) break;  // the server has stopped accepting
      ASSERT_EQ(a.status, 201) << a.raw;  // never a half-served request
      acknowledged.push_back(a.body["id"]);
    }
  });
  while (acknowledged.size() < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(server.Stop(), 0);
  stop = true;
  writer.join();

  ASSERT_TRUE(server.Start());
  auto client = server.Client();
  for (const auto& id : acknowledged) {
    EXPECT_EQ(Call(*client, "GET", "/api/v1/orgs/" + id, op).status, 200) << id;
  }
}

}  // namespace
}  // namespace qt::testing
