// The scheduler: queues jobs, places them on a cluster and preempts them,
// with the ordering and start decisions delegated to a Policy (fifo,
// backfill, sjf, las, drf; see policy.h). The same code drives the
// trace-driven simulator and the live platform: time is whatever the caller
// passes as `now` (UTC ms or simulated ms).
//
// Usage:
//   Scheduler s(cluster, MakePolicy("las").value(), SchedulerOptions{});
//   int id = s.Submit(spec, now).value();     // invalid_argument if it can never fit
//   for (const Decision& d : s.Schedule(now)) ...   // starts and preemptions
//   s.Finish(id, later);                      // the job completed
//   s.NextWakeup();   // when the policy wants to run without a new event
//
// Not thread-safe: one owner calls it (the simulator's loop, or the live
// service under its lock).
#ifndef QIANTANG_COMPUTE_SCHEDULER_H_
#define QIANTANG_COMPUTE_SCHEDULER_H_

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <queue>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "compute/allocator.h"
#include "compute/cluster.h"
#include "compute/job.h"
#include "compute/predictor.h"
#include "core/status.h"

namespace qt::compute {

inline constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

struct SchedulerOptions {
  // Time a preempted job loses when it resumes (checkpoint + restart).
  int64_t preemption_cost_ms = 60'000;
  // A job is not preempted before it has run this long in its current run.
  int64_t min_run_before_preemption_ms = 600'000;
  // A job waiting longer than this jumps ahead of every non-starved job
  // (0: never). Policies without preemption then drain for it.
  int64_t starvation_limit_ms = 48 * 3'600'000LL;
  // Use the jobs' true durations as estimates (simulation only).
  bool oracle = false;
  // las: attained-service thresholds (card-seconds) between its queues.
  std::vector<int64_t> las_thresholds_card_s = {3'600, 36'000};
  // drf: weight of each tenant (absent: 1); guaranteed shares are weights
  // over the active tenants' total.
  std::unordered_map<std::string, int> tenant_weights;

