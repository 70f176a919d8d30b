#include "compute/scheduler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>

#include "compute/policy.h"

namespace qt::compute {
namespace {
constexpr int64_t kOverdueGraceMs = 60'000;
}

Status SchedulerOptions::Validate() const {
  if (preemption_cost_ms < 0) return InvalidArgument("preemption cost must not be negative");
  if (min_run_before_preemption_ms < 0) {
    return InvalidArgument("minimum run before preemption must not be negative");
  }
  if (starvation_limit_ms < 0) return InvalidArgument("starvation limit must not be negative");
  for (size_t i = 0; i < las_thresholds_card_s.size(); ++i) {
    if (las_thresholds_card_s[i] <= 0 ||
        (i > 0 && las_thresholds_card_s[i] <= las_thresholds_card_s[i - 1])) {
      return InvalidArgument("las thresholds must be positive and increasing");
    }
  }
  for (const auto& [tenant, w] : tenant_weights) {
    if (w <= 0) return InvalidArgument(fmt::format("weight of tenant {} must be positive", tenant));
  }
  return OkStatus();
}

Scheduler::Scheduler(const Cluster& cluster, std::unique_ptr<Policy> policy,
                     SchedulerOptions options)
    : cluster_(&cluster),
      policy_(std::move(policy)),
      options_(std::move(options)),
      allocator_(cluster) {
  // Dimensions: cards of each chip kind, then CPU cores, then memory.
  capacity_.assign(cluster.catalog().chips().size() + 2, 0);
  for (const Pool& p : cluster.pools()) {
    capacity_[static_cast<size_t>(p.chip)] += p.cards();
    capacity_[capacity_.size() - 2] += int64_t{p.nodes} * p.cpu_cores_per_node;
    capacity_[capacity_.size() - 1] += int64_t{p.nodes} * p.memory_gib_per_node;
  }
}

Scheduler::~Scheduler() = default;

std::string_view Scheduler::policy_name() const { return policy_->name(); }

int Scheduler::TenantIndex(const std::string& name) {
  auto [it, inserted] = tenant_index_.emplace(name, static_cast<int>(tenant_names_.size()));
  if (inserted) {
    tenant_names_.push_back(name);
    auto w = options_.tenant_weights.find(name);
    tenant_weight_.push_back(w == options_.tenant_weights.end() ? 1 : w->second);
    tenant_active_jobs_.push_back(0);
    tenant_usage_.emplace_back(capacity_.size(), 0);
    tenant_pool_cards_.emplace_back(cluster_->pools().size(), 0);
    tenant_quotas_.emplace_back();
    tenant_queues_.emplace_back();
  }
  return it->second;
}

Result<int> Scheduler::Submit(JobSpec spec, int64_t now) {
  if (spec.cards <= 0)
    return InvalidArgument(fmt::format("job {}: cards must be positive", spec.id));
  uint64_t mask = spec.chip.PoolMask(*cluster_);
  if (mask == 0) {
    return InvalidArgument(fmt::format("job {}: no pool of cluster {} has chips matching {}",
                                       spec.id, cluster_->name(), spec.chip.ToString()));
  }
  int64_t largest = 0;
  for (size_t p = 0; p < cluster_->pools().size(); ++p) {
    if ((mask >> p) & 1) largest = std::max(largest, cluster_->pools()[p].cards());
  }
  if (!spec.elastic && spec.cards > largest) {
    return InvalidArgument(
        fmt::format("job {}: needs {} cards in one pool but the largest pool matching {} has {}",
                    spec.id, spec.cards, spec.chip.ToString(), largest));
  }
  Job job;
  job.index = static_cast<int>(jobs_.size());
  job.tenant = TenantIndex(spec.tenant);
  job.pool_mask = mask;
  job.estimate_ms = options_.oracle ? spec.duration_ms : predictor_.Estimate(spec);
  job.queued_since_ms = now;
  job.spec = std::move(spec);
  jobs_.push_back(std::move(job));
  running_pos_.push_back(-1);
  Job& j = jobs_.back();
  if (tenant_active_jobs_[static_cast<size_t>(j.tenant)]++ == 0) {
    active_weight_ += tenant_weight_[static_cast<size_t>(j.tenant)];
  }
  Enqueue(j);
  return j.index;
}

void Scheduler::InsertQueued(Job& job) {
  std::array<int64_t, 3> k = policy_->Key(job, *this);
  QueueEntry e{{job.starved ? 0 : 1, k[0], k[1], k[2]}, job.index};
  job.queue_key = e.key;
  queue_.insert(e);
  tenant_queues_[static_cast<size_t>(job.tenant)].insert(e);
}

void Scheduler::Enqueue(Job& job) {
  InsertQueued(job);
  if (options_.starvation_limit_ms > 0 && !job.starved) {
    starvation_.push({job.queued_since_ms + options_.starvation_limit_ms, job.index, job.epoch});
  }
}

int Scheduler::Head() const {
  for (const QueueEntry& e : queue_) {
    if (jobs_[static_cast<size_t>(e.job)].state == JobState::kPending) return e.job;
  }
  return -1;
}

int64_t Scheduler::FragmentedCards(uint64_t pools) const {
  const int head = Head();
  if (head < 0) return 0;
  const Job& job = jobs_[static_cast<size_t>(head)];
  const int need = job.spec.elastic ? 1 : job.spec.cards;
  if (allocator_.CanPlace(need, job.pool_mask)) return 0;
  return allocator_.FreeCards(job.pool_mask & pools);
}

void Scheduler::AddUsage(const Job& job, int sign) {
  const Pool& pool = cluster_->pools()[static_cast<size_t>(job.alloc.pool)];
  auto& u = tenant_usage_[static_cast<size_t>(job.tenant)];
  int64_t cards = job.alloc.cards();
  tenant_pool_cards_[static_cast<size_t>(job.tenant)][static_cast<size_t>(job.alloc.pool)] +=
      sign * cards;
  u[static_cast<size_t>(pool.chip)] += sign * cards;
  u[u.size() - 2] += sign * cards * pool.cpu_cores_per_node / pool.cards_per_node;
  u[u.size() - 1] += sign * cards * pool.memory_gib_per_node / pool.cards_per_node;
}

void Scheduler::Start(Job& job, Allocation alloc) {
  job.alloc = std::move(alloc);
  job.state = JobState::kRunning;
  job.last_start_ms = now_;
  job.started_in_pass = pass_;
  if (job.first_start_ms < 0) {
    job.first_start_ms = now_;
    job.first_leaves = job.alloc.leaves;
  }
  ++job.epoch;
  running_pos_[static_cast<size_t>(job.index)] = static_cast<int>(running_.size());
  running_.push_back(job.index);
  running_info_.push_back({job.index, job.tenant, job.alloc.pool, job.alloc.cards(),
                           job.spec.preemptible, job.last_start_ms, job.attained_card_ms, pass_});
  AddUsage(job, +1);
  started_.push_back(job.index);
  decisions_.push_back({Decision::Kind::kStart, job.index});
  PushPriorityChange(job);
}

void Scheduler::PushPriorityChange(const Job& job) {
  int64_t at = policy_->NextPriorityChange(job, *this);
  if (at != kNever) priority_changes_.push({at, job.index, job.epoch});
}

void Scheduler::RemoveRunning(int index) {
  int pos = running_pos_[static_cast<size_t>(index)];
  assert(pos >= 0);
  running_[static_cast<size_t>(pos)] = running_.back();
  running_info_[static_cast<size_t>(pos)] = running_info_.back();
  running_pos_[static_cast<size_t>(running_.back())] = pos;
  running_.pop_back();
  running_info_.pop_back();
  running_pos_[static_cast<size_t>(index)] = -1;
}

Status Scheduler::SetQuotas(const std::vector<Quota>& quotas) {
  std::vector<std::pair<std::string, QuotaLimit>> limits;
  for (const Quota& q : quotas) {
    if (q.guaranteed < 0 || q.ceiling < 0) {
      return InvalidArgument(fmt::format("quota of {} on {}: amounts must not be negative",
                                         q.tenant, q.resource.ToString()));
    }
    if (q.ceiling > 0 && q.ceiling < q.guaranteed) {
      return InvalidArgument(fmt::format("quota of {} on {}: the ceiling is below the guarantee",
                                         q.tenant, q.resource.ToString()));
    }
    QuotaLimit l{
        .pools = q.resource.PoolMask(*cluster_), .guaranteed = q.guaranteed, .ceiling = q.ceiling};
    if (l.pools == 0) {
      return InvalidArgument(fmt::format("quota of {}: no pool of cluster {} has chips matching {}",
                                         q.tenant, cluster_->name(), q.resource.ToString()));
    }
    for (size_t p = 0; p < cluster_->pools().size(); ++p) {
      if ((l.pools >> p) & 1) l.capacity += cluster_->pools()[p].cards();
    }
    limits.emplace_back(q.tenant, l);
  }
  for (auto& tenant : tenant_quotas_) tenant.clear();
  for (const auto& [tenant, l] : limits) {
    int t = TenantIndex(tenant);
    tenant_quotas_[static_cast<size_t>(t)].push_back(l);
  }
  quotas_set_ = true;
  return OkStatus();
}

void Scheduler::SetPolicy(std::unique_ptr<Policy> policy) {
  policy_ = std::move(policy);
  std::vector<int> pending;
  pending.reserve(queue_.size());
  for (const QueueEntry& e : queue_) pending.push_back(e.job);
  queue_.clear();
  for (Queue& q : tenant_queues_) q.clear();
  for (int index : pending) InsertQueued(jobs_[static_cast<size_t>(index)]);
  priority_changes_ = {};
  for (int index : running_) PushPriorityChange(jobs_[static_cast<size_t>(index)]);
}

int64_t Scheduler::TenantCards(const std::string& tenant, uint64_t pool_mask) const {
  auto it = tenant_index_.find(tenant);
  if (it == tenant_index_.end()) return 0;
  const auto& cards = tenant_pool_cards_[static_cast<size_t>(it->second)];
  int64_t sum = 0;
  for (size_t p = 0; p < cards.size(); ++p) {
    if ((pool_mask >> p) & 1) sum += cards[p];
  }
  return sum;
}

uint64_t Scheduler::UnderCeilings(Job& job, uint64_t mask) const {
  job.limited_by_quota = false;
  const auto& cards = tenant_pool_cards_[static_cast<size_t>(job.tenant)];
  for (const QuotaLimit& l : tenant_quotas_[static_cast<size_t>(job.tenant)]) {
    if (l.ceiling == 0 || (l.pools & mask) == 0) continue;
    int64_t held = 0;
    for (size_t p = 0; p < cards.size(); ++p) {
      if ((l.pools >> p) & 1) held += cards[p];
    }
    if (held + job.spec.cards > l.ceiling) {
      mask &= ~l.pools;
      job.limited_by_quota = true;
    }
  }
  return mask;
}

bool Scheduler::TryStart(Job& job, uint64_t pool_mask) {
  if (job.state != JobState::kPending || job.preempted_in_pass == pass_) return false;
  uint64_t mask = UnderCeilings(job, pool_mask == 0 ? job.pool_mask : (pool_mask & job.pool_mask));
  if (mask == 0) return false;
  std::optional<Allocation> a = job.spec.elastic ? allocator_.PlaceUpTo(job.spec.cards, mask)
                                                 : allocator_.Place(job.spec.cards, mask);
  if (!a) return false;
  Start(job, std::move(*a));
  return true;
}

void Scheduler::MarkPreempted(Job& job) {
  int64_t ran = now_ - job.last_start_ms;
  AddUsage(job, -1);
  job.executed_ms += ran;
  job.attained_card_ms += ran * job.alloc.cards();
  job.alloc = Allocation{};
  job.state = JobState::kPending;
  job.queued_since_ms = now_;
  job.starved = false;
  ++job.preemptions;
  ++job.epoch;
  job.preempted_in_pass = pass_;
  RemoveRunning(job.index);
  decisions_.push_back({Decision::Kind::kPreempt, job.index});
  Enqueue(job);
}

bool Scheduler::StartByPreempting(Job& job, const std::vector<int>& victims) {
  if (job.state != JobState::kPending || job.preempted_in_pass == pass_) return false;
  const uint64_t mask = UnderCeilings(job, job.pool_mask);
  if (mask == 0) return false;
  if (allocator_.CanPlace(job.spec.cards, mask)) return TryStart(job, mask);
  std::vector<int> released;
  for (int v : victims) {
    Job& victim = jobs_[static_cast<size_t>(v)];
    if (victim.state != JobState::kRunning) continue;
    allocator_.Release(victim.alloc);
    released.push_back(v);
    if (allocator_.CanPlace(job.spec.cards, mask)) break;
  }
  if (!allocator_.CanPlace(job.spec.cards, mask)) {
    for (auto it = released.rbegin(); it != released.rend(); ++it) {
      bool ok = allocator_.Reacquire(jobs_[static_cast<size_t>(*it)].alloc);
      assert(ok);
      (void)ok;
    }
    return false;
  }
  std::optional<Allocation> a = allocator_.Place(job.spec.cards, mask);
  assert(a.has_value());
  // Victims whose cards the new job did not need keep running untouched.
  for (int v : released) {
    Job& victim = jobs_[static_cast<size_t>(v)];
    if (!allocator_.Reacquire(victim.alloc)) MarkPreempted(victim);
  }
  Start(job, std::move(*a));
  return true;
}

bool Scheduler::Preemptible(const Job& job) const {
  return job.state == JobState::kRunning && job.spec.preemptible && job.started_in_pass != pass_ &&
         now_ - job.last_start_ms >= options_.min_run_before_preemption_ms;
}

int64_t Scheduler::AttainedCardMs(const Job& job) const {
  int64_t a = job.attained_card_ms;
  if (job.state == JobState::kRunning) a += (now_ - job.last_start_ms) * job.alloc.cards();
  return a;
}

int64_t Scheduler::EstimatedEnd(const Job& job) const {
  int64_t remaining = std::max<int64_t>(job.estimate_ms - job.executed_ms, 0);
  return std::max(job.last_start_ms + remaining, now_ + kOverdueGraceMs);
}

double Scheduler::DominantShare(int tenant) const {
  const auto& u = tenant_usage_[static_cast<size_t>(tenant)];
  double share = 0;
  for (size_t d = 0; d < u.size(); ++d) {
    if (capacity_[d] > 0) share = std::max(share, static_cast<double>(u[d]) / capacity_[d]);
  }
  return share;
}

double Scheduler::GuaranteedShare(int tenant) const {
  if (tenant_active_jobs_[static_cast<size_t>(tenant)] == 0) return 0;
  if (quotas_set_) {
    double share = 0;
    for (const QuotaLimit& l : tenant_quotas_[static_cast<size_t>(tenant)]) {
      share = std::max(share, std::min(1.0, static_cast<double>(l.guaranteed) /
                                                static_cast<double>(l.capacity)));
    }
    return share;
  }
  if (active_weight_ == 0) return 0;
  return static_cast<double>(tenant_weight_[static_cast<size_t>(tenant)]) / active_weight_;
}

void Scheduler::Finish(int index, int64_t now) {
  Job& job = jobs_[static_cast<size_t>(index)];
  assert(job.state == JobState::kRunning);
  int64_t ran = now - job.last_start_ms;
  allocator_.Release(job.alloc);
  AddUsage(job, -1);
  job.executed_ms += ran;
  job.attained_card_ms += ran * job.alloc.cards();
  job.state = JobState::kDone;
  ++job.epoch;
  RemoveRunning(index);
  predictor_.Observe(job.spec, job.executed_ms);
  if (--tenant_active_jobs_[static_cast<size_t>(job.tenant)] == 0) {
    active_weight_ -= tenant_weight_[static_cast<size_t>(job.tenant)];
  }
}

void Scheduler::Cancel(int index, int64_t now) {
  Job& job = jobs_[static_cast<size_t>(index)];
  assert(job.state == JobState::kPending || job.state == JobState::kRunning);
  if (job.state == JobState::kRunning) {
    int64_t ran = now - job.last_start_ms;
    allocator_.Release(job.alloc);
    AddUsage(job, -1);
    job.executed_ms += ran;
    job.attained_card_ms += ran * job.alloc.cards();
    RemoveRunning(index);
  } else {
    QueueEntry e{job.queue_key, index};
    queue_.erase(e);
    tenant_queues_[static_cast<size_t>(job.tenant)].erase(e);
  }
  job.state = JobState::kCancelled;
  ++job.epoch;
  if (--tenant_active_jobs_[static_cast<size_t>(job.tenant)] == 0) {
    active_weight_ -= tenant_weight_[static_cast<size_t>(job.tenant)];
  }
}

std::vector<int> Scheduler::SetNodeDown(int node, int64_t now) {
  now_ = now;
  std::vector<int> stopped;
  for (int index : running_) {
    const Job& job = jobs_[static_cast<size_t>(index)];
    for (const auto& part : job.alloc.parts) {
      if (part.first == node) {
        stopped.push_back(index);
        break;
      }
    }
  }
  for (int index : stopped) {
    Job& job = jobs_[static_cast<size_t>(index)];
    allocator_.Release(job.alloc);
    if (job.spec.requeue_on_failure) {
      MarkPreempted(job);
      continue;
    }
    int64_t ran = now - job.last_start_ms;
    AddUsage(job, -1);
    job.executed_ms += ran;
    job.attained_card_ms += ran * job.alloc.cards();
    RemoveRunning(index);
    job.state = JobState::kFailed;
    ++job.epoch;
    if (--tenant_active_jobs_[static_cast<size_t>(job.tenant)] == 0) {
      active_weight_ -= tenant_weight_[static_cast<size_t>(job.tenant)];
    }
  }
  allocator_.SetDown(node, true);
  return stopped;
}

const std::vector<Decision>& Scheduler::Schedule(int64_t now) {
  now_ = now;
  ++pass_;
  decisions_.clear();
  started_.clear();
  // Promote jobs past the starvation limit.
  while (!starvation_.empty() && starvation_.top().at <= now) {
    Wakeup w = starvation_.top();
    starvation_.pop();
    Job& job = jobs_[static_cast<size_t>(w.job)];
    if (job.state != JobState::kPending || job.epoch != w.epoch || job.starved) continue;
    QueueEntry old{job.queue_key, job.index};
    queue_.erase(old);
    tenant_queues_[static_cast<size_t>(job.tenant)].erase(old);
    job.starved = true;
    Enqueue(job);
  }
  // Priority changes that are due are served by this pass; push the next.
  while (!priority_changes_.empty() && priority_changes_.top().at <= now) {
    Wakeup w = priority_changes_.top();
    priority_changes_.pop();
    const Job& job = jobs_[static_cast<size_t>(w.job)];
    if (job.state == JobState::kRunning && job.epoch == w.epoch) PushPriorityChange(job);
  }
  if (queue_.empty()) return decisions_;
  policy_->Schedule(*this);
  for (int index : started_) {
    const Job& job = jobs_[static_cast<size_t>(index)];
    QueueEntry e{job.queue_key, index};
    queue_.erase(e);
    tenant_queues_[static_cast<size_t>(job.tenant)].erase(e);
  }
  started_.clear();
  return decisions_;
}

int64_t Scheduler::NextWakeup() {
  auto stale_starvation = [&](const Wakeup& w) {
    const Job& j = jobs_[static_cast<size_t>(w.job)];
    return j.state != JobState::kPending || j.epoch != w.epoch || j.starved;
  };
  while (!starvation_.empty() && stale_starvation(starvation_.top())) starvation_.pop();
  while (!priority_changes_.empty()) {
    const Wakeup& w = priority_changes_.top();
    const Job& j = jobs_[static_cast<size_t>(w.job)];
    if (j.state == JobState::kRunning && j.epoch == w.epoch) break;
    priority_changes_.pop();
  }
  int64_t next = kNever;
  if (!starvation_.empty()) next = std::min(next, starvation_.top().at);
  if (!priority_changes_.empty() && !queue_.empty())
    next = std::min(next, priority_changes_.top().at);
  return next;
}

}  // namespace qt::compute
