#include "api/exchange_routes.h"

#include "api/json_body.h"
#include "api/page_json.h"
#include "core/clock.h"
#include "core/qr.h"
#include "crypto/encoding.h"
#include "exchange/certificate.h"

namespace qt::api {
namespace {

using accounts::OrgKind;
using accounts::Role;
using namespace exchange;
using nlohmann::json;

constexpr int64_t kMaxFen = int64_t{1} << 53;

json TimeOrNull(UnixMillis t) { return t ? json(FormatRfc3339(t)) : json(nullptr); }

json ApplicationJson(const Application& a) {
  json evidence = json::array();
  for (const auto& e : a.evidence) {
    evidence.push_back({{"id", e.id}, {"name", e.name}, {"sha256", e.sha256}, {"bytes", e.bytes}});
  }
  return {{"id", a.id},
          {"applicant_id", a.applicant_id},
          {"holder_name", a.holder_name},
          {"credit_code", a.credit_code},
          {"rights", a.data.rights},
          {"data_name", a.data.data_name},
          {"description", a.data.description},
          {"data_type", a.data.data_type},
          {"source_kind", a.data.source_kind},
          {"source_ref", a.data.source_ref},
          {"format", a.data.format},
          {"scale", a.data.scale},
          {"update_cycle", a.data.update_cycle},
          {"product_id", a.data.product_id},
          {"snapshot_sha256", a.snapshot_sha256},
          {"state", ApplicationStateName(a.state)},
          {"grounds", a.grounds},
          {"notice_until", TimeOrNull(a.notice_until)},
          {"reviewer_id", a.reviewer_id.empty() ? json(nullptr) : json(a.reviewer_id)},
          {"certificate_number",
           a.certificate_number.empty() ? json(nullptr) : json(a.certificate_number)},
          {"open_objections", a.open_objections},
          {"evidence", evidence},
          {"created_at", FormatRfc3339(a.created_at)},
          {"updated_at", FormatRfc3339(a.updated_at)}};
}

// A notice as the public sees it: no evidence, no product id.
json NoticeJson(const Application& a) {
  return {{"id", a.id},
          {"holder_name", a.holder_name},
          {"credit_code", a.credit_code},
          {"rights", a.data.rights},
          {"data_name", a.data.data_name},
          {"description", a.data.description},
          {"data_type", a.data.data_type},
          {"snapshot_sha256", a.snapshot_sha256},
          {"notice_until", TimeOrNull(a.notice_until)},
          {"open_objections", a.open_objections}};
}

json ObjectionJson(const Objection& o) {
  return {{"id", o.id},
          {"application_id", o.application_id},
          {"objector_id", o.objector_id},
          {"reason", o.reason},
          {"state", ObjectionStateName(o.state)},
          {"resolution", o.resolution},
          {"created_at", FormatRfc3339(o.created_at)},
          {"resolved_at", TimeOrNull(o.resolved_at)}};
}

json CertificateJson(const Certificate& c) {
  return {{"number", c.number},
          {"version", c.version},
          {"change", CertificateChangeName(c.change)},
          {"status", CertificateStatusName(c.status)},
          {"holder_id", c.holder_id},
          {"issuer_id", c.issuer_id},
          {"valid_until", FormatRfc3339(c.valid_until)},
          {"document", c.document},
          {"sha256", c.sha256},
          {"signature", c.signature},
          {"created_at", FormatRfc3339(c.created_at)}};
}

json PledgeJson(const Pledge& p) {
  return {{"id", p.id},
          {"number", p.number},
          {"holder_id", p.holder_id},
          {"institution_id", p.institution_id},
          {"amount_fen", p.amount_fen},
          {"term_days", p.term_days},
          {"state", PledgeStateName(p.state)},
          {"created_at", FormatRfc3339(p.created_at)},
          {"confirmed_at", TimeOrNull(p.confirmed_at)},
          {"released_at", TimeOrNull(p.released_at)}};
}

json ListingJson(const Listing& l) {
  return {{"id", l.id},
          {"number", l.number},
          {"seller_id", l.seller_id},
          {"offer_id", l.offer_id},
          {"product_id", l.product_id},
          {"title", l.title},
          {"price_fen", l.price_fen},
          {"terms", l.terms},
          {"max_quantity", l.max_quantity},
          {"active", l.active},
          {"created_at", FormatRfc3339(l.created_at)}};
}

json TradeJson(const Trade& t) {
  return {{"id", t.id},
          {"listing_id", t.listing_id},
          {"buyer_id", t.buyer_id},
          {"seller_id", t.seller_id},
          {"contract_id", t.contract_id},
          {"quantity", t.quantity},
          {"amount_fen", t.amount_fen},
          {"state", TradeStateName(t.state)},
          {"created_at", FormatRfc3339(t.created_at)}};
}

template <typename T, typename F>
json Items(const std::vector<T>& v, F f) {
  json out = json::array();
  for (const auto& x : v) out.push_back(f(x));
  return {{"items", out}};
}

Result<NewApplication> ParseApplication(JsonBody& body) {
  NewApplication a;
  QT_ASSIGN_OR_RETURN(a.rights, body.OptionalStrings("rights", 3, 40));
  QT_ASSIGN_OR_RETURN(a.data_name, body.String("data_name", 200));
  QT_ASSIGN_OR_RETURN(a.description, body.String("description", 5000));
  QT_ASSIGN_OR_RETURN(a.data_type, body.String("data_type", 40));
  QT_ASSIGN_OR_RETURN(a.source_kind, body.String("source_kind", 40));
  QT_ASSIGN_OR_RETURN(a.source_ref, body.OptionalString("source_ref", 200, ""));
  QT_ASSIGN_OR_RETURN(a.format, body.String("format", 100));
  QT_ASSIGN_OR_RETURN(a.scale, body.String("scale", 100));
  QT_ASSIGN_OR_RETURN(a.update_cycle, body.String("update_cycle", 40));
  QT_ASSIGN_OR_RETURN(a.product_id, body.String("product_id", 100));
  QT_ASSIGN_OR_RETURN(a.credit_code, body.OptionalString("credit_code", 40, ""));
  if (auto evidence = body.OptionalValue("evidence")) {
    if (!evidence->is_array()) return InvalidArgument("evidence: must be an array of files");
    for (size_t i = 0; i < evidence->size(); ++i) {
      const json& e = (*evidence)[i];
      std::string at = "evidence[" + std::to_string(i) + "]";
      if (!e.is_object() || !e.value("name", json()).is_string() ||
          !e.value("content_base64", json()).is_string() || e.size() != 2) {
        return InvalidArgument(at + ": must be {\"name\", \"content_base64\"}");
      }
      auto bytes = crypto::Base64Decode(e["content_base64"].get<std::string>());
      if (!bytes.ok()) return InvalidArgument(at + ".content_base64: not base64");
      a.evidence.push_back({e["name"], std::string(bytes->begin(), bytes->end())});
    }
  }
  return a;
}

}  // namespace

void RegisterExchangeRoutes(Router& router, Exchange& exchange) {
  const Access applicant =
      Access::Kinds({OrgKind::kDataHolder, OrgKind::kEnterprise}, Role::kMember);
  const Access reviewer = Access::Kinds({OrgKind::kAuthority}, Role::kMember);
  const Access member = Access::SignedIn(Role::kMember);

  router.Handle("POST", "/api/v1/exchange/applications", applicant,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(NewApplication a, ParseApplication(body));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(Application app, exchange.Apply(req.caller(), a));
                  return Response::Json(ApplicationJson(app), 201);
                });
  router.Handle("GET", "/api/v1/exchange/applications", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto page, req.Page());
                  QT_ASSIGN_OR_RETURN(
                      auto list, exchange.ListApplications(req.caller(), req.Query("state"), page));
                  return Response::Json(PageJson(list, ApplicationJson));
                });
  router.Handle("GET", "/api/v1/exchange/applications/{id}", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Application a,
                                      exchange.GetApplication(req.caller(), req.PathParam("id")));
                  return Response::Json(ApplicationJson(a));
                });
  router.Handle(
      "POST", "/api/v1/exchange/applications/{id}/review", reviewer,
      [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
        QT_ASSIGN_OR_RETURN(
            std::string action,
            body.Enum("action", {"accept", "formal_pass", "substantive_pass", "reject", "issue"}));
        QT_ASSIGN_OR_RETURN(std::string grounds, body.OptionalString("grounds", 2000, ""));
        QT_RETURN_IF_ERROR(body.Finish());
        QT_ASSIGN_OR_RETURN(Application a,
                            exchange.Review(req.caller(), req.PathParam("id"), action, grounds));
        return Response::Json(ApplicationJson(a));
      });
  router.Handle("GET", "/api/v1/exchange/reviewers", Access::Public(),
                [&](const Request&) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto list, exchange.Reviewers());
                  json items = json::array();
                  for (const Reviewer& r : list) {
                    items.push_back({{"org_id", r.org_id},
                                     {"appointed_by", r.appointed_by},
                                     {"appointed_at", TimeOrNull(r.appointed_at)}});
                  }
                  return Response::Json({{"items", items}});
                });
  const Access operator_admin = Access::Kinds({OrgKind::kOperator}, Role::kAdmin);
  router.Handle("POST", "/api/v1/exchange/reviewers", operator_admin,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string org, body.String("org_id", 100));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(Reviewer r, exchange.AppointReviewer(req.caller(), org));
                  return Response::Json({{"org_id", r.org_id},
                                         {"appointed_by", r.appointed_by},
                                         {"appointed_at", TimeOrNull(r.appointed_at)}},
                                        201);
                });
  router.Handle(
      "DELETE", "/api/v1/exchange/reviewers/{org_id}", operator_admin,
      [&](const Request& req) -> Result<Response> {
        QT_RETURN_IF_ERROR(exchange.RemoveReviewer(req.caller(), req.PathParam("org_id")));
        return Response::Json({{"org_id", req.PathParam("org_id")}, {"removed", true}});
      });
  router.Handle("GET", "/api/v1/exchange/notices", Access::Public(),
                [&](const Request&) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto list, exchange.NoticeBoard());
                  return Response::Json(Items(list, NoticeJson));
                });
  router.Handle("POST", "/api/v1/exchange/applications/{id}/objections", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string reason, body.String("reason", 2000));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(Objection o,
                                      exchange.Object(req.caller(), req.PathParam("id"), reason));
                  return Response::Json(ObjectionJson(o), 201);
                });
  router.Handle("GET", "/api/v1/exchange/applications/{id}/objections", Access::Public(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto list, exchange.Objections(req.PathParam("id")));
                  return Response::Json(Items(list, ObjectionJson));
                });
  router.Handle(
      "POST", "/api/v1/exchange/objections/{id}/resolve", reviewer,
      [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
        QT_ASSIGN_OR_RETURN(std::string decision, body.Enum("decision", {"upheld", "dismissed"}));
        QT_ASSIGN_OR_RETURN(std::string resolution, body.String("resolution", 2000));
        QT_RETURN_IF_ERROR(body.Finish());
        QT_ASSIGN_OR_RETURN(
            Objection o,
            exchange.ResolveObjection(req.caller(), req.PathParam("id"), decision, resolution));
        return Response::Json(ObjectionJson(o));
      });

  router.Handle(
      "GET", "/api/v1/exchange/certificates", Access::Public(),
      [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(auto page, req.Page());
        QT_ASSIGN_OR_RETURN(
            auto list, exchange.ListCertificates(req.Query("holder_id"), req.Query("q"), page));
        json items = json::array();
        for (const auto& c : list.items) {
          json doc = json::parse(c.document);
          items.push_back({{"number", c.number},
                           {"version", c.version},
                           {"status", CertificateStatusName(c.status)},
                           {"holder_id", c.holder_id},
                           {"holder_name", doc["holder"]["name"]},
                           {"data_name", doc["data"]["name"]},
                           {"rights", doc["rights"]},
                           {"valid_until", FormatRfc3339(c.valid_until)}});
        }
        return Response::Json(
            {{"items", items},
             {"next_cursor", list.next_cursor.empty() ? json(nullptr) : json(list.next_cursor)},
             {"total", list.total.value_or(0)}});
      });
  router.Handle("GET", "/api/v1/exchange/certificates/{number}", Access::Public(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(CertificateView v,
                                      exchange.GetCertificate(req.PathParam("number")));
                  json out = CertificateJson(v.current);
                  out["verify_url"] = exchange.VerifyUrl(v.current.number);
                  json history = json::array();
                  for (const auto& c : v.history) history.push_back(CertificateJson(c));
                  out["history"] = history;
                  json pledges = json::array();
                  for (const auto& p : v.pledges) pledges.push_back(PledgeJson(p));
                  out["pledges"] = pledges;
                  out["pledged"] = !v.pledges.empty() && v.pledges[0].state == PledgeState::kActive;
                  return Response::Json(out);
                });
  router.Handle("GET", "/api/v1/exchange/certificates/{number}/qr.svg", Access::Public(),
                [&](const Request& req) -> Result<Response> {
                  QT_RETURN_IF_ERROR(exchange.GetCertificate(req.PathParam("number")).status());
                  QT_ASSIGN_OR_RETURN(std::string svg,
                                      QrSvg(exchange.VerifyUrl(req.PathParam("number"))));
                  return Response::Text(svg, "image/svg+xml");
                });
  router.Handle("POST", "/api/v1/exchange/certificates/{number}/transfer", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string to, body.String("to_org", 100));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(Certificate c,
                                      exchange.Transfer(req.caller(), req.PathParam("number"), to));
                  return Response::Json(CertificateJson(c), 201);
                });
  router.Handle("POST", "/api/v1/exchange/certificates/{number}/change", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string d, body.OptionalString("description", 5000, ""));
                  QT_ASSIGN_OR_RETURN(std::string s, body.OptionalString("scale", 100, ""));
                  QT_ASSIGN_OR_RETURN(std::string u, body.OptionalString("update_cycle", 40, ""));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(
                      Certificate c,
                      exchange.ChangeDetails(req.caller(), req.PathParam("number"), d, s, u));
                  return Response::Json(CertificateJson(c), 201);
                });
  router.Handle("POST", "/api/v1/exchange/certificates/{number}/renew", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Certificate c,
                                      exchange.Renew(req.caller(), req.PathParam("number")));
                  return Response::Json(CertificateJson(c), 201);
                });
  router.Handle("POST", "/api/v1/exchange/certificates/{number}/cancel", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string reason, body.String("reason", 500));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(
                      Certificate c,
                      exchange.Cancel(req.caller(), req.PathParam("number"), reason));
                  return Response::Json(CertificateJson(c), 201);
                });

  router.Handle("POST", "/api/v1/exchange/certificates/{number}/pledges", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string bank, body.String("institution_id", 100));
                  QT_ASSIGN_OR_RETURN(int64_t amount, body.Int("amount_fen", 1, kMaxFen));
                  QT_ASSIGN_OR_RETURN(int64_t term, body.Int("term_days", 1, 3660));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(
                      Pledge p, exchange.RequestPledge(req.caller(), req.PathParam("number"), bank,
                                                       amount, term));
                  return Response::Json(PledgeJson(p), 201);
                });
  router.Handle("GET", "/api/v1/exchange/pledges", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto page, req.Page());
                  QT_ASSIGN_OR_RETURN(auto list, exchange.ListPledges(req.caller(), page));
                  return Response::Json(PageJson(list, PledgeJson));
                });
  for (const char* action : {"confirm", "decline", "release", "withdraw"}) {
    router.Handle(
        "POST", std::string("/api/v1/exchange/pledges/{id}/") + action, member,
        [&exchange, action = std::string(action)](const Request& req) -> Result<Response> {
          QT_ASSIGN_OR_RETURN(Pledge p,
                              exchange.ActOnPledge(req.caller(), req.PathParam("id"), action));
          return Response::Json(PledgeJson(p));
        });
  }

  router.Handle(
      "POST", "/api/v1/exchange/listings", member, [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
        NewListing n;
        QT_ASSIGN_OR_RETURN(n.number, body.String("number", 100));
        QT_ASSIGN_OR_RETURN(n.offer_id, body.String("offer_id", 100));
        QT_ASSIGN_OR_RETURN(n.title, body.String("title", 200));
        QT_ASSIGN_OR_RETURN(n.price_fen, body.Int("price_fen", 1, kMaxFen));
        QT_ASSIGN_OR_RETURN(n.terms, body.Enum("terms", {"one_off", "per_query", "subscription"}));
        QT_ASSIGN_OR_RETURN(n.max_quantity, body.OptionalInt("max_quantity", 0, 1, 1'000'000));
        QT_RETURN_IF_ERROR(body.Finish());
        QT_ASSIGN_OR_RETURN(Listing l, exchange.List(req.caller(), n));
        return Response::Json(ListingJson(l), 201);
      });
  router.Handle("GET", "/api/v1/exchange/listings", Access::Public(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto page, req.Page());
                  QT_ASSIGN_OR_RETURN(auto list, exchange.Listings(page));
                  return Response::Json(PageJson(list, ListingJson));
                });
  router.Handle("POST", "/api/v1/exchange/listings/{id}/withdraw", member,
                [&](const Request& req) -> Result<Response> {
                  QT_RETURN_IF_ERROR(exchange.Delist(req.caller(), req.PathParam("id")));
                  return Response::Json({{"id", req.PathParam("id")}, {"active", false}});
                });
  router.Handle("POST", "/api/v1/exchange/listings/{id}/orders", member,
                [&](const Request& req) -> Result<Response> {
                  int64_t quantity = 1;
                  if (!req.http.body.empty()) {
                    QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                    QT_ASSIGN_OR_RETURN(quantity, body.OptionalInt("quantity", 1, 1, 1'000'000));
                    QT_RETURN_IF_ERROR(body.Finish());
                  }
                  QT_ASSIGN_OR_RETURN(Trade t,
                                      exchange.Order(req.caller(), req.PathParam("id"), quantity));
                  return Response::Json(TradeJson(t), 201);
                });
  for (std::string action : {"confirm_payment", "cancel"}) {
    router.Handle("POST", "/api/v1/exchange/trades/{id}/" + action, member,
                  [&exchange, action](const Request& req) -> Result<Response> {
                    if (!req.http.body.empty()) {
                      QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                      QT_RETURN_IF_ERROR(body.Finish());
                    }
                    QT_ASSIGN_OR_RETURN(
                        Trade t, exchange.ActOnTrade(req.caller(), req.PathParam("id"), action));
                    return Response::Json(TradeJson(t));
                  });
  }
  router.Handle("GET", "/api/v1/exchange/trades", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto page, req.Page());
                  QT_ASSIGN_OR_RETURN(auto list, exchange.Trades(req.caller(), page));
                  return Response::Json(PageJson(list, TradeJson));
                });
  router.Handle("GET", "/api/v1/exchange/stats", Access::Public(),
                [&](const Request&) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Statistics s, exchange.Stats());
                  return Response::Json({{"entities", s.entities},
                                         {"certificates", s.certificates},
                                         {"valid", s.valid},
                                         {"cancelled", s.cancelled},
                                         {"expired", s.expired},
                                         {"applications_open", s.applications_open},
                                         {"pledges_active", s.pledges_active},
                                         {"pledged_fen", s.pledged_fen},
                                         {"listings_active", s.listings_active},
                                         {"trades", s.trades},
                                         {"traded_fen", s.traded_fen}});
                });
}

}  // namespace qt::api