  Status Validate() const;
};

enum class JobState { kPending, kRunning, kDone, kCancelled, kFailed };

// A tenant's quota on one resource of a cluster: the cards of the pools whose
// chips `resource` allows (for a CPU kind, its cores). The guaranteed amount
// is the tenant's share under drf (reclaimed by preemption from tenants over
// theirs); the ceiling is the most it may hold at once under every policy.
struct Quota {
  std::string tenant;
  ChipConstraint resource;
  int64_t guaranteed = 0;
  int64_t ceiling = 0;  // 0: none
};

// A job as the scheduler tracks it. Policies read it; only the scheduler writes.
struct Job {
  JobSpec spec;
  int index = 0;
  int tenant = 0;
  uint64_t pool_mask = 0;
  int64_t estimate_ms = 0;  // predictor's (or oracle) estimate of the full run time
  JobState state = JobState::kPending;
  bool starved = false;
  int64_t queued_since_ms = 0;
  int64_t first_start_ms = -1;
  int64_t last_start_ms = -1;
  int64_t executed_ms = 0;       // wall time of completed runs
  int64_t attained_card_ms = 0;  // cards x time of completed runs
  int preemptions = 0;
  int epoch = 0;  // changes at every start and preemption
  int first_leaves = 0;
  Allocation alloc;
  uint64_t preempted_in_pass = 0;
  uint64_t started_in_pass = 0;
  // Its last start attempt left out pools where its tenant is at a ceiling
  // (so a failure then says nothing about other tenants' jobs).
  bool limited_by_quota = false;
  std::array<int64_t, 4> queue_key{};  // its key in the pending queue
};

struct Decision {
  enum class Kind { kStart, kPreempt };
  Kind kind;
  int job;
};

// A running job's scheduling facts, kept densely (one array scan per pass is
// how policies find preemption victims among thousands of running jobs).
struct RunningJob {
  int job = 0;
  int tenant = 0;
  int pool = 0;
  int cards = 0;
  bool preemptible = true;  // the job's own flag
  int64_t last_start_ms = 0;
  int64_t attained_card_ms = 0;  // before the current run
  uint64_t started_in_pass = 0;
};

// Position in the pending queue: smaller first. key[0] is 0 for starved jobs
// and 1 otherwise; the rest is the policy's key.
struct QueueEntry {
  std::array<int64_t, 4> key;
  int job;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
  auto operator<=>(const QueueEntry&) const = default;
};
using Queue = std::set<QueueEntry>;

class Policy;

class Scheduler {
 public:
  Scheduler(const Cluster& cluster, std::unique_ptr<Policy> policy, SchedulerOptions options);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Queues a job. invalid_argument (and nothing queued) when no pool allows
  // its chips or a gang job needs more cards than the largest allowed pool.
  Result<int> Submit(JobSpec spec, int64_t now);
  // The running job `job` has completed at `now`. REQUIRES: it is running.
  void Finish(int job, int64_t now);
  // Withdraws a pending or running job at `now` (a running one releases its
  // cards; it is not observed by the predictor). REQUIRES: it is pending or
  // running, and no Schedule() pass is under way.
  void Cancel(int job, int64_t now);
  // Takes node `node` out of service at `now`. Every running job holding
  // cards on it stops whole (a gang never keeps part of its cards): queued
  // again with its progress, or failed, as its spec says. Returns the jobs
  // stopped. REQUIRES: the node is up; no Schedule() pass is under way.
  std::vector<int> SetNodeDown(int node, int64_t now);
  // Puts a down node back in service. REQUIRES: it is down.
  void SetNodeUp(int node) { allocator_.SetDown(node, false); }
  // Replaces every tenant's quotas. From then on a tenant's guaranteed share
  // is its quotas' (its largest guaranteed fraction of a resource; none
  // without a quota) instead of its weight's, and no job starts where it
  // would take its tenant over a ceiling. Running jobs are not stopped.
  // invalid_argument (nothing changed) for a negative amount, a ceiling below
  // the guarantee, or a resource no pool of the cluster has.
  Status SetQuotas(const std::vector<Quota>& quotas);
  // Replaces the policy: from now on the pending queue is in the new policy's
  // order (starved jobs still first) and running jobs' priority changes are
  // the new policy's. Running jobs keep their cards; the next pass decides
  // under the new policy. REQUIRES: no Schedule() pass is under way.
  void SetPolicy(std::unique_ptr<Policy> policy);
  // Cards (cores) a tenant holds on the pools of `pool_mask`.
  int64_t TenantCards(const std::string& tenant, uint64_t pool_mask) const;
  // Runs the policy at `now`; returns the starts and preemptions it made.
  const std::vector<Decision>& Schedule(int64_t now);
  // The earliest time the policy must run again though nothing arrives or
  // completes (a las demotion, a starvation deadline), or kNever.
  int64_t NextWakeup();

  const Job& job(int index) const { return jobs_[static_cast<size_t>(index)]; }
  size_t job_count() const { return jobs_.size(); }
  size_t pending_count() const { return queue_.size() - started_.size(); }
  size_t running_count() const { return running_.size(); }
  // The first job of the pending queue, or -1.
  int Head() const;
  // Fragmentation: the free cards of the pools in `pools` that the head of
  // the queue may run on but cannot use, because it cannot start (0 when it
  // can, or when nothing is pending). What the simulator samples and the live
  // clusters' history records; summed over single pools it is the figure
  // for all of them.
  int64_t FragmentedCards(uint64_t pools = ~uint64_t{0}) const;
  const Allocator& allocator() const { return allocator_; }
  const Cluster& cluster() const { return *cluster_; }
  const SchedulerOptions& options() const { return options_; }
  std::string_view policy_name() const;

