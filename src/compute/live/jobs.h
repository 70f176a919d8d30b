// Jobs on live clusters: organisations submit training jobs to a cluster of
// the compute platform whose backend is `simulated` (the operator's
// 10,000-card cluster among them), and the cluster's Engine (engine.h) — the
// same scheduler, policies, placement and progress model as `qiantang sim` —
// queues, places, preempts and completes them on the real clock.
//
// Job time. A cluster's engine runs on the wall clock times the market's
// time scale (MarketOptions::simulated_time_scale): a job of duration d holds
// its cards for d / scale of wall time, and the scheduler's own times
// (preemption cost, minimum run, starvation limit) are job time.
//
// Restarts. A cluster's state is a function of its inputs: the submissions
// and cancellations, at their job times. Both are stored; a new process
// rebuilds each cluster's engine by replaying them and reaches the same
// placements (it then writes whatever happened while no process ran it).
// The job rows (state, nodes, times) are the engine's output, written and
// journaled as it happens: compute.job.{queued,started,preempted,completed,
// cancelled}.
//
// Several server processes on one database (lease.cc). One process at a time
// runs a cluster: the holder of its lease (live_leases), taken by the first
// process that needs the cluster and renewed by every write it makes. Every
// write of the leader checks, in its transaction, that it still holds the
// lease under the same epoch, so a process that stalled past its lease and
// was replaced writes nothing. Another process forwards a change (submit,
// cancel, node, quota, policy) to the leader through the database
// (live_requests) and waits for its result; when the leader's lease expires
// (it died) the waiting process takes the lease over, rebuilds the cluster
// from its stored inputs and carries the request out itself. A process that
// does not lead answers the queue, node and quota views from a copy it
// replays from the stored inputs.
//
// Who sees what: a tenant sees and cancels its own jobs; the operator and
// the cluster's provider see and cancel every job of the cluster. In the
// queue and node views, another tenant's job shows its cards but not its id
// or tenant.
//
// Quotas (一云多芯): the operator gives a tenant organisation, per resource of
// a cluster (cards of a chip or vendor, cores of a CPU kind or architecture),
// a guaranteed amount and a ceiling. No job starts that would take its tenant
// over a ceiling (it waits, held, without blocking others); under the drf
// policy a tenant below its guarantee takes back borrowed cards by
// preemption, and a tenant without a quota only borrows. Quota changes are
// inputs like submissions: stored, journaled (compute.quota.set) and replayed.
//
// Thread-safe: one mutex serialises the engines and their writes.
#ifndef QIANTANG_COMPUTE_LIVE_JOBS_H_
#define QIANTANG_COMPUTE_LIVE_JOBS_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accounts/accounts.h"
#include "accounts/paging.h"
#include "compute/chip.h"
#include "compute/live/history.h"
#include "compute/live/model.h"
#include "compute/market/market.h"
#include "compute/scheduler.h"
#include "core/clock.h"
#include "core/date.h"
#include "core/ids.h"
#include "ledger/journal.h"
#include "store/store.h"

namespace qt::compute::live {

struct JobsOptions {
  const Clock* clock = nullptr;          // required
  Random* random = nullptr;              // required (ids)
  ledger::Journal* journal = nullptr;    // required
  const ChipCatalog* catalog = nullptr;  // required
  market::Market* market = nullptr;      // required: the clusters
  int64_t time_scale = 1;                // job ms per wall ms
  std::string policy = "las";            // every cluster's until the operator changes it
  SchedulerOptions scheduler{};
  accounts::Accounts* accounts = nullptr;  // required: quota tenants are organisations
  // How long a process runs a cluster after its last write or renewal;
  // another process takes the cluster over once it has passed.
  int64_t lease_ms = 3000;
  // How long a process waits for the leader to carry out a forwarded change.
  int64_t forward_timeout_ms = 30'000;
};

struct UsageFilter {
  // Inclusive, at most kMaxUsageMonths apart; `to` defaults to this month,
  // `from` to `to`.
  std::optional<Month> from, to;
  std::string cluster_id;  // empty: every cluster
  std::string tenant_id;   // empty: every tenant the caller may see
};

struct JobFilter {
  std::string cluster_id;  // empty: every cluster the caller may see
  std::optional<JobState> state;
};

class Jobs {
 public:
  static constexpr int64_t kMaxDurationMs = int64_t{366} * 24 * 3'600'000;
  // Queued and running jobs one organisation may have on all clusters.
  static constexpr int64_t kMaxActivePerTenant = 1000;
  static constexpr int kMaxUsageMonths = 36;

