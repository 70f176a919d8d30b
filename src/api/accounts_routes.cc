#include "api/accounts_routes.h"

#include <algorithm>
#include <cctype>

#include "api/json_body.h"
#include "api/key_fields.h"
#include "api/page_json.h"
#include "core/clock.h"
#include "crypto/encoding.h"

namespace qt::api {
namespace {

using accounts::Accounts;
using accounts::OrgKind;
using accounts::Role;
using nlohmann::json;

json OrgJson(const accounts::Org& o) {
  return {{"id", o.id},
          {"name", o.name},
          {"kind", accounts::OrgKindName(o.kind)},
          {"credit_code", o.credit_code},
          {"public_key", crypto::HexEncode(o.public_key)},
          {"home_node", o.home_node.empty() ? json(nullptr) : json(o.home_node)},
          {"key_custody", accounts::KeyCustodyName(o.key_custody)},
          {"key_version", o.key_version},
          {"created_at", FormatRfc3339(o.created_at)}};
}

json UserJson(const accounts::User& u) {
  return {{"id", u.id},
          {"org_id", u.org_id},
          {"name", u.name},
          {"role", accounts::RoleName(u.role)},
          {"created_at", FormatRfc3339(u.created_at)},
          {"deactivated_at",
           u.deactivated_at ? json(FormatRfc3339(*u.deactivated_at)) : json(nullptr)}};
}

json TokenJson(const accounts::TokenInfo& t) {
  return {{"id", t.id},
          {"org_id", t.org_id},
          {"user_id", t.user_id},
          {"label", t.label},
          {"created_at", FormatRfc3339(t.created_at)},
          {"expires_at", FormatRfc3339(t.expires_at)},
          {"revoked_at", t.revoked_at ? json(FormatRfc3339(*t.revoked_at)) : json(nullptr)}};
}

json IssuedJson(const accounts::IssuedToken& t) {
  json j = TokenJson(t.info);
  j["secret"] = t.secret;
  return j;
}

std::vector<std::string> KindNames() {
  std::vector<std::string> out;
  for (OrgKind k : accounts::kAllOrgKinds) out.emplace_back(accounts::OrgKindName(k));
  return out;
}

// ?kind=KIND&name=TEXT&ids=ID,ID,... (each optional).
Result<accounts::OrgFilter> ParseOrgFilter(const Request& req) {
  accounts::OrgFilter f;
  if (const std::string kind = req.Query("kind"); !kind.empty()) {
    f.kind = accounts::ParseOrgKind(kind);
    if (!f.kind) return InvalidArgument("kind: unknown kind '" + kind.substr(0, 32) + "'");
  }
  f.name_contains = req.Query("name");
  const size_t first = f.name_contains.find_first_not_of(' ');
  const size_t last = f.name_contains.find_last_not_of(' ');
  f.name_contains =
      first == std::string::npos ? "" : f.name_contains.substr(first, last - first + 1);
  const std::string ids = req.Query("ids");
  for (size_t at = 0; !ids.empty() && at <= ids.size();) {
    const size_t comma = std::min(ids.find(',', at), ids.size());
    if (comma > at) {
      const std::string id = ids.substr(at, comma - at);
      const bool plain = id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
                           return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                         });
      if (!plain) return InvalidArgument("ids: '" + id.substr(0, 32) + "' is not an id");
      f.ids.push_back(id);
    }
    if (f.ids.size() > accounts::OrgFilter::kMaxIds) {
      return InvalidArgument("ids: at most " + std::to_string(accounts::OrgFilter::kMaxIds));
    }
    at = comma + 1;
  }
  if (!ids.empty() && f.ids.empty()) return InvalidArgument("ids: no id given");
  return f;
}

}  // namespace

