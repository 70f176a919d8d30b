// Jobs on a live cluster through the real server: a tenant's gang job takes a
// leaf, the next waits in the queue and starts when the cards free; another
// tenant sees neither id; bad jobs are refused and change nothing; a server
// killed mid-run comes back to the same placements and finishes the jobs.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/integration/live_cluster.h"
#include "tests/integration/test_codes.h"

namespace qt::testing {
namespace {

// A job hour is 2 s of wall time.
class JobsApiTest : public LiveClusterApiTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartWithCluster(
        {"--simulated-time-scale", "1800", "--market-tick-ms", "50", "--jobs-policy", "fifo"}));
  }

  HttpAnswer Submit(const std::string& token, int cards, int hours) {
    return Call(*client_, "POST", "/api/v1/compute/jobs", token,
                nlohmann::json{{"cluster_id", cluster_},
                               {"name", "预训练"},
                               {"cards", cards},
                               {"chip", "chip:H800"},
                               {"duration_s", hours * 3600}}
                    .dump());
  }

  // Polls until job `id` is in `state` (at most ~10 s).
  std::string WaitFor(const std::string& id, const std::string& state) {
    std::string now;
    for (int i = 0; i < 200 && now != state; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      now = Call(*client_, "GET", "/api/v1/compute/jobs/" + id, tenant_).body.value("state", "");
    }
    return now;
  }
};

TEST_F(JobsApiTest, AGangJobTakesOneLeafAndTheNextWaitsForItsCards) {
  auto big = Submit(tenant_, 16, 1);
  ASSERT_EQ(big.status, 201) << big.raw;
  EXPECT_EQ(big.body["state"], "running");
  EXPECT_EQ(big.body["leaves"], 1);
  EXPECT_EQ(big.body["nodes"].size(), 2u);
  auto second = Submit(tenant_, 16, 1);
  ASSERT_EQ(second.status, 201) << second.raw;
  EXPECT_EQ(second.body["state"], "running");
  auto waiting = Submit(tenant_, 32, 1);
  ASSERT_EQ(waiting.status, 201) << waiting.raw;
  EXPECT_EQ(waiting.body["state"], "queued");
  std::string wid = waiting.body["id"];

  auto queue =
      Call(*client_, "GET", "/api/v1/compute/provider-clusters/" + cluster_ + "/queue", tenant_);
  ASSERT_EQ(queue.status, 200) << queue.raw;
  ASSERT_EQ(queue.body["items"].size(), 1u);
  EXPECT_EQ(queue.body["items"][0]["id"], wid);
  auto nodes =
      Call(*client_, "GET", "/api/v1/compute/provider-clusters/" + cluster_ + "/nodes", tenant_);
  ASSERT_EQ(nodes.status, 200) << nodes.raw;
  ASSERT_EQ(nodes.body["items"].size(), 4u);
  for (const auto& n : nodes.body["items"]) EXPECT_EQ(n["free"], 0) << n.dump();

  EXPECT_EQ(WaitFor(wid, "running"), "running");
  EXPECT_EQ(
      Call(*client_, "GET", "/api/v1/compute/jobs/" + big.body["id"].get<std::string>(), tenant_)
          .body["state"],
      "completed");
  EXPECT_EQ(WaitFor(wid, "completed"), "completed");

  auto listed = server_->Cli({"compute", "jobs", "list", "--cluster", cluster_}, tenant_);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find(wid), std::string::npos) << listed.out;
  auto shown = server_->Cli({"compute", "nodes", cluster_}, tenant_);
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("32 of 32 cards free"), std::string::npos) << shown.out;
}

