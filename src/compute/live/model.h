// Jobs on live clusters, as the platform records and shows them. Time is UTC
// milliseconds of the wall clock; durations are the job's own time (see
// jobs.h on the time scale).
#ifndef QIANTANG_COMPUTE_LIVE_MODEL_H_
#define QIANTANG_COMPUTE_LIVE_MODEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qt::compute::live {

// queued -> running <-> queued (preempted, or its node went down) ->
// completed; cancelled from queued or running; failed when a node it ran on
// went down and it asked not to be queued again.
enum class JobState { kQueued, kRunning, kCompleted, kCancelled, kFailed };
std::string_view JobStateName(JobState s);  // "queued", "running", ...
std::optional<JobState> ParseJobState(std::string_view s);
bool IsFinal(JobState s);

struct NewJob {
  std::string cluster_id;
  std::string name;          // the tenant's label, up to 100 characters
  int64_t cards = 0;         // 1..the largest allowed pool (gang), or any (elastic)
  std::string chip = "any";  // a ChipConstraint: any, chip:H800, vendor:huawei, tflops>=300
  bool elastic = false;      // gang (all or nothing) unless elastic
  int64_t duration_ms = 0;   // how long the job runs at full size (the simulated workload)
  int64_t estimate_ms = 0;   // the tenant's estimate; 0: the scheduler's predictor decides
  int64_t priority = 0;      // 0..9, higher first where the policy honours it
  bool preemptible = true;
  bool requeue_on_failure = true;  // when a node it runs on goes down; else it fails
};

// Cards a running job holds on one node.
struct NodeCards {
  int64_t node = 0;  // index in the cluster
  int64_t cards = 0;
};

struct LiveJob {
  std::string id;  // "cjb_..."
  std::string cluster_id;
  std::string provider_id;  // the cluster's
  std::string tenant_id;    // the submitting organisation
  std::string name;
  int64_t cards = 0;
  std::string chip;
  bool elastic = false;
  int64_t duration_ms = 0;
  int64_t estimate_ms = 0;
  int64_t priority = 0;
  bool preemptible = true;
  bool requeue_on_failure = true;
  JobState state = JobState::kQueued;
  std::string pool;              // while running
  std::vector<NodeCards> nodes;  // while running
  int64_t leaves = 0;            // leaf switches spanned while running
  int64_t submitted_at = 0;
  int64_t started_at = 0;   // first start; 0 before
  int64_t finished_at = 0;  // completed or cancelled; 0 before
  int64_t preemptions = 0;
  int64_t run_ms = 0;  // job time spent running, completed runs
};

// A queued job's place in its cluster's queue.
struct QueuedJob {
  int64_t position = 0;   // 1 = next
  std::string id;         // empty when another tenant's job (only the operator sees them)
  std::string tenant_id;  // likewise
  int64_t cards = 0;
  std::string chip;
  int64_t waiting_ms = 0;  // wall time since it was queued
};

// A job's cards on a node; `job_id` is empty for another tenant's job
// (only the operator and the cluster's provider see every id).
struct NodeJob {
  std::string job_id;
  int64_t cards = 0;
};

// One node of a live cluster.
struct NodeState {
  int64_t node = 0;
  std::string pool;
  int64_t leaf = 0;  // global leaf switch index
  int64_t pod = 0;   // global pod index
  int64_t cards = 0;
  int64_t free = 0;
  bool down = false;  // out of service: none of its cards is placed
  std::vector<NodeJob> jobs;
};

// A tenant organisation's quota on one resource of a live cluster: the cards
// (cores, for a CPU kind) of the pools whose chips `resource` allows. The
// guarantee is what the drf policy reclaims for it by preemption when others
// borrow it; the ceiling is the most its running jobs may hold at once.
struct LiveQuota {
  std::string cluster_id;
  std::string tenant_id;
  std::string resource;  // a ChipConstraint: chip:H800, vendor:huawei, arch:arm64, cpu, any
  int64_t guaranteed = 0;
  int64_t ceiling = 0;     // 0: none
  int64_t capacity = 0;    // the cards (cores) of the pools the resource covers
  int64_t held = 0;        // what the tenant's running jobs hold on them now
  std::string updated_by;  // the user who last set it
  int64_t updated_at = 0;
};

// The scheduling policy a live cluster runs (policy.h: fifo, backfill, sjf,
// las, drf).
struct LivePolicy {
  std::string cluster_id;
  std::string policy;
  std::string set_by;  // the user who last changed it; empty: the platform's default
  int64_t set_at = 0;  // wall ms of that change; 0 for the default
};

// What a tenant's jobs used of one chip in one month: cards (cores, for a CPU
// kind) times wall time. Runs that cross a month are split at its start.
struct UsageRow {
  std::string tenant_id;
  std::string month;  // "YYYY-MM", UTC
  std::string chip;
  bool cpu = false;  // the unit is a core, else a card
  bool domestic = false;
  int64_t unit_ms = 0;
};

}  // namespace qt::compute::live

#endif  // QIANTANG_COMPUTE_LIVE_MODEL_H_
