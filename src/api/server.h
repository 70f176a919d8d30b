// ApiServer: the HTTP server of `qiantang serve`.
//
// Serves the JSON API under /api/v1, GET /healthz, GET /metrics (Prometheus
// text) and the static console from web_dir at /. Connections are held by the
// event-driven FrontEnd (api/front_end.h: header and body deadlines, a
// per-address and a total connection cap), which hands each complete request
// to a fixed pool of workers; cpp-httplib parses it, routes it (Router) and
// writes the response, with keep-alive and a request body limit (413 beyond
// it). Stop() stops accepting, lets in-flight requests finish, and makes Run()
// return.
//
// The client's address of a request (Request::http.remote_addr) is the TCP
// peer, or, from a peer in trusted_proxies, the address X-Forwarded-For names
// (api/client_address.h); it is set before the Router sees the request.
//
// Static files: only plain names ([A-Za-z0-9._-/], no dot segments, nothing
// percent-encoded) are looked up; every response carries
// X-Content-Type-Options: nosniff, and HTML pages a Content-Security-Policy
// allowing this origin's scripts, styles and images only, no framing.
//
// Thread-safety: Stop() may be called from any thread (a signal watcher), even
// before Run() has started listening; everything else from the thread that
// owns the server.
//
// Example:
//   ApiServer server(options, accounts, ledger, store, metrics, {&market, &vouchers, &space,
//   &exchange, &psi, &deliveries, &identity, &finance, &scenarios}); QT_ASSIGN_OR_RETURN(int port,
//   server.Bind()); server.Run();  // until server.Stop()
#ifndef QIANTANG_API_SERVER_H_
#define QIANTANG_API_SERVER_H_

#include <httplib.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "accounts/accounts.h"
#include "api/client_address.h"
#include "api/front_end.h"
#include "api/router.h"
#include "city/dashboard.h"
#include "compute/live/jobs.h"
#include "compute/market/market.h"
#include "compute/market/vouchers.h"
#include "core/metrics.h"
#include "dataspace/dataspace.h"
#include "exchange/exchange.h"
#include "federation/catalog.h"
#include "federation/negotiations.h"
#include "federation/node.h"
#include "federation/peers.h"
#include "federation/witness.h"
#include "federation/witnessing.h"
#include "identity/identity.h"
#include "ledger/ledger.h"
#include "match/finance.h"
#include "match/public_policies.h"
#include "match/scenarios.h"
#include "privacy/delivery_service.h"
#include "privacy/psi_service.h"
#include "store/store.h"

namespace qt::api {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (Bind returns it)
  int threads = 16;
  size_t max_body_bytes = size_t{8} << 20;
  int keep_alive_seconds = 5;
  int max_connections = 4096;             // open connections; beyond: 503 at once
  int max_connections_per_address = 128;  // from one peer address; beyond: 503 at once
  int header_timeout_seconds = 10;        // a request's headers, from its first byte: else 408
  int body_timeout_seconds = 30;          // its body, from the end of the headers: else 408
  TrustedProxies trusted_proxies;         // peers whose X-Forwarded-For is believed
  std::string web_dir;                    // empty: no console
  std::string traces_dir;  // job traces the compute routes may simulate ('' for none)
  crypto::ServerCertificate* tls = nullptr;  // null: plain HTTP (api/front_end.h)
};

// The domain services whose routes the server registers.
struct DomainServices {
  compute::market::Market* market = nullptr;                  // required
  compute::market::Vouchers* vouchers = nullptr;              // required
  dataspace::DataSpace* dataspace = nullptr;                  // required
  exchange::Exchange* exchange = nullptr;                     // required
  privacy::PsiService* psi = nullptr;                         // required
  privacy::DeliveryService* deliveries = nullptr;             // required
  identity::Identity* identity = nullptr;                     // required
  match::Finance* finance = nullptr;                          // required
  match::Scenarios* scenarios = nullptr;                      // required
  match::PublicPolicies* policies = nullptr;                  // required
  federation::Witness* witness = nullptr;                     // required
  federation::Witnessing* witnessing = nullptr;               // null: no witness policy
  federation::Node* node = nullptr;                           // required
  federation::Peers* peers = nullptr;                         // required
  federation::FederatedCatalog* federated_catalog = nullptr;  // required
  federation::Negotiations* negotiations = nullptr;           // required
  compute::live::Jobs* jobs = nullptr;                        // required
  city::Dashboard* dashboard = nullptr;                       // required
};

// The city dashboard's view of the same services (city/dashboard.h).
city::CityServices CityServicesOf(accounts::Accounts& accounts, ledger::Ledger& ledger,
                                  const DomainServices& services);

class ApiServer {
 public:
  ApiServer(ServerOptions options, accounts::Accounts& accounts, ledger::Ledger& ledger,
            store::Store& store, MetricsRegistry& metrics, DomainServices services);

  // Binds the listening socket; returns the port.
  Result<int> Bind();
  // Serves until Stop(). REQUIRES: Bind() succeeded.
  Status Run();
  void Stop();

  const std::vector<RouteInfo>& routes() const { return router_.routes(); }

 private:
  // cpp-httplib's request handling, driven by the FrontEnd's streams.
  class Http : public httplib::Server {
   public:
    using httplib::Server::process_request;
  };

  void RegisterSystemRoutes();
  void HardenStaticFiles();
  // Sets the request's client address (see the file comment).
  void SetClientAddress(httplib::Request& req) const;

  ServerOptions options_;
  store::Store& store_;
  MetricsRegistry& metrics_;
  Http http_;
  Router router_;
  FrontEnd front_;
};

}  // namespace qt::api

#endif  // QIANTANG_API_SERVER_H_
