#include "api/match_routes.h"

#include <cmath>

#include "api/json_body.h"
#include "api/page_json.h"
#include "core/clock.h"

namespace qt::api {
namespace {

using accounts::OrgKind;
using accounts::Role;
using namespace match;
using nlohmann::json;

json Time(int64_t ms) { return ms ? json(FormatRfc3339(ms)) : json(nullptr); }

json ProductJson(const Product& p) {
  return {
      {"id", p.id},
      {"institution_id", p.institution_id},
      {"kind", ProductKindName(p.kind)},
      {"name", p.name},
      {"rule", p.rule},
      {"max_amount_fen", p.max_amount_fen},
      {"terms", p.terms},
      {"requires_kind", p.requires_kind ? json(ProductKindName(*p.requires_kind)) : json(nullptr)},
      {"state", ProductStateName(p.state)},
      {"created_at", Time(p.created_at)}};
}

json EnterpriseJson(const Enterprise& e) {
  return {{"id", e.id},
          {"name", e.name},
          {"credit_code", e.credit_code},
          {"org_id", e.org_id.empty() ? json(nullptr) : json(e.org_id)},
          {"profile", e.profile},
          {"updated_at", Time(e.updated_at)}};
}

json MatchJson(const ProductMatch& m) {
  json clauses = json::array(), bundle = json::array();
  for (const ClauseResult& c : m.explanation.clauses) clauses.push_back(ClauseResultJson(c));
  for (const Product& p : m.bundle) bundle.push_back(ProductJson(p));
  return {{"product", ProductJson(m.product)},
          {"score", m.score},
          {"clauses", clauses},
          {"bundle", bundle}};
}

json ApplicationJson(const Application& a) {
  return {{"id", a.id},
          {"enterprise_id", a.enterprise_id},
          {"enterprise_name", a.enterprise_name},
          {"product_id", a.product_id},
          {"product_name", a.product_name},
          {"institution_id", a.institution_id},
          {"bundle_ids", a.bundle_ids},
          {"amount_fen", a.amount_fen},
          {"state", ApplicationStateName(a.state)},
          {"reason", a.reason.empty() ? json(nullptr) : json(a.reason)},
          {"served_fen", a.served_fen},
          {"created_at", Time(a.created_at)},
          {"decided_at", Time(a.decided_at)}};
}

json ListingJson(const Listing& l) {
  json j = {
      {"id", l.id},       {"list", ScenarioListName(l.list)},   {"org_id", l.org_id},
      {"title", l.title}, {"description", l.description},       {"domain", l.domain},
      {"tags", l.tags},   {"state", ListingStateName(l.state)}, {"created_at", Time(l.created_at)}};
  if (l.list == ScenarioList::kDemand) {
    j["district"] = l.district;
    j["budget_fen"] = l.budget_fen;
    j["deadline"] = l.deadline ? json(l.deadline->ToString()) : json(nullptr);
  } else {
    j["references"] = l.references;
  }
  return j;
}

json ListingMatchesJson(const std::vector<ListingMatch>& matches) {
  json items = json::array();
  for (const ListingMatch& m : matches) {
    items.push_back({{"listing", ListingJson(m.listing)},
                     {"score", m.score},
                     {"text_score", m.text_score},
                     {"tags_matched", m.tags_matched}});
  }
  return {{"items", items}};
}

json PairJson(const match::Pair& p) {
  return {{"id", p.id},
          {"demand_id", p.demand_id},
          {"capability_id", p.capability_id},
          {"state", PairStateName(p.state)},
          {"note", p.note},
          {"created_at", Time(p.created_at)},
          {"updated_at", Time(p.updated_at)}};
}

Result<Listing> ParseListing(JsonBody& body, ScenarioList list) {
  Listing l;
  l.list = list;
  QT_ASSIGN_OR_RETURN(l.title, body.String("title", 200));
  QT_ASSIGN_OR_RETURN(l.description, body.String("description", Scenarios::kMaxDescription));
  QT_ASSIGN_OR_RETURN(l.domain, body.String("domain", 50));
  QT_ASSIGN_OR_RETURN(l.tags, body.OptionalStrings("tags", 10, 50));
  if (list == ScenarioList::kDemand) {
    QT_ASSIGN_OR_RETURN(l.district, body.OptionalString("district", 50, ""));
    QT_ASSIGN_OR_RETURN(l.budget_fen, body.Int("budget_fen", 1, int64_t{1} << 50));
    QT_ASSIGN_OR_RETURN(l.deadline, body.Date("deadline"));
  } else {
    QT_ASSIGN_OR_RETURN(l.references,
                        body.OptionalString("references", Scenarios::kMaxDescription, ""));
  }
  QT_RETURN_IF_ERROR(body.Finish());
  return l;
}

// The query parameter `name` as a value of `parse`, if given; `what` lists the values.
template <typename E>
Result<std::optional<E>> OptionalQueryEnum(const Request& req, const std::string& name,
                                           std::optional<E> (*parse)(std::string_view),
                                           const std::string& what) {
  const std::string text = req.Query(name);
  if (text.empty()) return std::optional<E>();
  std::optional<E> value = parse(text);
  if (!value) return InvalidArgument(name + ": " + what);
  return value;
}

Result<json> ProfileOf(JsonBody& body) {
  auto profile = body.OptionalValue("profile");
  if (!profile || !profile->is_object())
    return InvalidArgument("profile: required, an object of attributes");
  return *profile;
}

}  // namespace

void RegisterScenarioRoutes(Router& router, Scenarios& scenarios) {
  const Access member = Access::SignedIn(Role::kMember);
  router.Handle("GET", "/api/v1/match/scenarios/domains", Access::Public(),
                [&](const Request&) -> Result<Response> {
                  return Response::Json({{"items", Scenarios::Domains()}});
                });
  router.Handle("GET", "/api/v1/match/scenarios/stats", Access::Public(),
                [&](const Request&) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Scenarios::Stats s, scenarios.GetStats());
                  return Response::Json({{"demands", s.demands},
                                         {"capabilities", s.capabilities},
                                         {"open_demands", s.open_demands},
                                         {"pairs_by_state", s.pairs_by_state}});
                });
  for (const ScenarioList list : {ScenarioList::kDemand, ScenarioList::kCapability}) {
    const std::string path =
        "/api/v1/match/scenarios/" +
        std::string(list == ScenarioList::kDemand ? "demands" : "capabilities");
    router.Handle(
        "GET", path, Access::Public(), [&scenarios, list](const Request& req) -> Result<Response> {
          QT_ASSIGN_OR_RETURN(accounts::PageRequest page, req.Page());
          QT_ASSIGN_OR_RETURN(std::optional<ListingState> state,
                              OptionalQueryEnum(req, "state", ParseListingState, "open or closed"));
          const match::ListingFilter filter{
              .domain = req.Query("domain"), .state = state, .title_contains = req.Query("q")};
          QT_ASSIGN_OR_RETURN(auto out, scenarios.List(list, filter, page));
          return Response::Json(PageJson(out, ListingJson));
        });
    router.Handle("POST", path, member, [&scenarios, list](const Request& req) -> Result<Response> {
      QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
      QT_ASSIGN_OR_RETURN(Listing l, ParseListing(body, list));
      QT_ASSIGN_OR_RETURN(Listing out, scenarios.Add(req.caller(), std::move(l)));
      return Response::Json(ListingJson(out), 201);
    });
  }
  router.Handle("GET", "/api/v1/match/scenarios/listings/{id}", Access::Public(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Listing l, scenarios.Get(req.PathParam("id")));
                  return Response::Json(ListingJson(l));
                });
  router.Handle("POST", "/api/v1/match/scenarios/listings/{id}/close", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Listing l,
                                      scenarios.Close(req.caller(), req.PathParam("id")));
                  return Response::Json(ListingJson(l));
                });
  router.Handle("GET", "/api/v1/match/scenarios/listings/{id}/matches", Access::Public(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(uint64_t limit, req.QueryUint("limit", 10));
                  if (limit < 1 || limit > 100)
                    return InvalidArgument("limit: must be between 1 and 100");
                  QT_ASSIGN_OR_RETURN(auto out, scenarios.Matches(req.PathParam("id"), limit));
                  return Response::Json(ListingMatchesJson(out));
                });
  router.Handle("GET", "/api/v1/match/scenarios/search", Access::Public(),
                [&](const Request& req) -> Result<Response> {
                  const std::optional<ScenarioList> list =
                      req.HasQuery("list") ? ParseScenarioList(req.Query("list"))
                                           : ScenarioList::kCapability;
                  if (!list) return InvalidArgument("list: demand or capability");
                  const std::string q = req.Query("q");
                  const std::vector<std::string> tags = req.QueryAll("tag", 10);
                  QT_ASSIGN_OR_RETURN(uint64_t limit, req.QueryUint("limit", 10));
                  if (limit < 1 || limit > 100)
                    return InvalidArgument("limit: must be between 1 and 100");
                  QT_ASSIGN_OR_RETURN(auto out, scenarios.Search(*list, q, tags, limit));
                  return Response::Json(ListingMatchesJson(out));
                });
  router.Handle("GET", "/api/v1/match/scenarios/listings/{id}/pairs", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto pairs, scenarios.Pairs(req.PathParam("id")));
                  json items = json::array();
                  for (const match::Pair& p : pairs) items.push_back(PairJson(p));
                  return Response::Json({{"items", items}});
                });
  router.Handle("POST", "/api/v1/match/scenarios/pairs", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string demand, body.String("demand_id", 100));
                  QT_ASSIGN_OR_RETURN(std::string capability, body.String("capability_id", 100));
                  QT_ASSIGN_OR_RETURN(std::string note, body.OptionalString("note", 500, ""));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(match::Pair p,
                                      scenarios.Recommend(req.caller(), demand, capability, note));
                  return Response::Json(PairJson(p), 201);
                });
  router.Handle(
      "POST", "/api/v1/match/scenarios/pairs/{id}/advance", member,
      [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
        QT_ASSIGN_OR_RETURN(std::string state_name,
                            body.Enum("state", {"contacted", "piloting", "deployed", "closed"}));
        const PairState state = *ParsePairState(state_name);
        QT_ASSIGN_OR_RETURN(std::string note, body.OptionalString("note", 500, ""));
        QT_RETURN_IF_ERROR(body.Finish());
        QT_ASSIGN_OR_RETURN(match::Pair p,
                            scenarios.Advance(req.caller(), req.PathParam("id"), state, note));
        return Response::Json(PairJson(p));
      });
}

