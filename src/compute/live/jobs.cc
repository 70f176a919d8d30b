#include "compute/live/jobs.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <utility>

#include "compute/engine.h"
#include "compute/live/run.h"
#include "compute/policy.h"
#include "core/text.h"
#include "store/decode.h"
#include "store/transact.h"

namespace qt::compute::live {
namespace {

using accounts::Principal;
using nlohmann::json;
using store::Row;
using store::Rows;
using store::Tx;

constexpr char kColumns[] =
    "id, cluster_id, provider_id, tenant_id, name, cards, chip, elastic, duration_ms, "
    "estimate_ms, priority, preemptible, requeue, state, pool, nodes, leaves, submitted_at, "
    "started_at, finished_at, preemptions, run_ms";

Result<LiveJob> JobFromRow(const Row& r) {
  return store::Decode<LiveJob>("live_jobs", r, [&]() -> Result<LiveJob> {
    LiveJob j;
    j.id = r.Text("id");
    j.cluster_id = r.Text("cluster_id");
    j.provider_id = r.Text("provider_id");
    j.tenant_id = r.Text("tenant_id");
    j.name = r.Text("name");
    j.cards = r.Int("cards");
    j.chip = r.Text("chip");
    j.elastic = r.Int("elastic") != 0;
    j.duration_ms = r.Int("duration_ms");
    j.estimate_ms = r.Int("estimate_ms");
    j.priority = r.Int("priority");
    j.preemptible = r.Int("preemptible") != 0;
    j.requeue_on_failure = r.Int("requeue") != 0;
    std::optional<JobState> state = ParseJobState(r.Text("state"));
    if (!state) return Internal("unknown state " + r.Text("state"));
    j.state = *state;
    j.pool = r.Text("pool");
    for (const json& part : json::parse(r.Text("nodes"))) {
      j.nodes.push_back({part.at(0).get<int64_t>(), part.at(1).get<int64_t>()});
    }
    j.leaves = r.Int("leaves");
    j.submitted_at = r.Int("submitted_at");
    j.started_at = r.Int("started_at");
    j.finished_at = r.Int("finished_at");
    j.preemptions = r.Int("preemptions");
    j.run_ms = r.Int("run_ms");
    return j;
  });
}

Result<std::optional<LiveJob>> LoadJob(Tx& tx, const std::string& id) {
  QT_ASSIGN_OR_RETURN(
      Rows rows,
      tx.Query("SELECT " + std::string(kColumns) + " FROM live_jobs WHERE id = ?", {id}));
  if (rows.empty()) return std::optional<LiveJob>();
  QT_ASSIGN_OR_RETURN(LiveJob j, JobFromRow(rows[0]));
  return std::optional<LiveJob>(std::move(j));
}

Status CheckNewJob(const NewJob& j) {
  if (!j.name.empty()) QT_RETURN_IF_ERROR(CheckDisplayText(j.name, 100).WithContext("name"));
  if (j.cards < 1 || j.cards > market::Market::kMaxCards) {
    return InvalidArgument(
        fmt::format("cards: must be between 1 and {}", market::Market::kMaxCards));
  }
  if (j.duration_ms < 1 || j.duration_ms > Jobs::kMaxDurationMs) {
    return InvalidArgument("duration_ms: must be between 1 ms and 366 days");
  }
  if (j.estimate_ms < 0 || j.estimate_ms > Jobs::kMaxDurationMs) {
    return InvalidArgument("estimate_ms: must be between 0 (none) and 366 days");
  }
  if (j.priority < 0 || j.priority > 9) return InvalidArgument("priority: must be between 0 and 9");
  return ChipConstraint::Parse(j.chip).status().WithContext("chip");
}

std::string_view TransitionName(EngineEvent::Kind k) {
  switch (k) {
    case EngineEvent::Kind::kStart:
      return "started";
    case EngineEvent::Kind::kPreempt:
      return "preempted";
    case EngineEvent::Kind::kComplete:
      return "completed";
    case EngineEvent::Kind::kCancel:
      return "cancelled";
    case EngineEvent::Kind::kFail:
      return "failed";
  }
  return "changed";
}

// The journal's name for entering state `s`.
std::string_view ArrivalName(JobState s) {
  switch (s) {
    case JobState::kQueued:
      return "preempted";
    case JobState::kRunning:
      return "started";
    default:
      return JobStateName(s);
  }
}

}  // namespace

Status ReadInputRows(store::Store& store, std::string_view table, std::string_view columns,
                     const std::string& cluster_id, int64_t from,
                     const std::function<Result<bool>(const Row&)>& decode) {
  QT_ASSIGN_OR_RETURN(Rows rows, store::ReadValue(store, [&](Tx& tx) {
                        return tx.Query(fmt::format("SELECT {} FROM {} WHERE cluster_id = ? AND "
                                                    "seq >= ?",
                                                    columns, table),
                                        {cluster_id, from});
                      }));
  for (const Row& r : rows) {
    QT_RETURN_IF_ERROR(
        store::Decode<bool>(table, r, [&]() -> Result<bool> { return decode(r); }).status());
  }
  return OkStatus();
}

Jobs::Jobs(store::Store& store, JobsOptions options)
    : store_(store),
      options_(std::move(options)),
      ids_(*options_.clock, *options_.random),
      holder_(ids_.Next("prc")) {}

Jobs::~Jobs() {
  // Another process may take this one's clusters over at once.
  if (leases_.empty()) return;
  Status released = store_.Write([&](Tx& tx) {
    return tx.Exec("UPDATE live_leases SET expires_at = 0 WHERE holder = ?", {holder_}).status();
  });
  if (!released.ok()) spdlog::warn("jobs: leases not released: {}", released.ToString());
}

int64_t Jobs::JobNow() const { return options_.clock->NowMillis() * options_.time_scale; }

Result<std::vector<Jobs::Input>> Jobs::ReadInputs(const std::string& cluster_id, int64_t nodes,
                                                  int64_t from) {
  std::vector<Input> inputs;
  QT_ASSIGN_OR_RETURN(Rows rows, store::ReadValue(store_, [&](Tx& tx) {
                        return tx.Query(
                            "SELECT id, tenant_id, cards, chip, elastic, "
                            "duration_ms, estimate_ms, priority, "
                            "preemptible, requeue, submit_seq, submit_job_ms, "
                            "cancel_seq, cancel_job_ms FROM "
                            "live_jobs WHERE cluster_id = ? AND (submit_seq >= ? OR "
                            "cancel_seq >= ?)",
                            {cluster_id, from, from});
                      }));
  for (const Row& r : rows) {
    QT_RETURN_IF_ERROR(store::Decode<bool>("live_jobs", r, [&]() -> Result<bool> {
                         JobSpec spec;
                         spec.id = r.Text("id");
                         spec.tenant = r.Text("tenant_id");
                         spec.cards = static_cast<int>(r.Int("cards"));
                         QT_ASSIGN_OR_RETURN(spec.chip, ChipConstraint::Parse(r.Text("chip")));
                         spec.elastic = r.Int("elastic") != 0;
                         spec.duration_ms = r.Int("duration_ms");
                         spec.estimate_ms = r.Int("estimate_ms");
                         spec.priority = static_cast<int>(r.Int("priority"));
                         spec.preemptible = r.Int("preemptible") != 0;
                         spec.requeue_on_failure = r.Int("requeue") != 0;
                         spec.submit_ms = r.Int("submit_job_ms");
                         if (r.Int("cancel_seq") > 0 && r.Int("cancel_seq") >= from) {
                           inputs.push_back({r.Int("cancel_seq"), r.Int("cancel_job_ms"),
                                             Input::Kind::kCancel, spec});
                         }
                         if (r.Int("submit_seq") >= from) {
                           inputs.push_back({r.Int("submit_seq"), spec.submit_ms,
                                             Input::Kind::kSubmit, std::move(spec)});
                         }
                         return true;
                       }).status());
  }
  QT_RETURN_IF_ERROR(ReadInputRows(
      store_, "live_node_events", "seq, job_ms, node, down", cluster_id, from,
      [&](const Row& r) -> Result<bool> {
        const int64_t node = r.Int("node");
        if (node < 0 || node >= nodes) return Internal("no such node");
        inputs.push_back({r.Int("seq"), r.Int("job_ms"),
                          r.Int("down") ? Input::Kind::kNodeDown : Input::Kind::kNodeUp, JobSpec{},
                          static_cast<int>(node)});
        return true;
      }));
  QT_RETURN_IF_ERROR(ReadQuotaInputs(cluster_id, from, inputs));
  QT_RETURN_IF_ERROR(ReadPolicyInputs(cluster_id, from, inputs));
  std::sort(inputs.begin(), inputs.end(),
            [](const Input& a, const Input& b) { return a.seq < b.seq; });
  return inputs;
}

Status Jobs::Replay(Run& run, const Input& in) {
  Engine& engine = *run.engine;
  engine.RunUntil(std::max(in.at, engine.now()), run.observer);
  if (in.kind == Input::Kind::kCancel) {
    auto it = run.index.find(in.spec.id);
    if (it == run.index.end()) {
      return Internal("live jobs: " + in.spec.id + " is cancelled before it is submitted");
    }
    const compute::JobState s = engine.scheduler().job(it->second).state;
    if (s == compute::JobState::kPending || s == compute::JobState::kRunning) {
      engine.Cancel(it->second, run.observer);
    }
  } else if (in.kind == Input::Kind::kQuota) {
    auto next = run.quotas;
    const std::pair<std::string, std::string> key{in.quota.tenant, in.quota.resource.ToString()};
    if (in.quota.guaranteed == 0 && in.quota.ceiling == 0) {
      next.erase(key);
    } else {
      next[key] = in.quota;
    }
    QT_RETURN_IF_ERROR(
        run.ApplyQuotas(std::move(next)).WithContext("live jobs: replaying a quota"));
  } else if (in.kind == Input::Kind::kPolicy) {
    Result<std::unique_ptr<compute::Policy>> policy = MakePolicy(in.policy);
    if (!policy.ok())
      return Internal("live jobs: replaying a policy: " + policy.status().message());
    engine.SetPolicy(*std::move(policy));
  } else if (in.kind == Input::Kind::kNodeDown || in.kind == Input::Kind::kNodeUp) {
    const bool down = in.kind == Input::Kind::kNodeDown;
    if (engine.scheduler().allocator().down(in.node) == down) {
      return Internal(fmt::format("live jobs: node {} of {} is {} twice", in.node, run.offer.id,
                                  down ? "down" : "up"));
    }
    if (down) {
      engine.SetNodeDown(in.node, run.observer);
    } else {
      engine.SetNodeUp(in.node);
    }
  } else {
    Result<int> index = engine.Submit(in.spec, engine.now());
    if (!index.ok()) {
      return Internal("live jobs: replaying " + in.spec.id + ": " + index.status().message());
    }
    run.ids.push_back(in.spec.id);
    run.tenants.push_back(in.spec.tenant);
    run.index[in.spec.id] = *index;
  }
  engine.Schedule(run.observer);
  run.next_seq = std::max(run.next_seq, in.seq + 1);
  return OkStatus();
}

Result<std::unique_ptr<Jobs::Run>> Jobs::Rebuild(const market::ClusterOffer& offer) {
  std::vector<Pool> pools;
  for (const market::PoolSpec& spec : offer.pools) {
    Pool p;
    static_cast<PoolShape&>(p) = spec;
    p.name = spec.name;
    p.provider = offer.provider_id;
    p.region = offer.region;
    p.chip = options_.catalog->Find(spec.chip);
    pools.push_back(std::move(p));
  }
  QT_ASSIGN_OR_RETURN(Cluster cluster, Cluster::FromPools(offer.id, *options_.catalog, pools));
  auto run = std::make_unique<Run>(offer, std::move(cluster));
  QT_ASSIGN_OR_RETURN(std::unique_ptr<Policy> policy, MakePolicy(options_.policy));
  run->engine = std::make_unique<Engine>(run->cluster, std::move(policy),
                                         EngineOptions{options_.scheduler, 0});
  QT_ASSIGN_OR_RETURN(std::vector<Input> inputs,
                      ReadInputs(offer.id, static_cast<int64_t>(run->cluster.nodes().size()), 0));
  run->recording = false;
  for (const Input& in : inputs) QT_RETURN_IF_ERROR(Replay(*run, in));
  run->recording = true;
  return run;
}

LiveJob Jobs::Project(const Run& run, int index) const {
  const Job& j = run.engine->scheduler().job(index);
  LiveJob out;
  out.id = run.ids[static_cast<size_t>(index)];
  switch (j.state) {
    case compute::JobState::kPending:
      out.state = JobState::kQueued;
      break;
    case compute::JobState::kRunning:
      out.state = JobState::kRunning;
      out.pool = run.cluster.pools()[static_cast<size_t>(j.alloc.pool)].name;
      for (const auto& [node, cards] : j.alloc.parts) out.nodes.push_back({node, cards});
      out.leaves = j.alloc.leaves;
      break;
    case compute::JobState::kDone:
      out.state = JobState::kCompleted;
      break;
    case compute::JobState::kCancelled:
      out.state = JobState::kCancelled;
      break;
    case compute::JobState::kFailed:
      out.state = JobState::kFailed;
      break;
  }
  if (j.first_start_ms >= 0) out.started_at = Wall(j.first_start_ms);
  if (auto it = run.ended_at.find(index); it != run.ended_at.end()) {
    out.finished_at = Wall(it->second);
  }
  out.preemptions = j.preemptions;
  out.run_ms = j.executed_ms;
  return out;
}

Status Jobs::WriteProjection(Tx& tx, const LiveJob& p) {
  json nodes = json::array();
  for (const NodeCards& n : p.nodes) nodes.push_back({n.node, n.cards});
  return tx
      .Exec(
          "UPDATE live_jobs SET state = ?, pool = ?, nodes = ?, leaves = ?, started_at = ?, "
          "finished_at = ?, preemptions = ?, run_ms = ? WHERE id = ?",
          {std::string(JobStateName(p.state)), p.pool, nodes.dump(), p.leaves, p.started_at,
           p.finished_at, p.preemptions, p.run_ms, p.id})
      .status();
}

Result<int> Jobs::Flush(Run& run, Tx& tx, const std::string& actor) {
  std::vector<int> touched;
  for (const EngineEvent& e : run.events) {
    const std::string& id = run.ids[static_cast<size_t>(e.job)];
    QT_RETURN_IF_ERROR(options_.journal
                           ->Append(tx, {e.kind == EngineEvent::Kind::kCancel ? actor : "scheduler",
                                         "compute.job." + std::string(TransitionName(e.kind)),
                                         id,
                                         {{"cluster_id", run.offer.id}, {"at", Wall(e.at)}}})
                           .status());
    touched.push_back(e.job);
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (int index : touched) QT_RETURN_IF_ERROR(WriteProjection(tx, Project(run, index)));
  QT_RETURN_IF_ERROR(WriteSegments(run, tx, 0));
  return static_cast<int>(touched.size());
}

Status Jobs::Reconcile(Run& run) {
  return store_.Write([&](Tx& tx) -> Status {
    QT_RETURN_IF_ERROR(CheckLease(tx, run.offer.id));
    // The runs that ended while no process ran the cluster (replay made every
    // earlier one again; those are stored already).
    QT_ASSIGN_OR_RETURN(
        Rows last,
        tx.Query("SELECT MAX(ended_at) AS at FROM live_runs WHERE cluster_id = ?", {run.offer.id}));
    QT_RETURN_IF_ERROR(
        WriteSegments(run, tx, last.empty() || last[0].IsNull("at") ? 0 : last[0].Int("at")));
    QT_ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT " + std::string(kColumns) +
                                                " FROM live_jobs WHERE cluster_id = ? AND "
                                                "state IN ('queued', 'running')",
                                            {run.offer.id}));
    for (const Row& r : rows) {
      QT_ASSIGN_OR_RETURN(LiveJob stored, JobFromRow(r));
      auto it = run.index.find(stored.id);
      if (it == run.index.end()) return Internal("live jobs: " + stored.id + " was not replayed");
      LiveJob now = Project(run, it->second);
      if (now.state == stored.state && now.nodes.size() == stored.nodes.size() &&
          now.preemptions == stored.preemptions) {
        continue;
      }
      QT_RETURN_IF_ERROR(WriteProjection(tx, now));
      if (now.state != stored.state) {
        QT_RETURN_IF_ERROR(options_.journal
                               ->Append(tx, {"scheduler",
                                             "compute.job." + std::string(ArrivalName(now.state)),
                                             now.id,
                                             {{"cluster_id", run.offer.id},
                                              {"from", JobStateName(stored.state)},
                                              {"recovered", true}}})
                               .status());
      }
    }
    return OkStatus();
  });
}