TEST_F(JobsApiTest, AnotherTenantLearnsNoIdAndCannotTouchTheJob) {
  auto mine = Submit(tenant_, 32, 10);
  ASSERT_EQ(mine.status, 201) << mine.raw;
  auto queued = Submit(tenant_, 8, 10);
  ASSERT_EQ(queued.status, 201) << queued.raw;
  for (const std::string& id :
       {mine.body["id"].get<std::string>(), queued.body["id"].get<std::string>()}) {
    EXPECT_EQ(Call(*client_, "GET", "/api/v1/compute/jobs/" + id, other_).status, 404);
    EXPECT_EQ(Call(*client_, "POST", "/api/v1/compute/jobs/" + id + "/cancel", other_, "{}").status,
              404);
    auto cli = server_->Cli({"compute", "jobs", "cancel", id}, other_);
    EXPECT_NE(cli.exit_code, 0);
  }
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/compute/jobs", other_).body["items"].size(), 0u);
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/compute/jobs?cluster_id=" + cluster_, other_)
                .body["items"]
                .size(),
            0u);
  auto queue =
      Call(*client_, "GET", "/api/v1/compute/provider-clusters/" + cluster_ + "/queue", other_);
  ASSERT_EQ(queue.status, 200);
  ASSERT_EQ(queue.body["items"].size(), 1u);
  EXPECT_TRUE(queue.body["items"][0]["id"].is_null());
  EXPECT_TRUE(queue.body["items"][0]["tenant_id"].is_null());
  auto nodes =
      Call(*client_, "GET", "/api/v1/compute/provider-clusters/" + cluster_ + "/nodes", other_);
  ASSERT_EQ(nodes.status, 200);
  EXPECT_EQ(nodes.raw.find(mine.body["id"].get<std::string>()), std::string::npos);
  // Anonymous callers see nothing at all.
  EXPECT_EQ(
      Call(*client_, "GET", "/api/v1/compute/provider-clusters/" + cluster_ + "/nodes").status,
      401);
  // Still running: nothing the other tenant did reached it.
  EXPECT_EQ(
      Call(*client_, "GET", "/api/v1/compute/jobs/" + mine.body["id"].get<std::string>(), tenant_)
          .body["state"],
      "running");
  // The provider sees and may cancel every job on its cluster.
  auto cancelled = Call(*client_, "POST",
                        "/api/v1/compute/jobs/" + mine.body["id"].get<std::string>() + "/cancel",
                        provider_, "{}");
  ASSERT_EQ(cancelled.status, 200) << cancelled.raw;
  EXPECT_EQ(cancelled.body["state"], "cancelled");
  EXPECT_EQ(
      Call(*client_, "GET", "/api/v1/compute/jobs/" + queued.body["id"].get<std::string>(), tenant_)
          .body["state"],
      "running");
}

TEST_F(JobsApiTest, BadJobsAreRefusedWithTheFieldNamedAndChangeNothing) {
  const std::string c = "\"cluster_id\": \"" + cluster_ + "\"";
  for (const auto& [body, status, field] : std::vector<std::tuple<std::string, int, std::string>>{
           {"{" + c + ", \"cards\": 0, \"duration_s\": 60}", 400, "cards"},
           {"{" + c + ", \"cards\": 40, \"duration_s\": 60}", 400, "40 cards"},
           {"{" + c + ", \"cards\": 8}", 400, "duration_s"},
           {"{" + c + ", \"cards\": 8, \"duration_s\": 60, \"chip\": \"vendor:huawei\"}", 400,
            "huawei"},
           {"{" + c + ", \"cards\": 8, \"duration_s\": 60, \"chip\": \"gpu\"}", 400, "chip"},
           {"{" + c + ", \"cards\": 8, \"duration_s\": 60, \"priority\": 10}", 400, "priority"},
           {"{" + c + ", \"cards\": 8, \"duration_s\": 60, \"gang\": true}", 400, "gang"},
           {"{" + c + ", \"cards\": 8, \"duration_s\": 60, \"name\": \"a\\u0000b\"}", 400, "name"},
           {R"({"cluster_id": "ccl_missing", "cards": 8, "duration_s": 60})", 404, "ccl_missing"},
           {"[1]", 400, "object"},
       }) {
    auto r = Call(*client_, "POST", "/api/v1/compute/jobs", tenant_, body);
    EXPECT_EQ(r.status, status) << body << " -> " << r.raw;
    EXPECT_NE(r.raw.find(field), std::string::npos) << body << " -> " << r.raw;
  }
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/compute/jobs", op_).body["items"].size(), 0u);
  auto cli = server_->Cli(
      {"compute", "jobs", "submit", "--cluster", cluster_, "--cards", "0", "--duration-s", "60"},
      tenant_);
  EXPECT_NE(cli.exit_code, 0);
  EXPECT_NE(cli.err.find("cards"), std::string::npos) << cli.err;
  // An unavailable cluster takes no new jobs.
  ASSERT_EQ(
      Call(*client_, "POST", "/api/v1/compute/provider-clusters/" + cluster_ + "/availability",
           provider_, R"({"available": false})")
          .status,
      200);
  EXPECT_EQ(Submit(tenant_, 8, 1).status, 409);
}

