#include "api/public_policy_routes.h"

#include "api/identity_routes.h"
#include "api/json_body.h"
#include "api/page_json.h"
#include "core/clock.h"
#include "match/rule.h"

namespace qt::api {
namespace {

using accounts::OrgKind;
using accounts::Role;
using match::Notice;
using match::PublicPolicy;
using nlohmann::json;

json Time(int64_t ms) { return ms ? json(FormatRfc3339(ms)) : json(nullptr); }

json PublicPolicyJson(const PublicPolicy& p) {
  return {{"id", p.id},
          {"issuer_id", p.issuer_id},
          {"audience", match::PolicyAudienceName(p.audience)},
          {"title", p.title},
          {"summary", p.summary},
          {"benefit", p.benefit},
          {"rule", p.rule},
          {"valid_from", p.valid_from.ToString()},
          {"valid_until", p.valid_until.ToString()},
          {"version", p.version},
          {"state", match::PublicPolicyStateName(p.state)},
          {"notified", p.notified},
          {"created_at", Time(p.created_at)},
          {"updated_at", Time(p.updated_at)}};
}

json NoticeJson(const Notice& n) {
  return {{"id", n.id},
          {"policy_id", n.policy_id},
          {"version", n.version},
          {"title", n.title},
          {"benefit", n.benefit},
          {"entity_id", n.entity_id},
          {"explanation", n.explanation},
          {"created_at", Time(n.created_at)},
          {"read_at", Time(n.read_at)},
          {"valid_until", n.valid_until.ToString()},
          {"closed", n.closed}};
}

json WebhookJson(const match::Webhook& w) {
  json out = {{"org_id", w.org_id},
              {"url", w.url},
              {"created_at", Time(w.created_at)},
              {"pending", w.pending},
              {"delivered", w.delivered},
              {"failed", w.failed},
              {"last_error", w.last_error.empty() ? json(nullptr) : json(w.last_error)}};
  if (!w.secret.empty()) out["secret"] = w.secret;
  return out;
}

Result<match::NewPublicPolicy> ParsePublicPolicy(JsonBody& body) {
  match::NewPublicPolicy p;
  QT_ASSIGN_OR_RETURN(std::string audience, body.Enum("audience", {"enterprise", "person"}));
  p.audience = *match::ParsePolicyAudience(audience);
  QT_ASSIGN_OR_RETURN(p.title, body.String("title", 200));
  QT_ASSIGN_OR_RETURN(p.summary,
                      body.OptionalString("summary", match::PublicPolicies::kMaxText, ""));
  QT_ASSIGN_OR_RETURN(p.benefit, body.String("benefit", 200));
  QT_ASSIGN_OR_RETURN(p.rule, body.String("rule", match::Rule::kMaxText));
  QT_ASSIGN_OR_RETURN(p.valid_from, body.Date("valid_from"));
  QT_ASSIGN_OR_RETURN(p.valid_until, body.Date("valid_until"));
  QT_RETURN_IF_ERROR(body.Finish());
  return p;
}

}  // namespace

void RegisterPublicPolicyRoutes(Router& router, match::PublicPolicies& policies,
                                identity::Identity& identity) {
  const Access authority = Access::Kinds({OrgKind::kAuthority}, Role::kMember);
  const Access enterprise = Access::Kinds({OrgKind::kEnterprise}, Role::kMember);

  router.Handle("GET", "/api/v1/match/policies/attributes", Access::Public(),
                [&](const Request& req) -> Result<Response> {
                  const std::optional<match::PolicyAudience> audience =
                      req.HasQuery("audience") ? match::ParsePolicyAudience(req.Query("audience"))
                                               : match::PolicyAudience::kPerson;
                  if (!audience) return InvalidArgument("audience: must be enterprise or person");
                  json items = json::array();
                  for (const match::Attribute& a : policies.schema(*audience).attributes()) {
                    items.push_back({{"name", a.name},
                                     {"type", match::TypeName(a.type)},
                                     {"description", a.description}});
                  }
                  return Response::Json(
                      {{"audience", match::PolicyAudienceName(*audience)}, {"items", items}});
                });
  router.Handle("GET", "/api/v1/match/policies", Access::Public(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(accounts::PageRequest page, req.Page());
                  std::optional<match::PolicyAudience> audience;
                  if (const std::string text = req.Query("audience"); !text.empty()) {
                    audience = match::ParsePolicyAudience(text);
                    if (!audience) return InvalidArgument("audience: must be enterprise or person");
                  }
                  QT_ASSIGN_OR_RETURN(bool in_force, req.QueryBool("in_force", false));
                  QT_ASSIGN_OR_RETURN(auto list, policies.List(audience, in_force, page));
                  return Response::Json(PageJson(list, PublicPolicyJson));
                });
  router.Handle("POST", "/api/v1/match/policies", authority,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(match::NewPublicPolicy p, ParsePublicPolicy(body));
                  QT_ASSIGN_OR_RETURN(PublicPolicy out, policies.Publish(req.caller(), p));
                  return Response::Json(PublicPolicyJson(out), 201);
                });
  router.Handle("GET", "/api/v1/match/policies/{id}", Access::Public(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(PublicPolicy p, policies.Get(req.PathParam("id")));
                  return Response::Json(PublicPolicyJson(p));
                });
  router.Handle("POST", "/api/v1/match/policies/{id}/revise", authority,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(match::NewPublicPolicy p, ParsePublicPolicy(body));
                  QT_ASSIGN_OR_RETURN(PublicPolicy out,
                                      policies.Revise(req.caller(), req.PathParam("id"), p));
                  return Response::Json(PublicPolicyJson(out));
                });
  router.Handle("POST", "/api/v1/match/policies/{id}/withdraw", authority,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(PublicPolicy p,
                                      policies.Withdraw(req.caller(), req.PathParam("id")));
                  return Response::Json(PublicPolicyJson(p));
                });

  // Inboxes.
  router.Handle(
      "GET", "/api/v1/match/inbox", enterprise, [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(accounts::PageRequest page, req.Page());
        QT_ASSIGN_OR_RETURN(bool unread, req.QueryBool("unread", false));
        QT_ASSIGN_OR_RETURN(auto list, policies.EnterpriseInbox(req.caller(), unread, page));
        return Response::Json(PageJson(list, NoticeJson));
      });
  router.Handle("POST", "/api/v1/match/inbox/{id}/read", enterprise,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Notice n,
                                      policies.MarkRead(req.caller(), req.PathParam("id")));
                  return Response::Json(NoticeJson(n));
                });
  router.Handle("GET", "/api/v1/match/me/inbox", Access::Public(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(identity::Citizen c, CitizenOf(identity, req));
                  QT_ASSIGN_OR_RETURN(accounts::PageRequest page, req.Page());
                  QT_ASSIGN_OR_RETURN(bool unread, req.QueryBool("unread", false));
                  QT_ASSIGN_OR_RETURN(auto list, policies.PersonInbox(c, unread, page));
                  return Response::Json(PageJson(list, NoticeJson));
                });
  router.Handle("POST", "/api/v1/match/me/inbox/{id}/read", Access::Public(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(identity::Citizen c, CitizenOf(identity, req));
                  QT_ASSIGN_OR_RETURN(Notice n, policies.MarkRead(c, req.PathParam("id")));
                  return Response::Json(NoticeJson(n));
                });

  // The organisation's webhook.
  router.Handle("GET", "/api/v1/match/webhook", Access::SignedIn(Role::kMember),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(match::Webhook w, policies.GetWebhook(req.caller()));
                  return Response::Json(WebhookJson(w));
                });
  router.Handle("POST", "/api/v1/match/webhook", Access::SignedIn(Role::kAdmin),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string url, body.String("url", 2000));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(match::Webhook w, policies.SetWebhook(req.caller(), url));
                  return Response::Json(WebhookJson(w));
                });
  router.Handle("DELETE", "/api/v1/match/webhook", Access::SignedIn(Role::kAdmin),
                [&](const Request& req) -> Result<Response> {
                  QT_RETURN_IF_ERROR(policies.DeleteWebhook(req.caller()));
                  return Response::Json({{"deleted", true}});
                });
}

}  // namespace qt::api