void RegisterAccountsRoutes(Router& router, Accounts& accounts) {
  router.Handle("GET", "/api/v1/whoami", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  const auto& p = req.caller();
                  QT_ASSIGN_OR_RETURN(accounts::Org org, accounts.GetOrg(p.org_id));
                  return Response::Json({{"user_id", p.user_id},
                                         {"role", accounts::RoleName(p.role)},
                                         {"token_id", p.token_id},
                                         {"org", OrgJson(org)}});
                });

  router.Handle("GET", "/api/v1/orgs", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto page, req.Page());
                  QT_ASSIGN_OR_RETURN(accounts::OrgFilter filter, ParseOrgFilter(req));
                  QT_ASSIGN_OR_RETURN(auto orgs, accounts.ListOrgs(page, filter));
                  QT_ASSIGN_OR_RETURN(int64_t total, accounts.CountOrgs(filter));
                  json out = PageJson(orgs, OrgJson);
                  out["total"] = total;
                  return Response::Json(out);
                });

  router.Handle("POST", "/api/v1/orgs", Access::Kinds({OrgKind::kOperator}, Role::kAdmin),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  accounts::NewOrg org;
                  QT_ASSIGN_OR_RETURN(org.name, body.String("name", Accounts::kMaxNameBytes));
                  QT_ASSIGN_OR_RETURN(std::string kind, body.Enum("kind", KindNames()));
                  org.kind = *accounts::ParseOrgKind(kind);
                  QT_ASSIGN_OR_RETURN(org.credit_code, body.String("credit_code", 18));
                  QT_ASSIGN_OR_RETURN(
                      org.admin_name,
                      body.OptionalString("admin_name", Accounts::kMaxNameBytes, "admin"));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(auto created, accounts.CreateOrg(req.caller(), org));
                  json j = OrgJson(created.org);
                  j["admin"] = UserJson(created.admin);
                  j["admin_token"] = IssuedJson(created.admin_token);
                  return Response::Json(j, 201);
                });

  router.Handle("GET", "/api/v1/orgs/{id}", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto org, accounts.GetOrg(req.PathParam("id")));
                  return Response::Json(OrgJson(org));
                });

  router.Handle("POST", "/api/v1/orgs/{id}/key", Access::SignedIn(Role::kAdmin),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  accounts::OwnKey key;
                  QT_ASSIGN_OR_RETURN(key.public_key, PublicKeyField(body, "public_key"));
                  QT_ASSIGN_OR_RETURN(key.proof, SignatureField(body, "proof"));
                  QT_ASSIGN_OR_RETURN(key.previous_key_proof,
                                      OptionalSignatureField(body, "previous_key_proof"));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(
                      auto org, accounts.RegisterOwnKey(req.caller(), req.PathParam("id"), key));
                  return Response::Json(OrgJson(org));
                });

  router.Handle("GET", "/api/v1/orgs/{id}/users", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto page, req.Page());
                  QT_ASSIGN_OR_RETURN(auto users,
                                      accounts.ListUsers(req.caller(), req.PathParam("id"), page));
                  return Response::Json(PageJson(users, UserJson));
                });

  router.Handle(
      "POST", "/api/v1/orgs/{id}/users", Access::SignedIn(Role::kAdmin),
      [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
        QT_ASSIGN_OR_RETURN(std::string name, body.String("name", Accounts::kMaxNameBytes));
        QT_ASSIGN_OR_RETURN(std::string role,
                            body.OptionalEnum("role", {"viewer", "member", "admin"}, "member"));
        QT_RETURN_IF_ERROR(body.Finish());
        QT_ASSIGN_OR_RETURN(auto user, accounts.CreateUser(req.caller(), req.PathParam("id"), name,
                                                           *accounts::ParseRole(role)));
        return Response::Json(UserJson(user), 201);
      });

  router.Handle("POST", "/api/v1/orgs/{id}/users/{user_id}/deactivate",
                Access::SignedIn(Role::kAdmin), [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto user,
                                      accounts.DeactivateUser(req.caller(), req.PathParam("id"),
                                                              req.PathParam("user_id")));
                  return Response::Json(UserJson(user));
                });

  router.Handle("GET", "/api/v1/tokens", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto page, req.Page());
                  QT_ASSIGN_OR_RETURN(auto tokens, accounts.ListTokens(req.caller(), page));
                  return Response::Json(PageJson(tokens, TokenJson));
                });

  router.Handle(
      "POST", "/api/v1/tokens", Access::SignedIn(), [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
        QT_ASSIGN_OR_RETURN(std::string user_id, body.OptionalString("user_id", 64, ""));
        QT_ASSIGN_OR_RETURN(std::string label,
                            body.OptionalString("label", Accounts::kMaxNameBytes, "api token"));
        constexpr int64_t kMaxTtlSeconds = int64_t{366} * 24 * 3600;
        QT_ASSIGN_OR_RETURN(int64_t ttl, body.OptionalInt("ttl_seconds", 0, 0, kMaxTtlSeconds));
        QT_RETURN_IF_ERROR(body.Finish());
        QT_ASSIGN_OR_RETURN(auto token,
                            accounts.IssueToken(req.caller(), user_id, label, ttl * 1000));
        return Response::Json(IssuedJson(token), 201);
      });

  router.Handle("DELETE", "/api/v1/tokens/{id}", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_RETURN_IF_ERROR(accounts.RevokeToken(req.caller(), req.PathParam("id")));
                  return Response::Json({{"id", req.PathParam("id")}, {"revoked", true}});
                });
}

}  // namespace qt::api
