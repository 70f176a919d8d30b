#include "api/peering_routes.h"

#include <cmath>

#include "api/errors.h"
#include "api/json_body.h"
#include "api/peer_request.h"
#include "federation/dsp.h"
#include "ledger/note.h"

namespace qt::api {
namespace {

using accounts::OrgKind;
using accounts::Role;
using federation::Peer;
using federation::PeerState;
using nlohmann::json;

constexpr int kCatalogPage = 100;

json TimeOrNull(UnixMillis t) { return t == 0 ? json(nullptr) : json(FormatRfc3339(t)); }

json PeerJson(const Peer& p) {
  return {{"name", p.name},
          {"city", p.city},
          {"url", p.url},
          {"node_key", p.node_vkey},
          {"ledger", p.ledger_vkey},
          {"witness", p.witness_vkey},
          {"tls_pin", p.tls_pin.empty() ? json(nullptr) : json(p.tls_pin)},
          {"state", federation::PeerStateName(p.state)},
          {"added_at", TimeOrNull(p.added_at)},
          {"updated_at", TimeOrNull(p.updated_at)},
          {"last_contact_at", TimeOrNull(p.last_contact_at)},
          {"last_error", p.last_error.empty() ? json(nullptr) : json(p.last_error)}};
}

json CrawlJson(const federation::CrawlStatus& c) {
  return {{"node", c.node},
          {"crawled_at", TimeOrNull(c.crawled_at)},
          {"attempted_at", TimeOrNull(c.attempted_at)},
          {"error", c.error.empty() ? json(nullptr) : json(c.error)},
          {"offers", c.offers},
          // The last good crawl found the catalog unchanged since read_at.
          {"read_at", TimeOrNull(c.read_at)},
          {"unchanged", c.crawled_at > c.read_at && c.read_at > 0}};
}

json OfferJson(const federation::FederatedOffer& o, UnixMillis now) {
  return {{"node", o.node},
          {"city", o.city},
          {"local", o.local},
          {"offer_id", o.offer_id},
          {"dataset_id", o.dataset_id},
          {"title", o.title},
          {"description", o.description},
          {"publisher", o.publisher},
          {"keywords", o.keywords},
          {"policy", o.policy},
          {"crawled_at", TimeOrNull(o.crawled_at)},
          {"age_seconds", o.local ? json(nullptr) : json((now - o.crawled_at) / 1000)},
          {"stale", o.stale},
          {"score", std::round(o.score * 1000) / 1000}};
}

// A DSP answer for a failure: the CatalogError body with the status's code.
Response CatalogError(const Status& s) {
  return Response::Json(federation::CatalogErrorJson(StatusCodeName(s.code()), s.message()),
                        HttpStatusOf(s.code()));
}

}  // namespace

void RegisterPeeringRoutes(Router& router, PeeringServices services) {
  const Access operator_admin = Access::Kinds({OrgKind::kOperator}, Role::kAdmin);
  federation::Node& node = *services.node;
  federation::Peers& peers = *services.peers;
  federation::FederatedCatalog& catalog = *services.catalog;
  dataspace::DataSpace& space = *services.dataspace;

  router.Handle(
      "GET", "/.well-known/dspace-version", Access::Public(),
      [](const Request&) -> Result<Response> { return Response::Json(federation::VersionJson()); });
  router.Handle("GET", "/federation/descriptor", Access::Public(),
                [&node](const Request&) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(std::string d, node.Descriptor());
                  return Response::Text(d);
                });
  router.Handle("POST", "/federation/hello", Access::Public(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Peer from, AuthenticatePeer(peers, req));
                  QT_RETURN_IF_ERROR(peers.AcceptHello(from, req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string d, node.Descriptor());
                  return Response::Text(d);
                });
  router.Handle(
      "POST", std::string(federation::kDspPath) + "/catalog/request", Access::Public(),
      [&](const Request& req) -> Result<Response> {
        auto from = AuthenticatePeer(peers, req);
        if (!from.ok()) return CatalogError(from.status());
        if (from->state != PeerState::kActive) {
          return CatalogError(
              PermissionDenied("peer '" + from->name + "' is not confirmed yet: say hello first"));
        }
        json message = json::parse(req.http.body, nullptr, /*allow_exceptions=*/false);
        auto known = federation::CheckCatalogRequest(message);
        if (!known.ok()) return CatalogError(known.status());
        const std::string cursor = req.Query("cursor");
        if (cursor.size() > 100) return CatalogError(InvalidArgument("cursor: too long"));
        // The version is read before the page, so a change in between shows
        // as a new version at the next crawl (federation/dsp.h).
        auto version = space.CatalogVersion();
        if (!version.ok()) return CatalogError(version.status());
        if (cursor.empty() && !known->empty() && *known == *version) {
          return Response::Json(federation::UnchangedCatalogJson(node.name(), *version));
        }
        auto offers = space.PublishedOffers(cursor, kCatalogPage);
        if (!offers.ok()) return CatalogError(offers.status());
        Response res =
            Response::Json(federation::CatalogJson(node.name(), node.url(), *offers, *version));
        if (offers->size() == static_cast<size_t>(kCatalogPage)) {
          res.headers.emplace_back(
              "Link", "<" + node.url() + std::string(federation::kDspPath) +
                          "/catalog/request?cursor=" + offers->back().offer.id + ">; rel=\"next\"");
        }
        return res;
      });

