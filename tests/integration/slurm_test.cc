// The compute platform dispatching to a real Slurm (Debian's slurmctld and
// slurmd, started by scripts/slurm-cluster.sh; QIANTANG_TEST_SLURM_CONF names
// its slurm.conf): an order becomes an sbatch job, is followed with squeue,
// metered from Slurm's job completion records (sacct --completion) and
// billed; cancelling scancels; a cluster taken out of service fails its order.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "tests/integration/test_codes.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace qt::testing {
namespace {

constexpr const char* kCluster = R"({"name": "slurm-a100", "region": "滨江区", "backend": "slurm",
  "pools": [{"name": "gpu", "chip": "A100", "nodes": 1, "cards_per_node": 8}],
  "fen_per_card_hour": {"A100": 1200}})";

class SlurmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* conf = std::getenv("QIANTANG_TEST_SLURM_CONF");
    if (conf == nullptr)
      GTEST_SKIP() << "QIANTANG_TEST_SLURM_CONF is not set (scripts/test.sh sets it)";
    conf_ = conf;
    // A 1-hour order holds its Slurm allocation for 2 s.
    server_ = std::make_unique<ServerProcess>(
        dir_.path().string(),
        std::vector<std::string>{"--slurm-conf", conf_, "--simulated-time-scale", "1800",
                                 "--market-tick-ms", "100"});
    ASSERT_TRUE(server_->Start());
    client_ = server_->Client();
    std::string op = server_->bootstrap_token();
    auto p =
        Call(*client_, "POST", "/api/v1/orgs", op, OrgBody("Slurm 算力", "compute_provider", 801));
    auto e = Call(*client_, "POST", "/api/v1/orgs", op, OrgBody("Slurm 用户", "enterprise", 802));
    provider_ = p.body["admin_token"]["secret"];
    enterprise_ = e.body["admin_token"]["secret"];
    auto c = Call(*client_, "POST", "/api/v1/compute/provider-clusters", provider_, kCluster);
    ASSERT_EQ(c.status, 201) << c.raw;
    cluster_ = c.body["id"];
  }
  void TearDown() override { client_.reset(); }

  std::string Order(int cards) {
    auto req =
        Call(*client_, "POST", "/api/v1/compute/requests", enterprise_,
             R"({"cards": )" + std::to_string(cards) +
                 R"(, "chip": "chip:A100", "duration_s": 3600, "max_fen_per_card_hour": 2000})");
    EXPECT_EQ(req.status, 201) << req.raw;
    auto o =
        Call(*client_, "POST",
             "/api/v1/compute/quotes/" + req.body["quotes"][0]["id"].get<std::string>() + "/accept",
             enterprise_);
    EXPECT_EQ(o.status, 201) << o.raw;
    return o.body["id"];
  }

  nlohmann::json WaitFor(const std::string& order, const std::string& state) {
    nlohmann::json last;
    for (int i = 0; i < 300; ++i) {
      auto orders = Call(*client_, "GET", "/api/v1/compute/orders?limit=500", enterprise_);
      for (const auto& o : orders.body["items"]) {
        if (o["id"] == order) last = o;
      }
      if (!last.is_null() && last["state"] == state) return last;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << order << " never reached " << state << "; last: " << last.dump();
    return last;
  }

  CommandResult Slurm(std::vector<std::string> args) {
    return RunCommand(args, {"SLURM_CONF=" + conf_, "TZ=UTC"});
  }

  TempDir dir_;
  std::string conf_, provider_, enterprise_, cluster_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(SlurmTest, AnOrderRunsAsASlurmJobAndIsMeteredFromItsAccounting) {
  std::string id = Order(8);
  auto running = WaitFor(id, "running");
  ASSERT_TRUE(running["backend_job"].is_string()) << running.dump();
  std::string job = running["backend_job"];
  auto done = WaitFor(id, "completed");
  ASSERT_EQ(done["state"], "completed");
  // Slurm's own record of the job: its name, its state, its times.
  auto sacct = Slurm({"/usr/bin/sacct", "--completion", "-n", "-P", "-j", job, "-o",
                      "JobID,JobName,State,Start,End"});
  ASSERT_EQ(sacct.exit_code, 0) << sacct.err;
  EXPECT_NE(sacct.out.find(job + "|qiantang-" + id + "|COMPLETED|"), std::string::npos)
      << sacct.out;
  // 8 cards x (End - Start) x 1800: the 2-second hold, to Slurm's 1-s resolution.
  double hours = done["usage_card_hours"];
  EXPECT_GE(hours, 8.0 * 1 * 1800 / 3600);
  EXPECT_LE(hours, 8.0 * 4 * 1800 / 3600);
  auto bills = Call(*client_, "GET", "/api/v1/compute/bills", enterprise_);
  ASSERT_EQ(bills.body["items"].size(), 1u);
  EXPECT_EQ(bills.body["items"][0]["gross_fen"], static_cast<int64_t>(hours * 1200 + 0.5));
}

TEST_F(SlurmTest, CancellingARunningOrderCancelsTheSlurmJob) {
  std::string id = Order(8);
  auto running = WaitFor(id, "running");
  std::string job = running["backend_job"];
  auto c = Call(*client_, "POST", "/api/v1/compute/orders/" + id + "/cancel", enterprise_,
                R"({"reason": "enough"})");
  ASSERT_EQ(c.status, 200) << c.raw;
  EXPECT_EQ(c.body["state"], "cancelled");
  std::string state;
  for (int i = 0; i < 50 && state.find("CANCELLED") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    state = Slurm({"/usr/bin/sacct", "--completion", "-n", "-P", "-j", job, "-o", "State"}).out;
  }
  EXPECT_NE(state.find("CANCELLED"), std::string::npos) << state;
}

TEST_F(SlurmTest, AClusterTakenOutOfServiceFailsItsOrderAndBillsWhatRan) {
  std::string id = Order(8);
  auto running = WaitFor(id, "running");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto off =
      Call(*client_, "POST", "/api/v1/compute/provider-clusters/" + cluster_ + "/availability",
           provider_, R"({"available": false})");
  ASSERT_EQ(off.status, 200) << off.raw;
  auto failed = WaitFor(id, "failed");
  EXPECT_EQ(failed["reason"], "the provider's cluster became unavailable");
  auto bills = Call(*client_, "GET", "/api/v1/compute/bills", enterprise_);
  ASSERT_EQ(bills.body["items"].size(), 1u);
  EXPECT_GT(bills.body["items"][0]["gross_fen"].get<int64_t>(), 0);
  EXPECT_LT(bills.body["items"][0]["gross_fen"].get<int64_t>(), 8 * 1200);  // less than the hour
}

}  // namespace
}  // namespace qt::testing
