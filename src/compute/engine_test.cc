#include "compute/engine.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "compute/configs.h"
#include "compute/policy.h"
#include "compute/simulator.h"
#include "compute/test_jobs.h"
#include "compute/trace.h"

namespace qt::compute {
namespace {

using ::qt::compute::testing::Cards;
using ::qt::compute::testing::Spec;

Engine NewEngine(const Cluster& c, std::string_view policy) {
  return Engine(c, MakePolicy(policy).value(), EngineOptions{});
}

TEST(Engine, CancellingARunningJobFreesItsCardsAtOnce) {
  Cluster c = Cards(16);
  Engine e = NewEngine(c, "fifo");
  Engine::Observer none;
  int a = e.Submit(Spec("a", 16, 0, 100), 0).value();
  int b = e.Submit(Spec("b", 8, 0, 100), 0).value();
  e.Schedule(none);
  EXPECT_EQ(e.scheduler().job(a).state, JobState::kRunning);
  EXPECT_EQ(e.scheduler().job(b).state, JobState::kPending);
  EXPECT_EQ(e.busy_cards(), 16);

  e.RunUntil(40'000, none);
  std::vector<EngineEvent> seen;
  Engine::Observer record;
  record.event = [&](const EngineEvent& ev) { seen.push_back(ev); };
  e.Cancel(a, record);
  EXPECT_EQ(e.scheduler().job(a).state, JobState::kCancelled);
  EXPECT_EQ(e.scheduler().job(a).executed_ms, 40'000);
  EXPECT_EQ(e.busy_cards(), 0);
  e.Schedule(record);
  EXPECT_EQ(e.scheduler().job(b).state, JobState::kRunning);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].kind, EngineEvent::Kind::kCancel);
  EXPECT_EQ(seen[1].kind, EngineEvent::Kind::kStart);
  EXPECT_EQ(e.CompletionTime(b), 140'000);
  // The cancelled job's old completion time passes without completing it.
  e.RunThrough(200'000, record);
  EXPECT_EQ(e.scheduler().job(b).state, JobState::kDone);
  EXPECT_EQ(seen.back().kind, EngineEvent::Kind::kComplete);
  EXPECT_EQ(seen.back().at, 140'000);
}

TEST(Engine, CancellingAPendingJobTakesItOutOfTheQueue) {
  Cluster c = Cards(8);
  Engine e = NewEngine(c, "fifo");
  Engine::Observer none;
  e.Submit(Spec("a", 8, 0, 100), 0).value();
  int b = e.Submit(Spec("b", 8, 0, 100), 0).value();
  int d = e.Submit(Spec("d", 8, 0, 50), 0).value();
  e.Schedule(none);
  EXPECT_EQ(e.scheduler().pending_count(), 2u);
  e.Cancel(b, none);
  EXPECT_EQ(e.scheduler().pending_count(), 1u);
  EXPECT_EQ(e.scheduler().Head(), d);
  e.RunThrough(100'000, none);
  EXPECT_EQ(e.scheduler().job(d).state, JobState::kRunning);
  EXPECT_EQ(e.CompletionTime(d), 150'000);
}

TEST(Engine, ANodeGoingDownStopsItsGangsWholeAndTheyResumeElsewhere) {
  // 4 nodes x 8 cards; a 16-card gang on two nodes, an 8-card job that
  // fails rather than requeue, and one node free.
  Cluster c = Cards(32);
  Engine e = NewEngine(c, "fifo");
  std::vector<EngineEvent> seen;
  Engine::Observer record;
  record.event = [&](const EngineEvent& ev) { seen.push_back(ev); };
  int gang = e.Submit(Spec("gang", 16, 0, 1000), 0).value();
  JobSpec fragile = Spec("fragile", 8, 0, 1000);
  fragile.requeue_on_failure = false;
  int f = e.Submit(fragile, 0).value();
  e.Schedule(record);
  ASSERT_EQ(e.scheduler().job(gang).state, JobState::kRunning);
  ASSERT_EQ(e.scheduler().job(gang).alloc.parts.size(), 2u);
  const int gang_node = e.scheduler().job(gang).alloc.parts[0].first;
  const int fragile_node = e.scheduler().job(f).alloc.parts[0].first;

  e.RunUntil(400'000, record);
  seen.clear();
  e.SetNodeDown(gang_node, record);
  // The whole gang stopped: none of its cards is held, on either node.
  EXPECT_EQ(e.scheduler().job(gang).state, JobState::kPending);
  EXPECT_EQ(e.busy_cards(), 8);
  EXPECT_EQ(e.scheduler().allocator().free_cards(), 16);  // 32 - 8 down - 8 running
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, EngineEvent::Kind::kPreempt);
  // It resumes on the two nodes left, keeping its 400 s of progress.
  e.Schedule(record);
  ASSERT_EQ(e.scheduler().job(gang).state, JobState::kRunning);
  for (const auto& [node, cards] : e.scheduler().job(gang).alloc.parts) EXPECT_NE(node, gang_node);
  EXPECT_EQ(e.CompletionTime(gang), 400'000 + 60'000 + 600'000);

  seen.clear();
  e.SetNodeDown(fragile_node, record);
  EXPECT_EQ(e.scheduler().job(f).state, JobState::kFailed);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, EngineEvent::Kind::kFail);
  EXPECT_EQ(e.scheduler().allocator().free_cards(), 0);
  // Nothing fits on the down nodes until one comes back.
  int later = e.Submit(Spec("later", 8, 400, 10), 400'000).value();
  e.Schedule(record);
  EXPECT_EQ(e.scheduler().job(later).state, JobState::kPending);
  e.SetNodeUp(fragile_node);
  e.Schedule(record);
  EXPECT_EQ(e.scheduler().job(later).state, JobState::kRunning);
  EXPECT_EQ(e.scheduler().job(later).alloc.parts[0].first, fragile_node);
}

// The live platform drives the engine on a clock that ticks at times of its
// own; the simulator steps from event to event. Both must place and finish
// every job alike: what the simulator predicts is what the platform does.
TEST(Engine, ALiveDriveOnAnyClockFinishesEveryJobAsTheSimulatorDoes) {
  Trace t =
      LoadTrace(std::string(std::getenv("QIANTANG_TESTDATA")) + "/traces/philly-pollux/philly.csv")
          .value();
  Truncate(&t, 2000);
  Cluster c = Cards(64);
  for (const char* policy : {"fifo", "backfill", "las", "drf"}) {
    SimResult sim = Simulate(c, t, policy, SimOptions{}).value();
    std::map<std::string, int64_t> sim_finish;
    for (const JobResult& j : sim.job_results) sim_finish[j.id] = j.finish_ms;

    Engine e = NewEngine(c, policy);
    std::map<int, int64_t> finished;
    Engine::Observer observer;
    observer.event = [&](const EngineEvent& ev) {
      if (ev.kind == EngineEvent::Kind::kComplete) finished[ev.job] = ev.at;
    };
    std::vector<std::string> ids;
    int64_t tick = 0;
    for (size_t i = 0; i < t.jobs.size();) {
      const int64_t at = t.jobs[i].submit_ms;
      // The clock ticks every 7.3 s of job time between arrivals.
      for (; tick < at; tick += 7'300) e.RunThrough(tick, observer);
      e.RunUntil(at, observer);
      // Jobs arriving in the same millisecond arrive together, as in the simulator.
      for (; i < t.jobs.size() && t.jobs[i].submit_ms == at; ++i) {
        ASSERT_TRUE(e.Submit(t.jobs[i], at).ok());
        ids.push_back(t.jobs[i].id);
      }
      e.Schedule(observer);
    }
    e.RunThrough(kNever - 1, observer);
    ASSERT_EQ(finished.size(), sim_finish.size()) << policy;
    for (const auto& [index, at] : finished) {
      const std::string& id = ids[static_cast<size_t>(index)];
      ASSERT_EQ(sim_finish.at(id), at) << policy << " " << id;
    }
  }
}

}  // namespace
}  // namespace qt::compute