  Jobs(store::Store& store, JobsOptions options);
  ~Jobs();
  Jobs(const Jobs&) = delete;
  Jobs& operator=(const Jobs&) = delete;
  static std::vector<store::Migration> Migrations();

  // Queues a job of the caller's organisation (any member) and runs a
  // scheduling pass; the job comes back queued or already running.
  // invalid_argument for a bad field or a job that can never fit the
  // cluster (no pool of its chips, or more cards than the largest);
  // not_found for an unknown cluster; failed_precondition when the cluster
  // is unavailable or not `simulated`; resource_exhausted when the
  // organisation already has kMaxActivePerTenant jobs queued or running.
  Result<LiveJob> Submit(const accounts::Principal& caller, const NewJob& job);
  // Withdraws a queued or running job (its cards are freed at once).
  // not_found (also for a job the caller may not see); failed_precondition
  // when it has already completed or been cancelled.
  Result<LiveJob> Cancel(const accounts::Principal& caller, const std::string& id);
  // not_found when there is no such job or the caller may not see it.
  Result<LiveJob> Get(const accounts::Principal& caller, const std::string& id);
  // The jobs the caller may see, newest first... by id.
  Result<accounts::Page<LiveJob>> List(const accounts::Principal& caller, const JobFilter& filter,
                                       const accounts::PageRequest& page);
  // The cluster's pending jobs in the order the policy will consider them.
  Result<std::vector<QueuedJob>> Queue(const accounts::Principal& caller,
                                       const std::string& cluster_id);
  // Every node of the cluster with the jobs on it.
  Result<std::vector<NodeState>> Nodes(const accounts::Principal& caller,
                                       const std::string& cluster_id);

  // Takes a node of a live cluster out of service (`down`) or puts it back.
  // Jobs running on it stop whole: queued again with their progress, or
  // failed, as each asked; a pass then places what it can elsewhere.
  // Journaled as compute.node.down / compute.node.up with the reason.
  // permission_denied unless the caller is the operator or a member of the
  // cluster's provider; invalid_argument for a node out of range or a bad
  // reason; failed_precondition when it is already in that state; as Queue
  // for the cluster.
  Result<NodeState> SetNodeDown(const accounts::Principal& caller, const std::string& cluster_id,
                                int64_t node, bool down, const std::string& reason);

  // Sets a tenant's quota on one resource of a live cluster (`quota`'s
  // cluster, tenant, resource, guaranteed and ceiling; both 0 removes it)
  // and runs a pass under it. Returns it with the cluster's capacity and what
  // the tenant holds. permission_denied unless the caller is the operator;
  // invalid_argument for a bad resource (or one no pool of the cluster has),
  // a negative amount, a ceiling below the guarantee, or an unknown tenant;
  // failed_precondition when the guarantees on that resource would exceed
  // its capacity; not_found as Queue for the cluster.
  Result<LiveQuota> SetQuota(const accounts::Principal& caller, const LiveQuota& quota);
  // The cluster's quotas with what each tenant holds: every quota for the
  // operator and the cluster's provider, a tenant's own for its members.
  Result<std::vector<LiveQuota>> Quotas(const accounts::Principal& caller,
                                        const std::string& cluster_id);

