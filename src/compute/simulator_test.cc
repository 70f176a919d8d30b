#include "compute/simulator.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "compute/configs.h"
#include "compute/policy.h"
#include "compute/report.h"
#include "compute/test_jobs.h"
#include "tests/support/status_matchers.h"

namespace qt::compute {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

using ::qt::compute::testing::Cards;
using ::qt::compute::testing::Spec;

Trace Philly(size_t jobs) {
  Trace t =
      LoadTrace(std::string(std::getenv("QIANTANG_TESTDATA")) + "/traces/philly-pollux/philly.csv")
          .value();
  Truncate(&t, jobs);
  return t;
}

TEST(Simulator, FifoOnAHandMadeTraceGivesExactTimes) {
  Cluster c = Cards(8);
  Trace t;
  t.name = "hand";
  t.jobs = {Spec("a", 8, 0, 100), Spec("b", 4, 10, 50), Spec("c", 4, 20, 30)};
  auto r = Simulate(c, t, "fifo", {});
  ASSERT_THAT(r, IsOk()) << r.status().message();
  ASSERT_EQ(r->jobs, 3u);
  // a: 0..100; b and c start at 100; c ends 130, b ends 150.
  EXPECT_EQ(r->job_results[0].id, "a");
  EXPECT_EQ(r->job_results[1].id, "c");
  EXPECT_EQ(r->job_results[1].finish_ms, 130'000);
  EXPECT_EQ(r->job_results[2].finish_ms, 150'000);
  EXPECT_DOUBLE_EQ(r->avg_jct_s, (100.0 + 140.0 + 110.0) / 3);
  EXPECT_DOUBLE_EQ(r->avg_queue_s, (0.0 + 90.0 + 80.0) / 3);
  EXPECT_DOUBLE_EQ(r->makespan_s, 150.0);
  EXPECT_DOUBLE_EQ(r->utilization, (800.0 + 200.0 + 120.0) / (8 * 150.0));
}

TEST(Simulator, PreemptedJobsPayTheRestartCostAndFinish) {
  Cluster c = Cards(8);
  Trace t;
  t.jobs = {Spec("long", 8, 0, 10'000), Spec("short", 8, 1000, 100)};
  SimOptions o;
  o.scheduler.las_thresholds_card_s = {3600};
  o.scheduler.min_run_before_preemption_ms = 0;
  o.scheduler.preemption_cost_ms = 60'000;
  auto r = Simulate(c, t, "las", o);
  ASSERT_THAT(r, IsOk()) << r.status().message();
  ASSERT_EQ(r->jobs, 2u);
  EXPECT_EQ(r->preemptions, 1);
  EXPECT_EQ(r->job_results[0].id, "short");
  EXPECT_EQ(r->job_results[0].finish_ms, 1'100'000);
  // long: 1000 s done, then 9000 s more after 60 s of restart from 1100 s.
  EXPECT_EQ(r->job_results[1].finish_ms, (1100 + 60 + 9000) * 1000);
  EXPECT_EQ(r->job_results[1].preemptions, 1);
}

TEST(Simulator, RejectsNeverFittingJobsAndRunsTheRest) {
  Cluster c = Cards(8);
  Trace t;
  t.jobs = {Spec("ok", 8, 0, 10), Spec("huge", 64, 1, 10)};
  auto r = Simulate(c, t, "backfill", {});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->jobs, 1u);
  ASSERT_EQ(r->rejected.size(), 1u);
  EXPECT_NE(r->rejected[0].find("job huge: needs 64 cards"), std::string::npos);
  EXPECT_THAT(Simulate(c, t, "nope", {}), StatusIs(StatusCode::kInvalidArgument));
}

// Every policy completes every job of a real trace slice, conserves work
// (busy card-time = sum of cards x duration + restart costs) and keeps
// utilisation within [0, 1].
TEST(Simulator, EveryPolicyConservesWorkOnPhilly) {
  Cluster c = Cards(256);
  Trace t = Philly(3000);
  double work = 0;
  for (const JobSpec& j : t.jobs) work += static_cast<double>(j.duration_ms) * j.cards;
  for (std::string_view p : PolicyNames()) {
    SimOptions o;
    auto r = Simulate(c, t, p, o);
    ASSERT_THAT(r, IsOk()) << p << ": " << r.status().message();
    EXPECT_EQ(r->jobs, t.jobs.size()) << p;
    double busy = r->utilization * 256 * r->makespan_s * 1000;
    double overhead = static_cast<double>(r->preemptions) * o.scheduler.preemption_cost_ms;
    EXPECT_GE(busy, work * 0.999) << p;
    EXPECT_LE(busy, (work + overhead * 128) * 1.001) << p;
    EXPECT_LE(r->utilization, 1.0) << p;
    for (const Sample& s : r->samples) ASSERT_LE(s.utilization, 1.0 + 1e-9) << p;
    EXPECT_GT(r->jain_fairness, 0.0);
    EXPECT_LE(r->jain_fairness, 1.0 + 1e-9);
    for (const JobResult& j : r->job_results) {
      ASSERT_GE(j.first_start_ms, j.submit_ms) << p;
      ASSERT_GE(j.finish_ms - j.submit_ms, j.run_ms) << p;
    }
  }
}

TEST(Simulator, LasBeatsFifoOnPhilly) {
  Cluster c = Cards(256);
  Trace t = Philly(5000);
  auto fifo = Simulate(c, t, "fifo", {});
  auto las = Simulate(c, t, "las", {});
  ASSERT_TRUE(fifo.ok() && las.ok());
  EXPECT_LT(las->avg_jct_s * 2, fifo->avg_jct_s);
}

TEST(Report, WritesSummaryCsvAndPlots) {
  Cluster c = Cards(64);
  Trace t = Philly(500);
  std::vector<SimResult> results;
  for (const char* p : {"fifo", "las"}) results.push_back(Simulate(c, t, p, {}).value());
  std::string dir = ::testing::TempDir() + "/report_test";
  ASSERT_THAT(WriteReports(results, dir), IsOk());
  std::ifstream in(dir + "/summary.json");
  nlohmann::json summary = nlohmann::json::parse(in);
  ASSERT_EQ(summary.size(), 2u);
  for (const char* key : {"policy", "jobs", "avg_jct_s", "p50_jct_s", "p99_jct_s", "avg_queue_s",
                          "utilization", "makespan_s"}) {
    EXPECT_TRUE(summary[0].contains(key)) << key;
  }
  EXPECT_EQ(summary[1]["policy"], "las");
  EXPECT_EQ(summary[0]["jobs"], 500);
  std::ifstream jobs(dir + "/jobs.csv");
  std::string header;
  std::getline(jobs, header);
  EXPECT_EQ(
      header,
      "policy,id,tenant,cards,submit_s,start_s,finish_s,jct_s,queue_s,run_s,preemptions,leaves");
  EXPECT_TRUE(std::filesystem::exists(dir + "/metrics.csv"));
  for (const char* svg : {"/utilization.svg", "/jct_cdf.svg"}) {
    std::ifstream f(dir + svg);
    std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text.rfind("<svg", 0), 0u) << svg;
    EXPECT_NE(text.find("<polyline"), std::string::npos) << svg;
  }
}

}  // namespace
}  // namespace qt::compute

namespace qt::compute {
namespace {

TEST(Simulator, FasterChipsRunJobsFasterGivenAReferenceChip) {
  ChipCatalog cat = LoadChipCatalog("").value();
  Cluster h800 = Cluster::Homogeneous(8, "H800", cat).value();
  Trace t;
  t.jobs = {Spec("a", 8, 0, 989)};
  SimOptions o;
  o.reference_tflops = 989 / 2;  // trace measured on chips half as fast
  auto r = Simulate(h800, t, "fifo", o);
  ASSERT_THAT(r, IsOk());
  EXPECT_NEAR(static_cast<double>(r->job_results[0].finish_ms), 494'000, 1000);
  auto same = Simulate(h800, t, "fifo", {});
  EXPECT_EQ(same->job_results[0].finish_ms, 989'000);
}

}  // namespace
}  // namespace qt::compute