Result<Jobs::Run*> Jobs::LoadRun(const market::ClusterOffer& offer) {
  QT_ASSIGN_OR_RETURN(bool lead, Lead(offer.id));
  auto it = runs_.find(offer.id);
  if (it != runs_.end() && it->second->leader != lead) {
    runs_.erase(it);
    it = runs_.end();
  }
  if (lead && it != runs_.end()) return it->second.get();
  std::unique_ptr<Run> run;
  if (lead || it == runs_.end()) {
    QT_ASSIGN_OR_RETURN(run, Rebuild(offer));
  } else {
    // A copy: replay what the leader stored since, unless the copy has run
    // past the first of it (then replay everything again).
    run = std::move(it->second);
    runs_.erase(it);
    QT_ASSIGN_OR_RETURN(
        std::vector<Input> inputs,
        ReadInputs(offer.id, static_cast<int64_t>(run->cluster.nodes().size()), run->next_seq));
    if (!inputs.empty() && inputs.front().at < run->engine->now()) {
      QT_ASSIGN_OR_RETURN(run, Rebuild(offer));
    } else {
      run->recording = false;
      for (const Input& in : inputs) QT_RETURN_IF_ERROR(Replay(*run, in));
    }
  }
  // What happened since the last input (while no process ran the cluster,
  // for a leader).
  run->recording = false;
  run->engine->RunThrough(JobNow(), run->observer);
  run->recording = true;
  run->leader = lead;
  if (lead) QT_RETURN_IF_ERROR(Reconcile(*run));
  run->closed.clear();
  run->events.clear();
  Run* out = run.get();
  runs_[offer.id] = std::move(run);
  return out;
}