  // Changes the scheduling policy of a live cluster while it runs (policy.h's
  // names). Pending jobs are ordered by the new policy from then on and a
  // pass runs under it; running jobs keep their cards. Stored and replayed
  // like a submission, journaled as compute.policy.set (cluster_policy.cc).
  // permission_denied unless the caller is the operator; invalid_argument
  // for an unknown policy; failed_precondition when the cluster already runs
  // it; not_found as Queue for the cluster.
  Result<LivePolicy> SetPolicy(const accounts::Principal& caller, const std::string& cluster_id,
                               const std::string& policy);
  // The policy the cluster runs, with who set it and when. Any member.
  Result<LivePolicy> GetPolicy(const accounts::Principal& caller, const std::string& cluster_id);

  // What tenants' jobs used, per tenant, month and chip, running jobs
  // counted up to now (usage.cc). The operator sees every tenant; others see
  // their own organisation's usage and, for a provider, its clusters' tenants.
  // invalid_argument when `to` is before `from` or they are more than
  // kMaxUsageMonths apart.
  Result<std::vector<UsageRow>> Usage(const accounts::Principal& caller, const UsageFilter& filter);

  // The cluster's utilisation and fragmentation over time (history.h), for
  // any member (permission_denied otherwise). invalid_argument when `to` is
  // not after `from`, for a step that is not a whole number of intervals, or
  // for more than kMaxHistoryPoints steps; as Queue for the cluster.
  Result<ClusterHistory> History(const accounts::Principal& caller, const HistoryQuery& query);

  // Runs every cluster this process leads (or may take the lease of) to
  // now: carries out the changes other processes forwarded to it, records
  // what happened, and samples the cluster's history when an interval has
  // passed. Returns the number of job changes written.
  Result<int> Advance();

 private:
  struct Run;
  // The cluster, if jobs may run on it: not_found, or failed_precondition
  // for a Slurm cluster.
  Result<market::ClusterOffer> LiveCluster(const std::string& cluster_id);
  // The cluster's run: this process's own when it leads the cluster (see
  // Lead; rebuilt from the store when not in memory), else a copy replayed
  // from the stored inputs up to now, which writes nothing.
  // REQUIRES: mu_ held.
  Result<Run*> LoadRun(const market::ClusterOffer& offer);

  // --- Several processes (lease.cc) ---
  // Whether this process leads `cluster_id`: it takes the lease when nobody
  // holds it or it has expired, renews its own when half spent, and drops a
  // run it kept under an earlier lease. REQUIRES: mu_ held.
  Result<bool> Lead(const std::string& cluster_id);
  // In every write of a leader: unavailable unless this process still holds
  // the lease under the epoch it took it with; extends it.
  Status CheckLease(store::Tx& tx, const std::string& cluster_id);
  // When this process leads `cluster_id`: nullopt, with `lock` still held.
  // Otherwise unlocks, hands the change (`kind`, `body` as JSON) to the
  // leader and returns its result (JSON) once carried out, or its error;
  // unavailable when `request` is not empty (a forwarded change is never
  // forwarded again) or nothing answered in forward_timeout_ms.
  Result<std::optional<std::string>> LeadOrForward(
      std::unique_lock<std::mutex>& lock, const std::string& cluster_id, std::string_view kind,
      const accounts::Principal& caller, const std::string& body, const std::string& request);
  // Carries out the changes forwarded to the cluster, oldest first, while
  // this process leads it. REQUIRES: mu_ not held.
  Status ServeRequests(const std::string& cluster_id);
  // One forwarded change, by the private overloads below.
  struct Forwarded;
  Status ServeRequest(const Forwarded& f);
  // In the write that carries out `request`: its result. A no-op without one.
  Status FinishRequest(store::Tx& tx, const std::string& request, const std::string& result);

