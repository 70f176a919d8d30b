// A cluster's scheduler together with its jobs' progress: the one event loop
// that the trace simulator (simulator.h) and the live platform both drive, so
// that what the simulator predicts is what the platform does.
//
// A job carries work: its duration at full size times its cards, in
// card-milliseconds at the reference speed. A running job progresses at its
// cards times its chip's speed (dense FP16 TFLOPS over the reference, or 1
// when there is no reference); it completes when its work is done. A
// preempted job keeps its progress (it checkpoints) and pays
// SchedulerOptions::preemption_cost_ms of no progress when it resumes; an
// elastic job started on fewer cards runs proportionally longer.
//
// Time only moves forward. Events at the same time happen in this order:
// completions, then whatever the caller submits, then one scheduling pass.
//
// Usage (the simulator's loop; the live platform calls RunUntil instead of
// stepping event by event):
//   Engine e(cluster, MakePolicy("las").value(), options);
//   int64_t t = std::min(next_arrival, e.NextEvent());
//   e.AdvanceTo(t, observer);          // completions at t
//   int id = e.Submit(spec, t).value();
//   e.Schedule(observer);              // starts and preemptions at t
//
// Not thread-safe: one owner calls it.
#ifndef QIANTANG_COMPUTE_ENGINE_H_
#define QIANTANG_COMPUTE_ENGINE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <vector>

#include "compute/cluster.h"
#include "compute/scheduler.h"
#include "core/status.h"

namespace qt::compute {

class Policy;

struct EngineOptions {
  SchedulerOptions scheduler;
  // 0: a job runs its duration on any chip. Otherwise durations are measured
  // on chips of this many TFLOPS, and a job on a chip of T TFLOPS runs
  // reference / T times as long ("one cloud, many chips"); on CPU cores it
  // runs its duration.
  int64_t reference_tflops = 0;
};

// What the engine did, for the caller to record: a job started, was
// preempted (also: queued again because a node it ran on went down),
// completed, was cancelled or failed (its node went down) at `at`.
struct EngineEvent {
  enum class Kind { kStart, kPreempt, kComplete, kCancel, kFail };
  Kind kind;
  int job;
  int64_t at;
};

class Engine {
 public:
  // Called once per event, and (when set) with `before` the time the engine
  // is about to move to, before anything happens at it (the simulator's
  // utilisation sampling reads the state that held until then).
  struct Observer {
    std::function<void(int64_t before)> advancing;
    std::function<void(const EngineEvent&)> event;
    std::function<void(double decision_us)> decided;  // wall time of each scheduling pass
  };

  Engine(const Cluster& cluster, std::unique_ptr<Policy> policy, EngineOptions options);
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Queues a job at `now` with work spec.duration_ms x spec.cards.
  // invalid_argument (nothing queued) as Scheduler::Submit.
  Result<int> Submit(const JobSpec& spec, int64_t now);
  // Withdraws a pending or running job at now() (Scheduler::Cancel).
  // REQUIRES: it is pending or running.
  void Cancel(int job, const Observer& observer);
  // Takes a node out of service at now() (Scheduler::SetNodeDown): the jobs
  // on it stop whole, keeping their progress if queued again.
  // REQUIRES: it is up.
  void SetNodeDown(int node, const Observer& observer);
  // REQUIRES: it is down.
  void SetNodeUp(int node) { scheduler_.SetNodeUp(node); }
  // Scheduler::SetQuotas; takes effect at the next pass.
  Status SetQuotas(const std::vector<Quota>& quotas) { return scheduler_.SetQuotas(quotas); }
  // Scheduler::SetPolicy; takes effect at the next pass.
  void SetPolicy(std::unique_ptr<Policy> policy);
  // The time of the next completion, or of the policy's next wakeup while
  // jobs are pending (never before the engine's current time); kNever if
  // nothing is due.
  int64_t NextEvent();
  // Moves to `t` and completes the jobs done at `t`.
  // REQUIRES: now() <= t <= NextEvent().
  void AdvanceTo(int64_t t, const Observer& observer);
  // Every event before `t` in time order (completions, then a scheduling
  // pass, at each event time), then AdvanceTo(t). REQUIRES: now() <= t.
  void RunUntil(int64_t t, const Observer& observer);
  // Every event at or before `t` in time order, each with its pass; now()
  // stays at the last of them. The live platform's clock tick.
  void RunThrough(int64_t t, const Observer& observer);
  // One scheduling pass at now(): the starts and preemptions it made.
  const std::vector<Decision>& Schedule(const Observer& observer);

  const Scheduler& scheduler() const { return scheduler_; }
  int64_t now() const { return now_; }
  // Cards held by running jobs.
  int64_t busy_cards() const { return busy_cards_; }
  // When the running job `job` will complete if nothing preempts it.
  // REQUIRES: it is running.
  int64_t CompletionTime(int job) const;

 private:
  struct Completion {
    int64_t at;
    int job;
    int epoch;
    bool operator>(const Completion& o) const { return at != o.at ? at > o.at : job > o.job; }
  };
  struct Run {
    int64_t start = 0, overhead = 0, end = 0;
    int cards = 0;
    int64_t tflops = 1, reference = 1;  // speed = tflops / reference
  };
  void Apply(const Decision& d, const Observer& observer);
  // Accounts the progress of the current run of a job that stops now.
  void Stop(int job);
  int64_t NextCompletion() const;
  int64_t NextWake();  // the policy's next wakeup while jobs are pending

  const Cluster* cluster_;
  EngineOptions options_;
  Scheduler scheduler_;
  std::vector<int64_t> remaining_;  // per job: card-ms of work left at the reference speed
  std::vector<Run> runs_;           // per job: its current run
  std::priority_queue<Completion, std::vector<Completion>, std::greater<>> completions_;
  int64_t now_ = 0;
  int64_t busy_cards_ = 0;
};

}  // namespace qt::compute

#endif  // QIANTANG_COMPUTE_ENGINE_H_
