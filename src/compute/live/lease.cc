// Jobs: several server processes on one database (jobs.h). One process at a
// time leads a cluster, the holder of its lease; the others forward their
// changes to it through live_requests and wait for the result.
#include <fmt/format.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "compute/live/jobs.h"
#include "compute/live/run.h"
#include "store/decode.h"
#include "store/transact.h"

namespace qt::compute::live {
namespace {

using accounts::Principal;
using nlohmann::json;
using store::Row;
using store::Rows;
using store::Tx;

constexpr int64_t kPollMs = 20;
constexpr int64_t kKeepDoneMs = 3'600'000;  // answered requests are deleted after an hour

std::string CallerJson(const Principal& p) {
  return json{{"token_id", p.token_id},
              {"user_id", p.user_id},
              {"org_id", p.org_id},
              {"org_kind", accounts::OrgKindName(p.org_kind)},
              {"role", accounts::RoleName(p.role)}}
      .dump();
}

// Inside store::Decode: throws on a damaged caller.
Result<Principal> CallerFromJson(const json& j) {
  Principal p;
  p.token_id = j.at("token_id").get<std::string>();
  p.user_id = j.at("user_id").get<std::string>();
  p.org_id = j.at("org_id").get<std::string>();
  std::optional<accounts::OrgKind> kind =
      accounts::ParseOrgKind(j.at("org_kind").get<std::string>());
  std::optional<accounts::Role> role = accounts::ParseRole(j.at("role").get<std::string>());
  if (!kind || !role) return Internal("caller has no valid kind or role");
  p.org_kind = *kind;
  p.role = *role;
  return p;
}

// The forwarded change's result (a row of live_requests), or the error the
// leader answered with.
Result<std::string> ParseResult(const Row& r) {
  struct Answer {
    std::optional<StatusCode> error;
    std::string message;
  };
  QT_ASSIGN_OR_RETURN(Answer a, store::Decode<Answer>("live_requests", r, [&]() -> Result<Answer> {
                        const json j = json::parse(r.Text("result"));
                        if (!j.contains("error")) return Answer{};
                        Answer out{ParseStatusCode(j.at("error").at("code").get<std::string>()),
                                   j.at("error").at("message").get<std::string>()};
                        if (!out.error) return Internal("no valid error code");
                        return out;
                      }));
  if (a.error) return Status(*a.error, a.message);
  return r.Text("result");
}

// Inside store::Decode: throws on a damaged body.
NewJob JobFromJson(const json& b) {
  NewJob j;
  j.cluster_id = b.at("cluster_id").get<std::string>();
  j.name = b.at("name").get<std::string>();
  j.cards = b.at("cards").get<int64_t>();
  j.chip = b.at("chip").get<std::string>();
  j.elastic = b.at("elastic").get<bool>();
  j.duration_ms = b.at("duration_ms").get<int64_t>();
  j.estimate_ms = b.at("estimate_ms").get<int64_t>();
  j.priority = b.at("priority").get<int64_t>();
  j.preemptible = b.at("preemptible").get<bool>();
  j.requeue_on_failure = b.at("requeue_on_failure").get<bool>();
  return j;
}

}  // namespace

// A change forwarded by another process, decoded from its row.
struct Jobs::Forwarded {
  std::string id, kind;
  Principal caller;
  NewJob job;           // submit
  std::string job_id;   // cancel
  std::string cluster;  // node, quota, policy
  int64_t node = -1;    // node
  bool down = true;     // node
  std::string reason;   // node
  LiveQuota quota;      // quota
  std::string policy;   // policy
};

std::string ErrorJson(const Status& s) {
  return json{{"error", {{"code", StatusCodeName(s.code())}, {"message", s.message()}}}}.dump();
}

std::string SubmitBody(const NewJob& j) {
  return json{{"cluster_id", j.cluster_id},
              {"name", j.name},
              {"cards", j.cards},
              {"chip", j.chip},
              {"elastic", j.elastic},
              {"duration_ms", j.duration_ms},
              {"estimate_ms", j.estimate_ms},
              {"priority", j.priority},
              {"preemptible", j.preemptible},
              {"requeue_on_failure", j.requeue_on_failure}}
      .dump();
}

Result<bool> Jobs::Lead(const std::string& cluster_id) {
  const int64_t now = options_.clock->NowMillis();
  const int64_t until = now + options_.lease_ms;
  auto held = leases_.find(cluster_id);
  if (held != leases_.end() && held->second.until - now > options_.lease_ms / 2) return true;
  // The epoch this process leads under, or nullopt when another holds it.
  QT_ASSIGN_OR_RETURN(
      std::optional<int64_t> epoch,
      store::WriteValue(store_, [&](Tx& tx) -> Result<std::optional<int64_t>> {
        QT_ASSIGN_OR_RETURN(
            Rows rows,
            tx.Query("SELECT holder, epoch, expires_at FROM live_leases WHERE cluster_id = ?",
                     {cluster_id}));
        if (rows.empty()) {
          QT_ASSIGN_OR_RETURN(int64_t n, tx.Exec("INSERT INTO live_leases (cluster_id, holder, "
                                                 "epoch, expires_at) VALUES (?, ?, 1, ?) "
                                                 "ON CONFLICT (cluster_id) DO NOTHING",
                                                 {cluster_id, holder_, until}));
          return n == 1 ? std::optional<int64_t>(1) : std::nullopt;
        }
        const Row& r = rows[0];
        QT_ASSIGN_OR_RETURN(int64_t current, store::Decode<int64_t>("live_leases", r, [&] {
                              return Result<int64_t>(r.Int("epoch"));
                            }));
        if (r.Text("holder") == holder_) {
          QT_ASSIGN_OR_RETURN(int64_t n,
                              tx.Exec("UPDATE live_leases SET expires_at = ? WHERE cluster_id = ? "
                                      "AND holder = ? AND epoch = ?",
                                      {until, cluster_id, holder_, current}));
          return n == 1 ? std::optional<int64_t>(current) : std::nullopt;
        }
        // Taken over only if it has still expired when the update runs (the
        // holder may have just renewed it).
        QT_ASSIGN_OR_RETURN(int64_t n,
                            tx.Exec("UPDATE live_leases SET holder = ?, epoch = ?, "
                                    "expires_at = ? WHERE cluster_id = ? AND "
                                    "epoch = ? AND expires_at <= ?",
                                    {holder_, current + 1, until, cluster_id, current, now}));
        return n == 1 ? std::optional<int64_t>(current + 1) : std::nullopt;
      }));
  if (!epoch) {
    // Another process leads: whatever this one kept is stale.
    if (held != leases_.end()) {
      leases_.erase(held);
      runs_.erase(cluster_id);
    }
    return false;
  }
  if (held == leases_.end() || held->second.epoch != *epoch) {
    runs_.erase(cluster_id);  // a copy, or a run from an earlier lease: rebuilt as the leader's
  }
  leases_[cluster_id] = {*epoch, until};
  return true;
}

Status Jobs::CheckLease(Tx& tx, const std::string& cluster_id) {
  auto held = leases_.find(cluster_id);
  const int64_t until = options_.clock->NowMillis() + options_.lease_ms;
  if (held != leases_.end()) {
    QT_ASSIGN_OR_RETURN(int64_t n,
                        tx.Exec("UPDATE live_leases SET expires_at = ? WHERE cluster_id = ? AND "
                                "holder = ? AND epoch = ?",
                                {until, cluster_id, holder_, held->second.epoch}));
    if (n == 1) {
      held->second.until = until;
      return OkStatus();
    }
  }
  return Unavailable(
      fmt::format("jobs: another server process has taken over cluster {}; try again", cluster_id));
}

Result<std::optional<std::string>> Jobs::LeadOrForward(
    std::unique_lock<std::mutex>& lock, const std::string& cluster_id, std::string_view kind,
    const Principal& caller, const std::string& body, const std::string& request) {
  QT_ASSIGN_OR_RETURN(bool lead, Lead(cluster_id));
  if (lead) return std::optional<std::string>();
  if (!request.empty()) {
    return Unavailable(fmt::format(
        "jobs: another server process has taken over cluster {}; try again", cluster_id));
  }
  lock.unlock();
  const std::string id = ids_.Next("lrq");
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) {
    return tx
        .Exec(
            "INSERT INTO live_requests (id, cluster_id, kind, caller, body, created_at, "
            "done_at, result) VALUES (?, ?, ?, ?, ?, ?, 0, '')",
            {id, cluster_id, std::string(kind), CallerJson(caller), body,
             options_.clock->NowMillis()})
        .status();
  }));
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.forward_timeout_ms);
  for (int round = 0; std::chrono::steady_clock::now() < deadline; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
    QT_ASSIGN_OR_RETURN(Rows rows, store::ReadValue(store_, [&](Tx& tx) {
                          return tx.Query("SELECT done_at, result FROM live_requests WHERE id = ?",
                                          {id});
                        }));
    if (rows.empty()) return Internal("jobs: forwarded request " + id + " vanished");
    if (rows[0].Int("done_at") > 0) {
      QT_ASSIGN_OR_RETURN(std::string result, ParseResult(rows[0]));
      return std::optional<std::string>(std::move(result));
    }
    // Every 10 rounds: if the leader's lease has expired, this process
    // takes the cluster over and carries the request out itself.
    if (round % 10 == 9) {
      bool now_leads = false;
      {
        std::lock_guard relock(mu_);
        QT_ASSIGN_OR_RETURN(now_leads, Lead(cluster_id));
      }
      if (now_leads) QT_RETURN_IF_ERROR(ServeRequests(cluster_id));
    }
  }
  return Unavailable(
      fmt::format("jobs: the server process running cluster {} did not answer in {} s; try again",
                  cluster_id, options_.forward_timeout_ms / 1000));
}