  // The public changes, `request` naming the forwarded change they carry
  // out (empty for the caller's own).
  Result<LiveJob> Submit(const accounts::Principal& caller, const NewJob& job,
                         const std::string& request);
  Result<LiveJob> Cancel(const accounts::Principal& caller, const std::string& id,
                         const std::string& request);
  Result<NodeState> SetNodeDown(const accounts::Principal& caller, const std::string& cluster_id,
                                int64_t node, bool down, const std::string& reason,
                                const std::string& request);
  Result<LiveQuota> SetQuota(const accounts::Principal& caller, const LiveQuota& quota,
                             const std::string& request);
  Result<LivePolicy> SetPolicy(const accounts::Principal& caller, const std::string& cluster_id,
                               const std::string& policy, const std::string& request);
  struct Input;
  // A new run of `offer` with its inputs replayed.
  Result<std::unique_ptr<Run>> Rebuild(const market::ClusterOffer& offer);
  // The stored inputs of a cluster of `nodes` nodes from sequence number
  // `from` on, in their order.
  Result<std::vector<Input>> ReadInputs(const std::string& cluster_id, int64_t nodes, int64_t from);
  // Appends the cluster's stored quota changes from `from` on to `inputs`
  // (quotas.cc).
  Status ReadQuotaInputs(const std::string& cluster_id, int64_t from, std::vector<Input>& inputs);
  // Likewise for policy changes (cluster_policy.cc).
  Status ReadPolicyInputs(const std::string& cluster_id, int64_t from, std::vector<Input>& inputs);
  // failed_precondition when `spec` exceeds a ceiling of its tenant on every
  // pool it may run on (it could never start).
  static Status CheckCeilings(const Run& run, const JobSpec& spec);
  // The stored form of `q` with capacity and holdings from the run.
  static LiveQuota Describe(const Run& run, const Quota& q);
  // Writes the run's ended segments that end at or after `from_wall` (wall
  // ms; a segment already stored is kept as it is) (usage.cc).
  Status WriteSegments(const Run& run, store::Tx& tx, int64_t from_wall) const;
  // Runs the engine to the input's time and applies it, with a pass.
  static Status Replay(Run& run, const Input& in);
  // Writes a history sample of every loaded run not yet sampled in this
  // interval, each in its own transaction, and deletes its samples older than
  // the retention (history.cc). REQUIRES: mu_ not held.
  Status RecordHistory();
  // Advance() for one cluster.
  Result<int> AdvanceCluster(const std::string& cluster_id);
  // Writes the rows that differ from the replayed engine (after a restart).
  Status Reconcile(Run& run);
  // Writes `inputs` (the caller's rows), the run's events and the result of
  // the forwarded change `request` (if any) in one transaction, under the
  // cluster's lease; the number of jobs the events touched. If the write
  // fails the run is dropped, to be rebuilt from the store on next use, so
  // memory never runs ahead of what is stored. REQUIRES: mu_ held.
  Result<int> Commit(Run& run, const std::string& actor,
                     const std::function<Status(store::Tx&)>& inputs,
                     const std::string& request = "", const std::string& result = "{}");
  // Journals the run's events (cancellations by `actor`) and writes the
  // rows of the jobs they touched; the number of jobs.
  Result<int> Flush(Run& run, store::Tx& tx, const std::string& actor);
  // The engine's view of one job (state, placement, times).
  LiveJob Project(const Run& run, int index) const;
  static Status WriteProjection(store::Tx& tx, const LiveJob& p);
  static bool MaySee(const accounts::Principal& caller, const LiveJob& job);
  int64_t JobNow() const;
  int64_t Wall(int64_t job_ms) const { return job_ms / options_.time_scale; }

  store::Store& store_;
  JobsOptions options_;
  IdGenerator ids_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Run>> runs_;  // by cluster id
  // This process's leases, by cluster id (lease.cc).
  struct Lease {
    int64_t epoch = 0;
    int64_t until = 0;  // wall ms, as this process last wrote it
  };
  std::map<std::string, Lease> leases_;
  const std::string holder_;  // this process's name in live_leases
};

}  // namespace qt::compute::live

#endif  // QIANTANG_COMPUTE_LIVE_JOBS_H_