  // --- For policies, during Schedule() ---
  int64_t now() const { return now_; }
  Job& mutable_job(int index) { return jobs_[static_cast<size_t>(index)]; }
  const Queue& queue() const { return queue_; }
  // The pending jobs of one tenant in queue order.
  const Queue& tenant_queue(int tenant) const {
    return tenant_queues_[static_cast<size_t>(tenant)];
  }
  size_t tenant_count() const { return tenant_names_.size(); }
  const std::string& tenant_name(int tenant) const {
    return tenant_names_[static_cast<size_t>(tenant)];
  }
  const std::vector<int>& running() const { return running_; }
  // Facts of the running jobs, in the order of running().
  const std::vector<RunningJob>& running_jobs() const { return running_info_; }
  // Places and starts a pending job on the pools of `pool_mask` (default:
  // all its chips allow); false (nothing changed) if it does not fit.
  bool TryStart(Job& job, uint64_t pool_mask = 0);
  // Preempts `victims` in order only as far as needed, then starts `job`.
  // If `job` still does not fit, nothing changes and false is returned.
  bool StartByPreempting(Job& job, const std::vector<int>& victims);
  // Whether its tenant's ceilings leave `job` no pool at all: held (like a
  // Slurm job pending on a QOS limit) rather than waiting for cards, so it
  // does not block the jobs behind it.
  bool HeldByQuota(Job& job) const { return UnderCeilings(job, job.pool_mask) == 0; }
  // Running, preemptible, and past the minimum run time.
  bool Preemptible(const Job& job) const;
  bool Preemptible(const RunningJob& r) const {
    return r.preemptible && r.started_in_pass != pass_ &&
           now_ - r.last_start_ms >= options_.min_run_before_preemption_ms;
  }
  // Cards x time attained so far, including the current run.
  int64_t AttainedCardMs(const Job& job) const;
  int64_t AttainedCardMs(const RunningJob& r) const {
    return r.attained_card_ms + (now_ - r.last_start_ms) * r.cards;
  }
  // Estimated completion time of a running job (at least a minute from now
  // when the estimate has already been exceeded).
  int64_t EstimatedEnd(const Job& job) const;
  // Dominant share of a tenant: its largest fraction of any resource (cards
  // of each chip kind, CPU cores, memory) in use.
  double DominantShare(int tenant) const;
  // The share guaranteed to a tenant with pending or running jobs: its
  // weight over the active tenants' total weight.
  double GuaranteedShare(int tenant) const;
  int TenantWeight(int tenant) const { return tenant_weight_[static_cast<size_t>(tenant)]; }

 private:
  struct Wakeup {
    int64_t at;
    int job;
    int epoch;
    bool operator>(const Wakeup& o) const { return at > o.at; }
  };
  struct QuotaLimit {
    uint64_t pools = 0;    // the pools the quota's resource covers
    int64_t capacity = 0;  // their cards
    int64_t guaranteed = 0;
    int64_t ceiling = 0;  // 0: none
  };
  int TenantIndex(const std::string& name);
  // The pools of `mask` where `job` fits under its tenant's ceilings.
  uint64_t UnderCeilings(Job& job, uint64_t mask) const;
  // Puts a pending job in the queues under the policy's key.
  void InsertQueued(Job& job);
  // InsertQueued, and the starvation deadline of a newly queued job.
  void Enqueue(Job& job);
  void AddUsage(const Job& job, int sign);
  void Start(Job& job, Allocation alloc);
  void MarkPreempted(Job& job);  // the allocation is already released
  void RemoveRunning(int job);
  void PushPriorityChange(const Job& job);

  const Cluster* cluster_;
  std::unique_ptr<Policy> policy_;
  SchedulerOptions options_;
  Allocator allocator_;
  DurationPredictor predictor_;
  std::vector<Job> jobs_;
  Queue queue_;
  std::vector<Queue> tenant_queues_;
  std::vector<int> running_;
  std::vector<RunningJob> running_info_;
  std::vector<int> running_pos_;
  std::vector<int> started_;  // started during the current pass
  std::vector<Decision> decisions_;
  std::priority_queue<Wakeup, std::vector<Wakeup>, std::greater<>> starvation_;
  std::priority_queue<Wakeup, std::vector<Wakeup>, std::greater<>> priority_changes_;
  std::unordered_map<std::string, int> tenant_index_;
  std::vector<std::string> tenant_names_;
  std::vector<int> tenant_weight_;
  std::vector<int> tenant_active_jobs_;                  // pending + running
  std::vector<std::vector<int64_t>> tenant_usage_;       // per dimension
  std::vector<std::vector<int64_t>> tenant_pool_cards_;  // per pool
  std::vector<std::vector<QuotaLimit>> tenant_quotas_;
  bool quotas_set_ = false;
  std::vector<int64_t> capacity_;  // per dimension
  int64_t active_weight_ = 0;
  int64_t now_ = 0;
  uint64_t pass_ = 0;
};

}  // namespace qt::compute

#endif  // QIANTANG_COMPUTE_SCHEDULER_H_