Result<market::ClusterOffer> Jobs::LiveCluster(const std::string& cluster_id) {
  QT_ASSIGN_OR_RETURN(market::ClusterOffer offer, options_.market->GetCluster(cluster_id));
  if (offer.backend != market::Backend::kSimulated) {
    return FailedPrecondition("cluster: " + cluster_id +
                              " runs on Slurm; jobs run on simulated clusters only for now");
  }
  return offer;
}

Result<LiveJob> Jobs::Submit(const Principal& caller, const NewJob& nj) {
  return Submit(caller, nj, "");
}

Result<LiveJob> Jobs::Submit(const Principal& caller, const NewJob& nj,
                             const std::string& request) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  QT_RETURN_IF_ERROR(CheckNewJob(nj));
  QT_ASSIGN_OR_RETURN(market::ClusterOffer offer, LiveCluster(nj.cluster_id));
  if (!offer.available) {
    return FailedPrecondition("cluster: " + offer.name + " is not available");
  }
  std::unique_lock lock(mu_);
  QT_ASSIGN_OR_RETURN(std::optional<std::string> forwarded,
                      LeadOrForward(lock, offer.id, "submit", caller, SubmitBody(nj), request));
  if (forwarded) {
    const json result = json::parse(*forwarded, nullptr, false);
    if (!result.is_object() || !result.contains("id") || !result["id"].is_string()) {
      return Internal("jobs: the leader answered a submission without a job id");
    }
    return Get(caller, result["id"].get<std::string>());
  }
  QT_ASSIGN_OR_RETURN(Rows active, store::ReadValue(store_, [&](Tx& tx) {
                        return tx.Query(
                            "SELECT COUNT(*) AS n FROM live_jobs WHERE tenant_id = ? AND "
                            "state IN ('queued', 'running')",
                            {caller.org_id});
                      }));
  if (!active.empty() && active[0].Int("n") >= kMaxActivePerTenant) {
    return ResourceExhausted(fmt::format(
        "jobs: your organisation already has {} jobs queued or running", kMaxActivePerTenant));
  }
  QT_ASSIGN_OR_RETURN(Run * run, LoadRun(offer));
  Engine& engine = *run->engine;
  const int64_t t = std::max(JobNow(), engine.now());
  engine.RunUntil(t, run->observer);
  JobSpec spec;
  spec.id = ids_.Next("cjb");
  spec.tenant = caller.org_id;
  spec.cards = static_cast<int>(nj.cards);
  spec.chip = ChipConstraint::Parse(nj.chip).value();
  spec.elastic = nj.elastic;
  spec.submit_ms = t;
  spec.duration_ms = nj.duration_ms;
  spec.estimate_ms = nj.estimate_ms;
  spec.priority = static_cast<int>(nj.priority);
  spec.preemptible = nj.preemptible;
  spec.requeue_on_failure = nj.requeue_on_failure;
  QT_RETURN_IF_ERROR(CheckCeilings(*run, spec));
  Result<int> index = engine.Submit(spec, t);
  if (index.ok()) {
    run->ids.push_back(spec.id);
    run->tenants.push_back(spec.tenant);
    run->index[spec.id] = *index;
    engine.Schedule(run->observer);
  }
  const int64_t seq = run->next_seq;
  const int64_t now = options_.clock->NowMillis();
  QT_RETURN_IF_ERROR(
      Commit(
          *run, caller.user_id,
          [&](Tx& tx) -> Status {
            if (index.ok()) {
              QT_RETURN_IF_ERROR(
                  tx.Exec("INSERT INTO live_jobs (id, cluster_id, provider_id, tenant_id, "
                          "submitter_id, "
                          "name, cards, chip, elastic, duration_ms, estimate_ms, priority, "
                          "preemptible, "
                          "requeue, submit_seq, submit_job_ms, cancel_seq, cancel_job_ms, state, "
                          "pool, "
                          "nodes, leaves, submitted_at, started_at, finished_at, preemptions, "
                          "run_ms) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 'queued', "
                          "'', "
                          "'[]', 0, ?, 0, 0, 0, 0)",
                          {spec.id, offer.id, offer.provider_id, caller.org_id, caller.user_id,
                           nj.name, nj.cards, spec.chip.ToString(), int64_t{nj.elastic},
                           nj.duration_ms, nj.estimate_ms, nj.priority, int64_t{nj.preemptible},
                           int64_t{nj.requeue_on_failure}, seq, t, now})
                      .status());
              QT_RETURN_IF_ERROR(options_.journal
                                     ->Append(tx, {caller.user_id,
                                                   "compute.job.queued",
                                                   spec.id,
                                                   {{"cluster_id", offer.id},
                                                    {"tenant_id", caller.org_id},
                                                    {"cards", nj.cards},
                                                    {"chip", spec.chip.ToString()}}})
                                     .status());
            }
            return OkStatus();
          },
          request, index.ok() ? json{{"id", spec.id}}.dump() : ErrorJson(index.status()))
          .status());
  if (!index.ok()) return index.status();
  ++run->next_seq;
  LiveJob out = Project(*run, *index);
  out.cluster_id = offer.id;
  out.provider_id = offer.provider_id;
  out.tenant_id = caller.org_id;
  out.name = nj.name;
  out.cards = nj.cards;
  out.chip = spec.chip.ToString();
  out.elastic = nj.elastic;
  out.duration_ms = nj.duration_ms;
  out.estimate_ms = nj.estimate_ms;
  out.priority = nj.priority;
  out.preemptible = nj.preemptible;
  out.requeue_on_failure = nj.requeue_on_failure;
  out.submitted_at = now;
  return out;
}

