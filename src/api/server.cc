#include "api/server.h"

#include <spdlog/spdlog.h>

#include <cctype>
#include <chrono>
#include <filesystem>

#include "api/accounts_routes.h"
#include "api/city_routes.h"
#include "api/compute_routes.h"
#include "api/dataspace_routes.h"
#include "api/errors.h"
#include "api/exchange_routes.h"
#include "api/federation_routes.h"
#include "api/identity_routes.h"
#include "api/jobs_routes.h"
#include "api/ledger_routes.h"
#include "api/market_routes.h"
#include "api/match_routes.h"
#include "api/negotiation_routes.h"
#include "api/peering_routes.h"
#include "api/privacy_routes.h"
#include "api/public_policy_routes.h"

namespace qt::api {
namespace {

// Requests that no route served (static files, 404s, 413s) are counted under
// this route label; the Router counts its own (they carry X-Request-Id).
const std::string kOtherRoute = "(static or unrouted)";

// The console's pages: scripts, styles and images from this origin only (images
// also as data: URLs, which the console draws QR codes and plots with), no
// inline script and no eval, no plugins, never inside a frame. WebAssembly may
// be compiled ('wasm-unsafe-eval', not 'unsafe-eval'): the browser's PSI runs
// libsodium as WebAssembly that a script from this origin carries.
const char kConsolePolicy[] =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

// Static file names are plain: [A-Za-z0-9._-] segments, none starting with a
// dot, and nothing percent-encoded in the request target (so "%00", "%2e%2e"
// and "%2f" never reach the file system as something else).
bool IsPlainStaticPath(const httplib::Request& req) {
  std::string_view raw(req.target);
  raw = raw.substr(0, raw.find('?'));
  if (raw.find('%') != std::string_view::npos || req.path.empty() || req.path[0] != '/') {
    return false;
  }
  bool segment_start = true;
  for (char c : req.path) {
    if (c == '/') {
      segment_start = true;
      continue;
    }
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) {
      return false;
    }
    if (segment_start && c == '.') return false;  // ".", "..", hidden files
    segment_start = false;
  }
  return true;
}

}  // namespace

ApiServer::ApiServer(ServerOptions options, accounts::Accounts& accounts, ledger::Ledger& ledger,
                     store::Store& store, MetricsRegistry& metrics, DomainServices services)
    : options_(std::move(options)),
      store_(store),
      metrics_(metrics),
      router_(http_, accounts, metrics),
      front_(
          {.host = options_.host,
           .port = options_.port,
           .workers = options_.threads,
           .max_connections = options_.max_connections,
           .max_connections_per_address = options_.max_connections_per_address,
           .header_timeout = std::chrono::seconds(options_.header_timeout_seconds),
           .body_timeout = std::chrono::seconds(options_.body_timeout_seconds),
           .keep_alive_timeout = std::chrono::seconds(options_.keep_alive_seconds),
           .max_body_bytes = options_.max_body_bytes,
           .tls = options_.tls},
          [this](httplib::Stream& stream, bool close_connection) {
            bool closed = false;
            const bool ok =
                http_.process_request(stream, close_connection, closed,
                                      [this](httplib::Request& req) { SetClientAddress(req); });
            return ok && !closed;
          },
          options_.trusted_proxies, metrics) {
  http_.set_payload_max_length(options_.max_body_bytes);
  http_.set_keep_alive_timeout(options_.keep_alive_seconds);
  http_.set_keep_alive_max_count(100000);
  http_.set_tcp_nodelay(true);
  http_.set_default_headers({{"X-Content-Type-Options", "nosniff"}});

  // Responses that no handler wrote a body for: unknown routes, 413, malformed HTTP.
  http_.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        Status s =
            res.status == 404 ? NotFound("no route " + req.method + " " + req.path)
            : res.status == 413
                ? PayloadTooLarge("request body is larger than the server's limit")
                : Status(res.status >= 500 ? StatusCode::kInternal : StatusCode::kInvalidArgument,
                         "malformed request (HTTP " + std::to_string(res.status) + ")");
        res.set_content(ErrorBody(s), "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }));
  http_.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, const std::exception_ptr& ep) {
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        spdlog::error("{} {}: unhandled exception: {}", req.method, req.path, what);
        res.status = 500;
        res.set_content(ErrorBody(Internal("internal error")), "application/json");
      });
  http_.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    if (res.has_header("X-Request-Id")) return;  // served and counted by the Router
    metrics_
        .GetCounter("qiantang_http_requests_total", "HTTP requests",
                    {{"route", kOtherRoute},
                     {"method", "*"},
                     {"code", std::to_string(std::clamp(res.status / 100, 1, 5)) + "xx"}})
        .Increment();
    if (res.status >= 400) spdlog::info("- {} {} {}", req.method, req.path, res.status);
  });

  RegisterSystemRoutes();
  RegisterAccountsRoutes(router_, accounts);
  RegisterLedgerRoutes(router_, ledger);
  RegisterMarketRoutes(router_, *services.market, *services.vouchers);
  RegisterJobsRoutes(router_, *services.jobs);
  RegisterDataSpaceRoutes(router_, *services.dataspace);
  RegisterExchangeRoutes(router_, *services.exchange);
  RegisterPrivacyRoutes(router_, *services.psi, *services.deliveries);
  RegisterIdentityRoutes(router_, *services.identity);
  RegisterMatchRoutes(router_, *services.finance, *services.scenarios);
  RegisterPublicPolicyRoutes(router_, *services.policies, *services.identity);
  RegisterFederationRoutes(router_, *services.witness, services.witnessing, *services.peers);
  RegisterPeeringRoutes(router_, {.node = services.node,
                                  .peers = services.peers,
                                  .catalog = services.federated_catalog,
                                  .witness = services.witness,
                                  .witnessing = services.witnessing,
                                  .dataspace = services.dataspace});
  RegisterNegotiationRoutes(router_, *services.peers, *services.negotiations);
  RegisterCityRoutes(router_, *services.dashboard);
  // The compute routes read only the built-in configuration, which the
  // compute tests load: a failure here is a build defect.
  if (Status s = RegisterComputeRoutes(router_, {.traces_dir = options_.traces_dir}); !s.ok()) {
    spdlog::critical("built-in compute configuration: {}", s.message());
    std::abort();
  }

  HardenStaticFiles();
  if (!options_.web_dir.empty()) {
    if (!http_.set_mount_point("/", options_.web_dir, {{"Cache-Control", "no-cache"}})) {
      spdlog::warn("console folder '{}' not found: the console is not served", options_.web_dir);
    }
  }
}

