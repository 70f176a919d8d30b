#include "api/federation_routes.h"

#include "api/json_body.h"
#include "api/peer_request.h"
#include "crypto/encoding.h"
#include "ledger/note.h"

namespace qt::api {
namespace {

using accounts::OrgKind;
using accounts::Role;
using federation::AddOutcome;
using nlohmann::json;

constexpr std::string_view kPrefix = "/witness";

json TimeOrNull(UnixMillis t) { return t == 0 ? json(nullptr) : json(FormatRfc3339(t)); }

json LogJson(const federation::WitnessedLog& l) {
  return {{"origin", l.origin},
          {"origin_hash", l.origin_hash},
          {"vkey", l.vkey},
          {"active", l.active},
          {"size", l.size},
          {"root", l.size == 0 && l.checkpoint.empty() ? json(nullptr)
                                                       : json(crypto::Base64Encode(l.root))},
          {"checkpoint", l.checkpoint.empty() ? json(nullptr) : json(l.checkpoint)},
          {"forked", l.forked},
          {"evidence", l.evidence},
          {"added_at", TimeOrNull(l.added_at)},
          {"updated_at", TimeOrNull(l.updated_at)}};
}

json EvidenceJson(const federation::Evidence& e) {
  return {{"id", e.id},
          {"origin", e.origin},
          {"received_at", TimeOrNull(e.received_at)},
          {"old_size", e.old_size},
          {"proof", e.proof},
          {"submitted", e.submitted},
          {"witnessed", e.witnessed.empty() ? json(nullptr) : json(e.witnessed)},
          {"reason", e.reason},
          {"conclusive", e.conclusive}};
}

// tlog-witness answers in plain text; each refusal's status is the spec's.
Response WitnessAnswer(const federation::AddCheckpointResult& r) {
  switch (r.outcome) {
    case AddOutcome::kCosigned:
      return Response::Text(r.body);
    case AddOutcome::kConflict:
      return {409, r.body, "text/x.tlog.size", {}};
    case AddOutcome::kMalformed:
      return {400, r.body + "\n", "text/plain; charset=utf-8", {}};
    case AddOutcome::kUnverified:
      return {403, r.body + "\n", "text/plain; charset=utf-8", {}};
    case AddOutcome::kUnknownLog:
      return {404, r.body + "\n", "text/plain; charset=utf-8", {}};
    case AddOutcome::kInconsistent:
      return {422, r.body + "\n", "text/plain; charset=utf-8", {}};
  }
  return {500, "unknown outcome\n", "text/plain; charset=utf-8", {}};
}

}  // namespace

void RegisterFederationRoutes(Router& router, federation::Witness& witness,
                              federation::Witnessing* witnessing, federation::Peers& peers) {
  const Access operator_admin = Access::Kinds({OrgKind::kOperator}, Role::kAdmin);

  router.Handle("POST", std::string(kPrefix) + "/add-checkpoint", Access::Public(),
                [&](const Request& req) -> Result<Response> {
                  // Any C2SP client may submit, signed or not. A signature
                  // that a peer's pinned key verifies says which log's own
                  // node sent it (witness.h); any other signature (a node
                  // that is no peer, a stale or replayed one) is ignored:
                  // the request counts as unsigned, as the protocol has it.
                  std::string signed_by_log;
                  if (IsSignedRequest(req)) {
                    auto peer = AuthenticatePeer(peers, req);
                    auto log = peer.ok() ? ledger::ParseVerifierKey(peer->ledger_vkey)
                                         : Result<ledger::NoteVerifier>(peer.status());
                    if (log.ok()) signed_by_log = log->name;
                  }
                  QT_ASSIGN_OR_RETURN(auto r, witness.AddCheckpoint(req.http.body, signed_by_log));
                  return WitnessAnswer(r);
                });
  router.Handle("GET", std::string(kPrefix) + "/{origin_hash}/checkpoint", Access::Public(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(std::string note,
                                      witness.LatestCheckpoint(req.PathParam("origin_hash")));
                  return Response::Text(note);
                });

  router.Handle("GET", "/api/v1/ledger/checkpoint/witnessed", Access::Public(),
                [witnessing](const Request&) -> Result<Response> {
                  if (witnessing == nullptr) {
                    return NotFound("this node has no witness policy (serve --witness-policy)");
                  }
                  QT_ASSIGN_OR_RETURN(std::string note, witnessing->LatestWitnessed());
                  return Response::Text(note);
                });
  router.Handle("GET", "/api/v1/federation/witness", Access::Public(),
                [&](const Request&) -> Result<Response> {
                  return Response::Json({{"name", witness.name()},
                                         {"vkey", witness.VerifierKey()},
                                         {"submission_prefix", kPrefix},
                                         {"monitoring_prefix", kPrefix}});
                });
  router.Handle(
      "GET", "/api/v1/federation/witness/logs", Access::Public(),
      [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(accounts::PageRequest page, req.Page());
        QT_ASSIGN_OR_RETURN(auto logs, witness.Logs(page.cursor, page.limit));
        json items = json::array();
        for (const auto& l : logs) items.push_back(LogJson(l));
        const bool full = logs.size() == static_cast<size_t>(page.limit);
        return Response::Json(
            {{"items", items}, {"next_cursor", full ? json(logs.back().origin) : json(nullptr)}});
      });
  router.Handle("POST", "/api/v1/federation/witness/logs", operator_admin,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string vkey, body.String("vkey", 1000));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(auto log, witness.AddLog(req.caller().org_id, vkey));
                  return Response::Json(LogJson(log), 201);
                });
  router.Handle("GET", "/api/v1/federation/witness/logs/{origin_hash}", Access::Public(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto log, witness.Log(req.PathParam("origin_hash")));
                  return Response::Json(LogJson(log));
                });
  router.Handle(
      "DELETE", "/api/v1/federation/witness/logs/{origin_hash}", operator_admin,
      [&](const Request& req) -> Result<Response> {
        QT_RETURN_IF_ERROR(witness.RemoveLog(req.caller().org_id, req.PathParam("origin_hash")));
        return Response::Json({{"origin_hash", req.PathParam("origin_hash")}, {"active", false}});
      });
  router.Handle("GET", "/api/v1/federation/witness/logs/{origin_hash}/evidence", Access::Public(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto list, witness.EvidenceFor(req.PathParam("origin_hash")));
                  json items = json::array();
                  for (const auto& e : list) items.push_back(EvidenceJson(e));
                  return Response::Json({{"items", items}});
                });
}

}  // namespace qt::api
