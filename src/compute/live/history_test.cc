#include <gtest/gtest.h>

#include <algorithm>

#include "compute/live/test_cluster.h"
#include "store/transact.h"

namespace qt::compute::live {
namespace {

using accounts::Principal;
using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

constexpr int64_t kMinute = 60'000;

// The clock starts on an interval boundary.
class HistoryTest : public LiveClusterTest {
 protected:
  HistoryTest() : LiveClusterTest("history_test") {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(LiveClusterTest::SetUp());
    start_ = clock_.NowMillis();
  }

  // The history from the start to now (inclusive), a point per `step`.
  std::vector<HistoryPoint> Points(int64_t step = kMinute) {
    HistoryQuery q;
    q.cluster_id = cluster_;
    q.from = start_;
    q.to = clock_.NowMillis() + 1;
    q.step_ms = step;
    auto h = jobs_->History(tenant_, q);
    EXPECT_THAT(h, IsOk());
    return h.ok() ? h->points : std::vector<HistoryPoint>{};
  }

  int64_t StoredSamples() {
    auto rows = store::ReadValue(*store_, [&](store::Tx& tx) {
      return tx.Query("SELECT COUNT(*) AS n FROM live_history", {});
    });
    EXPECT_THAT(rows, IsOk());
    return rows.ok() ? (*rows)[0].Int("n") : -1;
  }

  int64_t start_ = 0;
};

INSTANTIATE_TEST_SUITE_P(Backends, HistoryTest, ::testing::ValuesIn(qt::testing::TestBackends()),
                         qt::testing::BackendName());

TEST_P(HistoryTest, SamplesEachIntervalWhatThePoolsCardsDo) {
  ASSERT_THAT(jobs_->Submit(tenant_, Job(16, 5)), IsOk());
  ASSERT_THAT(jobs_->Advance(), IsOk());
  // 16 free cards, but the queued 24-card gang cannot use them: fragmented.
  auto waiting = jobs_->Submit(tenant_, Job(24, 1));
  ASSERT_THAT(waiting, IsOk());
  ASSERT_EQ(waiting->state, JobState::kQueued);
  clock_.Advance(kMinute - 1);
  ASSERT_THAT(jobs_->Advance(), IsOk());  // the same interval: no sample
  clock_.Advance(1);
  ASSERT_THAT(jobs_->Advance(), IsOk());
  auto nodes = jobs_->Nodes(provider_, cluster_);
  ASSERT_THAT(nodes, IsOk());
  auto idle = std::find_if(nodes->begin(), nodes->end(),
                           [](const NodeState& n) { return n.free == n.cards; });
  ASSERT_NE(idle, nodes->end());
  ASSERT_THAT(jobs_->SetNodeDown(provider_, cluster_, idle->node, true, "fan"), IsOk());
  clock_.Advance(kMinute + 30'000);
  ASSERT_THAT(jobs_->Advance(), IsOk());

  std::vector<HistoryPoint> points = Points();
  ASSERT_EQ(points.size(), 3u);
  EXPECT_EQ(points[0].at, start_);
  EXPECT_EQ(points[1].at, start_ + kMinute);
  EXPECT_EQ(points[2].at, start_ + 2 * kMinute);  // stamped with the boundary
  for (const HistoryPoint& p : points) {
    EXPECT_EQ(p.samples, 1);
    ASSERT_EQ(p.pools.size(), 1u);
    EXPECT_EQ(p.pools[0].pool, "a100");
    EXPECT_EQ(p.pools[0].cards, 32);
    EXPECT_EQ(p.pools[0].busy, 16);
  }
  const PoolHistory& first = points[0].pools[0];
  EXPECT_EQ(first.free, 16);
  EXPECT_EQ(first.fragmented, 0);
  EXPECT_EQ(first.pending, 0);
  const PoolHistory& second = points[1].pools[0];
  EXPECT_EQ(second.free, 16);
  EXPECT_EQ(second.fragmented, 16);
  EXPECT_EQ(second.pending, 1);
  const PoolHistory& third = points[2].pools[0];
  EXPECT_EQ(third.down, 8);
  EXPECT_EQ(third.free, 8);
  EXPECT_EQ(third.fragmented, 8);
}

TEST_P(HistoryTest, AStepAveragesItsSamples) {
  ASSERT_THAT(jobs_->Submit(tenant_, Job(8, 1)), IsOk());
  ASSERT_THAT(jobs_->Advance(), IsOk());
  clock_.Advance(kMinute);
  ASSERT_THAT(jobs_->Submit(tenant_, Job(16, 1)), IsOk());
  ASSERT_THAT(jobs_->Advance(), IsOk());
  std::vector<HistoryPoint> points = Points(2 * kMinute);
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].samples, 2);
  EXPECT_EQ(points[0].pools[0].busy, 16);  // (8 + 24) / 2
  EXPECT_EQ(points[0].pools[0].free, 16);
}

TEST_P(HistoryTest, AnIdleLoadedClusterIsSampledToo) {
  auto job = jobs_->Submit(tenant_, Job(8, 1));
  ASSERT_THAT(job, IsOk());
  ASSERT_THAT(jobs_->Cancel(tenant_, job->id), IsOk());
  for (int i = 0; i < 3; ++i) {
    ASSERT_THAT(jobs_->Advance(), IsOk());
    clock_.Advance(kMinute);
  }
  std::vector<HistoryPoint> points = Points();
  ASSERT_EQ(points.size(), 3u);
  EXPECT_EQ(points[2].pools[0].busy, 0);
  EXPECT_EQ(points[2].pools[0].free, 32);
}

TEST_P(HistoryTest, WhileNoServerRanTheClusterTheHistoryHasAGap) {
  ASSERT_THAT(jobs_->Submit(tenant_, Job(8, 5)), IsOk());
  ASSERT_THAT(jobs_->Advance(), IsOk());
  clock_.Advance(10 * kMinute);
  jobs_ = NewJobs();  // restarted: the run is replayed
  ASSERT_THAT(jobs_->Advance(), IsOk());
  std::vector<HistoryPoint> points = Points();
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].at, start_);
  EXPECT_EQ(points[1].at, start_ + 10 * kMinute);
  EXPECT_EQ(points[1].pools[0].busy, 8);
}