TEST_F(JobsApiTest, ANodeTakenDownStopsItsGangWholeAndOnlyTheProviderMayDoIt) {
  auto gang = Submit(tenant_, 16, 10);
  ASSERT_EQ(gang.status, 201) << gang.raw;
  const int64_t node = gang.body["nodes"][0]["node"];
  const std::string path =
      "/api/v1/compute/provider-clusters/" + cluster_ + "/nodes/" + std::to_string(node) + "/down";
  EXPECT_EQ(Call(*client_, "POST", path, tenant_, "{}").status, 403);
  EXPECT_EQ(Call(*client_, "POST", path, other_, "{}").status, 403);
  EXPECT_EQ(Call(*client_, "POST", path).status, 401);
  for (const std::string bad : {"x", "-1", "4", "1e2", "99999999999999999999"}) {
    auto r = Call(*client_, "POST",
                  "/api/v1/compute/provider-clusters/" + cluster_ + "/nodes/" + bad + "/down",
                  provider_, "{}");
    EXPECT_EQ(r.status, 400) << bad << " " << r.raw;
  }
  auto cli = server_->Cli(
      {"compute", "node-down", cluster_, std::to_string(node), "--reason", "液冷泵告警"},
      provider_);
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_NE(cli.out.find("down"), std::string::npos) << cli.out;
  EXPECT_EQ(Call(*client_, "POST", path, provider_, "{}").status, 409);  // already down

  auto moved =
      Call(*client_, "GET", "/api/v1/compute/jobs/" + gang.body["id"].get<std::string>(), tenant_);
  EXPECT_EQ(moved.body["preemptions"], 1) << moved.raw;
  EXPECT_EQ(moved.body["state"], "running") << moved.raw;
  for (const auto& part : moved.body["nodes"]) EXPECT_NE(part["node"], node) << moved.raw;
  auto nodes =
      Call(*client_, "GET", "/api/v1/compute/provider-clusters/" + cluster_ + "/nodes", tenant_);
  EXPECT_EQ(nodes.body["items"][node]["down"], true);
  EXPECT_EQ(nodes.body["items"][node]["free"], 0);
  // The ledger says who took it down and why.
  auto ledger = server_->Cli({"ledger", "events", cluster_}, op_);
  ASSERT_EQ(ledger.exit_code, 0) << ledger.err;
  EXPECT_NE(ledger.out.find("compute.node.down"), std::string::npos) << ledger.out;
  auto events = Call(*client_, "GET", "/api/v1/ledger/events?subject=" + cluster_, op_);
  EXPECT_NE(events.raw.find("液冷泵告警"), std::string::npos) << events.raw;
}

TEST_F(JobsApiTest, AServerKilledMidRunComesBackToTheSamePlacementsAndFinishes) {
  auto first = Submit(tenant_, 24, 2);
  auto second = Submit(other_, 16, 1);
  ASSERT_EQ(first.status, 201) << first.raw;
  ASSERT_EQ(second.status, 201) << second.raw;
  EXPECT_EQ(second.body["state"], "queued");
  auto before =
      Call(*client_, "GET", "/api/v1/compute/provider-clusters/" + cluster_ + "/nodes", provider_);
  ASSERT_EQ(before.status, 200);

  client_.reset();
  server_->Kill();
  ASSERT_TRUE(server_->Start());
  client_ = server_->Client();
  auto after =
      Call(*client_, "GET", "/api/v1/compute/provider-clusters/" + cluster_ + "/nodes", provider_);
  ASSERT_EQ(after.status, 200);
  auto first_now =
      Call(*client_, "GET", "/api/v1/compute/jobs/" + first.body["id"].get<std::string>(), tenant_);
  if (first_now.body["state"] == "running") EXPECT_EQ(after.body, before.body);
  EXPECT_EQ(WaitFor(first.body["id"], "completed"), "completed");
  std::string state;
  for (int i = 0; i < 200 && state != "completed"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    state = Call(*client_, "GET", "/api/v1/compute/jobs/" + second.body["id"].get<std::string>(),
                 other_)
                .body.value("state", "");
  }
  EXPECT_EQ(state, "completed");
  auto done =
      Call(*client_, "GET", "/api/v1/compute/jobs/" + first.body["id"].get<std::string>(), tenant_);
  EXPECT_EQ(done.body["run_s"], 2 * 3600);
}

