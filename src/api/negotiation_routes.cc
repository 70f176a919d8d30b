#include "api/negotiation_routes.h"

#include "api/errors.h"
#include "api/json_body.h"
#include "api/key_fields.h"
#include "api/peer_request.h"
#include "dataspace/answer_json.h"
#include "federation/dsp.h"
#include "privacy/psi.h"

namespace qt::api {
namespace {

using federation::Negotiation;
using federation::Peer;
using federation::PeerState;
using nlohmann::json;

json TimeOrNull(UnixMillis t) { return t == 0 ? json(nullptr) : json(FormatRfc3339(t)); }

json NegotiationJson(const Negotiation& n) {
  return {{"id", n.id},
          {"peer", n.peer},
          {"provider_pid", n.remote_pid.empty() ? json(nullptr) : json(n.remote_pid)},
          {"offer_id", n.offer_id},
          {"state", federation::DspStateName(n.state)},
          {"offer", n.offer},
          {"agreement", n.agreement.empty() ? json(nullptr) : json(n.agreement)},
          {"provider_signature",
           n.provider_signature.empty() ? json(nullptr) : json(n.provider_signature)},
          {"consumer_signature",
           n.consumer_signature.empty() ? json(nullptr) : json(n.consumer_signature)},
          {"proofs", n.proofs},
          {"reason", n.reason.empty() ? json(nullptr) : json(n.reason)},
          {"last_error", n.last_error.empty() ? json(nullptr) : json(n.last_error)},
          {"created_at", TimeOrNull(n.created_at)},
          {"updated_at", TimeOrNull(n.updated_at)}};
}

// A DSP answer for a failure: a ContractNegotiationError whose HTTP status
// follows the binding (a state the negotiation does not allow is a 400).
Response NegotiationError(const Status& s, const std::string& provider_pid,
                          const std::string& consumer_pid) {
  int status = HttpStatusOf(s.code());
  if (s.code() == StatusCode::kFailedPrecondition) status = 400;
  return Response::Json(federation::NegotiationErrorJson(provider_pid, consumer_pid,
                                                         StatusCodeName(s.code()), s.message()),
                        status);
}

// The active peer that signed `req`, or the error answer.
Result<Peer> ActivePeer(federation::Peers& peers, const Request& req) {
  QT_ASSIGN_OR_RETURN(Peer from, AuthenticatePeer(peers, req));
  if (from.state != PeerState::kActive) {
    return PermissionDenied("peer '" + from.name + "' is not confirmed yet: say hello first");
  }
  return from;
}

// A node-to-node route: authenticates, runs `fn`, answers its JSON or a
// ContractNegotiationError. `provider` says which path parameter is whose pid.
using PeerFn =
    std::function<Result<json>(const Peer&, const std::string& pid, const std::string& body)>;
Handler PeerRoute(federation::Peers& peers, bool provider, int ok_status, PeerFn fn) {
  return [&peers, provider, ok_status, fn = std::move(fn)](const Request& req) -> Result<Response> {
    const std::string& pid = req.PathParam("pid");  // "" for the initial request
    const std::string provider_pid = provider ? pid : "";
    const std::string consumer_pid = provider ? "" : pid;
    auto from = ActivePeer(peers, req);
    if (!from.ok()) return NegotiationError(from.status(), provider_pid, consumer_pid);
    auto out = fn(*from, pid, req.http.body);
    if (!out.ok()) return NegotiationError(out.status(), provider_pid, consumer_pid);
    return Response::Json(*out, ok_status);
  };
}

// A route whose handler answers nothing in particular: an empty object.
template <typename F>
PeerFn NoBody(F f) {
  return [f](const Peer& from, const std::string& pid, const std::string& body) -> Result<json> {
    QT_RETURN_IF_ERROR(f(from, pid, body));
    return json::object();
  };
}

}  // namespace

void RegisterNegotiationRoutes(Router& router, federation::Peers& peers,
                               federation::Negotiations& negotiations) {
  using federation::Negotiations;
  const std::string dsp(federation::kDspPath);
  Negotiations& n = negotiations;

  // Provider endpoints.
  router.Handle("POST", dsp + "/negotiations/request", Access::Public(),
                PeerRoute(peers, true, 201,
                          [&n](const Peer& from, const std::string&, const std::string& body) {
                            return n.OnRequest(from, body);
                          }));
  router.Handle("GET", dsp + "/negotiations/{pid}", Access::Public(),
                PeerRoute(peers, true, 200,
                          [&n](const Peer& from, const std::string& pid, const std::string&) {
                            return n.OnProviderGet(from, pid);
                          }));
  router.Handle(
      "POST", dsp + "/negotiations/{pid}/request", Access::Public(),
      PeerRoute(peers, true, 200,
                [](const Peer&, const std::string&, const std::string&) -> Result<json> {
                  return InvalidArgument(
                      "counter-requests are not supported: terminate and request the offer "
                      "as published");
                }));
  router.Handle("POST", dsp + "/negotiations/{pid}/events", Access::Public(),
                PeerRoute(peers, true, 200, NoBody([&n](auto& from, auto& pid, auto& body) {
                            return n.OnProviderEvent(from, pid, body);
                          })));
  router.Handle("POST", dsp + "/negotiations/{pid}/agreement/verification", Access::Public(),
                PeerRoute(peers, true, 200, NoBody([&n](auto& from, auto& pid, auto& body) {
                            return n.OnVerification(from, pid, body);
                          })));
  router.Handle("POST", dsp + "/negotiations/{pid}/termination", Access::Public(),
                PeerRoute(peers, true, 200, NoBody([&n](auto& from, auto& pid, auto& body) {
                            return n.OnProviderTermination(from, pid, body);
                          })));

  // Qiantang's extension: a consumer node's channel query under a finalized
  // negotiation, answered sealed to the consumer's key.
  router.Handle("POST", "/federation/negotiations/{pid}/query", Access::Public(),
                PeerRoute(peers, true, 200,
                          [&n](const Peer& from, const std::string& pid, const std::string& body) {
                            return n.OnChannelQuery(from, pid, body);
                          }));

  // And its PSI, one route per step, each answered sealed to the consumer's key.
  for (std::string_view step : federation::kPsiSteps) {
    router.Handle(
        "POST", "/federation/negotiations/{pid}/psi/" + std::string(step), Access::Public(),
        PeerRoute(peers, true, 200,
                  [&n, step](const Peer& from, const std::string& pid, const std::string& body) {
                    return n.OnPsi(from, pid, step, body);
                  }));
  }

  // The consumer's callback endpoints.
  const std::string cb = dsp + "/callback/negotiations/{pid}";
  router.Handle("GET", cb, Access::Public(),
                PeerRoute(peers, false, 200,
                          [&n](const Peer& from, const std::string& pid, const std::string&) {
                            return n.OnConsumerGet(from, pid);
                          }));
  router.Handle("POST", cb + "/offers", Access::Public(),
                PeerRoute(peers, false, 200, NoBody([&n](auto& from, auto& pid, auto& body) {
                            return n.OnOffer(from, pid, body);
                          })));
  router.Handle("POST", cb + "/agreement", Access::Public(),
                PeerRoute(peers, false, 200, NoBody([&n](auto& from, auto& pid, auto& body) {
                            return n.OnAgreement(from, pid, body);
                          })));
  router.Handle("POST", cb + "/events", Access::Public(),
                PeerRoute(peers, false, 200,
                          [&n](const Peer& from, const std::string& pid, const std::string& body) {
                            return n.OnConsumerEvent(from, pid, body);
                          }));
  router.Handle("POST", cb + "/termination", Access::Public(),
                PeerRoute(peers, false, 200, NoBody([&n](auto& from, auto& pid, auto& body) {
                            return n.OnConsumerTermination(from, pid, body);
                          })));

  // The consumer organisation's own calls.
  const std::string api = "/api/v1/federation/negotiations";
  router.Handle("POST", api, Access::SignedIn(), [&n](const Request& req) -> Result<Response> {
    QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
    QT_ASSIGN_OR_RETURN(std::string peer, body.String("peer", 100));
    QT_ASSIGN_OR_RETURN(std::string offer_id, body.String("offer_id", 200));
    QT_RETURN_IF_ERROR(body.Finish());
    QT_ASSIGN_OR_RETURN(Negotiation got, n.Request(req.caller(), peer, offer_id));
    return Response::Json(NegotiationJson(got), 201);
  });
  router.Handle("GET", api, Access::SignedIn(), [&n](const Request& req) -> Result<Response> {
    QT_ASSIGN_OR_RETURN(accounts::PageRequest page, req.Page());
    QT_ASSIGN_OR_RETURN(auto list, n.List(req.caller(), page.cursor, page.limit));
    json items = json::array();
    for (const Negotiation& x : list) items.push_back(NegotiationJson(x));
    const bool full = list.size() == static_cast<size_t>(page.limit);
    return Response::Json(
        {{"items", items}, {"next_cursor", full ? json(list.back().id) : json(nullptr)}});
  });
  router.Handle("GET", api + "/{id}", Access::SignedIn(),
                [&n](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Negotiation got, n.Get(req.caller(), req.PathParam("id")));
                  return Response::Json(NegotiationJson(got));
                });
  router.Handle("POST", api + "/{id}/accept", Access::SignedIn(),
                [&n](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Negotiation got, n.Accept(req.caller(), req.PathParam("id")));
                  return Response::Json(NegotiationJson(got));
                });
  // An organisation that holds its own key sends its signature of the agreement.
  router.Handle("POST", api + "/{id}/verify", Access::SignedIn(),
                [&n](const Request& req) -> Result<Response> {
                  std::optional<crypto::Signature> sig;
                  if (!req.http.body.empty()) {
                    QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                    QT_ASSIGN_OR_RETURN(sig, OptionalSignatureField(body, "signature"));
                    QT_RETURN_IF_ERROR(body.Finish());
                  }
                  QT_ASSIGN_OR_RETURN(Negotiation got,
                                      n.Verify(req.caller(), req.PathParam("id"), sig));
                  return Response::Json(NegotiationJson(got));
                });
  router.Handle("POST", api + "/{id}/queries", Access::SignedIn(),
                [&n](const Request& req) -> Result<Response> {
                  json body = json::parse(req.http.body, nullptr, /*allow_exceptions=*/false);
                  QT_ASSIGN_OR_RETURN(dataspace::ChannelRequest r,
                                      dataspace::ChannelRequestFromJson(body));
                  QT_ASSIGN_OR_RETURN(json answer, n.Query(req.caller(), req.PathParam("id"), r));
                  return Response::Json(answer);
                });
  router.Handle(
      "POST", api + "/{id}/psi", Access::SignedIn(), [&n](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
        federation::NegotiationPsi psi;
        QT_ASSIGN_OR_RETURN(psi.column, body.String("column", 100));
        QT_ASSIGN_OR_RETURN(std::string output, body.Enum("output", {"intersection", "size"}));
        psi.output = *privacy::ParsePsiOutput(output);
        QT_ASSIGN_OR_RETURN(psi.purpose, body.String("purpose", 100));
        QT_ASSIGN_OR_RETURN(psi.region, body.OptionalString("region", 100, ""));
        QT_ASSIGN_OR_RETURN(psi.product_id, body.OptionalString("product_id", 100, ""));
        QT_ASSIGN_OR_RETURN(psi.product_column, body.OptionalString("product_column", 100, ""));
        QT_ASSIGN_OR_RETURN(psi.items, body.OptionalStrings("items", 1 << 24, 1000));
        QT_RETURN_IF_ERROR(body.Finish());
        if (psi.items.empty() == psi.product_id.empty()) {
          return InvalidArgument(
              "items, product_id: give your items or a product of yours, not both");
        }
        if (psi.product_id.empty() != psi.product_column.empty()) {
          return InvalidArgument("product_column: names the column of product_id");
        }
        QT_ASSIGN_OR_RETURN(auto got, n.Psi(req.caller(), req.PathParam("id"), std::move(psi)));
        json answer = {{"session_id", got.session_id},
                       {"node", got.peer},
                       {"output", output},
                       {"client_size", got.result.client_size},
                       {"server_size", got.result.server_size},
                       {"intersection_size", got.result.intersection_size}};
        if (output == "intersection") answer["intersection"] = got.result.intersection;
        return Response::Json(answer);
      });
  router.Handle("POST", api + "/{id}/terminate", Access::SignedIn(),
                [&n](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string reason, body.String("reason", 500));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(Negotiation got,
                                      n.Terminate(req.caller(), req.PathParam("id"), reason));
                  return Response::Json(NegotiationJson(got));
                });
}

}  // namespace qt::api