TEST_P(HistoryTest, SamplesOlderThanTheRetentionAreDeleted) {
  ASSERT_THAT(jobs_->Submit(tenant_, Job(8, 1)), IsOk());
  ASSERT_THAT(jobs_->Advance(), IsOk());
  EXPECT_EQ(StoredSamples(), 1);
  clock_.Advance(kHistoryRetentionMs);
  ASSERT_THAT(jobs_->Advance(), IsOk());
  EXPECT_EQ(StoredSamples(), 2);  // the first is exactly as old as the retention
  clock_.Advance(kMinute);
  ASSERT_THAT(jobs_->Advance(), IsOk());
  EXPECT_EQ(StoredSamples(), 2);
}

TEST_P(HistoryTest, ADefaultQueryCoversTheLastDayInAFewHundredSteps) {
  ASSERT_THAT(jobs_->Submit(tenant_, Job(8, 1)), IsOk());
  ASSERT_THAT(jobs_->Advance(), IsOk());
  HistoryQuery q;
  q.cluster_id = cluster_;
  auto h = jobs_->History(tenant_, q);
  ASSERT_THAT(h, IsOk());
  EXPECT_EQ(h->to, clock_.NowMillis());
  EXPECT_EQ(h->from, h->to - 24 * kHour);
  EXPECT_EQ(h->step_ms, 6 * kMinute);  // 240 steps
  EXPECT_EQ(h->interval_ms, kMinute);
  EXPECT_TRUE(h->points.empty());  // the sample is at `to`, outside [from, to)
}

TEST_P(HistoryTest, RejectsBadRangesAndStepsAndCallersWithoutAnOrganisation) {
  HistoryQuery q;
  q.cluster_id = cluster_;
  q.from = start_;
  q.to = start_;
  EXPECT_THAT(jobs_->History(tenant_, q), StatusIs(StatusCode::kInvalidArgument));
  q.to = start_ + kHour;
  q.step_ms = 30'000;
  EXPECT_THAT(jobs_->History(tenant_, q), StatusIs(StatusCode::kInvalidArgument));
  q.step_ms = 90'000;
  EXPECT_THAT(jobs_->History(tenant_, q), StatusIs(StatusCode::kInvalidArgument));
  q.to = start_ + (kMaxHistoryPoints + 1) * kMinute;
  q.step_ms = kMinute;
  EXPECT_THAT(jobs_->History(tenant_, q), StatusIs(StatusCode::kInvalidArgument));
  q.to = start_ + kMaxHistoryPoints * kMinute;
  EXPECT_THAT(jobs_->History(tenant_, q), IsOk());
  EXPECT_THAT(jobs_->History(Principal{}, q), StatusIs(StatusCode::kPermissionDenied));
  q.cluster_id = "ccl_nosuchcluster";
  EXPECT_THAT(jobs_->History(tenant_, q), StatusIs(StatusCode::kNotFound));
}

}  // namespace
}  // namespace qt::compute::live