Result<LiveJob> Jobs::Cancel(const Principal& caller, const std::string& id) {
  return Cancel(caller, id, "");
}

Result<LiveJob> Jobs::Cancel(const Principal& caller, const std::string& id,
                             const std::string& request) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  QT_ASSIGN_OR_RETURN(LiveJob job, Get(caller, id));
  if (IsFinal(job.state)) {
    return FailedPrecondition(fmt::format("job: {} has already {}", id, JobStateName(job.state)));
  }
  QT_ASSIGN_OR_RETURN(market::ClusterOffer offer, LiveCluster(job.cluster_id));
  std::unique_lock lock(mu_);
  QT_ASSIGN_OR_RETURN(
      std::optional<std::string> forwarded,
      LeadOrForward(lock, offer.id, "cancel", caller, json{{"id", id}}.dump(), request));
  if (forwarded) return Get(caller, id);
  QT_ASSIGN_OR_RETURN(Run * run, LoadRun(offer));
  Engine& engine = *run->engine;
  const int64_t t = std::max(JobNow(), engine.now());
  engine.RunUntil(t, run->observer);
  auto found = run->index.find(id);
  if (found == run->index.end())
    return Internal("live jobs: " + id + " is not in its cluster's run");
  const int index = found->second;
  const compute::JobState before = engine.scheduler().job(index).state;
  const bool cancels =
      before == compute::JobState::kPending || before == compute::JobState::kRunning;
  if (cancels) {
    engine.Cancel(index, run->observer);
    engine.Schedule(run->observer);
  }
  const int64_t seq = run->next_seq;
  QT_RETURN_IF_ERROR(
      Commit(
          *run, caller.user_id,
          [&](Tx& tx) -> Status {
            if (cancels) {
              QT_RETURN_IF_ERROR(
                  tx.Exec("UPDATE live_jobs SET cancel_seq = ?, cancel_job_ms = ? WHERE id = ?",
                          {seq, t, id})
                      .status());
            }
            return OkStatus();
          },
          request,
          cancels ? "{}" : ErrorJson(FailedPrecondition("job: " + id + " has already completed")))
          .status());
  if (!cancels) return FailedPrecondition("job: " + id + " has already completed");
  ++run->next_seq;
  LiveJob projected = Project(*run, index);
  job.state = projected.state;
  job.pool = projected.pool;
  job.nodes = projected.nodes;
  job.leaves = projected.leaves;
  job.finished_at = projected.finished_at;
  job.run_ms = projected.run_ms;
  return job;
}

