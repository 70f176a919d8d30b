// The compute module end to end: `qiantang sim` as a user runs it (files
// in, reports out, errors with file and line), and the compute API and CLI
// verbs against the real server.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace qt::testing {
namespace {

std::string Testdata(const std::string& rel) {
  return std::string(std::getenv("QIANTANG_TESTDATA")) + "/" + rel;
}

nlohmann::json ReadJson(const std::filesystem::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

TEST(SimCommand, ReplaysPhillyOnTheTenThousandCardClusterAndWritesReports) {
  TempDir dir;
  auto out = dir.path() / "out";
  CommandResult r = RunCommand(
      {QiantangBinary(), "sim", "--trace", Testdata("traces/philly-pollux/philly.csv"), "--trace",
       Testdata("traces/microsoft-itp/raw/cluster04.csv"), "--cluster", "hz-10k", "--time-scale",
       "40", "--max-jobs", "4000", "--policy", "fifo,backfill,sjf,las,drf", "--out", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("cluster hz-10k (10000 cards, 9890 P)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("POLICY"), std::string::npos);
  EXPECT_NE(r.err.find("rows were out of submit order and have been sorted"), std::string::npos);
  // The progress bar is for terminals: none in a captured log.
  EXPECT_EQ(r.err.find("100%"), std::string::npos) << r.err;
  nlohmann::json summary = ReadJson(out / "summary.json");
  ASSERT_EQ(summary.size(), 5u);
  for (const auto& s : summary) {
    EXPECT_EQ(s["jobs"], 4000) << s["policy"];
    EXPECT_GT(s["utilization"].get<double>(), 0.0);
    EXPECT_GE(s["p99_jct_s"].get<double>(), s["p50_jct_s"].get<double>());
  }
  for (const char* f : {"jobs.csv", "metrics.csv", "utilization.svg", "jct_cdf.svg"}) {
    EXPECT_GT(std::filesystem::file_size(out / f), 100u) << f;
  }
}

TEST(SimCommand, BadInputExitsNonZeroNamingTheProblem) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  } cases[] = {
      {{"--trace", Testdata("traces/samples/negative_cards.csv"), "--cards", "16"},
       "negative_cards.csv:3: cards \"-2\" is not a positive integer"},
      {{"--trace", Testdata("traces/samples/missing_column.csv"), "--cards", "16"},
       "lacks column \"duration_s\""},
      {{"--trace", Testdata("traces/samples/mixed.csv"), "--cards", "12"},
       "cards must be a positive multiple of 8"},
      {{"--trace", Testdata("traces/samples/mixed.csv"), "--cards", "16", "--policy", "fifo,magic"},
       "unknown policy \"magic\""},
      {{"--trace", Testdata("traces/samples/mixed.csv"), "--cluster", "nowhere"},
       "no cluster file nowhere"},
      {{"--trace", Testdata("traces/samples/mixed.csv")}, "give one of --cluster or --cards"},
      {{"--trace", "/no/such.csv", "--cards", "16"}, "cannot open such.csv"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> argv = {QiantangBinary(), "sim", "--quiet"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    CommandResult r = RunCommand(argv);
    // Bad input exits 2, as docs/compute/simulator.md says (an unknown cluster exited 1).
    EXPECT_EQ(r.exit_code, 2) << c.message;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "") << c.message;
  }
}

TEST(SimCommand, JobsThatCanNeverFitAreRejectedAtSubmit) {
  // mixed.csv has a Huawei-only job; a cluster of A100s cannot run it.
  CommandResult r = RunCommand({QiantangBinary(), "sim", "--quiet", "--trace",
                                Testdata("traces/samples/mixed.csv"), "--cards", "16"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1 rejected"), std::string::npos) << r.out;
  EXPECT_NE(
      r.out.find("rejected: job j3: no pool of cluster 16xA100 has chips matching vendor:huawei"),
      std::string::npos)
      << r.out;
}

class ComputeApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(
        dir_.path().string(), std::vector<std::string>{"--traces-dir", Testdata("traces")});
    ASSERT_TRUE(server_->Start());
    token_ = server_->bootstrap_token();
  }
  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::string token_;
};

TEST_F(ComputeApiTest, ShowsChipsAndCapacityPublicly) {
  auto client = server_->Client();
  HttpAnswer chips = Call(*client, "GET", "/api/v1/compute/chips");
  ASSERT_EQ(chips.status, 200);
  ASSERT_EQ(chips.body["items"].size(), 11u);  // 7 accelerators, 4 CPU kinds
  int cpus = 0;
  for (const auto& c : chips.body["items"]) {
    if (c["kind"] == "cpu") {
      ++cpus;
      EXPECT_TRUE(c.contains("architecture")) << c;
      EXPECT_FALSE(c.contains("fp16_tflops")) << c;
    }
  }
  EXPECT_EQ(cpus, 4);
  HttpAnswer pool = Call(*client, "GET", "/api/v1/compute/clusters/hz-pool");
  ASSERT_EQ(pool.status, 200) << pool.raw;
  EXPECT_EQ(pool.body["pool_list"].size(), 18u);
  EXPECT_EQ(pool.body["by_provider"].size(), 17u);  // 17 providers
  EXPECT_EQ(Call(*client, "GET", "/api/v1/compute/clusters/none").status, 404);
  EXPECT_EQ(Call(*client, "GET", "/api/v1/compute/traces").status, 401);
  client.reset();
}

TEST_F(ComputeApiTest, RunsASimulationAndValidatesItsRequest) {
  auto client = server_->Client();
  HttpAnswer traces = Call(*client, "GET", "/api/v1/compute/traces", token_);
  ASSERT_EQ(traces.status, 200);
  bool has_philly = false;
  for (const auto& t : traces.body["items"]) has_philly |= t["name"] == "philly-pollux/philly.csv";
  EXPECT_TRUE(has_philly) << traces.raw;

  HttpAnswer sim = Call(
      *client, "POST", "/api/v1/compute/simulations", token_,
      R"({"trace":"philly-pollux/philly.csv","cards":256,"policies":"fifo,las","max_jobs":1500})");
  ASSERT_EQ(sim.status, 200) << sim.raw;
  ASSERT_EQ(sim.body["summary"].size(), 2u);
  EXPECT_EQ(sim.body["summary"][1]["policy"], "las");
  EXPECT_EQ(sim.body["summary"][0]["jobs"], 1500);
  EXPECT_EQ(sim.body["jct_cdf_svg"].get<std::string>().rfind("<svg", 0), 0u);

  struct Bad {
    std::string body;
    int status;
    std::string message;
  } bad[] = {
      {R"({"trace":"../../etc/passwd","cards":16})", 404, "trace: no trace named"},
      {R"({"trace":"philly-pollux/philly.csv"})", 400, "cluster: give one of cluster or cards"},
      {R"({"trace":"philly-pollux/philly.csv","cards":12})", 400,
       "cards must be a positive multiple of 8"},
      {R"({"trace":"philly-pollux/philly.csv","cluster":"hz-1m"})", 404,
       "cluster: no cluster named"},
      {R"({"trace":"philly-pollux/philly.csv","cards":16,"policies":"fifo,x"})", 400,
       "policies: unknown policy"},
      {R"({"trace":"philly-pollux/philly.csv","cards":16,"max_jobs":999999})", 400,
       "max_jobs: must be between 1 and 20000"},
      {R"({"trace":"philly-pollux/philly.csv","cards":16,"speed":2})", 400, "speed"},
  };
  for (const Bad& b : bad) {
    HttpAnswer a = Call(*client, "POST", "/api/v1/compute/simulations", token_, b.body);
    EXPECT_EQ(a.status, b.status) << b.body << " -> " << a.raw;
    EXPECT_NE(a.body["error"]["message"].get<std::string>().find(b.message), std::string::npos)
        << a.raw;
  }
  client.reset();
}

TEST_F(ComputeApiTest, CliVerbsCallTheApi) {
  CommandResult chips = server_->Cli({"compute", "chips"}, token_);
  ASSERT_EQ(chips.exit_code, 0) << chips.err;
  EXPECT_NE(chips.out.find("Ascend910B"), std::string::npos);
  // A collection lists with `list`, and alone as when it was a verb.
  CommandResult listed = server_->Cli({"compute", "chips", "list"}, token_);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(listed.out, chips.out);
  CommandResult cluster = server_->Cli({"compute", "clusters", "show", "hz-10k"}, token_);
  ASSERT_EQ(cluster.exit_code, 0) << cluster.err;
  EXPECT_NE(cluster.out.find("hz-10k: 10000 cards, 9890 P"), std::string::npos) << cluster.out;
  CommandResult sim =
      server_->Cli({"compute", "simulate", "--trace", "microsoft-itp/raw/cluster10.csv", "--cards",
                    "64", "--policy", "fifo,drf"},
                   token_);
  ASSERT_EQ(sim.exit_code, 0) << sim.err;
  EXPECT_NE(sim.out.find("drf"), std::string::npos) << sim.out;
  CommandResult bad =
      server_->Cli({"compute", "simulate", "--trace", "nope.csv", "--cards", "64"}, token_);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("no trace named \"nope.csv\""), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace qt::testing
