#include "compute/scheduler.h"

#include <gtest/gtest.h>

#include "compute/configs.h"
#include "compute/policy.h"

namespace qt::compute {
namespace {

Cluster Cards(int n) {
  return Cluster::Homogeneous(n, "A100", LoadChipCatalog("").value()).value();
}

JobSpec Spec(std::string id, int cards, int64_t submit_ms = 0, std::string tenant = "t") {
  JobSpec s;
  s.id = std::move(id);
  s.cards = cards;
  s.submit_ms = submit_ms;
  s.tenant = std::move(tenant);
  s.duration_ms = 3'600'000;
  return s;
}

std::unique_ptr<Scheduler> Make(const Cluster& c, std::string_view policy,
                                SchedulerOptions o = {}) {
  return std::make_unique<Scheduler>(c, MakePolicy(policy).value(), std::move(o));
}

TEST(Scheduler, RejectsJobsThatCanNeverFit) {
  Cluster c = Cards(16);
  auto s = Make(c, "fifo");
  auto r = s->Submit(Spec("big", 17), 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "job big: needs 17 cards in one pool but the largest pool matching any has 16");
  JobSpec npu = Spec("npu", 8);
  npu.chip = ChipConstraint::Parse("vendor:huawei").value();
  EXPECT_EQ(s->Submit(npu, 0).status().message(),
            "job npu: no pool of cluster 16xA100 has chips matching vendor:huawei");
  EXPECT_EQ(s->pending_count(), 0u);
  EXPECT_EQ(MakePolicy("lottery").status().message(),
            "unknown policy \"lottery\" (known: fifo, backfill, sjf, las, drf)");
}

TEST(Scheduler, FifoHeadBlocksAndGangsHoldNothingWhileWaiting) {
  Cluster c = Cards(16);
  auto s = Make(c, "fifo");
  int a = s->Submit(Spec("a", 12), 0).value();
  int b = s->Submit(Spec("b", 12), 0).value();
  int small = s->Submit(Spec("small", 2), 0).value();
  s->Schedule(0);
  EXPECT_EQ(s->job(a).state, JobState::kRunning);
  EXPECT_EQ(s->job(b).state, JobState::kPending);
  EXPECT_EQ(s->job(small).state, JobState::kPending);  // behind b
  EXPECT_EQ(s->allocator().free_cards(), 4);           // b holds no partial allocation
  s->Finish(a, 1000);
  s->Schedule(1000);
  EXPECT_EQ(s->job(b).state, JobState::kRunning);
  EXPECT_EQ(s->job(small).state, JobState::kRunning);
}

TEST(Scheduler, ANewPolicyReordersTheQueueAndKeepsRunningJobs) {
  Cluster c = Cards(16);
  SchedulerOptions o;
  o.las_thresholds_card_s = {3600};
  o.starvation_limit_ms = 0;  // no other wakeup than the policy's
  auto s = Make(c, "las", o);
  int a = s->Submit(Spec("a", 12), 0).value();
  s->Schedule(0);
  EXPECT_EQ(s->NextWakeup(), kNever);  // nothing waits yet
  JobSpec long_job = Spec("long", 12, 1);
  long_job.duration_ms = 50'000'000;
  int b = s->Submit(long_job, 1).value();
  int small = s->Submit(Spec("small", 2, 2), 2).value();
  EXPECT_NE(s->NextWakeup(), kNever);  // las demotes a at 300 s

  s->SetPolicy(MakePolicy("fifo").value());
  EXPECT_EQ(s->policy_name(), "fifo");
  EXPECT_EQ(s->NextWakeup(), kNever);  // fifo never demotes
  s->Schedule(3);
  EXPECT_EQ(s->job(a).state, JobState::kRunning);      // kept its cards
  EXPECT_EQ(s->job(small).state, JobState::kPending);  // behind the blocked head b

  s->SetPolicy(MakePolicy("sjf").value());
  s->Schedule(4);
  EXPECT_EQ(s->job(small).state, JobState::kRunning);  // sjf skips what does not fit
  EXPECT_EQ(s->job(b).state, JobState::kPending);
  EXPECT_EQ(s->Head(), b);
}

TEST(Scheduler, BackfillStartsJobsThatEndBeforeTheReservation) {
  Cluster c = Cards(16);
  SchedulerOptions o;
  o.oracle = true;  // estimates = durations, to make the reservation exact
  auto s = Make(c, "backfill", o);
  JobSpec a = Spec("a", 12);
  a.duration_ms = 10'000;
  s->Submit(a, 0).value();
  s->Schedule(0);
  s->Submit(Spec("head", 16, 1), 1).value();
  JobSpec short_job = Spec("short", 4, 1);
  short_job.duration_ms = 5'000;
  JobSpec long_job = Spec("long", 4, 1);
  long_job.duration_ms = 50'000;
  int sj = s->Submit(short_job, 1).value();
  int lj = s->Submit(long_job, 1).value();
  s->Schedule(1);
  EXPECT_EQ(s->job(sj).state, JobState::kRunning);  // ends at 5001 < shadow 10000
  EXPECT_EQ(s->job(lj).state, JobState::kPending);  // would delay the head
}

TEST(Scheduler, LasPreemptsJobsThatHaveHadTheirShare) {
  Cluster c = Cards(8);
  SchedulerOptions o;
  o.las_thresholds_card_s = {3600};
  o.min_run_before_preemption_ms = 0;
  auto s = Make(c, "las", o);
  int old_job = s->Submit(Spec("old", 8), 0).value();
  s->Schedule(0);
  // The old job crosses 3600 card-seconds at 450 s: the policy asks to run then.
  EXPECT_EQ(s->NextWakeup(), kNever);  // nothing waits yet
  int fresh = s->Submit(Spec("new", 8, 500'000), 500'000).value();
  EXPECT_EQ(s->NextWakeup(), 450'000);
  const auto& d = s->Schedule(500'000);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].kind, Decision::Kind::kPreempt);
  EXPECT_EQ(s->job(old_job).state, JobState::kPending);
  EXPECT_EQ(s->job(old_job).preemptions, 1);
  EXPECT_EQ(s->job(fresh).state, JobState::kRunning);
  EXPECT_EQ(s->allocator().free_cards(), 0);
}

TEST(Scheduler, NonPreemptibleJobsAreNeverPreempted) {
  Cluster c = Cards(8);
  SchedulerOptions o;
  o.las_thresholds_card_s = {1};
  o.min_run_before_preemption_ms = 0;
  auto s = Make(c, "las", o);
  JobSpec pinned = Spec("pinned", 8);
  pinned.preemptible = false;
  int p = s->Submit(pinned, 0).value();
  s->Schedule(0);
  s->Submit(Spec("new", 8, 10'000), 10'000).value();
  s->Schedule(10'000);
  EXPECT_EQ(s->job(p).state, JobState::kRunning);
}

TEST(Scheduler, DrfReclaimsBorrowedCardsForATenantUnderItsShare) {
  Cluster c = Cards(16);
  SchedulerOptions o;
  o.min_run_before_preemption_ms = 0;
  auto s = Make(c, "drf", o);
  for (int i = 0; i < 4; ++i) s->Submit(Spec("a" + std::to_string(i), 4, 0, "a"), 0).value();
  s->Schedule(0);
  EXPECT_EQ(s->allocator().free_cards(), 0);  // tenant a borrows everything
  int b = s->Submit(Spec("b", 8, 1000, "b"), 1000).value();
  s->Schedule(1000);
  EXPECT_EQ(s->job(b).state, JobState::kRunning);
  EXPECT_DOUBLE_EQ(s->DominantShare(s->job(b).tenant), 0.5);
  EXPECT_DOUBLE_EQ(s->GuaranteedShare(s->job(b).tenant), 0.5);
}

Quota QuotaOf(std::string tenant, std::string_view resource, int64_t guaranteed, int64_t ceiling) {
  return {std::move(tenant), ChipConstraint::Parse(resource).value(), guaranteed, ceiling};
}

TEST(Scheduler, ACeilingHoldsOneTenantsJobsWithoutBlockingTheQueue) {
  Cluster c = Cards(24);
  auto s = Make(c, "fifo");
  ASSERT_TRUE(s->SetQuotas({QuotaOf("a", "any", 0, 8)}).ok());
  int a1 = s->Submit(Spec("a1", 8, 0, "a"), 0).value();
  int a2 = s->Submit(Spec("a2", 8, 1, "a"), 1).value();
  int b = s->Submit(Spec("b", 8, 2, "b"), 2).value();
  s->Schedule(2);
  EXPECT_EQ(s->job(a1).state, JobState::kRunning);
  EXPECT_EQ(s->job(a2).state, JobState::kPending);  // 8 free cards, but a is at its ceiling
  EXPECT_EQ(s->job(b).state, JobState::kRunning);   // not blocked behind a2
  EXPECT_EQ(s->allocator().free_cards(), 8);
  EXPECT_EQ(s->TenantCards("a", ~uint64_t{0}), 8);
  s->Finish(a1, 10);
  s->Schedule(10);
  EXPECT_EQ(s->job(a2).state, JobState::kRunning);
}

// Two pools of 2 nodes x 8 cards: "gpu" (A100) and "npu" (Ascend910B).
Cluster GpuAndNpu() {
  const ChipCatalog catalog = LoadChipCatalog("").value();
  return Cluster::Parse(R"(
name = "mixed"
[[pool]]
name = "gpu"
provider = "p"
region = "r"
chip = "A100"
nodes = 2
cards_per_node = 8
cpu_cores_per_node = 64
memory_gib_per_node = 512
nodes_per_leaf = 2
leaves_per_pod = 1
[[pool]]
name = "npu"
provider = "p"
region = "r"
chip = "Ascend910B"
nodes = 2
cards_per_node = 8
cpu_cores_per_node = 64
memory_gib_per_node = 512
nodes_per_leaf = 2
leaves_per_pod = 1
)",
                        "test", catalog)
      .value();
}

TEST(Scheduler, AVendorCeilingSendsTheRestToOtherChips) {
  Cluster c = GpuAndNpu();
  for (const char* policy : {"fifo", "backfill", "sjf", "las", "drf"}) {
    SCOPED_TRACE(policy);
    auto s = Make(c, policy);
    ASSERT_TRUE(s->SetQuotas({QuotaOf("a", "vendor:nvidia", 0, 8)}).ok());
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(s->Submit(Spec(std::to_string(i), 8, i, "a"), i).ok());
    s->Schedule(4);
    const uint64_t nvidia = ChipConstraint::Parse("vendor:nvidia").value().PoolMask(c);
    EXPECT_EQ(s->TenantCards("a", nvidia), 8);
    EXPECT_EQ(s->TenantCards("a", ~nvidia), 16);
    EXPECT_EQ(s->running_count(), 3u);
  }
}

TEST(Scheduler, FragmentedCardsAreTheFreeCardsTheBlockedHeadMayRunOn) {
  Cluster c = GpuAndNpu();
  auto s = Make(c, "fifo");
  const uint64_t gpu = 1, npu = 2;
  JobSpec a = Spec("a", 12);
  a.chip = ChipConstraint::Parse("chip:A100").value();
  ASSERT_TRUE(s->Submit(a, 0).ok());
  s->Schedule(0);
  EXPECT_EQ(s->FragmentedCards(), 0);  // nothing waits
  JobSpec b = Spec("b", 8);
  b.chip = ChipConstraint::Parse("vendor:nvidia").value();
  ASSERT_TRUE(s->Submit(b, 0).ok());
  // b waits at the head: the gpu pool's 4 free cards cannot serve it, the
  // npu pool's 16 are not its chips.
  EXPECT_EQ(s->FragmentedCards(), 4);
  EXPECT_EQ(s->FragmentedCards(gpu), 4);
  EXPECT_EQ(s->FragmentedCards(npu), 0);
  JobSpec small = Spec("small", 4);
  small.chip = b.chip;
  ASSERT_TRUE(s->Submit(small, 0).ok());
  EXPECT_EQ(s->FragmentedCards(), 4);  // still b's figure: small is not the head
}

TEST(Scheduler, AGuaranteedQuotaIsReclaimedUnderDrf) {
  Cluster c = Cards(32);
  SchedulerOptions o;
  o.min_run_before_preemption_ms = 0;
  auto s = Make(c, "drf", o);
  ASSERT_TRUE(s->SetQuotas({QuotaOf("a", "any", 8, 0), QuotaOf("b", "chip:A100", 24, 32)}).ok());
  for (int i = 0; i < 4; ++i) s->Submit(Spec("a" + std::to_string(i), 8, 0, "a"), 0).value();
  s->Schedule(0);
  EXPECT_EQ(s->allocator().free_cards(), 0);  // a borrows b's idle guarantee
  int b = s->Submit(Spec("b", 24, 1000, "b"), 1000).value();
  s->Schedule(1000);
  EXPECT_EQ(s->job(b).state, JobState::kRunning);
  EXPECT_EQ(s->TenantCards("a", ~uint64_t{0}), 8);  // a keeps its guarantee
  EXPECT_DOUBLE_EQ(s->GuaranteedShare(s->job(b).tenant), 0.75);
  // A tenant without a quota borrows only: it reclaims nothing.
  int c1 = s->Submit(Spec("c", 8, 2000, "c"), 2000).value();
  s->Schedule(2000);
  EXPECT_EQ(s->job(c1).state, JobState::kPending);
  EXPECT_DOUBLE_EQ(s->GuaranteedShare(s->job(c1).tenant), 0);
}

TEST(Scheduler, BadQuotasAreRefusedAndChangeNothing) {
  Cluster c = Cards(16);
  auto s = Make(c, "fifo");
  ASSERT_TRUE(s->SetQuotas({QuotaOf("a", "any", 0, 8)}).ok());
  EXPECT_EQ(s->SetQuotas({QuotaOf("a", "any", 8, 4)}).message(),
            "quota of a on any: the ceiling is below the guarantee");
  EXPECT_EQ(s->SetQuotas({QuotaOf("a", "any", -1, 0)}).message(),
            "quota of a on any: amounts must not be negative");
  EXPECT_EQ(s->SetQuotas({QuotaOf("a", "vendor:huawei", 0, 8)}).message(),
            "quota of a: no pool of cluster 16xA100 has chips matching vendor:huawei");
  int a1 = s->Submit(Spec("a1", 8, 0, "a"), 0).value();
  int a2 = s->Submit(Spec("a2", 8, 0, "a"), 0).value();
  s->Schedule(0);
  EXPECT_EQ(s->job(a1).state, JobState::kRunning);
  EXPECT_EQ(s->job(a2).state, JobState::kPending);  // the first ceiling still holds
}

TEST(Scheduler, StarvationGuardLetsABigJobThroughAStreamOfSmallOnes) {
  Cluster c = Cards(8);
  SchedulerOptions o;
  o.starvation_limit_ms = 10'000;
  auto s = Make(c, "sjf", o);
  JobSpec big = Spec("big", 8);
  big.estimate_ms = 1'000'000;  // longest: last in SJF order
  int first = s->Submit(Spec("s0", 1), 0).value();
  s->Schedule(0);
  int b = s->Submit(big, 0).value();
  int t = 0;
  std::vector<int> running = {first};
  // Small jobs keep arriving and each keeps one card busy.
  for (t = 1000; t <= 30'000; t += 1000) {
    for (int r : running) {
      if (s->job(r).state == JobState::kRunning) s->Finish(r, t);
    }
    running.clear();
    running.push_back(s->Submit(Spec("s" + std::to_string(t), 1, t), t).value());
    s->Schedule(t);
    if (s->job(b).state == JobState::kRunning) break;
  }
  EXPECT_EQ(s->job(b).state, JobState::kRunning);
  EXPECT_GE(t, 10'000);
  EXPECT_LE(t, 12'000);
}

TEST(Predictor, UsesTenantHistoryNotTrueDurations) {
  DurationPredictor p;
  JobSpec j = Spec("j", 1);
  j.duration_ms = 123;
  EXPECT_EQ(p.Estimate(j), DurationPredictor::kDefaultMs);
  for (int64_t d : {100, 300, 200}) p.Observe(j, d);
  EXPECT_EQ(p.Estimate(j), 200);
  JobSpec other = Spec("o", 1, 0, "other");
  EXPECT_EQ(p.Estimate(other), 200);  // global median
  other.estimate_ms = 5;
  EXPECT_EQ(p.Estimate(other), 5);  // the user's own estimate wins
}

}  // namespace
}  // namespace qt::compute