// Quotas through the real server, as the operator, the provider, the tenant
// and another tenant would try them.
TEST_F(JobsApiTest, OnlyTheOperatorSetsQuotasAndACeilingHoldsTheTenantsJobs) {
  const std::string tenant_id =
      Call(*client_, "GET", "/api/v1/whoami", tenant_).body["org"]["id"].get<std::string>();
  const std::string path = "/api/v1/compute/provider-clusters/" + cluster_ + "/quotas";
  const std::string quota =
      nlohmann::json{{"tenant_id", tenant_id}, {"resource", "chip:H800"}, {"ceiling", 16}}.dump();
  for (const std::string& who : {provider_, tenant_, other_}) {
    auto refused = Call(*client_, "POST", path, who, quota);
    EXPECT_EQ(refused.status, 403) << refused.raw;
  }
  EXPECT_EQ(Call(*client_, "POST", path, "", quota).status, 401);
  for (const std::string& bad :
       {std::string(R"({"tenant_id": "org_nosuch", "resource": "chip:H800", "ceiling": 8})"),
        R"({"tenant_id": ")" + tenant_id + R"(", "resource": "vendor:huawei", "ceiling": 8})",
        R"({"tenant_id": ")" + tenant_id +
            R"(", "resource": "chip:H800", "guaranteed": 16, "ceiling": 8})",
        R"({"tenant_id": ")" + tenant_id + R"(", "resource": "chip:H800", "ceiling": -1})",
        R"({"tenant_id": ")" + tenant_id + R"(", "resource": "chip:H800", "extra": 1})"}) {
    auto refused = Call(*client_, "POST", path, op_, bad);
    EXPECT_EQ(refused.status, 400) << bad << " " << refused.raw;
    EXPECT_TRUE(refused.body["error"].contains("message")) << refused.raw;
  }
  EXPECT_EQ(Call(*client_, "GET", path, op_).body["items"].size(), 0u);  // nothing stored

  auto set = server_->Cli({"compute", "quota-set", cluster_, "--tenant", tenant_id, "--resource",
                           "chip:H800", "--ceiling", "16"},
                          op_);
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_NE(set.out.find("ceiling 16, holds 0 of 32"), std::string::npos) << set.out;

  auto first = Submit(tenant_, 16, 10);
  auto held = Submit(tenant_, 8, 10);
  auto others = Submit(other_, 8, 10);
  ASSERT_EQ(first.status, 201) << first.raw;
  EXPECT_EQ(first.body["state"], "running");
  EXPECT_EQ(held.body["state"], "queued");
  EXPECT_EQ(others.body["state"], "running");  // fifo, yet not blocked behind the held job
  auto too_big = Submit(tenant_, 24, 1);
  EXPECT_EQ(too_big.status, 409) << too_big.raw;

  auto mine = Call(*client_, "GET", path, tenant_);
  ASSERT_EQ(mine.status, 200);
  ASSERT_EQ(mine.body["items"].size(), 1u);
  EXPECT_EQ(mine.body["items"][0]["held"], 16);
  EXPECT_EQ(Call(*client_, "GET", path, other_).body["items"].size(), 0u);
  EXPECT_EQ(Call(*client_, "GET", path, provider_).body["items"].size(), 1u);
  auto listed = server_->Cli({"compute", "quotas", cluster_}, provider_);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find(tenant_id), std::string::npos) << listed.out;
  auto refused = server_->Cli({"compute", "quota-set", cluster_, "--tenant", tenant_id,
                               "--resource", "chip:H800", "--ceiling", "32"},
                              tenant_);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("only the operator"), std::string::npos) << refused.err;

  // A restarted server keeps the ceiling.
  client_.reset();
  server_->Kill();
  ASSERT_TRUE(server_->Start());
  client_ = server_->Client();
  auto again =
      Call(*client_, "GET", "/api/v1/compute/jobs/" + held.body["id"].get<std::string>(), tenant_);
  EXPECT_EQ(again.body["state"], "queued");
  EXPECT_EQ(Call(*client_, "GET", path, op_).body["items"][0]["ceiling"], 16);
}