city::CityServices CityServicesOf(accounts::Accounts& accounts, ledger::Ledger& ledger,
                                  const DomainServices& services) {
  return {.accounts = &accounts,
          .market = services.market,
          .vouchers = services.vouchers,
          .dataspace = services.dataspace,
          .exchange = services.exchange,
          .finance = services.finance,
          .scenarios = services.scenarios,
          .policies = services.policies,
          .identity = services.identity,
          .ledger = &ledger,
          .witnessing = services.witnessing};
}

void ApiServer::RegisterSystemRoutes() {
  router_.Handle("GET", "/healthz", Access::Public(), [this](const Request&) -> Result<Response> {
    QT_RETURN_IF_ERROR(store_.Read([](store::Tx& tx) { return tx.Query("SELECT 1").status(); })
                           .WithContext("database"));
    return Response::Json({{"status", "ok"}, {"database", store_.backend()}});
  });
  router_.Handle("GET", "/metrics", Access::Public(), [this](const Request&) -> Result<Response> {
    return Response::Text(metrics_.RenderPrometheus(), "text/plain; version=0.0.4");
  });
}

void ApiServer::HardenStaticFiles() {
  http_.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    // RFC 8615 well-known URIs are routes, not files (DSP's dspace-version).
    if (req.path.starts_with("/api/") || req.path.starts_with("/.well-known/") ||
        IsPlainStaticPath(req)) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    res.status = 400;
    res.set_content(ErrorBody(InvalidArgument("file names are letters, digits, '.', '_' and '-', "
                                              "not encoded and not starting with '.'")),
                    "application/json");
    return httplib::Server::HandlerResponse::Handled;
  });
  http_.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.get_header_value("Content-Type").starts_with("text/html")) {
      res.set_header("Content-Security-Policy", kConsolePolicy);
      res.set_header("X-Frame-Options", "DENY");
    }
  });
}

void ApiServer::SetClientAddress(httplib::Request& req) const {
  if (!options_.trusted_proxies.empty()) {
    std::string forwarded;
    const size_t n = req.get_header_value_count("X-Forwarded-For");
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) forwarded += ',';
      forwarded += req.get_header_value("X-Forwarded-For", i);
    }
    req.remote_addr = options_.trusted_proxies.ClientAddress(req.remote_addr, forwarded);
  }
  // One value, ours, whatever the client sent under that name.
  req.headers.erase("REMOTE_ADDR");
  req.set_header("REMOTE_ADDR", req.remote_addr);
}

Result<int> ApiServer::Bind() { return front_.Bind(); }

Status ApiServer::Run() { return front_.Run(); }

void ApiServer::Stop() { front_.Stop(); }

}  // namespace qt::api