void RegisterMatchRoutes(Router& router, Finance& finance, Scenarios& scenarios) {
  RegisterScenarioRoutes(router, scenarios);
  const Access institution = Access::Kinds({OrgKind::kInstitution}, Role::kMember);
  const Access enterprise = Access::Kinds({OrgKind::kEnterprise}, Role::kMember);

  router.Handle(
      "GET", "/api/v1/match/finance/attributes", Access::Public(),
      [&](const Request&) -> Result<Response> {
        json items = json::array();
        for (const Attribute& a : finance.schema().attributes()) {
          items.push_back(
              {{"name", a.name}, {"type", TypeName(a.type)}, {"description", a.description}});
        }
        return Response::Json({{"items", items}});
      });
  router.Handle("GET", "/api/v1/match/finance/stats", Access::Public(),
                [&](const Request&) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Finance::Stats s, finance.GetStats());
                  return Response::Json({{"enterprises", s.enterprises},
                                         {"products", s.products},
                                         {"institutions", s.institutions},
                                         {"applications", s.applications},
                                         {"accepted", s.accepted},
                                         {"served_fen", s.served_fen},
                                         {"products_by_kind", s.products_by_kind}});
                });
  router.Handle("GET", "/api/v1/match/finance/products", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(accounts::PageRequest page, req.Page());
                  QT_ASSIGN_OR_RETURN(
                      std::optional<ProductKind> kind,
                      OptionalQueryEnum(req, "kind", ParseProductKind, "unknown product kind"));
                  QT_ASSIGN_OR_RETURN(auto list, finance.ListProducts(kind, page));
                  return Response::Json(PageJson(list, ProductJson));
                });
  router.Handle(
      "POST", "/api/v1/match/finance/products", institution,
      [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
        NewProduct p;
        QT_ASSIGN_OR_RETURN(std::string kind, body.Enum("kind", {"investment", "loan", "subsidy",
                                                                 "guarantee", "insurance"}));
        p.kind = *ParseProductKind(kind);
        QT_ASSIGN_OR_RETURN(p.name, body.String("name", 200));
        QT_ASSIGN_OR_RETURN(p.rule, body.String("rule", Rule::kMaxText));
        QT_ASSIGN_OR_RETURN(p.max_amount_fen, body.Int("max_amount_fen", 1, int64_t{1} << 50));
        QT_ASSIGN_OR_RETURN(p.terms, body.OptionalString("terms", 2000, ""));
        QT_ASSIGN_OR_RETURN(
            std::string requires_kind,
            body.OptionalEnum("requires_kind",
                              {"", "investment", "loan", "subsidy", "guarantee", "insurance"}, ""));
        p.requires_kind = ParseProductKind(requires_kind);
        QT_RETURN_IF_ERROR(body.Finish());
        QT_ASSIGN_OR_RETURN(Product out, finance.Publish(req.caller(), p));
        return Response::Json(ProductJson(out), 201);
      });
  router.Handle("POST", "/api/v1/match/finance/products/{id}/withdraw", institution,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Product p,
                                      finance.Withdraw(req.caller(), req.PathParam("id")));
                  return Response::Json(ProductJson(p));
                });
  router.Handle("GET", "/api/v1/match/finance/products/{id}/reach", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(int64_t n, finance.Reach(req.PathParam("id")));
                  return Response::Json({{"id", req.PathParam("id")}, {"enterprises", n}});
                });
  router.Handle("GET", "/api/v1/match/finance/products/{id}/prospects", institution,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(accounts::PageRequest page, req.Page());
                  QT_ASSIGN_OR_RETURN(Prospects p,
                                      finance.NearlyEligible(req.caller(), req.PathParam("id"),
                                                             static_cast<size_t>(page.limit)));
                  json items = json::array();
                  for (const Prospect& x : p.items) {
                    items.push_back({{"enterprise_id", x.enterprise_id},
                                     {"name", x.name},
                                     {"miss", ClauseResultJson(x.miss)}});
                  }
                  return Response::Json(
                      {{"product_id", req.PathParam("id")}, {"count", p.count}, {"items", items}});
                });
  router.Handle("GET", "/api/v1/match/finance/profile", enterprise,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Enterprise e, finance.OwnEnterprise(req.caller()));
                  return Response::Json(EnterpriseJson(e));
                });
  router.Handle("POST", "/api/v1/match/finance/profile", enterprise,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string name, body.String("name", 200));
                  QT_ASSIGN_OR_RETURN(json profile, ProfileOf(body));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(Enterprise e,
                                      finance.SaveOwnProfile(req.caller(), name, profile));
                  return Response::Json(EnterpriseJson(e));
                });
  router.Handle("POST", "/api/v1/match/finance/enterprises/import",
                Access::Kinds({OrgKind::kAuthority}, Role::kMember),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(auto rows, body.Objects("enterprises", Finance::kMaxImport));
                  QT_RETURN_IF_ERROR(body.Finish());
                  std::vector<std::pair<std::string, json>> named;
                  for (JsonBody& r : rows) {
                    QT_ASSIGN_OR_RETURN(std::string name, r.String("name", 200));
                    QT_ASSIGN_OR_RETURN(json profile, ProfileOf(r));
                    QT_RETURN_IF_ERROR(r.Finish());
                    named.emplace_back(std::move(name), std::move(profile));
                  }
                  QT_ASSIGN_OR_RETURN(size_t n, finance.ImportProfiles(req.caller(), named));
                  return Response::Json({{"imported", n}}, 201);
                });
  router.Handle("GET", "/api/v1/match/finance/enterprises", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(accounts::PageRequest page, req.Page());
                  QT_ASSIGN_OR_RETURN(auto list, finance.ListEnterprises(req.Query("name"), page));
                  return Response::Json(PageJson(list, EnterpriseJson));
                });
  router.Handle("GET", "/api/v1/match/finance/enterprises/{id}", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Enterprise e, finance.GetEnterprise(req.PathParam("id")));
                  return Response::Json(EnterpriseJson(e));
                });
  router.Handle("GET", "/api/v1/match/finance/enterprises/{id}/matches", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(uint64_t limit, req.QueryUint("limit", 20));
                  if (limit < 1 || limit > 200)
                    return InvalidArgument("limit: must be between 1 and 200");
                  QT_ASSIGN_OR_RETURN(MatchResult m, finance.Match(req.PathParam("id"), limit));
                  json eligible = json::array(), near = json::array();
                  for (const ProductMatch& pm : m.eligible) eligible.push_back(MatchJson(pm));
                  for (const ProductMatch& pm : m.near_misses) near.push_back(MatchJson(pm));
                  return Response::Json({{"enterprise_id", req.PathParam("id")},
                                         {"eligible", eligible},
                                         {"near_misses", near}});
                });
  router.Handle("POST", "/api/v1/match/finance/applications", enterprise,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string ent, body.String("enterprise_id", 100));
                  QT_ASSIGN_OR_RETURN(std::string product, body.String("product_id", 100));
                  QT_ASSIGN_OR_RETURN(int64_t amount, body.Int("amount_fen", 1, int64_t{1} << 50));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(Application a,
                                      finance.Apply(req.caller(), ent, product, amount));
                  return Response::Json(ApplicationJson(a), 201);
                });
  router.Handle("GET", "/api/v1/match/finance/applications", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto page, req.Page());
                  QT_ASSIGN_OR_RETURN(auto list, finance.Applications(req.caller(), page));
                  return Response::Json(PageJson(list, ApplicationJson));
                });
  router.Handle(
      "POST", "/api/v1/match/finance/applications/{id}/decision", institution,
      [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
        QT_ASSIGN_OR_RETURN(std::string decision_name,
                            body.Enum("decision", {"accept", "decline"}));
        const Decision decision = *ParseDecision(decision_name);
        QT_ASSIGN_OR_RETURN(int64_t served, body.OptionalInt("served_fen", 0, 0, int64_t{1} << 50));
        QT_ASSIGN_OR_RETURN(std::string reason, body.OptionalString("reason", 500, ""));
        QT_RETURN_IF_ERROR(body.Finish());
        QT_ASSIGN_OR_RETURN(Application a, finance.Decide(req.caller(), req.PathParam("id"),
                                                          decision, served, reason));
        return Response::Json(ApplicationJson(a));
      });
}

}  // namespace qt::api
