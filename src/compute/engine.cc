#include "compute/engine.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "compute/policy.h"

namespace qt::compute {

Engine::Engine(const Cluster& cluster, std::unique_ptr<Policy> policy, EngineOptions options)
    : cluster_(&cluster),
      options_(std::move(options)),
      scheduler_(cluster, std::move(policy), options_.scheduler) {}

Result<int> Engine::Submit(const JobSpec& spec, int64_t now) {
  QT_ASSIGN_OR_RETURN(int id, scheduler_.Submit(spec, now));
  remaining_.push_back(spec.duration_ms * spec.cards);
  runs_.emplace_back();
  return id;
}

void Engine::Cancel(int job, const Observer& observer) {
  if (scheduler_.job(job).state == JobState::kRunning) {
    busy_cards_ -= runs_[static_cast<size_t>(job)].cards;
  }
  scheduler_.Cancel(job, now_);
  if (observer.event) observer.event({EngineEvent::Kind::kCancel, job, now_});
}

int64_t Engine::NextCompletion() const {
  // A completion of a job preempted since still counts as an event time:
  // the simulator has always run a pass there, and its results depend on it.
  return completions_.empty() ? kNever : completions_.top().at;
}

int64_t Engine::NextWake() {
  return scheduler_.pending_count() > 0 ? std::max(scheduler_.NextWakeup(), now_) : kNever;
}

void Engine::SetPolicy(std::unique_ptr<Policy> policy) { scheduler_.SetPolicy(std::move(policy)); }

int64_t Engine::NextEvent() { return std::min(NextCompletion(), NextWake()); }

void Engine::AdvanceTo(int64_t t, const Observer& observer) {
  if (observer.advancing) observer.advancing(t);
  now_ = t;
  while (!completions_.empty() && completions_.top().at == now_) {
    Completion c = completions_.top();
    completions_.pop();
    const Job& job = scheduler_.job(c.job);
    if (job.state != JobState::kRunning || job.epoch != c.epoch) continue;
    busy_cards_ -= job.alloc.cards();
    scheduler_.Finish(c.job, now_);
    if (observer.event) observer.event({EngineEvent::Kind::kComplete, c.job, now_});
  }
}

void Engine::RunUntil(int64_t t, const Observer& observer) {
  if (t > 0) RunThrough(t - 1, observer);
  AdvanceTo(t, observer);
}

void Engine::RunThrough(int64_t t, const Observer& observer) {
  // A wakeup already due whose pass changed nothing would be served at the
  // same time forever: it waits until time moves on.
  int64_t idle_at = kNever;
  while (true) {
    const int64_t wake = NextWake();
    const int64_t e = wake == idle_at ? NextCompletion() : std::min(NextCompletion(), wake);
    if (e > t) break;
    AdvanceTo(e, observer);
    idle_at = Schedule(observer).empty() && e == wake ? e : kNever;
  }
}

const std::vector<Decision>& Engine::Schedule(const Observer& observer) {
  auto t0 = std::chrono::steady_clock::now();
  const std::vector<Decision>& decisions = scheduler_.Schedule(now_);
  if (observer.decided) {
    observer.decided(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  for (const Decision& d : decisions) Apply(d, observer);
  return decisions;
}

void Engine::Apply(const Decision& d, const Observer& observer) {
  const Job& job = scheduler_.job(d.job);
  Run& run = runs_[static_cast<size_t>(d.job)];
  const int64_t rem = remaining_[static_cast<size_t>(d.job)];
  if (d.kind == Decision::Kind::kStart) {
    run.cards = job.alloc.cards();
    run.start = now_;
    run.overhead = job.preemptions > 0 ? options_.scheduler.preemption_cost_ms : 0;
    const Pool& pool = cluster_->pools()[static_cast<size_t>(job.alloc.pool)];
    const Chip& chip = cluster_->catalog().at(pool.chip);
    if (options_.reference_tflops > 0 && !chip.cpu()) {  // a CPU job runs its duration
      run.tflops = chip.fp16_tflops;
      run.reference = options_.reference_tflops;
    }
    busy_cards_ += run.cards;
    // Work is card-ms at the reference speed.
    const int64_t rate = run.cards * run.tflops;
    run.end = now_ + run.overhead + (rem * run.reference + rate - 1) / rate;
    completions_.push({run.end, d.job, job.epoch});
    if (observer.event) observer.event({EngineEvent::Kind::kStart, d.job, now_});
  } else {
    Stop(d.job);
    if (observer.event) observer.event({EngineEvent::Kind::kPreempt, d.job, now_});
  }
}

void Engine::Stop(int job) {
  const Run& run = runs_[static_cast<size_t>(job)];
  int64_t& rem = remaining_[static_cast<size_t>(job)];
  rem -= std::max<int64_t>(0, now_ - run.start - run.overhead) * run.cards * run.tflops /
         run.reference;
  rem = std::max<int64_t>(rem, 1);
  busy_cards_ -= run.cards;
}

void Engine::SetNodeDown(int node, const Observer& observer) {
  for (int job : scheduler_.SetNodeDown(node, now_)) {
    Stop(job);
    const bool failed = scheduler_.job(job).state == JobState::kFailed;
    if (observer.event) {
      observer.event({failed ? EngineEvent::Kind::kFail : EngineEvent::Kind::kPreempt, job, now_});
    }
  }
}

int64_t Engine::CompletionTime(int job) const { return runs_[static_cast<size_t>(job)].end; }

}  // namespace qt::compute
