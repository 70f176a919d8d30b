#include "compute/trace.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "tests/support/status_matchers.h"

namespace qt::compute {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

std::string Sample(const std::string& name) {
  return std::string(std::getenv("QIANTANG_TESTDATA")) + "/traces/" + name;
}

TEST(Trace, LoadsTheWholePhillyTraceSortingIt) {
  auto t = LoadTrace(Sample("philly-pollux/philly.csv"));
  ASSERT_THAT(t, IsOk()) << t.status().message();
  EXPECT_EQ(t->format, "philly");
  EXPECT_EQ(t->jobs.size(), 82247u);  // the count in the trace's README
  EXPECT_GT(t->sorted, 0);            // rows are not in submit order upstream
  int64_t gpu_ms = 0;
  std::set<std::string> vcs;
  for (size_t i = 0; i < t->jobs.size(); ++i) {
    if (i > 0) {
      ASSERT_LE(t->jobs[i - 1].submit_ms, t->jobs[i].submit_ms);
    }
    gpu_ms += t->jobs[i].duration_ms * t->jobs[i].cards;
    vcs.insert(t->jobs[i].tenant);
  }
  EXPECT_EQ(t->jobs.front().submit_ms, 0);
  EXPECT_EQ(vcs.size(), 15u);
  EXPECT_NEAR(static_cast<double>(gpu_ms) / 3.6e6, 978'078, 1);  // 978,078 GPU-hours
}

TEST(Trace, LoadsItpClustersAndMergesThem) {
  auto a = LoadTrace(Sample("microsoft-itp/raw/cluster04.csv"));
  ASSERT_THAT(a, IsOk()) << a.status().message();
  EXPECT_EQ(a->format, "itp");
  EXPECT_EQ(a->jobs.size(), 15802u);
  EXPECT_EQ(a->sorted, 0);
  auto b = LoadTrace(Sample("samples/itp_small.csv"));  // no final newline
  ASSERT_THAT(b, IsOk()) << b.status().message();
  ASSERT_EQ(b->jobs.size(), 2u);
  EXPECT_EQ(b->jobs[1].cards, 16);
  EXPECT_EQ(b->jobs[1].submit_ms, 30'000);
  Trace m = MergeTraces({*a, *b});
  EXPECT_EQ(m.jobs.size(), 15804u);
  EXPECT_EQ(m.name, "cluster04+itp_small");
  EXPECT_EQ(m.jobs.front().tenant.substr(0, 9), "cluster04");
  ScaleArrivals(&m, 10);
  EXPECT_EQ(m.jobs.back().submit_ms, a->jobs.back().submit_ms / 10);
}

TEST(Trace, QiantangFormatCarriesConstraints) {
  auto t = LoadTrace(Sample("samples/mixed.csv"));
  ASSERT_THAT(t, IsOk()) << t.status().message();
  ASSERT_EQ(t->jobs.size(), 3u);
  EXPECT_EQ(t->sorted, 1);
  const JobSpec& j3 = t->jobs[1];  // submitted at 5 s
  EXPECT_EQ(j3.id, "j3");
  EXPECT_EQ(j3.chip.ToString(), "vendor:huawei");
  EXPECT_TRUE(j3.elastic);
  EXPECT_FALSE(j3.preemptible);
  EXPECT_EQ(j3.priority, 1);
  EXPECT_EQ(j3.estimate_ms, 20'000);
  EXPECT_EQ(t->jobs[2].chip.ToString(), "chip:A100");
}

TEST(Trace, PhillySampleKeepsBlankLinesOut) {
  auto t = LoadTrace(Sample("samples/philly_unsorted.csv"));
  ASSERT_THAT(t, IsOk()) << t.status().message();
  ASSERT_EQ(t->jobs.size(), 3u);
  EXPECT_EQ(t->sorted, 1);
  EXPECT_EQ(t->jobs[0].cards, 2);  // 06:13:03 first
  EXPECT_EQ(t->jobs[2].submit_ms, (7 * 3600 + 1 * 60 + 55 - (6 * 3600 + 13 * 60 + 3)) * 1000);
}

TEST(Trace, BadFilesNameFileAndLine) {
  struct Case {
    const char* file;
    const char* message;
  } cases[] = {
      {"samples/missing_column.csv", "qiantang trace lacks column \"duration_s\""},
      {"samples/negative_cards.csv", ":3: cards \"-2\" is not a positive integer"},
      {"samples/non_numeric.csv", ":3: duration_s \"ten\" is not a number"},
  };
  for (const Case& c : cases) {
    auto t = LoadTrace(Sample(c.file));
    ASSERT_FALSE(t.ok()) << c.file;
    EXPECT_THAT(t, StatusIs(StatusCode::kInvalidArgument));
    // Errors name the trace file, never the server's path to it.
    const std::string name = std::filesystem::path(c.file).filename().string();
    EXPECT_NE(t.status().message().find(name), std::string::npos) << t.status().message();
    EXPECT_NE(t.status().message().find(c.message), std::string::npos) << t.status().message();
  }
  EXPECT_THAT(LoadTrace(Sample("samples/README.md")), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(LoadTrace(Sample("samples/none.csv")), StatusIs(StatusCode::kNotFound));
}

}  // namespace
}  // namespace qt::compute
