// The schema of jobs on live clusters (jobs.h): the jobs with their inputs
// (submission and cancellation, in job time and order) and their state, the
// nodes taken down and brought up, tenants' quotas (the current ones and
// every change, an input of the cluster's run), the runs of jobs, and the
// clusters' sampled history (history.h).
#include "compute/live/jobs.h"

namespace qt::compute::live {

std::vector<store::Migration> Jobs::Migrations() {
  return {{"live_jobs", 1, "jobs on live clusters", R"sql(
CREATE TABLE live_jobs (
  id TEXT PRIMARY KEY,
  cluster_id TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  submitter_id TEXT NOT NULL,
  name TEXT NOT NULL,
  cards BIGINT NOT NULL,
  chip TEXT NOT NULL,
  elastic BIGINT NOT NULL,
  duration_ms BIGINT NOT NULL,
  estimate_ms BIGINT NOT NULL,
  priority BIGINT NOT NULL,
  preemptible BIGINT NOT NULL,
  requeue BIGINT NOT NULL,
  submit_seq BIGINT NOT NULL,
  submit_job_ms BIGINT NOT NULL,
  cancel_seq BIGINT NOT NULL,
  cancel_job_ms BIGINT NOT NULL,
  state TEXT NOT NULL,
  pool TEXT NOT NULL,
  nodes TEXT NOT NULL,
  leaves BIGINT NOT NULL,
  submitted_at BIGINT NOT NULL,
  started_at BIGINT NOT NULL,
  finished_at BIGINT NOT NULL,
  preemptions BIGINT NOT NULL,
  run_ms BIGINT NOT NULL
);
CREATE INDEX live_jobs_cluster ON live_jobs (cluster_id, state);
CREATE INDEX live_jobs_tenant ON live_jobs (tenant_id, id);
CREATE INDEX live_jobs_provider ON live_jobs (provider_id, id);
CREATE TABLE live_node_events (
  cluster_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  job_ms BIGINT NOT NULL,
  node BIGINT NOT NULL,
  down BIGINT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (cluster_id, seq)
);
)sql"},
          {"live_jobs", 2, "tenants' quotas on live clusters", R"sql(
CREATE TABLE live_quotas (
  cluster_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  resource TEXT NOT NULL,
  guaranteed BIGINT NOT NULL,
  ceiling BIGINT NOT NULL,
  updated_by TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (cluster_id, tenant_id, resource)
);
CREATE TABLE live_quota_events (
  cluster_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  job_ms BIGINT NOT NULL,
  tenant_id TEXT NOT NULL,
  resource TEXT NOT NULL,
  guaranteed BIGINT NOT NULL,
  ceiling BIGINT NOT NULL,
  actor TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (cluster_id, seq)
);
)sql"},
          {"live_jobs", 3, "jobs' runs, for usage per tenant and month", R"sql(
CREATE TABLE live_runs (
  cluster_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  chip TEXT NOT NULL,
  units BIGINT NOT NULL,
  started_at BIGINT NOT NULL,
  ended_at BIGINT NOT NULL,
  PRIMARY KEY (job_id, started_at)
);
CREATE INDEX live_runs_tenant ON live_runs (tenant_id, ended_at);
CREATE INDEX live_runs_cluster ON live_runs (cluster_id, ended_at);
)sql"},
          {"live_jobs", 4, "changes of a live cluster's scheduling policy", R"sql(
CREATE TABLE live_policy_events (
  cluster_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  job_ms BIGINT NOT NULL,
  policy TEXT NOT NULL,
  actor TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (cluster_id, seq)
);
)sql"},
          {"live_jobs", 5, "one process runs each cluster: leases, and changes forwarded to it",
           R"sql(
CREATE TABLE live_leases (
  cluster_id TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  epoch BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE TABLE live_requests (
  id TEXT PRIMARY KEY,
  cluster_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  caller TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  done_at BIGINT NOT NULL,
  result TEXT NOT NULL
);
CREATE INDEX live_requests_pending ON live_requests (cluster_id, done_at, created_at);
)sql"},
          {"live_jobs", 6, "live clusters' utilisation and fragmentation over time", R"sql(
CREATE TABLE live_history (
  cluster_id TEXT NOT NULL,
  at BIGINT NOT NULL,
  pool TEXT NOT NULL,
  cards BIGINT NOT NULL,
  busy BIGINT NOT NULL,
  free BIGINT NOT NULL,
  down BIGINT NOT NULL,
  fragmented BIGINT NOT NULL,
  pending BIGINT NOT NULL,
  PRIMARY KEY (cluster_id, at, pool)
);
)sql"}};
}

}  // namespace qt::compute::live