Status Jobs::ServeRequests(const std::string& cluster_id) {
  QT_ASSIGN_OR_RETURN(Rows rows, store::ReadValue(store_, [&](Tx& tx) {
                        return tx.Query(
                            "SELECT id, kind, caller, body FROM live_requests WHERE cluster_id = "
                            "? AND done_at = 0 ORDER BY created_at, id",
                            {cluster_id});
                      }));
  for (const Row& r : rows) {
    Result<Forwarded> f = store::Decode<Forwarded>("live_requests", r, [&]() -> Result<Forwarded> {
      Forwarded out;
      out.id = r.Text("id");
      out.kind = r.Text("kind");
      QT_ASSIGN_OR_RETURN(out.caller, CallerFromJson(json::parse(r.Text("caller"))));
      const json b = json::parse(r.Text("body"));
      if (out.kind == "submit") {
        out.job = JobFromJson(b);
      } else if (out.kind == "cancel") {
        out.job_id = b.at("id").get<std::string>();
      } else if (out.kind == "node") {
        out.cluster = b.at("cluster_id").get<std::string>();
        out.node = b.at("node").get<int64_t>();
        out.down = b.at("down").get<bool>();
        out.reason = b.at("reason").get<std::string>();
      } else if (out.kind == "quota") {
        out.quota.cluster_id = b.at("cluster_id").get<std::string>();
        out.quota.tenant_id = b.at("tenant_id").get<std::string>();
        out.quota.resource = b.at("resource").get<std::string>();
        out.quota.guaranteed = b.at("guaranteed").get<int64_t>();
        out.quota.ceiling = b.at("ceiling").get<int64_t>();
      } else if (out.kind == "policy") {
        out.cluster = b.at("cluster_id").get<std::string>();
        out.policy = b.at("policy").get<std::string>();
      } else {
        return Internal("unknown kind " + out.kind);
      }
      return out;
    });
    Status s = f.ok() ? ServeRequest(*f) : f.status();
    if (s.code() == StatusCode::kUnavailable) return s;  // another process leads now
    if (!s.ok()) {
      // Refused before anything was written (or damaged): the error is the answer.
      QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) {
        return tx
            .Exec("UPDATE live_requests SET done_at = ?, result = ? WHERE id = ? AND done_at = 0",
                  {options_.clock->NowMillis(), ErrorJson(s), r.Text("id")})
            .status();
      }));
    }
  }
  if (rows.empty()) return OkStatus();
  return store_.Write([&](Tx& tx) {
    return tx
        .Exec("DELETE FROM live_requests WHERE cluster_id = ? AND done_at > 0 AND done_at < ?",
              {cluster_id, options_.clock->NowMillis() - kKeepDoneMs})
        .status();
  });
}

Status Jobs::ServeRequest(const Forwarded& f) {
  if (f.kind == "submit") return Submit(f.caller, f.job, f.id).status();
  if (f.kind == "cancel") return Cancel(f.caller, f.job_id, f.id).status();
  if (f.kind == "node") {
    return SetNodeDown(f.caller, f.cluster, f.node, f.down, f.reason, f.id).status();
  }
  if (f.kind == "quota") return SetQuota(f.caller, f.quota, f.id).status();
  return SetPolicy(f.caller, f.cluster, f.policy, f.id).status();
}

Status Jobs::FinishRequest(Tx& tx, const std::string& request, const std::string& result) {
  if (request.empty()) return OkStatus();
  return tx
      .Exec("UPDATE live_requests SET done_at = ?, result = ? WHERE id = ? AND done_at = 0",
            {options_.clock->NowMillis(), result, request})
      .status();
}

}  // namespace qt::compute::live