Result<LiveJob> Jobs::Get(const Principal& caller, const std::string& id) {
  if (!IsValidId(id, "cjb")) return NotFound("job: no job " + id);
  QT_ASSIGN_OR_RETURN(std::optional<LiveJob> job,
                      store::ReadValue(store_, [&](Tx& tx) { return LoadJob(tx, id); }));
  if (!job || !MaySee(caller, *job)) return NotFound("job: no job " + id);
  return std::move(*job);
}

bool Jobs::MaySee(const Principal& caller, const LiveJob& job) {
  return caller.IsOperator() || caller.org_id == job.tenant_id || caller.org_id == job.provider_id;
}

Result<accounts::Page<LiveJob>> Jobs::List(const Principal& caller, const JobFilter& filter,
                                           const accounts::PageRequest& page) {
  QT_RETURN_IF_ERROR(accounts::CheckPage(page, "cjb"));
  return store::ReadValue(store_, [&](Tx& tx) {
    std::string sql = "SELECT " + std::string(kColumns) + " FROM live_jobs WHERE id > ?";
    store::Params params = {page.cursor};
    if (!caller.IsOperator()) {
      sql += " AND (tenant_id = ? OR provider_id = ?)";
      params.push_back(caller.org_id);
      params.push_back(caller.org_id);
    }
    if (!filter.cluster_id.empty()) {
      sql += " AND cluster_id = ?";
      params.push_back(filter.cluster_id);
    }
    if (filter.state) {
      sql += " AND state = ?";
      params.push_back(std::string(JobStateName(*filter.state)));
    }
    return accounts::QueryPage<LiveJob>(tx, sql, params, page, JobFromRow);
  });
}

