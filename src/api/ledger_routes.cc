#include "api/ledger_routes.h"

#include "crypto/encoding.h"

namespace qt::api {
namespace {

using accounts::OrgKind;
using accounts::Role;
using nlohmann::json;

json Hashes(const std::vector<ledger::Hash>& hashes) {
  json out = json::array();
  for (const auto& h : hashes) out.push_back(crypto::HexEncode(h));
  return out;
}

json CheckpointJson(const ledger::StoredCheckpoint& c) {
  return {{"origin", c.checkpoint.origin},
          {"size", c.checkpoint.size},
          {"root", crypto::HexEncode(c.checkpoint.root)},
          {"published_at", FormatRfc3339(c.published_at)},
          {"note", c.note}};
}

json EntryJson(const ledger::Entry& e) {
  return {{"index", e.index},
          {"leaf_hash", crypto::HexEncode(e.leaf_hash)},
          {"event", json::parse(e.event)},
          {"leaf", e.event}};
}

}  // namespace

void RegisterLedgerRoutes(Router& router, ledger::Ledger& ledger) {
  router.Handle("GET", "/api/v1/ledger/checkpoint", Access::Public(),
                [&](const Request&) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto cp, ledger.LatestCheckpoint());
                  return Response::Text(cp.note);
                });

  router.Handle("GET", "/api/v1/ledger/vkey", Access::Public(),
                [&](const Request&) -> Result<Response> {
                  return Response::Json({{"vkey", ledger.VerifierKey()}});
                });

  router.Handle("GET", "/api/v1/ledger/checkpoints", Access::Public(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(uint64_t after, req.QueryUint("after", 0));
                  QT_ASSIGN_OR_RETURN(uint64_t limit, req.QueryUint("limit", 50));
                  if (limit < 1 || limit > 500) {
                    return InvalidArgument("limit: must be between 1 and 500");
                  }
                  QT_ASSIGN_OR_RETURN(auto cps, ledger.Checkpoints(after, static_cast<int>(limit)));
                  json items = json::array();
                  for (const auto& c : cps) items.push_back(CheckpointJson(c));
                  json next =
                      cps.size() == limit ? json(cps.back().checkpoint.size) : json(nullptr);
                  return Response::Json({{"items", items}, {"next_after", next}});
                });

  router.Handle("GET", "/api/v1/ledger/checkpoints/{size}", Access::Public(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(uint64_t size, req.PathUint("size"));
                  QT_ASSIGN_OR_RETURN(auto cp, ledger.CheckpointAt(size));
                  return Response::Json(CheckpointJson(cp));
                });

  router.Handle("POST", "/api/v1/ledger/checkpoints",
                Access::Kinds({OrgKind::kOperator}, Role::kMember),
                [&](const Request&) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto cp, ledger.Publish());
                  return Response::Json(CheckpointJson(cp), 201);
                });

  router.Handle("GET", "/api/v1/ledger/entries", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(uint64_t start, req.QueryUint("start"));
                  QT_ASSIGN_OR_RETURN(uint64_t end, req.QueryUint("end"));
                  QT_ASSIGN_OR_RETURN(auto entries, ledger.Entries(start, end));
                  json items = json::array();
                  for (const auto& e : entries) items.push_back(EntryJson(e));
                  return Response::Json({{"entries", items}});
                });

  router.Handle("GET", "/api/v1/ledger/events", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  std::optional<uint64_t> before;
                  if (req.HasQuery("before")) {
                    QT_ASSIGN_OR_RETURN(before, req.QueryUint("before"));
                  }
                  QT_ASSIGN_OR_RETURN(uint64_t limit, req.QueryUint("limit", 50));
                  if (limit < 1 || limit > ledger::Ledger::kMaxEntriesPerPage) {
                    return InvalidArgument("limit: must be between 1 and " +
                                           std::to_string(ledger::Ledger::kMaxEntriesPerPage));
                  }
                  QT_ASSIGN_OR_RETURN(auto page, ledger.EventsAbout(req.Query("subject"), before,
                                                                    static_cast<int>(limit)));
                  json items = json::array();
                  for (const auto& e : page.entries) items.push_back(EntryJson(e));
                  return Response::Json({{"items", items},
                                         {"next_before", page.next_before ? json(*page.next_before)
                                                                          : json(nullptr)}});
                });

  router.Handle(
      "GET", "/api/v1/ledger/proof/inclusion", Access::SignedIn(),
      [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(uint64_t index, req.QueryUint("index"));
        QT_ASSIGN_OR_RETURN(uint64_t size, req.QueryUint("size"));
        QT_ASSIGN_OR_RETURN(auto proof, ledger.InclusionProof(index, size));
        return Response::Json({{"index", index}, {"size", size}, {"proof", Hashes(proof)}});
      });

  router.Handle(
      "GET", "/api/v1/ledger/proof/consistency", Access::SignedIn(),
      [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(uint64_t first, req.QueryUint("first"));
        QT_ASSIGN_OR_RETURN(uint64_t second, req.QueryUint("second"));
        QT_ASSIGN_OR_RETURN(auto proof, ledger.ConsistencyProof(first, second));
        return Response::Json({{"first", first}, {"second", second}, {"proof", Hashes(proof)}});
      });

  router.Handle("GET", "/api/v1/ledger/proof/event/{id}", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(uint64_t id, req.PathUint("id"));
                  QT_ASSIGN_OR_RETURN(auto p, ledger.ProveEvent(id));
                  json out = EntryJson(p.entry);
                  out["checkpoint"] = p.checkpoint.note;
                  out["proof"] = Hashes(p.proof);
                  return Response::Json(out);
                });
}

}  // namespace qt::api
