#include "api/market_routes.h"

#include "api/json_body.h"
#include "api/page_json.h"
#include "core/clock.h"

namespace qt::api {
namespace {

using accounts::OrgKind;
using accounts::Role;
using namespace compute::market;
using nlohmann::json;

constexpr int64_t kMaxInt = int64_t{1} << 53;  // exact in JavaScript

json ClusterJson(const ClusterOffer& c) {
  return {{"id", c.id},
          {"provider_id", c.provider_id},
          {"name", c.name},
          {"region", c.region},
          {"backend", BackendName(c.backend)},
          {"available", c.available},
          {"cards", c.cards},
          {"pflops", static_cast<double>(c.tflops) / 1000.0},
          {"pools", PoolsJson(c.pools)},
          {"fen_per_card_hour", c.fen_per_card_hour},
          {"created_at", FormatRfc3339(c.created_at)}};
}

json QuoteJson(const Quote& q) {
  return {{"id", q.id},
          {"request_id", q.request_id},
          {"cluster_id", q.cluster_id},
          {"provider_id", q.provider_id},
          {"pool", q.pool},
          {"chip", q.chip},
          {"fen_per_card_hour", q.fen_per_card_hour},
          {"amount_fen", q.amount_fen},
          {"start", FormatRfc3339(q.start_ms)},
          {"end", FormatRfc3339(q.end_ms)},
          {"leaves", q.leaves},
          {"rank", q.rank},
          {"expires_at", FormatRfc3339(q.expires_at)}};
}

json OrderJson(const Order& o) {
  return {{"id", o.id},
          {"request_id", o.request_id},
          {"quote_id", o.quote_id},
          {"enterprise_id", o.enterprise_id},
          {"provider_id", o.provider_id},
          {"cluster_id", o.cluster_id},
          {"pool", o.pool},
          {"chip", o.chip},
          {"cards", o.cards},
          {"start", FormatRfc3339(o.start_ms)},
          {"end", FormatRfc3339(o.end_ms)},
          {"fen_per_card_hour", o.fen_per_card_hour},
          {"amount_fen", o.amount_fen},
          {"state", OrderStateName(o.state)},
          {"reason", o.reason},
          {"started_at", o.started_at ? json(FormatRfc3339(o.started_at)) : json(nullptr)},
          {"finished_at", o.finished_at ? json(FormatRfc3339(o.finished_at)) : json(nullptr)},
          {"usage_card_hours", static_cast<double>(o.usage_card_ms) / 3.6e6},
          {"backend_job", o.backend_job.empty() ? json(nullptr) : json(o.backend_job)},
          {"created_at", FormatRfc3339(o.created_at)}};
}

json BillJson(const Bill& b) {
  json lines = json::array();
  for (const BillLine& l : b.lines)
    lines.push_back({{"description", l.description}, {"amount_fen", l.amount_fen}});
  return {{"id", b.id},
          {"order_id", b.order_id},
          {"enterprise_id", b.enterprise_id},
          {"provider_id", b.provider_id},
          {"usage_card_hours", static_cast<double>(b.usage_card_ms) / 3.6e6},
          {"gross_fen", b.gross_fen},
          {"voucher_fen", b.voucher_fen},
          {"payable_fen", b.payable_fen},
          {"lines", lines},
          {"created_at", FormatRfc3339(b.created_at)}};
}

json ProgrammeJson(const Programme& p) {
  return {{"id", p.id},
          {"authority_id", p.authority_id},
          {"name", p.name},
          {"budget_fen", p.budget_fen},
          {"ratio_bp", p.ratio_bp},
          {"cap_fen_per_enterprise_year", p.cap_fen_per_enterprise_year},
          {"valid_from", FormatRfc3339(p.valid_from)},
          {"valid_to", FormatRfc3339(p.valid_to)},
          {"issued_fen", p.issued_fen},
          {"redeemed_fen", p.redeemed_fen},
          {"created_at", FormatRfc3339(p.created_at)}};
}

json ApplicationJson(const Application& a) {
  return {{"id", a.id},
          {"programme_id", a.programme_id},
          {"enterprise_id", a.enterprise_id},
          {"amount_fen", a.amount_fen},
          {"state", a.state},
          {"reason", a.reason},
          {"voucher_id", a.voucher_id.empty() ? json(nullptr) : json(a.voucher_id)},
          {"created_at", FormatRfc3339(a.created_at)},
          {"decided_at", a.decided_at ? json(FormatRfc3339(a.decided_at)) : json(nullptr)}};
}

json Groups(const std::vector<Capacity::Group>& groups, const char* key) {
  json out = json::array();
  for (const auto& g : groups) {
    out.push_back({{key, g.key},
                   {"cards", g.cards},
                   {"pflops", static_cast<double>(g.tflops) / 1000.0},
                   {"busy_cards", g.busy_cards}});
  }
  return out;
}

template <typename T, typename F>
json Items(const std::vector<T>& v, F f) {
  json out = json::array();
  for (const auto& x : v) out.push_back(f(x));
  return {{"items", out}};
}

Result<NewCluster> ParseCluster(JsonBody& body) {
  NewCluster c;
  QT_ASSIGN_OR_RETURN(c.name, body.String("name", 200));
  QT_ASSIGN_OR_RETURN(c.region, body.String("region", 200));
  QT_ASSIGN_OR_RETURN(std::string backend,
                      body.OptionalEnum("backend", {"simulated", "slurm"}, "simulated"));
  c.backend = *ParseBackend(backend);
  QT_ASSIGN_OR_RETURN(std::vector<JsonBody> pools, body.Objects("pools", 64));
  for (JsonBody& p : pools) {
    PoolSpec s;
    QT_ASSIGN_OR_RETURN(s.name, p.String("name", 200));
    QT_ASSIGN_OR_RETURN(s.chip, p.String("chip", 100));
    QT_ASSIGN_OR_RETURN(int64_t nodes, p.Int("nodes", 1, 100'000));
    QT_ASSIGN_OR_RETURN(int64_t cpn, p.OptionalInt("cards_per_node", 8, 1, 64));
    QT_ASSIGN_OR_RETURN(int64_t cpu, p.OptionalInt("cpu_cores_per_node", 128, 1, 4096));
    QT_ASSIGN_OR_RETURN(int64_t mem, p.OptionalInt("memory_gib_per_node", 2048, 1, 1 << 20));
    QT_ASSIGN_OR_RETURN(int64_t npl, p.OptionalInt("nodes_per_leaf", 32, 1, 4096));
    QT_ASSIGN_OR_RETURN(int64_t lpp, p.OptionalInt("leaves_per_pod", 8, 1, 4096));
    s.nodes = static_cast<int>(nodes);
    s.cards_per_node = static_cast<int>(cpn);
    s.cpu_cores_per_node = static_cast<int>(cpu);
    s.memory_gib_per_node = static_cast<int>(mem);
    s.nodes_per_leaf = static_cast<int>(npl);
    s.leaves_per_pod = static_cast<int>(lpp);
    QT_RETURN_IF_ERROR(p.Finish());
    c.pools.push_back(std::move(s));
  }
  QT_ASSIGN_OR_RETURN(c.fen_per_card_hour,
                      body.IntMap("fen_per_card_hour", 1, Market::kMaxFenPerCardHour, 64));
  QT_RETURN_IF_ERROR(body.Finish());
  return c;
}

Result<int64_t> ParseTime(JsonBody& body, const std::string& field, int64_t fallback) {
  QT_ASSIGN_OR_RETURN(std::string text, body.OptionalString(field, 40, ""));
  if (text.empty()) return fallback;
  auto t = ParseRfc3339(text);
  if (!t) return InvalidArgument(field + ": not an RFC 3339 time such as 2026-12-01T08:00:00Z");
  return *t;
}

}  // namespace

void RegisterMarketRoutes(Router& router, Market& market, Vouchers& vouchers) {
  const Access provider = Access::Kinds({OrgKind::kComputeProvider}, Role::kMember);
  const Access enterprise = Access::Kinds({OrgKind::kEnterprise}, Role::kMember);
  const Access authority = Access::Kinds({OrgKind::kAuthority}, Role::kMember);

  router.Handle("POST", "/api/v1/compute/provider-clusters", provider,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(NewCluster c, ParseCluster(body));
                  QT_ASSIGN_OR_RETURN(ClusterOffer offer, market.RegisterCluster(req.caller(), c));
                  return Response::Json(ClusterJson(offer), 201);
                });
  router.Handle("GET", "/api/v1/compute/provider-clusters", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto clusters, market.ListClusters(req.Query("provider_id")));
                  return Response::Json(Items(clusters, ClusterJson));
                });
  router.Handle(
      "POST", "/api/v1/compute/provider-clusters/{id}/availability", provider,
      [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
        QT_ASSIGN_OR_RETURN(bool available, body.OptionalBool("available", true));
        QT_RETURN_IF_ERROR(body.Finish());
        QT_RETURN_IF_ERROR(market.SetAvailable(req.caller(), req.PathParam("id"), available));
        return Response::Json({{"id", req.PathParam("id")}, {"available", available}});
      });
  router.Handle(
      "POST", "/api/v1/compute/provider-clusters/{id}/prices", provider,
      [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
        QT_ASSIGN_OR_RETURN(auto prices,
                            body.IntMap("fen_per_card_hour", 1, Market::kMaxFenPerCardHour, 64));
        QT_RETURN_IF_ERROR(body.Finish());
        QT_RETURN_IF_ERROR(market.SetPrices(req.caller(), req.PathParam("id"), prices));
        return Response::Json({{"id", req.PathParam("id")}, {"fen_per_card_hour", prices}});
      });
  router.Handle(
      "GET", "/api/v1/compute/capacity", Access::Public(), [&](const Request&) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(Capacity cap, market.PooledCapacity());
        return Response::Json(
            {{"cards", cap.cards},
             {"pflops", static_cast<double>(cap.tflops) / 1000.0},
             {"busy_cards", cap.busy_cards},
             {"utilization", cap.cards ? static_cast<double>(cap.busy_cards) / cap.cards : 0.0},
             {"by_provider", Groups(cap.by_provider, "provider_id")},
             {"by_chip", Groups(cap.by_chip, "chip")},
             {"by_region", Groups(cap.by_region, "region")}});
      });

  router.Handle(
      "POST", "/api/v1/compute/requests", enterprise, [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
        NewRequest r;
        QT_ASSIGN_OR_RETURN(r.cards, body.Int("cards", 1, Market::kMaxCards));
        QT_ASSIGN_OR_RETURN(r.chip, body.OptionalString("chip", 100, "any"));
        QT_ASSIGN_OR_RETURN(r.gang, body.OptionalBool("gang", true));
        QT_ASSIGN_OR_RETURN(int64_t duration_s,
                            body.Int("duration_s", 60, Market::kMaxDurationMs / 1000));
        r.duration_ms = duration_s * 1000;
        int64_t now = SystemClock::Get().NowMillis();
        QT_ASSIGN_OR_RETURN(r.window_start, ParseTime(body, "window_start", now));
        QT_ASSIGN_OR_RETURN(r.window_end,
                            ParseTime(body, "window_end", r.window_start + 7 * 24 * 3'600'000LL));
        QT_ASSIGN_OR_RETURN(r.max_fen_per_card_hour,
                            body.Int("max_fen_per_card_hour", 1, Market::kMaxFenPerCardHour));
        QT_RETURN_IF_ERROR(body.Finish());
        QT_ASSIGN_OR_RETURN(auto posted, market.PostRequest(req.caller(), r));
        const ComputeRequest& cr = posted.request;
        json quotes = json::array();
        for (const Quote& q : posted.quotes) quotes.push_back(QuoteJson(q));
        return Response::Json({{"id", cr.id},
                               {"cards", cr.cards},
                               {"chip", cr.chip},
                               {"gang", cr.gang},
                               {"duration_s", cr.duration_ms / 1000},
                               {"window_start", FormatRfc3339(cr.window_start)},
                               {"window_end", FormatRfc3339(cr.window_end)},
                               {"max_fen_per_card_hour", cr.max_fen_per_card_hour},
                               {"state", RequestStateName(cr.state)},
                               {"quotes", quotes}},
                              201);
      });
  router.Handle("GET", "/api/v1/compute/requests/{id}/quotes", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto quotes,
                                      market.Quotes(req.caller(), req.PathParam("id")));
                  return Response::Json(Items(quotes, QuoteJson));
                });
  router.Handle("POST", "/api/v1/compute/quotes/{id}/accept", enterprise,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(Order o,
                                      market.AcceptQuote(req.caller(), req.PathParam("id")));
                  return Response::Json(OrderJson(o), 201);
                });
  router.Handle("GET", "/api/v1/compute/orders", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto page, req.Page());
                  QT_ASSIGN_OR_RETURN(auto orders, market.ListOrders(req.caller(), page));
                  return Response::Json(PageJson(orders, OrderJson));
                });
  router.Handle("POST", "/api/v1/compute/orders/{id}/cancel", Access::SignedIn(Role::kMember),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(std::string reason, body.String("reason", 500));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(
                      Order o, market.CancelOrder(req.caller(), req.PathParam("id"), reason));
                  return Response::Json(OrderJson(o));
                });
  router.Handle("GET", "/api/v1/compute/bills", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto page, req.Page());
                  QT_ASSIGN_OR_RETURN(auto bills, market.ListBills(req.caller(), page));
                  return Response::Json(PageJson(bills, BillJson));
                });
  router.Handle("GET", "/api/v1/compute/trades", Access::Public(),
                [&](const Request&) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto stats, market.TradeStats());
                  int64_t total = 0;
                  json items = json::array();
                  for (const TradeStat& s : stats) {
                    total += s.amount_fen;
                    items.push_back({{"provider_id", s.provider_id},
                                     {"month", s.month},
                                     {"orders", s.orders},
                                     {"amount_fen", s.amount_fen}});
                  }
                  return Response::Json({{"total_fen", total}, {"items", items}});
                });

  router.Handle("POST", "/api/v1/compute/voucher-programmes", authority,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  NewProgramme p;
                  QT_ASSIGN_OR_RETURN(p.name, body.String("name", 200));
                  QT_ASSIGN_OR_RETURN(p.budget_fen, body.Int("budget_fen", 1, kMaxInt));
                  QT_ASSIGN_OR_RETURN(p.ratio_bp, body.Int("ratio_bp", 1, 10'000));
                  QT_ASSIGN_OR_RETURN(p.cap_fen_per_enterprise_year,
                                      body.Int("cap_fen_per_enterprise_year", 1, kMaxInt));
                  int64_t now = SystemClock::Get().NowMillis();
                  QT_ASSIGN_OR_RETURN(p.valid_from, ParseTime(body, "valid_from", now));
                  QT_ASSIGN_OR_RETURN(p.valid_to, ParseTime(body, "valid_to", 0));
                  if (p.valid_to == 0) return InvalidArgument("valid_to: is required");
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(Programme prog, vouchers.CreateProgramme(req.caller(), p));
                  return Response::Json(ProgrammeJson(prog), 201);
                });
  router.Handle("GET", "/api/v1/compute/voucher-programmes", Access::SignedIn(),
                [&](const Request&) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto programmes, vouchers.ListProgrammes());
                  return Response::Json(Items(programmes, ProgrammeJson));
                });
  router.Handle(
      "GET", "/api/v1/compute/voucher-programmes/{id}/report", Access::SignedIn(),
      [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(ProgrammeReport rep,
                            vouchers.Report(req.caller(), req.PathParam("id")));
        auto rows = [](const std::vector<ProgrammeReport::Row>& v, const char* key) {
          json out = json::array();
          for (const auto& r : v) {
            out.push_back(
                {{key, r.key}, {"issued_fen", r.issued_fen}, {"redeemed_fen", r.redeemed_fen}});
          }
          return out;
        };
        return Response::Json({{"programme", ProgrammeJson(rep.programme)},
                               {"by_enterprise", rows(rep.by_enterprise, "enterprise_id")},
                               {"by_provider", rows(rep.by_provider, "provider_id")}});
      });
  router.Handle("POST", "/api/v1/compute/voucher-programmes/{id}/applications", enterprise,
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
                  QT_ASSIGN_OR_RETURN(int64_t amount, body.Int("amount_fen", 1, kMaxInt));
                  QT_RETURN_IF_ERROR(body.Finish());
                  QT_ASSIGN_OR_RETURN(Application a,
                                      vouchers.Apply(req.caller(), req.PathParam("id"), amount));
                  return Response::Json(ApplicationJson(a), 201);
                });
  router.Handle("GET", "/api/v1/compute/voucher-applications", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto page, req.Page());
                  QT_ASSIGN_OR_RETURN(auto apps, vouchers.ListApplications(req.caller(), page));
                  return Response::Json(PageJson(apps, ApplicationJson));
                });
  router.Handle(
      "POST", "/api/v1/compute/voucher-applications/{id}/decision", authority,
      [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
        QT_ASSIGN_OR_RETURN(std::string decision, body.Enum("decision", {"approve", "reject"}));
        QT_ASSIGN_OR_RETURN(int64_t amount, body.OptionalInt("amount_fen", 0, 0, kMaxInt));
        QT_ASSIGN_OR_RETURN(std::string reason, body.OptionalString("reason", 500, ""));
        QT_RETURN_IF_ERROR(body.Finish());
        QT_ASSIGN_OR_RETURN(Application a, vouchers.Decide(req.caller(), req.PathParam("id"),
                                                           decision == "approve", amount, reason));
        return Response::Json(ApplicationJson(a));
      });
  router.Handle(
      "POST", "/api/v1/compute/related-parties", authority,
      [&](const Request& req) -> Result<Response> {
        QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
        QT_ASSIGN_OR_RETURN(std::string enterprise_id, body.String("enterprise_id", 100));
        QT_ASSIGN_OR_RETURN(std::string provider_id, body.String("provider_id", 100));
        QT_RETURN_IF_ERROR(body.Finish());
        QT_RETURN_IF_ERROR(vouchers.AddRelatedParty(req.caller(), enterprise_id, provider_id));
        return Response::Json({{"enterprise_id", enterprise_id}, {"provider_id", provider_id}},
                              201);
      });
  router.Handle("GET", "/api/v1/compute/vouchers", Access::SignedIn(),
                [&](const Request& req) -> Result<Response> {
                  QT_ASSIGN_OR_RETURN(auto list, vouchers.ListVouchers(req.caller()));
                  return Response::Json(Items(list, [](const Voucher& v) {
                    return json{{"id", v.id},
                                {"programme_id", v.programme_id},
                                {"enterprise_id", v.enterprise_id},
                                {"amount_fen", v.amount_fen},
                                {"redeemed_fen", v.redeemed_fen},
                                {"remaining_fen", v.amount_fen - v.redeemed_fen},
                                {"issued_at", FormatRfc3339(v.issued_at)},
                                {"expires_at", FormatRfc3339(v.expires_at)}};
                  }));
                });
}

}  // namespace qt::api
