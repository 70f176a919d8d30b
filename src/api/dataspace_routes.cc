#include "api/dataspace_routes.h"

#include "api/json_body.h"
#include "api/key_fields.h"
#include "api/page_json.h"
#include "core/clock.h"
#include "dataspace/answer_json.h"

namespace qt::api {
namespace {

using accounts::OrgKind;
using accounts::Role;
using namespace dataspace;
using nlohmann::json;

json CellsJson(const std::vector<std::vector<Cell>>& rows) {
  json out = json::array();
  for (const auto& row : rows) {
    json r = json::array();
    for (const Cell& c : row) r.push_back(c ? json(*c) : json(nullptr));
    out.push_back(std::move(r));
  }
  return out;
}

json SourceJson(const Source& s) {
  return {{"id", s.id},
          {"org_id", s.org_id},
          {"name", s.name},
          {"origin", s.origin},
          {"path", s.path},
          {"bytes", s.bytes},
          {"sha256", s.sha256},
          {"fields", SchemaJson(s.fields)},
          {"created_at", FormatRfc3339(s.created_at)}};
}

json PipelineJson(const Pipeline& p) {
  return {{"id", p.id},     {"org_id", p.org_id}, {"source_id", p.source_id},
          {"name", p.name}, {"spec", p.spec},     {"created_at", FormatRfc3339(p.created_at)}};
}

json RunJson(const Run& r) {
  return {{"id", r.id},
          {"pipeline_id", r.pipeline_id},
          {"rows_in", r.rows_in},
          {"rows_out", r.rows_out},
          {"input_sha256", r.input_hash},
          {"output_sha256", r.output_hash},
          {"quality", r.report},
          {"fields", SchemaJson(r.fields)},
          {"started_at", FormatRfc3339(r.started_at)},
          {"finished_at", FormatRfc3339(r.finished_at)},
          {"ledger_seq", r.ledger_seq}};
}

json ProductJson(const Product& p) {
  return {{"id", p.id},
          {"provider_id", p.org_id},
          {"provider_name", p.provider_name},
          {"run_id", p.run_id},
          {"title", p.title},
          {"description", p.description},
          {"tags", p.tags},
          {"fields", SchemaJson(p.fields)},
          {"update_frequency", p.update_frequency},
          {"licence", p.licence},
          {"rows", p.rows},
          {"output_sha256", p.output_hash},
          {"quality", p.quality},
          {"created_at", FormatRfc3339(p.created_at)}};
}

json AudienceJson(const Audience& a) {
  json kinds = json::array();
  for (auto k : a.kinds) kinds.push_back(accounts::OrgKindName(k));
  return {{"kinds", kinds}, {"orgs", a.orgs}};
}

json OfferJson(const Offer& o) {
  return {{"id", o.id},
          {"product_id", o.product_id},
          {"provider_id", o.provider_id},
          {"title", o.title},
          {"policy", PolicyJson(o.policy)},
          {"visible_to", AudienceJson(o.visible_to)},
          {"negotiable_by", AudienceJson(o.negotiable_by)},
          {"active", o.active},
          {"created_at", FormatRfc3339(o.created_at)}};
}

json ContractJson(const Contract& c) {
  auto or_null = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  return {{"id", c.id},
          {"offer_id", c.offer_id},
          {"product_id", c.product_id},
          {"provider_id", c.provider_id},
          {"consumer_id", c.consumer_id},
          {"product_title", c.product_title},
          {"state", ContractStateName(c.state)},
          {"policy", PolicyJson(c.policy)},
          {"agreement", or_null(c.agreement)},
          {"agreement_sha256", or_null(c.agreement_hash)},
          {"provider_signature", or_null(c.provider_signature)},
          {"consumer_signature", or_null(c.consumer_signature)},
          {"reason", or_null(c.reason)},
          {"uses", c.uses},
          {"epsilon_spent", static_cast<double>(c.epsilon_spent_milli) / 1000.0},
          {"created_at", FormatRfc3339(c.created_at)},
          {"updated_at", FormatRfc3339(c.updated_at)}};
}

// ?state=&side=provider|consumer&q= of the contracts list.
Result<ContractFilter> ContractFilterOf(const Request& req) {
  ContractFilter filter;
  filter.title_contains = req.Query("q");
  if (req.HasQuery("state")) {
    filter.state = ParseContractState(req.Query("state"));
    if (!filter.state) return InvalidArgument("state: not a contract state");
  }
  const std::string side = req.Query("side");
  if (side == "provider") {
    filter.side = ContractFilter::Side::kProvider;
  } else if (side == "consumer") {
    filter.side = ContractFilter::Side::kConsumer;
  } else if (!side.empty()) {
    return InvalidArgument("side: provider or consumer");
  }
  return filter;
}

Result<Audience> ParseAudience(JsonBody& body, const std::string& field) {
  std::optional<json> v = body.OptionalValue(field);
  Audience a;
  if (!v) return a;
  if (!v->is_object()) return InvalidArgument(field + ": must be an object with kinds and orgs");
  for (const auto& [key, value] : v->items()) {
    if (key != "kinds" && key != "orgs")
      return InvalidArgument(field + "." + key + ": unknown field");
    if (!value.is_array() || value.size() > 100) {
      return InvalidArgument(field + "." + key + ": must be an array of at most 100 strings");
    }
    for (const json& item : value) {
      if (!item.is_string()) return InvalidArgument(field + "." + key + ": must hold strings");
      if (key == "orgs") {
        a.orgs.push_back(item);
      } else if (auto kind = accounts::ParseOrgKind(item.get<std::string>())) {
        a.kinds.push_back(*kind);
      } else {
        return InvalidArgument(field + ".kinds: unknown organisation kind '" +
                               item.get<std::string>() + "'");
      }
    }
  }
  return a;
}

// Reads an optional "policy" and nothing else.
Result<std::optional<json>> PolicyOnly(const Request& req) {
  std::optional<json> policy;
  if (req.http.body.empty()) return policy;
  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
  policy = body.OptionalValue("policy");
  QT_RETURN_IF_ERROR(body.Finish());
  return policy;
}

}  // namespace

void RegisterDataSpaceRoutes(Router& router, DataSpace& space) {
  const Access holder_reads = Access::Kinds({OrgKind::kDataHolder});
  const Access holder = Access::Kinds({OrgKind::kDataHolder}, Role::kMember);
  const Access member = Access::SignedIn(Role::kMember);

  router.Handle("POST", "/api/v1/dataspace/sources", holder,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  NewSource s;
                  QT_ASSIGN_OR_RETURN(s.name, body.String("name", 200));
                  QT_ASSIGN_OR_RETURN(s.csv, body.OptionalString("csv", SIZE_MAX, ""));
                  QT_ASSIGN_OR_RETURN(s.file, body.OptionalString("file", 1000, ""));
                  if (auto fields = body.OptionalValue("fields")) {
                    QT_ASSIGN_OR_RETURN(s.fields, ParseSchema(*fields));
                  }
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(Source src, space.CreateSource(req.caller(), s));
                  return Response::Json(SourceJson(src), 201);
                });
  router.Handle("GET", "/api/v1/dataspace/sources", holder_reads,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto page, req.Page());
                  QT_ASSIGN_OR_RETURN(auto list, space.ListSources(req.caller(), page));
                  return Response::Json(PageJson(list, SourceJson));
                });
  router.Handle(
      "POST", "/api/v1/dataspace/pipelines", holder, [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
        QT_ASSIGN_OR_RETURN(std::string name, body.String("name", 200));
        QT_ASSIGN_OR_RETURN(std::string source_id, body.String("source_id", 100));
        json spec = body.OptionalValue("spec").value_or(json::object());
        QT_RETURN_IF_ERROR(body.Finish());
        QT_ASSIGN_OR_RETURN(Pipeline p, space.CreatePipeline(req.caller(), source_id, name, spec));
        return Response::Json(PipelineJson(p), 201);
      });
  router.Handle("GET", "/api/v1/dataspace/pipelines", holder_reads,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto page, req.Page());
                  QT_ASSIGN_OR_RETURN(auto list, space.ListPipelines(req.caller(), page));
                  return Response::Json(PageJson(list, PipelineJson));
                });
  router.Handle("POST", "/api/v1/dataspace/pipelines/{id}/runs", holder,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Run r, space.RunPipeline(req.caller(), req.PathParam("id")));
                  return Response::Json(RunJson(r), 201);
                });
  router.Handle("GET", "/api/v1/dataspace/pipelines/{id}/runs", holder_reads,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto page, req.Page());
                  QT_ASSIGN_OR_RETURN(auto list,
                                      space.ListRuns(req.caller(), req.PathParam("id"), page));
                  return Response::Json(PageJson(list, RunJson));
                });

  router.Handle(
      "POST", "/api/v1/dataspace/products", holder, [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
        NewProduct p;
        QT_ASSIGN_OR_RETURN(p.run_id, body.String("run_id", 100));
        QT_ASSIGN_OR_RETURN(p.title, body.String("title", 200));
        QT_ASSIGN_OR_RETURN(p.description, body.OptionalString("description", 5000, ""));
        QT_ASSIGN_OR_RETURN(p.tags, body.OptionalStrings("tags", 20, 50));
        QT_ASSIGN_OR_RETURN(
            p.update_frequency,
            body.OptionalEnum("update_frequency",
                              {"once", "daily", "weekly", "monthly", "quarterly", "yearly"},
                              "once"));
        QT_ASSIGN_OR_RETURN(p.licence, body.OptionalString("licence", 500, ""));
        QT_RETURN_IF_ERROR(body.Finish());
        QT_ASSIGN_OR_RETURN(Product product, space.CreateProduct(req.caller(), p));
        return Response::Json(ProductJson(product), 201);
      });
  router.Handle("GET", "/api/v1/dataspace/products", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto page, req.Page());
                  QT_ASSIGN_OR_RETURN(
                      auto list,
                      space.SearchProducts(req.Query("q"), req.Query("provider_id"), page));
                  return Response::Json(PageJson(list, ProductJson));
                });
  router.Handle("GET", "/api/v1/dataspace/products/{id}", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(ProductDetail d,
                                      space.GetProduct(req.caller(), req.PathParam("id")));
                  json offers = json::array();
                  for (const Offer& o : d.offers) offers.push_back(OfferJson(o));
                  json out = ProductJson(d.product);
                  out["offers"] = offers;
                  return Response::Json(out);
                });
  router.Handle("GET", "/api/v1/dataspace/products/{id}/preview", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(ProductPreview p, space.Preview(req.PathParam("id")));
                  return Response::Json({{"columns", p.columns}, {"rows", CellsJson(p.rows)}});
                });

  router.Handle("POST", "/api/v1/dataspace/offers", holder,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  NewOffer o;
                  QT_ASSIGN_OR_RETURN(o.product_id, body.String("product_id", 100));
                  QT_ASSIGN_OR_RETURN(o.title, body.String("title", 200));
                  auto policy = body.OptionalValue("policy");
                  if (!policy) return InvalidArgument("policy: is required");
                  o.policy = *policy;
                  QT_ASSIGN_OR_RETURN(o.visible_to, ParseAudience(body, "visible_to"));
                  QT_ASSIGN_OR_RETURN(o.negotiable_by, ParseAudience(body, "negotiable_by"));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(Offer offer, space.CreateOffer(req.caller(), o));
                  return Response::Json(OfferJson(offer), 201);
                });
  router.Handle("GET", "/api/v1/dataspace/offers/{id}", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Offer o, space.ShowOffer(req.caller(), req.PathParam("id")));
                  return Response::Json(OfferJson(o));
                });
  router.Handle("POST", "/api/v1/dataspace/offers/{id}/withdraw", holder,
                [&](const Request& req) -> Result<Response> {
                  QT_RETURN_IF_ERROR(space.WithdrawOffer(req.caller(), req.PathParam("id")));
                  return Response::Json({{"id", req.PathParam("id")}, {"active", false}});
                });
  router.Handle("POST", "/api/v1/dataspace/offers/{id}/contracts", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto policy, PolicyOnly(req));
                  QT_ASSIGN_OR_RETURN(
                      Contract c, space.RequestContract(req.caller(), req.PathParam("id"), policy));
                  return Response::Json(ContractJson(c), 201);
                });

  router.Handle("GET", "/api/v1/dataspace/contracts", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto page, req.Page());
                  QT_ASSIGN_OR_RETURN(ContractFilter filter, ContractFilterOf(req));
                  QT_ASSIGN_OR_RETURN(auto list, space.ListContracts(req.caller(), filter, page));
                  return Response::Json(PageJson(list, ContractJson));
                });
  router.Handle("GET", "/api/v1/dataspace/contracts/{id}", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Contract c,
                                      space.GetContract(req.caller(), req.PathParam("id")));
                  return Response::Json(ContractJson(c));
                });
  router.Handle("POST", "/api/v1/dataspace/contracts/{id}/offer", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto policy, PolicyOnly(req));
                  QT_ASSIGN_OR_RETURN(
                      Contract c, space.OfferContract(req.caller(), req.PathParam("id"), policy));
                  return Response::Json(ContractJson(c));
                });
  using Step = Result<Contract> (DataSpace::*)(const accounts::Principal&, const std::string&);
  for (auto [verb, step] : {std::pair<const char*, Step>{"accept", &DataSpace::AcceptContract},
                            {"finalize", &DataSpace::FinalizeContract}}) {
    router.Handle("POST", std::string("/api/v1/dataspace/contracts/{id}/") + verb, member,
                  [&space, step = step](const Request& req) -> Result<Response> {
                    if (!req.http.body.empty()) {
                      QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                      QT_RETURN_IF_ERROR(body.Finish());
                    }
                    QT_ASSIGN_OR_RETURN(Contract c,
                                        (space.*step)(req.caller(), req.PathParam("id")));
                    return Response::Json(ContractJson(c));
                  });
  }
  // A party whose key this node holds agrees or verifies with an empty body;
  // one that holds its own key sends its signature (and the provider the
  // draft it signed, from agreement-draft).
  router.Handle("GET", "/api/v1/dataspace/contracts/{id}/agreement-draft", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(std::string draft,
                                      space.AgreementDraft(req.caller(), req.PathParam("id")));
                  return Response::Json({{"agreement", draft}});
                });
  router.Handle("POST", "/api/v1/dataspace/contracts/{id}/agree", member,
                [&](const Request& req) -> Result<Response> {
                  std::optional<crypto::Signature> sig;
                  std::string agreement;
                  if (!req.http.body.empty()) {
                    QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                    QT_ASSIGN_OR_RETURN(sig, OptionalSignatureField(body, "signature"));
                    QT_ASSIGN_OR_RETURN(agreement, body.OptionalString("agreement", 64 * 1024, ""));
                    QT_RETURN_IF_ERROR(body.Finish());
                    if (sig.has_value() != !agreement.empty()) {
                      return InvalidArgument(
                          "agreement and signature: send both (a key of your own) or neither");
                    }
                  }
                  QT_ASSIGN_OR_RETURN(
                      Contract c, sig ? space.AgreeContractSigned(req.caller(), req.PathParam("id"),
                                                                  agreement, *sig)
                                      : space.AgreeContract(req.caller(), req.PathParam("id")));
                  return Response::Json(ContractJson(c));
                });
  router.Handle("POST", "/api/v1/dataspace/contracts/{id}/verify", member,
                [&](const Request& req) -> Result<Response> {
                  std::optional<crypto::Signature> sig;
                  if (!req.http.body.empty()) {
                    QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                    QT_ASSIGN_OR_RETURN(sig, OptionalSignatureField(body, "signature"));
                    QT_RETURN_IF_ERROR(body.Finish());
                  }
                  QT_ASSIGN_OR_RETURN(
                      Contract c,
                      sig ? space.VerifyContractSigned(req.caller(), req.PathParam("id"), *sig)
                          : space.VerifyContract(req.caller(), req.PathParam("id")));
                  return Response::Json(ContractJson(c));
                });
  router.Handle("POST", "/api/v1/dataspace/contracts/{id}/terminate", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string reason, body.String("reason", 500));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(Contract c, space.TerminateContract(
                                                      req.caller(), req.PathParam("id"), reason));
                  return Response::Json(ContractJson(c));
                });

  router.Handle("POST", "/api/v1/dataspace/contracts/{id}/queries", member,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  ChannelRequest r;
                  QT_ASSIGN_OR_RETURN(r.sql, body.String("sql", 10'000));
                  QT_ASSIGN_OR_RETURN(r.purpose, body.String("purpose", 100));
                  QT_ASSIGN_OR_RETURN(r.region, body.OptionalString("region", 100, ""));
                  if (auto eps = body.OptionalValue("epsilon")) {
                    QT_ASSIGN_OR_RETURN(r.epsilon_milli, EpsilonMillis(*eps, "epsilon"));
                  }
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(QueryResult q,
                                      space.Query(req.caller(), req.PathParam("id"), r));
                  return Response::Json(QueryResultJson(q));
                });
  router.Handle("GET", "/api/v1/dataspace/contracts/{id}/usage", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto page, req.Page());
                  QT_ASSIGN_OR_RETURN(auto list,
                                      space.ListUsage(req.caller(), req.PathParam("id"), page));
                  return Response::Json(PageJson(list, UsageJson));
                });
}

}  // namespace qt::api