Result<std::vector<QueuedJob>> Jobs::Queue(const Principal& caller, const std::string& cluster_id) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  QT_ASSIGN_OR_RETURN(market::ClusterOffer offer, LiveCluster(cluster_id));
  std::lock_guard lock(mu_);
  QT_ASSIGN_OR_RETURN(Run * run, LoadRun(offer));
  const Scheduler& s = run->engine->scheduler();
  const bool privileged = run->Privileged(caller);
  const int64_t now = options_.clock->NowMillis();
  std::vector<QueuedJob> out;
  for (const compute::QueueEntry& e : s.queue()) {
    const Job& j = s.job(e.job);
    if (j.state != compute::JobState::kPending) continue;
    QueuedJob q;
    q.position = static_cast<int64_t>(out.size()) + 1;
    if (privileged || run->tenants[static_cast<size_t>(e.job)] == caller.org_id) {
      q.id = run->ids[static_cast<size_t>(e.job)];
      q.tenant_id = run->tenants[static_cast<size_t>(e.job)];
    }
    q.cards = j.spec.cards;
    q.chip = j.spec.chip.ToString();
    q.waiting_ms = std::max<int64_t>(0, now - Wall(j.queued_since_ms));
    out.push_back(std::move(q));
  }
  return out;
}

Result<std::vector<NodeState>> Jobs::Nodes(const Principal& caller, const std::string& cluster_id) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  QT_ASSIGN_OR_RETURN(market::ClusterOffer offer, LiveCluster(cluster_id));
  std::lock_guard lock(mu_);
  QT_ASSIGN_OR_RETURN(Run * run, LoadRun(offer));
  const Scheduler& s = run->engine->scheduler();
  const Cluster& c = run->cluster;
  const bool privileged = run->Privileged(caller);
  std::vector<NodeState> out;
  out.reserve(c.nodes().size());
  for (size_t i = 0; i < c.nodes().size(); ++i) {
    const Node& n = c.nodes()[i];
    const Pool& pool = c.pools()[static_cast<size_t>(n.pool)];
    out.push_back({static_cast<int64_t>(i),
                   pool.name,
                   n.leaf,
                   n.pod,
                   pool.cards_per_node,
                   s.allocator().node_free(static_cast<int>(i)),
                   s.allocator().down(static_cast<int>(i)),
                   {}});
  }
  for (int index : s.running()) {
    const bool own = privileged || run->tenants[static_cast<size_t>(index)] == caller.org_id;
    for (const auto& [node, cards] : s.job(index).alloc.parts) {
      out[static_cast<size_t>(node)].jobs.push_back(
          {own ? run->ids[static_cast<size_t>(index)] : std::string(), cards});
    }
  }
  return out;
}

