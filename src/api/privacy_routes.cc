#include "api/privacy_routes.h"

#include "api/json_body.h"
#include "api/key_fields.h"
#include "api/page_json.h"
#include "core/clock.h"
#include "crypto/encoding.h"
#include "crypto/random.h"

namespace qt::api {
namespace {

using accounts::Role;
using namespace privacy;
using nlohmann::json;

json DeliveryJson(const Delivery& d) {
  return {{"id", d.id},
          {"contract_id", d.contract_id},
          {"product_id", d.product_id},
          {"provider_id", d.provider_id},
          {"recipient_id", d.recipient_id},
          {"columns", d.columns},
          {"content_sha256", d.content_sha256},
          {"bytes", d.bytes},
          {"state", d.state},
          {"receipt", d.receipt.empty() ? json(nullptr) : json(d.receipt)},
          {"receipt_signature",
           d.receipt_signature.empty() ? json(nullptr) : json(d.receipt_signature)},
          {"created_at", FormatRfc3339(d.created_at)},
          {"received_at", d.received_at ? json(FormatRfc3339(d.received_at)) : json(nullptr)}};
}

json SessionJson(const PsiSession& s) {
  return {{"id", s.id},
          {"contract_id", s.contract_id},
          {"consumer_id", s.consumer_id},
          {"provider_id", s.provider_id},
          {"column", s.column},
          {"output", PsiOutputName(s.output)},
          {"server_size", s.server_size},
          {"client_size", s.client_size},
          {"received", s.received},
          {"batch", s.batch},
          {"state", s.state},
          {"created_at", FormatRfc3339(s.created_at)},
          {"updated_at", FormatRfc3339(s.updated_at)}};
}

json PointsJson(const std::vector<Point>& points) {
  return {{"count", points.size()}, {"points", crypto::Base64Encode(PointBytes(points))}};
}

Result<std::vector<Point>> ParsePoints(const std::string& b64) {
  auto bytes = crypto::Base64Decode(b64);
  if (!bytes.ok()) return InvalidArgument("points: not base64");
  return PointsFromBytes(*bytes);
}

Result<PsiStart> ParseStart(JsonBody& body, bool with_client_size) {
  PsiStart s;
  QT_ASSIGN_OR_RETURN(s.contract_id, body.String("contract_id", 100));
  QT_ASSIGN_OR_RETURN(s.column, body.String("column", 100));
  QT_ASSIGN_OR_RETURN(std::string output, body.Enum("output", {"intersection", "size"}));
  s.output = *ParsePsiOutput(output);
  QT_ASSIGN_OR_RETURN(s.purpose, body.String("purpose", 100));
  QT_ASSIGN_OR_RETURN(s.region, body.OptionalString("region", 100, ""));
  if (with_client_size) {
    QT_ASSIGN_OR_RETURN(s.session_id, body.String("session_id", 64));
    QT_ASSIGN_OR_RETURN(s.client_size, body.Int("client_size", 0, int64_t{1} << 24));
  }
  return s;
}

}  // namespace

void RegisterPrivacyRoutes(Router& router, PsiService& psi, DeliveryService& deliveries) {
  const Access member = Access::SignedIn(Role::kMember);
  router.Handle("POST", "/api/v1/privacy/psi/sessions", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(PsiStart s, ParseStart(body, true));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(PsiSession session, psi.Start(req.caller(), s));
                  return Response::Json(SessionJson(session), 201);
                });
  router.Handle("GET", "/api/v1/privacy/psi/sessions", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto page, req.Page());
                  QT_ASSIGN_OR_RETURN(auto list, psi.List(req.caller(), page));
                  return Response::Json(PageJson(list, SessionJson));
                });
  router.Handle("GET", "/api/v1/privacy/psi/sessions/{id}", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(PsiSession s, psi.Get(req.caller(), req.PathParam("id")));
                  return Response::Json(SessionJson(s));
                });
  router.Handle("POST", "/api/v1/privacy/psi/sessions/{id}/client/{index}", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(uint64_t index, req.PathUint("index"));
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string b64, body.String("points", SIZE_MAX));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(std::vector<Point> points, ParsePoints(b64));
                  QT_ASSIGN_OR_RETURN(auto out,
                                      psi.ClientBatch(req.caller(), req.PathParam("id"),
                                                      static_cast<int64_t>(index), points));
                  return Response::Json(PointsJson(out));
                });
  router.Handle("GET", "/api/v1/privacy/psi/sessions/{id}/server/{index}", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(uint64_t index, req.PathUint("index"));
                  QT_ASSIGN_OR_RETURN(auto out, psi.ServerBatch(req.caller(), req.PathParam("id"),
                                                                static_cast<int64_t>(index)));
                  return Response::Json(PointsJson(out));
                });
  router.Handle("POST", "/api/v1/privacy/psi/sessions/{id}/tally/{index}", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(uint64_t index, req.PathUint("index"));
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string b64, body.String("points", SIZE_MAX));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(std::vector<Point> points, ParsePoints(b64));
                  QT_RETURN_IF_ERROR(psi.Tally(req.caller(), req.PathParam("id"),
                                               static_cast<int64_t>(index), points));
                  return Response::Json({{"count", points.size()}});
                });
  router.Handle("POST", "/api/v1/privacy/psi/sessions/{id}/size", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(int64_t n,
                                      psi.IntersectionSize(req.caller(), req.PathParam("id")));
                  return Response::Json({{"intersection_size", n}});
                });
  router.Handle("POST", "/api/v1/privacy/psi/sessions/{id}/finish", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(PsiSession s, psi.Finish(req.caller(), req.PathParam("id")));
                  return Response::Json(SessionJson(s));
                });
  router.Handle("POST", "/api/v1/privacy/psi/local", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(PsiStart s, ParseStart(body, false));
                  QT_ASSIGN_OR_RETURN(std::string product, body.String("product_id", 100));
                  QT_ASSIGN_OR_RETURN(std::string column, body.String("product_column", 100));
                  QT_RETURN_IF_ERROR(body.Finish());
                  // A fresh session id from the node's CSPRNG.
                  std::array<uint8_t, 16> id{};
                  crypto::SystemRandom::Get().Fill(id);
                  s.session_id = crypto::HexEncode(id);
                  QT_ASSIGN_OR_RETURN(PsiResult r, psi.RunLocal(req.caller(), s, product, column));
                  json out = {{"session_id", s.session_id},
                              {"output", PsiOutputName(s.output)},
                              {"client_size", r.client_size},
                              {"server_size", r.server_size},
                              {"intersection_size", r.intersection_size}};
                  if (s.output == PsiOutput::kIntersection) out["intersection"] = r.intersection;
                  return Response::Json(out);
                });

  router.Handle("POST", "/api/v1/privacy/deliveries", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string contract, body.String("contract_id", 100));
                  QT_ASSIGN_OR_RETURN(std::string purpose, body.String("purpose", 100));
                  QT_ASSIGN_OR_RETURN(auto columns, body.OptionalStrings("columns", 500, 63));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(Delivery d,
                                      deliveries.Deliver(req.caller(), contract, purpose, columns));
                  return Response::Json(DeliveryJson(d), 201);
                });
  router.Handle("GET", "/api/v1/privacy/deliveries", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto page, req.Page());
                  QT_ASSIGN_OR_RETURN(auto list, deliveries.List(req.caller(), page));
                  return Response::Json(PageJson(list, DeliveryJson));
                });
  router.Handle(
      "GET", "/api/v1/privacy/deliveries/{id}/file", Access::SignedIn(),
      [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(std::string file, deliveries.File(req.caller(), req.PathParam("id")));
        return Response::Json(
            {{"id", req.PathParam("id")},
             {"file_base64", crypto::Base64Encode(std::span(
                                 reinterpret_cast<const uint8_t*>(file.data()), file.size()))}});
      });
  // A recipient that holds its own key opens the file itself, then records its receipt.
  router.Handle("POST", "/api/v1/privacy/deliveries/{id}/receipt", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string receipt, body.String("receipt", 4096));
                  QT_ASSIGN_OR_RETURN(crypto::Signature sig, SignatureField(body, "signature"));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(
                      Delivery d,
                      deliveries.Acknowledge(req.caller(), req.PathParam("id"), receipt, sig));
                  return Response::Json(DeliveryJson(d));
                });
  router.Handle("POST", "/api/v1/privacy/deliveries/receive", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string b64, body.String("file_base64", SIZE_MAX));
                  QT_RETURN_IF_ERROR(body.Finish());
                  auto bytes = crypto::Base64Decode(b64);
                  if (!bytes.ok()) return InvalidArgument("file_base64: not base64");
                  QT_ASSIGN_OR_RETURN(
                      Received r, deliveries.Receive(
                                      req.caller(),
                                      std::string_view(reinterpret_cast<const char*>(bytes->data()),
                                                       bytes->size())));
                  json out = DeliveryJson(r.delivery);
                  out["csv"] = r.csv;
                  return Response::Json(out);
                });
  router.Handle(
      "POST", "/api/v1/privacy/deliveries/trace", member,
      [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
        QT_ASSIGN_OR_RETURN(std::string product, body.String("product_id", 100));
        QT_ASSIGN_OR_RETURN(std::string csv, body.String("csv", SIZE_MAX));
        QT_RETURN_IF_ERROR(body.Finish());
        QT_ASSIGN_OR_RETURN(TraceResult t, deliveries.Trace(req.caller(), product, csv));
        return Response::Json({{"traced", t.traced},
                               {"recipient_id", t.traced ? json(t.recipient_id) : json(nullptr)},
                               {"delivery_id", t.traced ? json(t.delivery_id) : json(nullptr)},
                               {"confidence", t.confidence},
                               {"rows_matched", t.rows_matched},
                               {"cells", t.cells},
                               {"agreeing", t.agreeing},
                               {"reason", t.reason}});
      });
}

}  // namespace qt::api
