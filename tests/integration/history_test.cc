// A live cluster's utilisation and fragmentation history through the real
// server: sampled while the server runs the cluster, readable by any member
// as cluster-wide figures only (another tenant learns no job or tenant), bad
// ranges and steps refused with 400, anonymous callers refused with 401.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/integration/live_cluster.h"

namespace qt::testing {
namespace {

class HistoryApiTest : public LiveClusterApiTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartWithCluster({"--market-tick-ms", "50", "--jobs-policy", "fifo"}));
  }

  std::string Path(const std::string& query = "") {
    return "/api/v1/compute/provider-clusters/" + cluster_ + "/history" + query;
  }
};

TEST_F(HistoryApiTest, AnyMemberSeesTheClustersFiguresAndNoTenantsJob) {
  auto job = Call(*client_, "POST", "/api/v1/compute/jobs", tenant_,
                  R"({"cluster_id": ")" + cluster_ +
                      R"(", "name": "预训练", "cards": 16, "duration_s": 360000})");
  ASSERT_EQ(job.status, 201) << job.raw;
  ASSERT_EQ(job.body["state"], "running");
  // The next scheduling tick samples the cluster (stamped with the minute).
  HttpAnswer history;
  for (int i = 0; i < 100; ++i) {
    history = Call(*client_, "GET", Path(), other_);
    ASSERT_EQ(history.status, 200) << history.raw;
    if (!history.body["points"].empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(history.body["points"].size(), 1u) << history.raw;
  EXPECT_EQ(history.body["interval_s"], 60);
  EXPECT_EQ(history.body["step_s"], 360);  // a day in 240 steps
  const auto& point = history.body["points"][0];
  EXPECT_EQ(point["samples"], 1);
  EXPECT_EQ(point["utilization"], 0.5);
  EXPECT_EQ(point["fragmentation"], 0);
  ASSERT_EQ(point["pools"].size(), 1u);
  const auto& pool = point["pools"][0];
  EXPECT_EQ(pool["pool"], "h800");
  EXPECT_EQ(pool["cards"], 32);
  EXPECT_EQ(pool["busy"], 16);
  EXPECT_EQ(pool["free"], 16);
  EXPECT_EQ(pool["down"], 0);
  EXPECT_EQ(pool["pending"], 0);
  // Nothing in it names the job or its tenant.
  EXPECT_EQ(history.raw.find(job.body["id"].get<std::string>()), std::string::npos);
  EXPECT_EQ(history.raw.find(job.body["tenant_id"].get<std::string>()), std::string::npos);
  EXPECT_EQ(Call(*client_, "GET", Path(), provider_).status, 200);

  auto cli = server_->Cli({"compute", "history", cluster_, "--step-s", "120"}, other_);
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_NE(cli.out.find("h800"), std::string::npos) << cli.out;
  EXPECT_NE(cli.out.find("a step of 120 s"), std::string::npos) << cli.out;
}

TEST_F(HistoryApiTest, BadRangesAndStepsAreRefusedAndAnonymousCallersToo) {
  for (const char* query : {
           "?from=yesterday",
           "?to=2026-13-01T00:00:00Z",
           "?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z",
           "?from=2026-12-01T00:00:00Z&to=2026-12-01T00:00:00Z",
           "?step_s=30",
           "?step_s=90",
           "?step_s=abc",
           "?step_s=-60",
           "?step_s=99999999999999999999",
           // 2,880 one-minute steps: more than 1,000 points.
           "?from=2026-12-01T00:00:00Z&to=2026-12-03T00:00:00Z&step_s=60",
       }) {
    auto answer = Call(*client_, "GET", Path(query), tenant_);
    EXPECT_EQ(answer.status, 400) << query << " " << answer.raw;
    EXPECT_TRUE(answer.body.contains("error")) << answer.raw;
  }
  EXPECT_EQ(Call(*client_, "GET",
                 Path("?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z&step_s=120"), tenant_)
                .status,
            200);
  EXPECT_EQ(
      Call(*client_, "GET", "/api/v1/compute/provider-clusters/ccl_nosuchcluster/history", tenant_)
          .status,
      404);
  EXPECT_EQ(Call(*client_, "GET", Path()).status, 401);
  auto cli = server_->Cli({"compute", "history", cluster_, "--step-s", "30"}, tenant_);
  EXPECT_NE(cli.exit_code, 0);
  EXPECT_NE(cli.err.find("step"), std::string::npos) << cli.err;
}

}  // namespace
}  // namespace qt::testing