Result<NodeState> Jobs::SetNodeDown(const Principal& caller, const std::string& cluster_id,
                                    int64_t node, bool down, const std::string& reason) {
  return SetNodeDown(caller, cluster_id, node, down, reason, "");
}

Result<NodeState> Jobs::SetNodeDown(const Principal& caller, const std::string& cluster_id,
                                    int64_t node, bool down, const std::string& reason,
                                    const std::string& request) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  QT_ASSIGN_OR_RETURN(market::ClusterOffer offer, LiveCluster(cluster_id));
  if (!caller.IsOperator() && caller.org_id != offer.provider_id) {
    return PermissionDenied("nodes: only the cluster's provider or the operator takes nodes down");
  }
  if (!reason.empty()) QT_RETURN_IF_ERROR(CheckDisplayText(reason, 500).WithContext("reason"));
  std::unique_lock lock(mu_);
  QT_ASSIGN_OR_RETURN(
      std::optional<std::string> forwarded,
      LeadOrForward(
          lock, offer.id, "node", caller,
          json{{"cluster_id", offer.id}, {"node", node}, {"down", down}, {"reason", reason}}.dump(),
          request));
  if (forwarded) {
    QT_ASSIGN_OR_RETURN(std::vector<NodeState> nodes, Nodes(caller, cluster_id));
    return nodes.at(static_cast<size_t>(node));
  }
  QT_ASSIGN_OR_RETURN(Run * run, LoadRun(offer));
  Engine& engine = *run->engine;
  const auto nodes = static_cast<int64_t>(run->cluster.nodes().size());
  if (node < 0 || node >= nodes) {
    return InvalidArgument(fmt::format("node: must be between 0 and {}", nodes - 1));
  }
  const int n = static_cast<int>(node);
  if (engine.scheduler().allocator().down(n) == down) {
    return FailedPrecondition(fmt::format("node: {} is already {}", node, down ? "down" : "up"));
  }
  const int64_t t = std::max(JobNow(), engine.now());
  engine.RunUntil(t, run->observer);
  if (down) {
    engine.SetNodeDown(n, run->observer);
  } else {
    engine.SetNodeUp(n);
  }
  engine.Schedule(run->observer);
  const int64_t seq = run->next_seq;
  QT_RETURN_IF_ERROR(
      Commit(
          *run, caller.user_id,
          [&](Tx& tx) -> Status {
            QT_RETURN_IF_ERROR(
                tx.Exec("INSERT INTO live_node_events (cluster_id, seq, job_ms, node, "
                        "down, actor, reason, "
                        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        {offer.id, seq, t, node, int64_t{down}, caller.user_id, reason,
                         options_.clock->NowMillis()})
                    .status());
            QT_RETURN_IF_ERROR(options_.journal
                                   ->Append(tx, {caller.user_id,
                                                 down ? "compute.node.down" : "compute.node.up",
                                                 offer.id,
                                                 {{"node", node}, {"reason", reason}}})
                                   .status());
            return OkStatus();
          },
          request)
          .status());
  ++run->next_seq;
  const Node& where = run->cluster.nodes()[static_cast<size_t>(n)];
  const Pool& pool = run->cluster.pools()[static_cast<size_t>(where.pool)];
  return NodeState{node,
                   pool.name,
                   where.leaf,
                   where.pod,
                   pool.cards_per_node,
                   engine.scheduler().allocator().node_free(n),
                   down,
                   {}};
}

