#include "api/jobs_routes.h"

#include <charconv>
#include <cmath>
#include <map>

#include "api/json_body.h"
#include "api/page_json.h"
#include "core/clock.h"
#include "core/date.h"

namespace qt::api {
namespace {

using accounts::Role;
using namespace compute::live;
using nlohmann::json;

json Time(int64_t ms) { return ms ? json(FormatRfc3339(ms)) : json(nullptr); }

json NodesJson(const std::vector<NodeCards>& nodes) {
  json out = json::array();
  for (const NodeCards& n : nodes) out.push_back({{"node", n.node}, {"cards", n.cards}});
  return out;
}

json JobJson(const LiveJob& j) {
  return {{"id", j.id},
          {"cluster_id", j.cluster_id},
          {"provider_id", j.provider_id},
          {"tenant_id", j.tenant_id},
          {"name", j.name},
          {"cards", j.cards},
          {"chip", j.chip},
          {"elastic", j.elastic},
          {"duration_s", j.duration_ms / 1000},
          {"estimate_s", j.estimate_ms / 1000},
          {"priority", j.priority},
          {"preemptible", j.preemptible},
          {"on_node_failure", j.requeue_on_failure ? "requeue" : "fail"},
          {"state", JobStateName(j.state)},
          {"pool", j.pool.empty() ? json(nullptr) : json(j.pool)},
          {"nodes", NodesJson(j.nodes)},
          {"leaves", j.leaves},
          {"submitted_at", Time(j.submitted_at)},
          {"started_at", Time(j.started_at)},
          {"finished_at", Time(j.finished_at)},
          {"preemptions", j.preemptions},
          {"run_s", j.run_ms / 1000}};
}

json QueuedJson(const QueuedJob& q) {
  return {{"position", q.position},
          {"id", q.id.empty() ? json(nullptr) : json(q.id)},
          {"tenant_id", q.tenant_id.empty() ? json(nullptr) : json(q.tenant_id)},
          {"cards", q.cards},
          {"chip", q.chip},
          {"waiting_s", q.waiting_ms / 1000}};
}

json NodeJson(const NodeState& n) {
  json jobs = json::array();
  for (const NodeJob& j : n.jobs) {
    jobs.push_back({{"id", j.job_id.empty() ? json(nullptr) : json(j.job_id)}, {"cards", j.cards}});
  }
  return {{"node", n.node},   {"pool", n.pool}, {"leaf", n.leaf}, {"pod", n.pod},
          {"cards", n.cards}, {"free", n.free}, {"down", n.down}, {"jobs", jobs}};
}

json QuotaJson(const LiveQuota& q) {
  return {{"cluster_id", q.cluster_id},
          {"tenant_id", q.tenant_id},
          {"resource", q.resource},
          {"guaranteed", q.guaranteed},
          {"ceiling", q.ceiling == 0 ? json(nullptr) : json(q.ceiling)},
          {"capacity", q.capacity},
          {"held", q.held},
          {"updated_by", q.updated_by},
          {"updated_at", Time(q.updated_at)}};
}

// Hours with two decimals, from unit-milliseconds.
double Hours(int64_t unit_ms) { return static_cast<double>(unit_ms / 36'000) / 100.0; }

// The usage rows, and per tenant and month the domestic share of its card
// hours and of its core hours (信创迁移: how much of its work runs on
// domestic chips); a share is null when there was no such work.
json PolicyJson(const LivePolicy& p) {
  return {{"cluster_id", p.cluster_id},
          {"policy", p.policy},
          {"set_by", p.set_by.empty() ? json(nullptr) : json(p.set_by)},
          {"set_at", Time(p.set_at)}};
}

json UsageJson(const std::vector<UsageRow>& rows) {
  json items = json::array();
  struct Split {
    int64_t domestic = 0, foreign = 0;
  };
  std::map<std::pair<std::string, std::string>, std::pair<Split, Split>> tenants;
  for (const UsageRow& r : rows) {
    items.push_back({{"tenant_id", r.tenant_id},
                     {"month", r.month},
                     {"chip", r.chip},
                     {"unit", r.cpu ? "core" : "card"},
                     {"domestic", r.domestic},
                     {"hours", Hours(r.unit_ms)}});
    auto& [cards, cores] = tenants[{r.tenant_id, r.month}];
    Split& s = r.cpu ? cores : cards;
    (r.domestic ? s.domestic : s.foreign) += r.unit_ms;
  }
  auto share = [](const Split& s) -> json {
    const int64_t all = s.domestic + s.foreign;
    if (all == 0) return nullptr;
    return static_cast<double>(s.domestic * 1000 / all) / 1000.0;
  };
  json summary = json::array();
  for (const auto& [key, split] : tenants) {
    const auto& [cards, cores] = split;
    summary.push_back({{"tenant_id", key.first},
                       {"month", key.second},
                       {"card_hours",
                        {{"domestic", Hours(cards.domestic)},
                         {"foreign", Hours(cards.foreign)},
                         {"domestic_share", share(cards)}}},
                       {"core_hours",
                        {{"domestic", Hours(cores.domestic)},
                         {"foreign", Hours(cores.foreign)},
                         {"domestic_share", share(cores)}}}});
  }
  return {{"items", items}, {"tenants", summary}};
}

// A month query parameter ("YYYY-MM"), or nullopt when absent.
Result<std::optional<Month>> MonthParam(const Request& req, const char* name) {
  if (!req.HasQuery(name)) return std::optional<Month>();
  std::optional<Month> m = Month::Parse(req.Query(name));
  if (!m) return InvalidArgument(std::string(name) + ": must be a month, YYYY-MM");
  return m;
}

// An RFC 3339 time query parameter, or nullopt when absent.
Result<std::optional<int64_t>> TimeParam(const Request& req, const char* name) {
  if (!req.HasQuery(name)) return std::optional<int64_t>();
  std::optional<int64_t> t = ParseRfc3339(req.Query(name));
  if (!t) {
    return InvalidArgument(std::string(name) +
                           ": must be an RFC 3339 time such as 2026-12-01T08:00:00Z");
  }
  return t;
}

Result<HistoryQuery> ParseHistoryQuery(const Request& req) {
  HistoryQuery q;
  q.cluster_id = req.PathParam("id");
  QT_ASSIGN_OR_RETURN(q.from, TimeParam(req, "from"));
  QT_ASSIGN_OR_RETURN(q.to, TimeParam(req, "to"));
  if (req.HasQuery("step_s")) {
    constexpr int64_t kMaxStepS = int64_t{100} * 366 * 24 * 3600;
    const std::string text = req.Query("step_s");
    int64_t step_s = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), step_s);
    if (ec != std::errc() || end != text.data() + text.size() || step_s < 1 || step_s > kMaxStepS) {
      return InvalidArgument("step_s: must be a number of seconds");
    }
    q.step_ms = step_s * 1000;
  }
  return q;
}

// `x` to `places` decimals.
double Rounded(double x, int places) {
  const double scale = std::pow(10.0, places);
  return std::round(x * scale) / scale;
}

// Each point with its pools and the cluster's fractions of all cards busy
// and fragmented (as `qiantang sim` reports utilisation and fragmentation).
json HistoryJson(const std::string& cluster_id, const ClusterHistory& h) {
  json points = json::array();
  for (const HistoryPoint& p : h.points) {
    json pools = json::array();
    double cards = 0, busy = 0, fragmented = 0;
    for (const PoolHistory& ph : p.pools) {
      pools.push_back({{"pool", ph.pool},
                       {"cards", ph.cards},
                       {"busy", Rounded(ph.busy, 2)},
                       {"free", Rounded(ph.free, 2)},
                       {"down", Rounded(ph.down, 2)},
                       {"fragmented", Rounded(ph.fragmented, 2)},
                       {"pending", Rounded(ph.pending, 2)}});
      cards += static_cast<double>(ph.cards);
      busy += ph.busy;
      fragmented += ph.fragmented;
    }
    points.push_back({{"at", FormatRfc3339(p.at)},
                      {"samples", p.samples},
                      {"utilization", cards > 0 ? Rounded(busy / cards, 4) : 0.0},
                      {"fragmentation", cards > 0 ? Rounded(fragmented / cards, 4) : 0.0},
                      {"pools", pools}});
  }
  return {{"cluster_id", cluster_id},           {"from", FormatRfc3339(h.from)},
          {"to", FormatRfc3339(h.to)},          {"step_s", h.step_ms / 1000},
          {"interval_s", h.interval_ms / 1000}, {"points", points}};
}

Result<NewJob> ParseJob(JsonBody& body) {
  NewJob j;
  QT_ASSIGN_OR_RETURN(j.cluster_id, body.String("cluster_id", 100));
  QT_ASSIGN_OR_RETURN(j.name, body.OptionalString("name", 400, ""));
  QT_ASSIGN_OR_RETURN(j.cards, body.Int("cards", 1, compute::market::Market::kMaxCards));
  QT_ASSIGN_OR_RETURN(j.chip, body.OptionalString("chip", 100, "any"));
  QT_ASSIGN_OR_RETURN(j.elastic, body.OptionalBool("elastic", false));
  QT_ASSIGN_OR_RETURN(int64_t duration_s, body.Int("duration_s", 1, Jobs::kMaxDurationMs / 1000));
  j.duration_ms = duration_s * 1000;
  QT_ASSIGN_OR_RETURN(int64_t estimate_s,
                      body.OptionalInt("estimate_s", 0, 0, Jobs::kMaxDurationMs / 1000));
  j.estimate_ms = estimate_s * 1000;
  QT_ASSIGN_OR_RETURN(j.priority, body.OptionalInt("priority", 0, 0, 9));
  QT_ASSIGN_OR_RETURN(j.preemptible, body.OptionalBool("preemptible", true));
  QT_ASSIGN_OR_RETURN(std::string on_failure,
                      body.OptionalEnum("on_node_failure", {"requeue", "fail"}, "requeue"));
  j.requeue_on_failure = on_failure == "requeue";
  QT_RETURN_IF_ERROR(body.Finish());
  return j;
}

}  // namespace

void RegisterJobsRoutes(Router& router, Jobs& jobs) {
  const Access member = Access::SignedIn(Role::kMember);
  router.Handle("GET", "/api/v1/compute/usage", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  UsageFilter f;
                  QT_ASSIGN_OR_RETURN(f.from, MonthParam(req, "from"));
                  QT_ASSIGN_OR_RETURN(f.to, MonthParam(req, "to"));
                  f.cluster_id = req.Query("cluster_id");
                  f.tenant_id = req.Query("tenant_id");
                  QT_ASSIGN_OR_RETURN(auto rows, jobs.Usage(req.caller(), f));
                  return Response::Json(UsageJson(rows));
                });
  router.Handle("POST", "/api/v1/compute/jobs", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(NewJob j, ParseJob(body));
                  QT_ASSIGN_OR_RETURN(LiveJob job, jobs.Submit(req.caller(), j));
                  return Response::Json(JobJson(job), 201);
                });
  router.Handle(
      "GET", "/api/v1/compute/jobs", Access::SignedIn(),
      [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(auto page, req.Page());
        JobFilter filter;
        filter.cluster_id = req.Query("cluster_id");
        if (req.HasQuery("state")) {
          filter.state = ParseJobState(req.Query("state"));
          if (!filter.state) {
            return InvalidArgument("state: must be queued, running, completed or cancelled");
          }
        }
        QT_ASSIGN_OR_RETURN(auto list, jobs.List(req.caller(), filter, page));
        return Response::Json(PageJson(list, JobJson));
      });
  router.Handle("GET", "/api/v1/compute/jobs/{id}", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(LiveJob job, jobs.Get(req.caller(), req.PathParam("id")));
                  return Response::Json(JobJson(job));
                });
  router.Handle("POST", "/api/v1/compute/jobs/{id}/cancel", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(LiveJob job, jobs.Cancel(req.caller(), req.PathParam("id")));
                  return Response::Json(JobJson(job));
                });
  router.Handle("GET", "/api/v1/compute/provider-clusters/{id}/queue", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto queue, jobs.Queue(req.caller(), req.PathParam("id")));
                  json items = json::array();
                  for (const QueuedJob& q : queue) items.push_back(QueuedJson(q));
                  return Response::Json({{"items", items}});
                });
  router.Handle("GET", "/api/v1/compute/provider-clusters/{id}/history", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(HistoryQuery q, ParseHistoryQuery(req));
                  QT_ASSIGN_OR_RETURN(ClusterHistory h, jobs.History(req.caller(), q));
                  return Response::Json(HistoryJson(q.cluster_id, h));
                });
  for (const bool down : {true, false}) {
    router.Handle(
        "POST",
        std::string("/api/v1/compute/provider-clusters/{id}/nodes/{node}/") +
            (down ? "down" : "up"),
        member, [&jobs, down](const Request& req) -> Result<Response> {
          QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
          QT_ASSIGN_OR_RETURN(std::string reason, body.OptionalString("reason", 2000, ""));
          QT_RETURN_IF_ERROR(body.Finish());
          int64_t node = -1;
          const std::string text = req.PathParam("node");
          auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), node);
          if (ec != std::errc() || end != text.data() + text.size()) {
            return InvalidArgument("node: not a node number");
          }
          QT_ASSIGN_OR_RETURN(
              NodeState n, jobs.SetNodeDown(req.caller(), req.PathParam("id"), node, down, reason));
          return Response::Json(NodeJson(n));
        });
  }
  router.Handle("GET", "/api/v1/compute/provider-clusters/{id}/quotas", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto quotas, jobs.Quotas(req.caller(), req.PathParam("id")));
                  json items = json::array();
                  for (const LiveQuota& q : quotas) items.push_back(QuotaJson(q));
                  return Response::Json({{"items", items}});
                });
  router.Handle("POST", "/api/v1/compute/provider-clusters/{id}/quotas", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  LiveQuota q;
                  q.cluster_id = req.PathParam("id");
                  QT_ASSIGN_OR_RETURN(q.tenant_id, body.String("tenant_id", 100));
                  QT_ASSIGN_OR_RETURN(q.resource, body.String("resource", 100));
                  QT_ASSIGN_OR_RETURN(q.guaranteed,
                                      body.OptionalInt("guaranteed", 0, 0, 10'000'000));
                  QT_ASSIGN_OR_RETURN(q.ceiling, body.OptionalInt("ceiling", 0, 0, 10'000'000));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(LiveQuota out, jobs.SetQuota(req.caller(), q));
                  return Response::Json(QuotaJson(out));
                });
  router.Handle("GET", "/api/v1/compute/provider-clusters/{id}/policy", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(LivePolicy p,
                                      jobs.GetPolicy(req.caller(), req.PathParam("id")));
                  return Response::Json(PolicyJson(p));
                });
  router.Handle("POST", "/api/v1/compute/provider-clusters/{id}/policy", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string policy, body.String("policy", 20));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(LivePolicy p,
                                      jobs.SetPolicy(req.caller(), req.PathParam("id"), policy));
                  return Response::Json(PolicyJson(p));
                });
  router.Handle("GET", "/api/v1/compute/provider-clusters/{id}/nodes", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto nodes, jobs.Nodes(req.caller(), req.PathParam("id")));
                  json items = json::array();
                  for (const NodeState& n : nodes) items.push_back(NodeJson(n));
                  return Response::Json({{"items", items}});
                });
}

}  // namespace qt::api
