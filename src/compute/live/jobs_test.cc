#include "compute/live/jobs.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "compute/live/test_cluster.h"
#include "store/transact.h"
#include "tests/support/status_matchers.h"

namespace qt::compute::live {
namespace {

using accounts::Principal;
using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

class JobsTest : public LiveClusterTest {
 protected:
  JobsTest() : LiveClusterTest("jobs_test") {}

  Result<LiveQuota> SetQuota(const Principal& caller, const Principal& tenant, std::string resource,
                             int64_t guaranteed, int64_t ceiling) {
    LiveQuota q;
    q.cluster_id = cluster_;
    q.tenant_id = tenant.org_id;
    q.resource = std::move(resource);
    q.guaranteed = guaranteed;
    q.ceiling = ceiling;
    return jobs_->SetQuota(caller, q);
  }

  int64_t CountJournal(const std::string& type) {
    auto n = store::ReadValue(*store_, [&](store::Tx& tx) -> Result<int64_t> {
      QT_ASSIGN_OR_RETURN(store::Rows rows, tx.Query("SELECT event FROM ledger_entries", {}));
      int64_t count = 0;
      for (const store::Row& r : rows) {
        if (r.Text("event").find("\"" + type + "\"") != std::string::npos) ++count;
      }
      return count;
    });
    EXPECT_THAT(n, IsOk());
    return n.ok() ? *n : -1;
  }
};

INSTANTIATE_TEST_SUITE_P(Backends, JobsTest, ::testing::ValuesIn(qt::testing::TestBackends()),
                         qt::testing::BackendName());

TEST_P(JobsTest, AJobStartsOnOneLeafAndCompletesWhenItsTimeIsUp) {
  auto job = jobs_->Submit(tenant_, Job(16, 2));
  ASSERT_THAT(job, IsOk());
  EXPECT_EQ(job->state, JobState::kRunning);
  EXPECT_EQ(job->leaves, 1);
  ASSERT_EQ(job->nodes.size(), 2u);
  EXPECT_EQ(job->nodes[0].cards + job->nodes[1].cards, 16);

  clock_.Advance(2 * kHour - 1);
  ASSERT_THAT(jobs_->Advance(), IsOk());
  EXPECT_EQ(jobs_->Get(tenant_, job->id)->state, JobState::kRunning);
  clock_.Advance(1);
  auto changed = jobs_->Advance();
  ASSERT_THAT(changed, IsOk());
  EXPECT_EQ(*changed, 1);
  auto done = jobs_->Get(tenant_, job->id);
  ASSERT_THAT(done, IsOk());
  EXPECT_EQ(done->state, JobState::kCompleted);
  EXPECT_EQ(done->run_ms, 2 * kHour);
  EXPECT_EQ(done->finished_at, done->started_at + 2 * kHour);
  EXPECT_TRUE(done->nodes.empty());
  EXPECT_EQ(CountJournal("compute.job.queued"), 1);
  EXPECT_EQ(CountJournal("compute.job.started"), 1);
  EXPECT_EQ(CountJournal("compute.job.completed"), 1);
}

TEST_P(JobsTest, AJobWaitsForCardsAndStartsWhenTheyFree) {
  auto big = jobs_->Submit(tenant_, Job(32, 1));
  ASSERT_THAT(big, IsOk());
  EXPECT_EQ(big->state, JobState::kRunning);
  auto small = jobs_->Submit(other_, Job(8, 1));
  ASSERT_THAT(small, IsOk());
  EXPECT_EQ(small->state, JobState::kQueued);
  auto queue = jobs_->Queue(other_, cluster_);
  ASSERT_THAT(queue, IsOk());
  ASSERT_EQ(queue->size(), 1u);
  EXPECT_EQ((*queue)[0].position, 1);
  EXPECT_EQ((*queue)[0].id, small->id);

  clock_.Advance(kHour);
  ASSERT_THAT(jobs_->Advance(), IsOk());
  EXPECT_EQ(jobs_->Get(tenant_, big->id)->state, JobState::kCompleted);
  EXPECT_EQ(jobs_->Get(other_, small->id)->state, JobState::kRunning);
  EXPECT_EQ(jobs_->Get(other_, small->id)->started_at, clock_.NowMillis());
}

TEST_P(JobsTest, CancellingARunningJobFreesItsCardsForTheQueue) {
  auto big = jobs_->Submit(tenant_, Job(32, 5));
  auto next = jobs_->Submit(other_, Job(24, 1));
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(next->state, JobState::kQueued);
  clock_.Advance(kHour);
  auto cancelled = jobs_->Cancel(tenant_, big->id);
  ASSERT_THAT(cancelled, IsOk());
  EXPECT_EQ(cancelled->state, JobState::kCancelled);
  EXPECT_EQ(cancelled->run_ms, kHour);
  EXPECT_EQ(jobs_->Get(other_, next->id)->state, JobState::kRunning);
  EXPECT_THAT(jobs_->Cancel(tenant_, big->id), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_EQ(CountJournal("compute.job.cancelled"), 1);
}

TEST_P(JobsTest, ARestartedServerReplaysToTheSamePlacements) {
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    auto j = jobs_->Submit(i % 2 ? tenant_ : other_, Job(8 * (1 + i % 3), 1 + i));
    ASSERT_THAT(j, IsOk());
    ids.push_back(j->id);
    clock_.Advance(10 * 60'000);
  }
  ASSERT_THAT(jobs_->Cancel(other_, ids[2]), IsOk());
  clock_.Advance(90 * 60'000);
  ASSERT_THAT(jobs_->Advance(), IsOk());
  auto before = jobs_->Nodes(provider_, cluster_);
  ASSERT_THAT(before, IsOk());

  auto restarted = NewJobs();
  auto after = restarted->Nodes(provider_, cluster_);
  ASSERT_THAT(after, IsOk());
  ASSERT_EQ(before->size(), after->size());
  for (size_t n = 0; n < before->size(); ++n) {
    EXPECT_EQ((*before)[n].free, (*after)[n].free) << n;
    ASSERT_EQ((*before)[n].jobs.size(), (*after)[n].jobs.size()) << n;
    for (size_t k = 0; k < (*before)[n].jobs.size(); ++k) {
      EXPECT_EQ((*before)[n].jobs[k].job_id, (*after)[n].jobs[k].job_id);
    }
  }
  // And both go on the same way: every job finishes at the same time.
  clock_.Advance(40 * kHour);
  ASSERT_THAT(restarted->Advance(), IsOk());
  std::vector<int64_t> finished;
  for (const std::string& id : ids) {
    auto j = restarted->Get(provider_, id);
    ASSERT_THAT(j, IsOk());
    EXPECT_TRUE(IsFinal(j->state)) << id;
    finished.push_back(j->finished_at);
  }
  ASSERT_THAT(jobs_->Advance(), IsOk());  // the first instance rewrites what it computed
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(jobs_->Get(provider_, ids[i])->finished_at, finished[i]) << ids[i];
  }
}

TEST_P(JobsTest, ARestartedServerRecordsWhatHappenedWhileItWasDown) {
  auto job = jobs_->Submit(tenant_, Job(8, 1));
  ASSERT_THAT(job, IsOk());
  clock_.Advance(3 * kHour);
  auto restarted = NewJobs();
  ASSERT_THAT(restarted->Advance(), IsOk());
  auto done = restarted->Get(tenant_, job->id);
  ASSERT_THAT(done, IsOk());
  EXPECT_EQ(done->state, JobState::kCompleted);
  EXPECT_EQ(done->finished_at, job->started_at + kHour);
  EXPECT_EQ(CountJournal("compute.job.completed"), 1);
}

TEST_P(JobsTest, ANodeDownRequeuesOrFailsItsJobsAndARestartReplaysIt) {
  auto gang = jobs_->Submit(tenant_, Job(16, 4));
  NewJob fragile_job = Job(8, 4);
  fragile_job.requeue_on_failure = false;
  auto fragile = jobs_->Submit(other_, fragile_job);
  ASSERT_THAT(gang, IsOk());
  ASSERT_THAT(fragile, IsOk());
  clock_.Advance(kHour);
  // Tenants may not take nodes down; nor may another provider's node numbers be bad.
  EXPECT_THAT(jobs_->SetNodeDown(tenant_, cluster_, 0, true, ""),
              StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(jobs_->SetNodeDown(provider_, cluster_, 4, true, ""),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(jobs_->SetNodeDown(provider_, cluster_, -1, true, ""),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(jobs_->SetNodeDown(provider_, cluster_, 0, false, ""),
              StatusIs(StatusCode::kFailedPrecondition));

  auto down = jobs_->SetNodeDown(provider_, cluster_, gang->nodes[0].node, true, "风扇故障");
  ASSERT_THAT(down, IsOk());
  EXPECT_TRUE(down->down);
  EXPECT_EQ(down->free, 0);
  auto moved = jobs_->Get(tenant_, gang->id);
  ASSERT_THAT(moved, IsOk());
  // Requeued and, with two nodes free, running again elsewhere at once.
  EXPECT_EQ(moved->state, JobState::kRunning);
  EXPECT_EQ(moved->preemptions, 1);
  for (const NodeCards& n : moved->nodes) EXPECT_NE(n.node, gang->nodes[0].node);
  EXPECT_EQ(CountJournal("compute.node.down"), 1);

  auto f_down = jobs_->SetNodeDown(op_, cluster_, fragile->nodes[0].node, true, "");
  ASSERT_THAT(f_down, IsOk());
  EXPECT_EQ(jobs_->Get(other_, fragile->id)->state, JobState::kFailed);
  EXPECT_EQ(CountJournal("compute.job.failed"), 1);

  auto before = jobs_->Nodes(provider_, cluster_);
  jobs_.reset();  // the server stops (and gives its lease up)
  auto restarted = NewJobs();
  auto after = restarted->Nodes(provider_, cluster_);
  ASSERT_THAT(after, IsOk());
  for (size_t n = 0; n < before->size(); ++n) {
    EXPECT_EQ((*before)[n].down, (*after)[n].down) << n;
    EXPECT_EQ((*before)[n].free, (*after)[n].free) << n;
  }
  ASSERT_THAT(restarted->SetNodeDown(provider_, cluster_, gang->nodes[0].node, false, "修好了"),
              IsOk());
  EXPECT_FALSE(
      (*restarted->Nodes(provider_, cluster_))[static_cast<size_t>(gang->nodes[0].node)].down);
}

TEST_P(JobsTest, AnotherTenantNeitherSeesNorCancelsAJob) {
  auto mine = jobs_->Submit(tenant_, Job(32, 1));
  auto queued = jobs_->Submit(tenant_, Job(8, 1));
  ASSERT_THAT(queued, IsOk());
  EXPECT_THAT(jobs_->Get(other_, mine->id), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(jobs_->Cancel(other_, mine->id), StatusIs(StatusCode::kNotFound));
  EXPECT_EQ(jobs_->Get(tenant_, mine->id)->state, JobState::kRunning);
  auto list = jobs_->List(other_, {}, {});
  ASSERT_THAT(list, IsOk());
  EXPECT_TRUE(list->items.empty());
  auto queue = jobs_->Queue(other_, cluster_);
  ASSERT_THAT(queue, IsOk());
  ASSERT_EQ(queue->size(), 1u);
  EXPECT_EQ((*queue)[0].id, "");
  EXPECT_EQ((*queue)[0].tenant_id, "");
  auto nodes = jobs_->Nodes(other_, cluster_);
  ASSERT_THAT(nodes, IsOk());
  for (const NodeState& n : *nodes) {
    for (const NodeJob& j : n.jobs) EXPECT_EQ(j.job_id, "");
  }
  // The provider and the operator see everything.
  EXPECT_THAT(jobs_->Get(provider_, mine->id), IsOk());
  EXPECT_EQ(jobs_->List(op_, {}, {})->items.size(), 2u);
  EXPECT_EQ((*jobs_->Queue(provider_, cluster_))[0].id, queued->id);
}

TEST_P(JobsTest, BadJobsAreRefusedAndNothingIsStored) {
  auto bad = [&](const NewJob& j, StatusCode code) {
    EXPECT_THAT(jobs_->Submit(tenant_, j), StatusIs(code)) << j.name << " " << j.chip;
  };
  NewJob j = Job(8, 1);
  j.cards = 0;
  bad(j, StatusCode::kInvalidArgument);
  j = Job(8, 0);
  bad(j, StatusCode::kInvalidArgument);
  j = Job(8, 1);
  j.priority = 10;
  bad(j, StatusCode::kInvalidArgument);
  j = Job(8, 1);
  j.chip = "chip:";
  bad(j, StatusCode::kInvalidArgument);
  j = Job(8, 1);
  j.chip = "vendor:huawei";  // no pool of such chips
  bad(j, StatusCode::kInvalidArgument);
  j = Job(40, 1);  // more than the 32 cards of the pool
  bad(j, StatusCode::kInvalidArgument);
  j = Job(8, 1);
  j.name = std::string(101, 'x');
  bad(j, StatusCode::kInvalidArgument);
  j = Job(8, 1);
  j.cluster_id = "ccl_nosuchcluster";
  bad(j, StatusCode::kNotFound);
  EXPECT_TRUE(jobs_->List(op_, {}, {})->items.empty());
  EXPECT_EQ(CountJournal("compute.job.queued"), 0);

  ASSERT_THAT(market_->SetAvailable(provider_, cluster_, false), IsOk());
  bad(Job(8, 1), StatusCode::kFailedPrecondition);
}

TEST_P(JobsTest, ACeilingHoldsATenantsJobsAndSurvivesARestart) {
  auto quota = SetQuota(op_, tenant_, "chip:A100", 0, 16);
  ASSERT_THAT(quota, IsOk());
  EXPECT_EQ(quota->capacity, 32);
  EXPECT_EQ(quota->held, 0);
  auto a1 = jobs_->Submit(tenant_, Job(16, 1));
  auto a2 = jobs_->Submit(tenant_, Job(8, 1));
  auto b = jobs_->Submit(other_, Job(8, 1));
  ASSERT_THAT(a1, IsOk());
  ASSERT_THAT(a2, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(a1->state, JobState::kRunning);
  EXPECT_EQ(a2->state, JobState::kQueued);  // 16 cards free, but at its ceiling
  EXPECT_EQ(b->state, JobState::kRunning);  // not held behind it
  // A job larger than the ceiling could never start: refused at submit.
  EXPECT_THAT(jobs_->Submit(tenant_, Job(24, 1)), StatusIs(StatusCode::kFailedPrecondition));
  auto listed = jobs_->Quotas(tenant_, cluster_);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].held, 16);
  EXPECT_TRUE(jobs_->Quotas(other_, cluster_)->empty());  // another tenant's quota is not shown
  EXPECT_EQ(jobs_->Quotas(provider_, cluster_)->size(), 1u);

  jobs_ = NewJobs();  // a restarted server replays the quota with the jobs
  EXPECT_EQ(jobs_->Get(tenant_, a2->id)->state, JobState::kQueued);
  clock_.Advance(kHour);
  ASSERT_THAT(jobs_->Advance(), IsOk());
  EXPECT_EQ(jobs_->Get(tenant_, a2->id)->state, JobState::kRunning);
  // Removing the quota lets the tenant take the whole cluster.
  ASSERT_THAT(SetQuota(op_, tenant_, "chip:A100", 0, 0), IsOk());
  EXPECT_TRUE(jobs_->Quotas(op_, cluster_)->empty());
  auto big = jobs_->Submit(tenant_, Job(24, 1));
  ASSERT_THAT(big, IsOk());
  EXPECT_EQ(big->state, JobState::kRunning);
  EXPECT_EQ(CountJournal("compute.quota.set"), 2);
}

TEST_P(JobsTest, UnderDrfAGuaranteeIsTakenBackFromABorrower) {
  jobs_ = NewJobs("drf");
  ASSERT_THAT(SetQuota(op_, other_, "chip:A100", 24, 0), IsOk());
  std::vector<std::string> mine;
  for (int i = 0; i < 4; ++i) {
    auto j = jobs_->Submit(tenant_, Job(8, 5));
    ASSERT_THAT(j, IsOk());
    EXPECT_EQ(j->state, JobState::kRunning);  // borrowing the idle guarantee
    mine.push_back(j->id);
  }
  clock_.Advance(60'000);
  auto b = jobs_->Submit(other_, Job(24, 1));
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(b->state, JobState::kRunning);
  int running = 0;
  for (const auto& id : mine) running += jobs_->Get(tenant_, id)->state == JobState::kRunning;
  EXPECT_EQ(running, 1);
  EXPECT_EQ(CountJournal("compute.job.preempted"), 3);
}

TEST_P(JobsTest, OnlyTheOperatorSetsQuotasAndBadOnesChangeNothing) {
  EXPECT_THAT(SetQuota(provider_, tenant_, "chip:A100", 8, 16),
              StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(SetQuota(tenant_, tenant_, "chip:A100", 8, 16),
              StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(SetQuota(op_, tenant_, "chip:", 8, 16), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(SetQuota(op_, tenant_, "vendor:huawei", 8, 16),
              StatusIs(StatusCode::kInvalidArgument));  // no pool of the cluster
  EXPECT_THAT(SetQuota(op_, tenant_, "chip:A100", 16, 8), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(SetQuota(op_, tenant_, "chip:A100", -1, 8), StatusIs(StatusCode::kInvalidArgument));
  Principal nobody = tenant_;
  nobody.org_id = "org_nosuchorg";
  EXPECT_THAT(SetQuota(op_, nobody, "chip:A100", 8, 16), StatusIs(StatusCode::kInvalidArgument));
  ASSERT_THAT(SetQuota(op_, tenant_, "chip:A100", 24, 0), IsOk());
  // Guarantees may not promise more than the pool has.
  EXPECT_THAT(SetQuota(op_, other_, "chip:A100", 16, 0), StatusIs(StatusCode::kFailedPrecondition));
  auto listed = jobs_->Quotas(op_, cluster_);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].guaranteed, 24);
  EXPECT_EQ(CountJournal("compute.quota.set"), 1);
}

TEST_P(JobsTest, TheOperatorChangesThePolicyWhileItRunsAndARestartReplaysIt) {
  auto a = jobs_->Submit(tenant_, Job(24, 2));
  auto head = jobs_->Submit(other_, Job(16, 1));
  auto small = jobs_->Submit(other_, Job(8, 1));
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(head, IsOk());
  ASSERT_THAT(small, IsOk());
  EXPECT_EQ(a->state, JobState::kRunning);
  EXPECT_EQ(small->state, JobState::kQueued);  // fifo: behind the blocked head
  auto before = jobs_->GetPolicy(tenant_, cluster_);
  ASSERT_THAT(before, IsOk());
  EXPECT_EQ(before->policy, "fifo");
  EXPECT_TRUE(before->set_by.empty());

  EXPECT_THAT(jobs_->SetPolicy(provider_, cluster_, "sjf"),
              StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(jobs_->SetPolicy(tenant_, cluster_, "sjf"), StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(jobs_->SetPolicy(op_, cluster_, "lottery"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(jobs_->SetPolicy(op_, cluster_, "fifo"), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(jobs_->SetPolicy(op_, "ccl_nosuchcluster", "sjf"), StatusIs(StatusCode::kNotFound));
  EXPECT_EQ(CountJournal("compute.policy.set"), 0);

  clock_.Advance(60'000);
  auto set = jobs_->SetPolicy(op_, cluster_, "sjf");
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(set->policy, "sjf");
  EXPECT_EQ(set->set_by, op_.user_id);
  EXPECT_EQ(jobs_->Get(other_, small->id)->state, JobState::kRunning);  // sjf skips the head
  EXPECT_EQ(jobs_->Get(tenant_, a->id)->state, JobState::kRunning);     // kept its cards
  EXPECT_EQ(jobs_->Get(other_, head->id)->state, JobState::kQueued);
  EXPECT_EQ(CountJournal("compute.policy.set"), 1);

  jobs_ = NewJobs();  // a restarted server (default fifo) replays the change in its place
  EXPECT_EQ(jobs_->GetPolicy(op_, cluster_)->policy, "sjf");
  auto nodes = jobs_->Nodes(op_, cluster_);
  ASSERT_THAT(nodes, IsOk());
  int64_t busy = 0;
  for (const NodeState& n : *nodes) busy += n.cards - n.free;
  EXPECT_EQ(busy, 32);
  EXPECT_THAT(jobs_->SetPolicy(op_, cluster_, "sjf"), StatusIs(StatusCode::kFailedPrecondition));
}

TEST_P(JobsTest, ASecondProcessForwardsToTheLeaderAndTakesOverWhenItsLeaseExpires) {
  auto first = jobs_->Submit(tenant_, Job(16, 2));  // jobs_ leads the cluster now
  ASSERT_THAT(first, IsOk());
  auto second = NewJobs();  // another process on the same database
  Result<LiveJob> forwarded = Internal("not yet");
  std::thread submitter([&] { forwarded = second->Submit(other_, Job(16, 2)); });
  // The leader carries the change out on its tick.
  for (int i = 0; i < 200 && !forwarded.ok(); ++i) {
    ASSERT_THAT(jobs_->Advance(), IsOk());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  submitter.join();
  ASSERT_THAT(forwarded, IsOk());
  EXPECT_EQ(forwarded->state, JobState::kRunning);
  // The follower's view is the leader's.
  auto mine = second->Nodes(op_, cluster_);
  auto theirs = jobs_->Nodes(op_, cluster_);
  ASSERT_THAT(mine, IsOk());
  ASSERT_THAT(theirs, IsOk());
  for (size_t n = 0; n < mine->size(); ++n) EXPECT_EQ((*mine)[n].free, (*theirs)[n].free) << n;
  // Refusals come back as the leader's errors.
  std::thread refused([&] {
    EXPECT_THAT(second->Submit(other_, Job(64, 1)), StatusIs(StatusCode::kInvalidArgument));
  });
  for (int i = 0; i < 20; ++i) {
    ASSERT_THAT(jobs_->Advance(), IsOk());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  refused.join();

  // The leader stops answering (it hangs); once its lease has expired the
  // follower takes the cluster over and carries its own change out.
  clock_.Advance(JobsOptions{}.lease_ms + 1);
  auto third = second->Submit(other_, Job(8, 1));
  ASSERT_THAT(third, IsOk());
  EXPECT_EQ(third->state, JobState::kQueued);  // 32 cards busy
  // The old leader wakes up: it is a follower now, and its change is
  // forwarded to the new leader rather than written from its stale copy.
  std::thread stale([&] { EXPECT_THAT(jobs_->Cancel(tenant_, first->id), IsOk()); });
  for (int i = 0; i < 200; ++i) {
    ASSERT_THAT(second->Advance(), IsOk());
    if (second->Get(tenant_, first->id)->state == JobState::kCancelled) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stale.join();
  EXPECT_EQ(second->Get(other_, third->id)->state, JobState::kRunning);  // the cards freed
  EXPECT_EQ(CountJournal("compute.job.started"), 3);
}

TEST_P(JobsTest, ALeaderWhoseLeaseWasTakenWritesNothing) {
  auto first = jobs_->Submit(tenant_, Job(8, 2));
  ASSERT_THAT(first, IsOk());
  // Another process took the cluster over while this one still believes it
  // leads (its clock lags, or it stalled between two checks).
  ASSERT_THAT(store_->Write([&](store::Tx& tx) {
    return tx
        .Exec(
            "UPDATE live_leases SET holder = 'prc_other', epoch = epoch + 1, "
            "expires_at = expires_at + 60000")
        .status();
  }),
              IsOk());
  EXPECT_THAT(jobs_->Submit(tenant_, Job(8, 1)), StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(jobs_->Cancel(tenant_, first->id), StatusIs(StatusCode::kUnavailable));
  auto listed = jobs_->List(op_, {}, {});
  ASSERT_THAT(listed, IsOk());
  EXPECT_EQ(listed->items.size(), 1u);  // nothing stored
  EXPECT_EQ(jobs_->Get(tenant_, first->id)->state, JobState::kRunning);
  EXPECT_EQ(CountJournal("compute.job.queued"), 1);
}

TEST_P(JobsTest, UsageCountsCardHoursPerTenantAndMonthAcrossARestart) {
  ASSERT_THAT(jobs_->Submit(tenant_, Job(16, 2)), IsOk());
  clock_.Advance(kHour);
  auto running = jobs_->Usage(tenant_, {});
  ASSERT_THAT(running, IsOk());
  ASSERT_EQ(running->size(), 1u);  // a running job counts up to now
  EXPECT_EQ((*running)[0].unit_ms, 16 * kHour);
  EXPECT_EQ((*running)[0].month, "2026-12");
  EXPECT_EQ((*running)[0].chip, "A100");
  EXPECT_FALSE((*running)[0].cpu);
  EXPECT_FALSE((*running)[0].domestic);
  EXPECT_TRUE(jobs_->Usage(other_, {})->empty());  // another tenant's usage is not shown
  EXPECT_EQ(jobs_->Usage(provider_, {})->size(), 1u);

  // The job ends while no process runs the cluster; the next one's first
  // tick records the run, once.
  clock_.Advance(2 * kHour);
  jobs_ = NewJobs();
  ASSERT_THAT(jobs_->Advance(), IsOk());
  jobs_ = NewJobs();
  ASSERT_THAT(jobs_->Advance(), IsOk());
  auto ended = jobs_->Usage(op_, {});
  ASSERT_THAT(ended, IsOk());
  ASSERT_EQ(ended->size(), 1u);
  EXPECT_EQ((*ended)[0].unit_ms, 32 * kHour);

  // A run across the new year is split at midnight UTC.
  clock_.Advance(31 * 24 * kHour - 4 * kHour);  // from 2026-12-01T03:00Z to 12-31T23:00Z
  ASSERT_THAT(jobs_->Submit(tenant_, Job(8, 2)), IsOk());
  clock_.Advance(2 * kHour);
  ASSERT_THAT(jobs_->Advance(), IsOk());
  UsageFilter both;
  both.from = Month{2026, 12};
  both.to = Month{2027, 1};
  auto split = jobs_->Usage(tenant_, both);
  ASSERT_THAT(split, IsOk());
  ASSERT_EQ(split->size(), 2u);
  EXPECT_EQ((*split)[0].month, "2026-12");
  EXPECT_EQ((*split)[0].unit_ms, 40 * kHour);
  EXPECT_EQ((*split)[1].month, "2027-01");
  EXPECT_EQ((*split)[1].unit_ms, 8 * kHour);

  UsageFilter backwards;
  backwards.from = Month{2027, 1};
  backwards.to = Month{2026, 12};
  EXPECT_THAT(jobs_->Usage(tenant_, backwards), StatusIs(StatusCode::kInvalidArgument));
  UsageFilter long_ago;
  long_ago.from = Month{2020, 1};
  EXPECT_THAT(jobs_->Usage(tenant_, long_ago), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace qt::compute::live