Result<int> Jobs::Advance() {
  QT_ASSIGN_OR_RETURN(
      Rows rows, store::ReadValue(store_, [&](Tx& tx) {
        return tx.Query(
            "SELECT DISTINCT cluster_id FROM live_jobs WHERE state IN ('queued', 'running') "
            "UNION SELECT DISTINCT cluster_id FROM live_requests WHERE done_at = 0",
            {});
      }));
  // One cluster's trouble (a damaged row) does not stop the others.
  int changed = 0;
  Status first_error;
  for (const Row& r : rows) {
    Result<int> n = AdvanceCluster(r.Text("cluster_id"));
    if (n.ok()) changed += *n;
    if (!n.ok() && first_error.ok()) first_error = n.status();
  }
  const Status sampled = RecordHistory();
  if (!first_error.ok()) return first_error;
  QT_RETURN_IF_ERROR(sampled);
  return changed;
}

Result<int> Jobs::AdvanceCluster(const std::string& cluster_id) {
  QT_ASSIGN_OR_RETURN(market::ClusterOffer offer, LiveCluster(cluster_id));
  {
    std::lock_guard lock(mu_);
    QT_ASSIGN_OR_RETURN(bool lead, Lead(offer.id));
    if (!lead) return 0;  // another process runs it
  }
  QT_RETURN_IF_ERROR(ServeRequests(offer.id));
  std::lock_guard lock(mu_);
  QT_ASSIGN_OR_RETURN(Run * run, LoadRun(offer));
  if (!run->leader) return 0;
  run->engine->RunThrough(JobNow(), run->observer);
  if (run->events.empty()) return 0;
  return Commit(*run, "scheduler", [](Tx&) { return OkStatus(); });
}

Result<int> Jobs::Commit(Run& run, const std::string& actor,
                         const std::function<Status(store::Tx&)>& inputs,
                         const std::string& request, const std::string& result) {
  Result<int> n = store::WriteValue(store_, [&](Tx& tx) -> Result<int> {
    QT_RETURN_IF_ERROR(CheckLease(tx, run.offer.id));
    QT_RETURN_IF_ERROR(inputs(tx));
    QT_RETURN_IF_ERROR(FinishRequest(tx, request, result));
    return Flush(run, tx, actor);
  });
  if (!n.ok()) {
    runs_.erase(run.offer.id);  // rebuilt from the store on next use
    return n.status();
  }
  run.events.clear();
  run.closed.clear();
  return *n;
}

}  // namespace qt::compute::live