  router.Handle("GET", "/api/v1/federation/node", Access::SignedIn(),
                [&node](const Request&) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(std::string d, node.Descriptor());
                  return Response::Json(
                      {{"name", node.name()},
                       {"city", node.city()},
                       {"url", node.url()},
                       {"node_key", node.VerifierKey()},
                       {"tls_pin", node.tls_pin().empty() ? json(nullptr) : json(node.tls_pin())},
                       {"descriptor", d}});
                });
  router.Handle(
      "GET", "/api/v1/federation/peers", Access::SignedIn(),
      [&peers](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(accounts::PageRequest page, req.Page());
        QT_ASSIGN_OR_RETURN(bool removed, req.QueryBool("removed", false));
        QT_ASSIGN_OR_RETURN(auto list, peers.List(page.cursor, page.limit, removed));
        json items = json::array();
        for (const Peer& p : list) items.push_back(PeerJson(p));
        const bool full = list.size() == static_cast<size_t>(page.limit);
        return Response::Json(
            {{"items", items}, {"next_cursor", full ? json(list.back().name) : json(nullptr)}});
      });
  router.Handle("GET", "/api/v1/federation/peers/{name}", Access::SignedIn(),
                [&peers](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Peer p, peers.Get(req.PathParam("name")));
                  return Response::Json(PeerJson(p));
                });
  router.Handle("POST", "/api/v1/federation/peers", operator_admin,
                [&peers](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string descriptor, body.String("descriptor", 8192));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(Peer p, peers.Add(req.caller().org_id, descriptor));
                  return Response::Json(PeerJson(p), 201);
                });
  router.Handle("POST", "/api/v1/federation/peers/{name}/suspend", operator_admin,
                [&peers](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Peer p,
                                      peers.Suspend(req.caller().org_id, req.PathParam("name")));
                  return Response::Json(PeerJson(p));
                });
  router.Handle("POST", "/api/v1/federation/peers/{name}/resume", operator_admin,
                [&peers](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Peer p,
                                      peers.Resume(req.caller().org_id, req.PathParam("name")));
                  return Response::Json(PeerJson(p));
                });
  router.Handle("DELETE", "/api/v1/federation/peers/{name}", operator_admin,
                [&peers](const Request& req) -> Result<Response> {
                  QT_RETURN_IF_ERROR(peers.Remove(req.caller().org_id, req.PathParam("name")));
                  return Response::Json({{"name", req.PathParam("name")}, {"state", "removed"}});
                });
  router.Handle("POST", "/api/v1/federation/crawl", operator_admin,
                [&catalog](const Request&) -> Result<Response> {
                  Status s = catalog.Crawl();
                  QT_ASSIGN_OR_RETURN(auto crawls, catalog.Crawls());
                  json items = json::array();
                  for (const auto& c : crawls) items.push_back(CrawlJson(c));
                  return Response::Json(
                      {{"items", items}, {"error", s.ok() ? json(nullptr) : json(s.message())}});
                });
  router.Handle("GET", "/api/v1/federation/catalog", Access::SignedIn(),
                [&catalog](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(uint64_t limit, req.QueryUint("limit", 20));
                  if (limit < 1 || limit > 100) return InvalidArgument("limit: 1 to 100");
                  QT_ASSIGN_OR_RETURN(auto hits,
                                      catalog.Search(req.Query("q"), static_cast<int>(limit)));
                  const UnixMillis now = SystemClock::Get().NowMillis();
                  json items = json::array();
                  for (const auto& h : hits) items.push_back(OfferJson(h, now));
                  return Response::Json({{"items", items}});
                });
  router.Handle(
      "GET", "/api/v1/federation/status", Access::SignedIn(),
      [&, services](const Request&) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(auto list, peers.List("", 1000));
        QT_ASSIGN_OR_RETURN(auto crawls, catalog.Crawls());
        QT_ASSIGN_OR_RETURN(auto logs, services.witness->Logs("", 1000));
        json out = {{"node",
                     {{"name", node.name()},
                      {"city", node.city()},
                      {"url", node.url()},
                      {"tls_pin", node.tls_pin().empty() ? json(nullptr) : json(node.tls_pin())}}},
                    {"peers", json::array()}};
        // The latest checkpoint of this node that its witnesses' quorum cosigned.
        out["node"]["witnessed_size"] = nullptr;
        if (services.witnessing != nullptr) {
          auto witnessed = services.witnessing->LatestWitnessed();
          if (witnessed.ok()) {
            auto split = ledger::SplitNote(*witnessed);
            auto cp = split.ok() ? ledger::ParseCheckpoint(split->text)
                                 : Result<ledger::Checkpoint>(split.status());
            if (cp.ok()) out["node"]["witnessed_size"] = cp->size;
          }
        }
        for (const Peer& p : list) {
          json j = PeerJson(p);
          for (const auto& c : crawls) {
            if (c.node == p.name) j["crawl"] = CrawlJson(c);
          }
          auto origin = ledger::ParseVerifierKey(p.ledger_vkey);
          for (const auto& l : logs) {
            if (origin.ok() && l.origin == origin->name) {
              j["witnessed"] = {{"size", l.size}, {"forked", l.forked}, {"active", l.active}};
            }
          }
          out["peers"].push_back(std::move(j));
        }
        return Response::Json(out);
      });
}

}  // namespace qt::api
