#include "api/identity_routes.h"

#include <sstream>

#include "api/json_body.h"
#include "api/page_json.h"
#include "core/clock.h"
#include "core/qr.h"
#include "crypto/encoding.h"
#include "identity/register_csv.h"

namespace qt::api {
namespace {

using accounts::OrgKind;
using accounts::Role;
using namespace identity;
using nlohmann::json;

json Time(int64_t ms) { return ms ? json(FormatRfc3339(ms)) : json(nullptr); }

json CitizenJson(const Citizen& c) {
  return {{"id", c.id},
          {"name_masked", c.name_masked},
          {"district", c.district},
          {"concession", c.concession},
          {"birth_year", c.birth_year},
          {"talent_category", c.talent_category.empty() ? json(nullptr) : json(c.talent_category)},
          {"talent_until", c.talent_until.empty() ? json(nullptr) : json(c.talent_until)},
          {"status", CitizenStatusName(c.status)},
          {"enrolled_by", c.enrolled_by},
          {"authority_id", c.authority_id},
          {"revoke_reason", c.revoke_reason.empty() ? json(nullptr) : json(c.revoke_reason)},
          {"created_at", Time(c.created_at)},
          {"updated_at", Time(c.updated_at)}};
}

json TerminalJson(const Terminal& t) {
  return {{"id", t.id},
          {"org_id", t.org_id},
          {"category", t.category},
          {"name", t.name},
          {"public_key", t.public_key},
          {"state", TerminalStatusName(t.state)},
          {"created_at", Time(t.created_at)}};
}

json GrantJson(const CategoryGrant& g) {
  return {{"org_id", g.org_id},
          {"category", g.category},
          {"granted_by", g.granted_by},
          {"granted_at", Time(g.granted_at)}};
}

json DelegationJson(const Delegation& d) {
  return {{"owner_id", d.owner_id},
          {"delegate_id", d.delegate_id},
          {"granted_by", d.granted_by},
          {"granted_at", Time(d.granted_at)}};
}

json ScanJson(const Scan& s) {
  const Category* c = FindCategory(s.category);
  return {{"id", s.id},
          {"terminal_id", s.terminal_id},
          {"terminal_name", s.terminal_name},
          {"org_id", s.org_id},
          {"category", s.category},
          {"category_name", c ? std::string(c->name_zh) : ""},
          {"code_id", s.code_id},
          {"claims_read", s.claims_read},
          {"result", s.result},
          {"check", ScanCheckName(s.check)},
          {"scanned_at", Time(s.scanned_at)},
          {"received_at", Time(s.received_at)}};
}

json TerminalKeysJson(const TerminalKeySet& k) {
  json keys = json::array();
  for (const SealedCategoryKey& key : k.keys) {
    keys.push_back({{"epoch", key.epoch}, {"sealed", crypto::Base64Encode(key.sealed)}});
  }
  return {{"terminal_id", k.terminal_id},
          {"category", k.category},
          {"category_number", k.category_number},
          {"claims", k.claims},
          {"keys", keys}};
}

Result<json> CodeJson(const IssuedCode& code) {
  QT_ASSIGN_OR_RETURN(std::string png, QrPng(code.text, 4));
  return json{{"code", code.text},
              {"code_id", code.code_id},
              {"kind", CodeKindName(code.kind)},
              {"serial", code.serial.empty() ? json(nullptr) : json(code.serial)},
              {"kid", code.kid},
              {"issued_at", Time(code.issued_at)},
              {"expires_at", Time(code.expires_at)},
              {"png_base64", crypto::Base64Encode(std::span(
                                 reinterpret_cast<const uint8_t*>(png.data()), png.size()))}};
}

Result<NewCitizen> ParseCitizen(JsonBody& body) {
  NewCitizen c;
  QT_ASSIGN_OR_RETURN(c.name, body.String("name", 50));
  QT_ASSIGN_OR_RETURN(c.resident_id, body.String("resident_id", 18));
  QT_ASSIGN_OR_RETURN(c.district, body.String("district", 50));
  QT_ASSIGN_OR_RETURN(
      c.concession,
      body.OptionalEnum("concession",
                        {kConcessions[0].data(), kConcessions[1].data(), kConcessions[2].data(),
                         kConcessions[3].data(), kConcessions[4].data()},
                        "none"));
  QT_RETURN_IF_ERROR(body.Finish());
  return c;
}

template <typename T>
json Items(const std::vector<T>& list, json (*render)(const T&)) {
  json out = json::array();
  for (const T& x : list) out.push_back(render(x));
  return out;
}

// Each of `items` read by `parse`, in order; the first error stops.
template <typename T>
Result<std::vector<T>> ParseEach(std::vector<JsonBody>& items, Result<T> (*parse)(JsonBody&)) {
  std::vector<T> out;
  out.reserve(items.size());
  for (JsonBody& item : items) {
    QT_ASSIGN_OR_RETURN(T value, parse(item));
    out.push_back(std::move(value));
  }
  return out;
}

json EnrolledJson(const EnrolledCitizen& e) {
  return {{"citizen", CitizenJson(e.citizen)}, {"token", e.token}};
}

Result<ScanReceipt> ParseReceipt(JsonBody& r) {
  ScanReceipt out;
  QT_ASSIGN_OR_RETURN(out.terminal_id, r.String("terminal_id", 100));
  QT_ASSIGN_OR_RETURN(out.code_id, r.String("code_id", 32));
  QT_ASSIGN_OR_RETURN(out.category, r.String("category", 50));
  QT_ASSIGN_OR_RETURN(out.claims_read, r.OptionalStrings("claims_read", 16, 32));
  QT_ASSIGN_OR_RETURN(out.result, r.String("result", 200));
  QT_ASSIGN_OR_RETURN(out.scanned_at, r.Int("scanned_at", kEarliestClientTime, kLatestClientTime));
  QT_ASSIGN_OR_RETURN(out.signature, r.String("signature", 100));
  QT_RETURN_IF_ERROR(r.Finish());
  return out;
}

}  // namespace

Result<Citizen> CitizenOf(Identity& identity, const Request& req) {
  const std::optional<std::string> token = BearerToken(req.http);
  if (!token || !Identity::IsCitizenToken(*token)) {
    return Unauthenticated(
        "citizen routes need the citizen's app token: 'Authorization: Bearer czt_...'");
  }
  return identity.AuthenticateCitizen(*token, req.http.remote_addr);
}

void RegisterIdentityRoutes(Router& router, Identity& identity) {
  const Access authority = Access::Kinds({OrgKind::kAuthority}, Role::kMember);
  const Access service = Access::Kinds({OrgKind::kService}, Role::kMember);

  // Public.
  router.Handle(
      "GET", "/api/v1/identity/categories", Access::Public(),
      [&](const Request&) -> Result<Response> {
        json items = json::array();
        for (const Category& c : AllCategories()) {
          items.push_back(
              {{"number", c.number}, {"code", c.code}, {"name", c.name_zh}, {"claims", c.claims}});
        }
        return Response::Json({{"items", items}});
      });
  router.Handle("GET", "/api/v1/identity/issuer", Access::Public(),
                [&](const Request&) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(std::string key, identity.IssuerPublicKey());
                  return Response::Json({{"public_key", key}});
                });
  router.Handle("GET", "/api/v1/identity/trust-list", Access::Public(),
                [&](const Request&) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(SignedTrustList list, identity.TrustList());
                  return Response::Json(ExportTrustList(list));
                });
  router.Handle("GET", "/api/v1/identity/revocations", Access::Public(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(uint64_t since, req.QueryUint("since", 0));
                  QT_ASSIGN_OR_RETURN(SignedRevocations delta,
                                      identity.Revocations(static_cast<int64_t>(since)));
                  return Response::Json(ExportRevocations(delta));
                });
  router.Handle("GET", "/api/v1/identity/stats", Access::Public(),
                [&](const Request&) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Identity::Stats s, identity.GetStats());
                  return Response::Json({{"citizens", s.citizens},
                                         {"revoked", s.revoked},
                                         {"talents", s.talents},
                                         {"terminals", s.terminals},
                                         {"scans", s.scans},
                                         {"codes", s.codes}});
                });
  router.Handle(
      "POST", "/api/v1/identity/scans", Access::Public(),
      [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
        QT_ASSIGN_OR_RETURN(auto items, body.Objects("receipts", Identity::kMaxReceiptsPerUpload));
        QT_RETURN_IF_ERROR(body.Finish());
        QT_ASSIGN_OR_RETURN(auto receipts, ParseEach(items, ParseReceipt));
        QT_ASSIGN_OR_RETURN(auto scans, identity.RecordScans(receipts, req.http.remote_addr));
        json out = json::array();
        for (const Scan& s : scans) out.push_back(ScanJson(s));
        return Response::Json({{"items", out}}, 201);
      });
  router.Handle("GET", "/api/v1/identity/keys", Access::Public(),
                [&](const Request&) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto keys, identity.Keys());
                  json items = json::array();
                  for (const SigningKeyInfo& k : keys) {
                    items.push_back({{"kid", k.kid},
                                     {"alg", k.alg},
                                     {"public_key", k.public_key},
                                     {"created_at", Time(k.created_at)},
                                     {"retired_at", Time(k.retired_at)},
                                     {"not_after", Time(k.not_after)}});
                  }
                  return Response::Json({{"items", items}});
                });
  router.Handle(
      "POST", "/api/v1/identity/keys/rotate", Access::Kinds({OrgKind::kOperator}, Role::kAdmin),
      [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
        QT_ASSIGN_OR_RETURN(std::string alg, body.OptionalEnum("alg", {"EdDSA", "ES256"}, "EdDSA"));
        QT_RETURN_IF_ERROR(body.Finish());
        QT_ASSIGN_OR_RETURN(SigningKeyInfo k, identity.RotateKey(req.caller(), alg));
        return Response::Json({{"kid", k.kid},
                               {"alg", k.alg},
                               {"public_key", k.public_key},
                               {"created_at", Time(k.created_at)},
                               {"not_after", Time(k.not_after)}},
                              201);
      });

  // The citizen, by app token.
  router.Handle("GET", "/api/v1/identity/me", Access::Public(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Citizen c, CitizenOf(identity, req));
                  return Response::Json(CitizenJson(c));
                });
  router.Handle("POST", "/api/v1/identity/me/code", Access::Public(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Citizen c, CitizenOf(identity, req));
                  QT_ASSIGN_OR_RETURN(IssuedCode code, identity.IssueDynamic(c));
                  QT_ASSIGN_OR_RETURN(json out, CodeJson(code));
                  return Response::Json(out, 201);
                });
  router.Handle("GET", "/api/v1/identity/me/scans", Access::Public(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Citizen c, CitizenOf(identity, req));
                  QT_ASSIGN_OR_RETURN(accounts::PageRequest page, req.Page());
                  QT_ASSIGN_OR_RETURN(auto scans, identity.ScanLog(c, page));
                  return Response::Json(PageJson(scans, ScanJson));
                });

  // Authorities.
  router.Handle("POST", "/api/v1/identity/citizens", authority,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(NewCitizen c, ParseCitizen(body));
                  QT_ASSIGN_OR_RETURN(EnrolledCitizen e, identity.Enrol(req.caller(), c));
                  return Response::Json(EnrolledJson(e), 201);
                });
  router.Handle("POST", "/api/v1/identity/citizens/import", authority,
                [&](const Request& req) -> Result<Response> {
                  // A register as CSV (the console uploads the file as it is)
                  // is read as the JSON form {"citizens": [...]}.
                  std::string text = req.http.body;
                  if (req.http.get_header_value("Content-Type").starts_with("text/csv")) {
                    std::istringstream in(req.http.body);
                    QT_ASSIGN_OR_RETURN(json rows, CitizensFromCsv(in, "register"));
                    text = json{{"citizens", rows}}.dump();
                  }
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(text));
                  QT_ASSIGN_OR_RETURN(auto rows, body.Objects("citizens", Identity::kMaxBatch));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(auto citizens, ParseEach(rows, ParseCitizen));
                  QT_ASSIGN_OR_RETURN(auto enrolled, identity.EnrolMany(req.caller(), citizens));
                  json items = json::array();
                  for (const EnrolledCitizen& e : enrolled) items.push_back(EnrolledJson(e));
                  return Response::Json({{"count", enrolled.size()}, {"items", items}}, 201);
                });
  router.Handle("GET", "/api/v1/identity/citizens", authority,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(accounts::PageRequest page, req.Page());
                  const CitizenFilter filter{.district = req.Query("district"),
                                             .talent_category = req.Query("talent_category"),
                                             .status = req.Query("status"),
                                             .resident_id = req.Query("resident_id")};
                  QT_ASSIGN_OR_RETURN(auto list, identity.ListCitizens(req.caller(), filter, page));
                  return Response::Json(PageJson(list, CitizenJson));
                });
  router.Handle("GET", "/api/v1/identity/citizens/{id}", authority,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Citizen c,
                                      identity.GetCitizen(req.caller(), req.PathParam("id")));
                  return Response::Json(CitizenJson(c));
                });
  router.Handle(
      "POST", "/api/v1/identity/citizens/{id}/talent", authority,
      [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
        QT_ASSIGN_OR_RETURN(std::string category, body.OptionalString("category", 1, ""));
        QT_ASSIGN_OR_RETURN(std::string until, body.OptionalString("valid_until", 10, ""));
        QT_RETURN_IF_ERROR(body.Finish());
        QT_ASSIGN_OR_RETURN(Citizen c,
                            identity.SetTalent(req.caller(), req.PathParam("id"), category, until));
        return Response::Json(CitizenJson(c));
      });
  router.Handle("POST", "/api/v1/identity/citizens/{id}/revoke", authority,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string reason, body.String("reason", 200));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(Citizen c,
                                      identity.Revoke(req.caller(), req.PathParam("id"), reason));
                  return Response::Json(CitizenJson(c));
                });
  router.Handle("POST", "/api/v1/identity/citizens/{id}/static-code", authority,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(IssuedCode code,
                                      identity.IssueStatic(req.caller(), req.PathParam("id")));
                  QT_ASSIGN_OR_RETURN(json out, CodeJson(code));
                  return Response::Json(out, 201);
                });
  router.Handle("POST", "/api/v1/identity/citizens/{id}/token", authority,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(std::string token,
                                      identity.ResetToken(req.caller(), req.PathParam("id")));
                  return Response::Json({{"id", req.PathParam("id")}, {"token", token}}, 201);
                });

  // Scopes: which authority acts on which citizens, which service on which category.
  const Access operator_admin = Access::Kinds({OrgKind::kOperator}, Role::kAdmin);
  router.Handle("POST", "/api/v1/identity/citizens/{id}/authority", operator_admin,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string to, body.String("authority_id", 100));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(Citizen c,
                                      identity.Reassign(req.caller(), req.PathParam("id"), to));
                  return Response::Json(CitizenJson(c));
                });
  router.Handle("GET", "/api/v1/identity/delegations",
                Access::Kinds({OrgKind::kOperator, OrgKind::kAuthority}, Role::kMember),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto list, identity.ListDelegations(req.caller()));
                  return Response::Json({{"items", Items(list, DelegationJson)}});
                });
  router.Handle("POST", "/api/v1/identity/delegations", operator_admin,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string owner, body.String("owner_id", 100));
                  QT_ASSIGN_OR_RETURN(std::string delegate, body.String("delegate_id", 100));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(Delegation d,
                                      identity.Delegate(req.caller(), owner, delegate));
                  return Response::Json(DelegationJson(d), 201);
                });
  router.Handle("DELETE", "/api/v1/identity/delegations/{owner_id}/{delegate_id}", operator_admin,
                [&](const Request& req) -> Result<Response> {
                  QT_RETURN_IF_ERROR(identity.Undelegate(req.caller(), req.PathParam("owner_id"),
                                                         req.PathParam("delegate_id")));
                  return Response::Json({{"owner_id", req.PathParam("owner_id")},
                                         {"delegate_id", req.PathParam("delegate_id")},
                                         {"ended", true}});
                });
  router.Handle("GET", "/api/v1/identity/grants", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto list, identity.ListGrants(req.Query("org_id")));
                  return Response::Json({{"items", Items(list, GrantJson)}});
                });
  const Access granter = Access::Kinds({OrgKind::kOperator, OrgKind::kAuthority}, Role::kAdmin);
  router.Handle("POST", "/api/v1/identity/grants", granter,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string org, body.String("org_id", 100));
                  QT_ASSIGN_OR_RETURN(std::string category, body.String("category", 50));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(CategoryGrant g, identity.Grant(req.caller(), org, category));
                  return Response::Json(GrantJson(g), 201);
                });
  router.Handle("DELETE", "/api/v1/identity/grants/{org_id}/{category}", granter,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(int64_t disabled,
                                      identity.RevokeGrant(req.caller(), req.PathParam("org_id"),
                                                           req.PathParam("category")));
                  return Response::Json({{"org_id", req.PathParam("org_id")},
                                         {"category", req.PathParam("category")},
                                         {"terminals_disabled", disabled}});
                });

  // Service organisations.
  router.Handle("POST", "/api/v1/identity/terminals", service,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string category, body.String("category", 50));
                  QT_ASSIGN_OR_RETURN(std::string name, body.String("name", 100));
                  QT_ASSIGN_OR_RETURN(std::string key, body.String("public_key", 64));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(Terminal t,
                                      identity.RegisterTerminal(req.caller(), category, name, key));
                  return Response::Json(TerminalJson(t), 201);
                });
  router.Handle("GET", "/api/v1/identity/terminals", service,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto list, identity.ListTerminals(req.caller()));
                  json items = json::array();
                  for (const Terminal& t : list) items.push_back(TerminalJson(t));
                  return Response::Json({{"items", items}});
                });
  router.Handle("POST", "/api/v1/identity/terminals/{id}/disable", service,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Terminal t,
                                      identity.DisableTerminal(req.caller(), req.PathParam("id")));
                  return Response::Json(TerminalJson(t));
                });
  router.Handle("GET", "/api/v1/identity/terminals/{id}/keys", service,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(TerminalKeySet keys,
                                      identity.TerminalKeys(req.caller(), req.PathParam("id")));
                  return Response::Json(TerminalKeysJson(keys));
                });
  router.Handle("GET", "/api/v1/identity/scans", service,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(accounts::PageRequest page, req.Page());
                  QT_ASSIGN_OR_RETURN(auto scans, identity.ServiceScans(req.caller(), page));
                  return Response::Json(PageJson(scans, ScanJson));
                });
}

}  // namespace qt::api
