#include "api/server.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "api/accounts_routes.h"
#include "api/compute_routes.h"
#include "api/dataspace_routes.h"
#include "api/errors.h"
#include "api/exchange_routes.h"
#include "api/identity_routes.h"
#include "api/ledger_routes.h"
#include "api/market_routes.h"
#include "api/match_routes.h"
#include "api/policy_routes.h"
#include "api/privacy_routes.h"

namespace qt::api {
namespace {

// Requests that no route served (static files, 404s, 413s) are counted under
// this route label; the Router counts its own (they carry X-Request-Id).
const std::string kOtherRoute = "(static or unrouted)";

}  // namespace

ApiServer::ApiServer(ServerOptions options, accounts::Accounts& accounts, ledger::Ledger& ledger,
                     store::Store& store, MetricsRegistry& metrics, DomainServices services)
    : options_(std::move(options)),
      store_(store),
      metrics_(metrics),
      router_(http_, accounts, metrics) {
  const int threads = options_.threads;
  http_.new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<size_t>(threads));
  };
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
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
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
  RegisterDataSpaceRoutes(router_, *services.dataspace);
  RegisterExchangeRoutes(router_, *services.exchange);
  RegisterPrivacyRoutes(router_, *services.psi, *services.deliveries);
  RegisterIdentityRoutes(router_, *services.identity);
  RegisterMatchRoutes(router_, *services.finance, *services.scenarios);
  RegisterPolicyRoutes(router_, *services.policies, *services.identity);
  // The compute routes read only the built-in configuration, which the
  // compute tests load: a failure here is a build defect.
  if (Status s = RegisterComputeRoutes(router_, {.traces_dir = options_.traces_dir}); !s.ok()) {
    spdlog::critical("built-in compute configuration: {}", s.message());
    std::abort();
  }

  if (!options_.web_dir.empty()) {
    if (!http_.set_mount_point("/", options_.web_dir, {{"Cache-Control", "no-cache"}})) {
      spdlog::warn("console folder '{}' not found: the console is not served", options_.web_dir);
    }
  }
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

Result<int> ApiServer::Bind() {
  int port = options_.port == 0
                 ? http_.bind_to_any_port(options_.host)
                 : (http_.bind_to_port(options_.host, options_.port) ? options_.port : -1);
  if (port < 0) {
    return Unavailable("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                       " (in use, or not an address of this machine)");
  }
  return port;
}

Status ApiServer::Run() {
  const bool ok = stop_requested_ || http_.listen_after_bind();
  run_done_ = true;
  if (!ok) return Internal("the HTTP server stopped with an error");
  return OkStatus();
}

void ApiServer::Stop() {
  stop_requested_ = true;
  // A stop that comes before Run() is listening (a signal right after start)
  // must not be lost: wait until it listens, or has returned.
  while (!http_.is_running() && !run_done_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  http_.stop();
}

}  // namespace qt::api