TEST_F(JobsApiTest, OnlyTheOperatorChangesThePolicyAndTheQueueFollowsIt) {
  const std::string path = "/api/v1/compute/provider-clusters/" + cluster_ + "/policy";
  auto first = Submit(tenant_, 24, 10);
  auto head = Submit(other_, 16, 10);
  auto small = Submit(other_, 8, 10);
  ASSERT_EQ(small.status, 201) << small.raw;
  EXPECT_EQ(first.body["state"], "running");
  EXPECT_EQ(small.body["state"], "queued");  // fifo: behind the blocked head
  auto shown = Call(*client_, "GET", path, tenant_);
  ASSERT_EQ(shown.status, 200) << shown.raw;
  EXPECT_EQ(shown.body["policy"], "fifo");
  EXPECT_TRUE(shown.body["set_by"].is_null());

  for (const std::string& who : {provider_, tenant_, other_}) {
    EXPECT_EQ(Call(*client_, "POST", path, who, R"({"policy": "sjf"})").status, 403);
  }
  EXPECT_EQ(Call(*client_, "POST", path, "", R"({"policy": "sjf"})").status, 401);
  EXPECT_EQ(Call(*client_, "GET", path, "").status, 401);
  for (const char* bad : {R"({"policy": "lottery"})", R"({"policy": 3})", R"({})",
                          R"({"policy": "sjf", "extra": 1})", "not json"}) {
    auto refused = Call(*client_, "POST", path, op_, bad);
    EXPECT_EQ(refused.status, 400) << bad << " " << refused.raw;
    EXPECT_TRUE(refused.body["error"].contains("message")) << refused.raw;
  }
  EXPECT_EQ(Call(*client_, "POST", path, op_, R"({"policy": "fifo"})").status, 409);
  EXPECT_EQ(Call(*client_, "POST", "/api/v1/compute/provider-clusters/ccl_nosuch/policy", op_,
                 R"({"policy": "sjf"})")
                .status,
            404);
  EXPECT_EQ(
      Call(*client_, "GET", "/api/v1/compute/jobs/" + small.body["id"].get<std::string>(), other_)
          .body["state"],
      "queued");  // the refusals changed nothing

  auto refused = server_->Cli({"compute", "policy-set", cluster_, "sjf"}, tenant_);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("only the operator"), std::string::npos) << refused.err;
  auto set = server_->Cli({"compute", "policy-set", cluster_, "sjf"}, op_);
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_NE(set.out.find(": sjf (set by "), std::string::npos) << set.out;
  auto moved =
      Call(*client_, "GET", "/api/v1/compute/jobs/" + small.body["id"].get<std::string>(), other_);
  EXPECT_EQ(moved.body["state"], "running");  // sjf starts what fits
  EXPECT_EQ(
      Call(*client_, "GET", "/api/v1/compute/jobs/" + head.body["id"].get<std::string>(), other_)
          .body["state"],
      "queued");

  // A restarted server runs the policy it was changed to, not its flag's.
  client_.reset();
  server_->Kill();
  ASSERT_TRUE(server_->Start());
  client_ = server_->Client();
  auto cli = server_->Cli({"compute", "policy", cluster_}, other_);
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_NE(cli.out.find(": sjf"), std::string::npos) << cli.out;
  auto ledger = server_->Cli({"ledger", "events", cluster_}, op_);
  EXPECT_NE(ledger.out.find("compute.policy.set"), std::string::npos) << ledger.out;
}

TEST_F(JobsApiTest, UsageShowsEachTenantOnlyItsOwnCardHours) {
  auto job = Submit(tenant_, 16, 1);  // one job hour is 2 s of wall time
  ASSERT_EQ(job.status, 201) << job.raw;
  EXPECT_EQ(WaitFor(job.body["id"], "completed"), "completed");
  const std::string tenant_id =
      Call(*client_, "GET", "/api/v1/whoami", tenant_).body["org"]["id"].get<std::string>();

  auto mine = Call(*client_, "GET", "/api/v1/compute/usage", tenant_);
  ASSERT_EQ(mine.status, 200) << mine.raw;
  ASSERT_EQ(mine.body["items"].size(), 1u) << mine.raw;
  const auto& row = mine.body["items"][0];
  EXPECT_EQ(row["tenant_id"], tenant_id);
  EXPECT_EQ(row["chip"], "H800");
  EXPECT_EQ(row["unit"], "card");
  EXPECT_EQ(row["domestic"], false);
  // 16 cards for 2 s of wall time: 0.0089 card-hours, shown as 0.00 or 0.01.
  EXPECT_LE(row["hours"].get<double>(), 0.01);
  ASSERT_EQ(mine.body["tenants"].size(), 1u);
  EXPECT_EQ(mine.body["tenants"][0]["card_hours"]["domestic_share"], 0.0);
  EXPECT_TRUE(mine.body["tenants"][0]["core_hours"]["domestic_share"].is_null());

  // Another tenant learns nothing of it, even naming the tenant.
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/compute/usage", other_).body["items"].size(), 0u);
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/compute/usage?tenant_id=" + tenant_id, other_)
                .body["items"]
                .size(),
            0u);
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/compute/usage", provider_).body["items"].size(), 1u);
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/compute/usage", "").status, 401);
  for (const std::string& bad : {"from=2026-13", "to=2026-1", "from=2027-01&to=2026-12",
                                 "from=2020-01&to=2026-12", "to=next"}) {
    auto refused = Call(*client_, "GET", "/api/v1/compute/usage?" + bad, tenant_);
    EXPECT_EQ(refused.status, 400) << bad << " " << refused.raw;
  }
  auto cli = server_->Cli({"compute", "usage"}, tenant_);
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_NE(cli.out.find("H800"), std::string::npos) << cli.out;
}

}  // namespace
}  // namespace qt::testing
