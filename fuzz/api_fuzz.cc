// Fuzzes the JSON bodies (and query strings) of every route family through
// the real Router and handlers: the request is parsed by cpp-httplib from a
// buffer (no socket), authenticated with a token of the organisation kind the
// input names, and served by the same Register*Routes the server uses, over a
// SQLite database holding the demo city's organisations.
//
// Input (text; seeds in testdata/fuzz/api/):
//   POST /api/v1/dataspace/sources          method and route pattern
//   data_holder                             caller: an org kind, or "anonymous"
//   ctr_ org_                               path parameters: "p_" is the latest id
//                                           with that prefix the server returned,
//                                           anything else is used as written
//   {"name": ...}                           the body (GET, DELETE: the query string)
// A first line that names no route picks one by its hash, so mutants still
// reach some route.
//
// Crashes: a sanitizer report, an exception escaping a handler, a 5xx answer
// (bad input must be a 4xx with a JSON error), or a JSON answer that is not
// JSON.
#include <httplib.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "accounts/accounts.h"
#include "api/accounts_routes.h"
#include "api/compute_routes.h"
#include "api/dataspace_routes.h"
#include "api/exchange_routes.h"
#include "api/identity_routes.h"
#include "api/ledger_routes.h"
#include "api/market_routes.h"
#include "api/match_routes.h"
#include "api/privacy_routes.h"
#include "api/public_policy_routes.h"
#include "api/router.h"
#include "cli/migrations.h"
#include "compute/configs.h"
#include "compute/market/market.h"
#include "compute/market/vouchers.h"
#include "core/metrics.h"
#include "crypto/random.h"
#include "crypto/sealed_box.h"
#include "dataspace/dataspace.h"
#include "demo/demo_city.h"
#include "exchange/exchange.h"
#include "identity/identity.h"
#include "ledger/journal.h"
#include "ledger/ledger.h"
#include "match/finance.h"
#include "match/public_policies.h"
#include "match/scenarios.h"
#include "privacy/delivery_service.h"
#include "privacy/psi_service.h"
#include "store/store.h"

namespace qt::fuzz {
namespace {

using nlohmann::json;

void Check(const Status& s, const char* what) {
  if (s.ok()) return;
  std::fprintf(stderr, "api_fuzz setup: %s: %s\n", what, s.ToString().c_str());
  std::abort();
}

// A connection that is a buffer: the request in, the response out.
class BufferConnection : public httplib::Stream {
 public:
  explicit BufferConnection(std::string request) : in_(std::move(request)) {}
  bool is_readable() const override { return pos_ < in_.size(); }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    size_t n = std::min(size, in_.size() - pos_);
    std::copy(in_.data() + pos_, in_.data() + pos_ + n, ptr);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 40000;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 8080;
  }
  socket_t socket() const override { return INVALID_SOCKET; }
  const std::string& out() const { return out_; }

 private:
  std::string in_;
  size_t pos_ = 0;
  std::string out_;
};

// httplib::Server's request processing, fed from a buffer.
class BufferServer : public httplib::Server {
 public:
  std::string Serve(std::string raw_request) {
    BufferConnection conn(std::move(raw_request));
    bool closed = false;
    process_request(conn, /*close_connection=*/true, closed, nullptr);
    return conn.out();
  }
};

// Everything `qiantang serve` wires together, on a fresh SQLite file.
struct World {
  std::filesystem::path dir;
  MetricsRegistry metrics;
  std::unique_ptr<store::Store> store;
  std::array<uint8_t, 32> raw_key{};
  std::unique_ptr<crypto::MasterKey> master_key;
  ledger::Journal journal{SystemClock::Get()};
  std::unique_ptr<accounts::Accounts> accounts;
  std::unique_ptr<compute::ChipCatalog> catalog;
  std::unique_ptr<compute::market::Vouchers> vouchers;
  std::unique_ptr<compute::market::Market> market;
  std::unique_ptr<dataspace::DataSpace> space;
  std::unique_ptr<exchange::Exchange> exchange;
  std::unique_ptr<privacy::PsiService> psi;
  std::unique_ptr<privacy::DeliveryService> deliveries;
  std::unique_ptr<identity::Identity> identity;
  std::unique_ptr<match::Finance> finance;
  std::unique_ptr<match::Scenarios> scenarios;
  std::unique_ptr<match::PublicPolicies> policies;
  std::unique_ptr<ledger::Ledger> ledger;
  BufferServer http;
  std::unique_ptr<api::Router> router;
  std::map<std::string, std::string> tokens;      // org kind -> token
  std::map<std::string, std::string> latest_ids;  // "ctr_" -> the latest such id answered

  World() {
    spdlog::set_level(spdlog::level::off);
    const char* base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
    dir = std::filesystem::path(base) / ("qiantang-api-fuzz-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto opened = store::OpenStore("sqlite:" + (dir / "q.db").string(), {.metrics = &metrics});
    Check(opened.status(), "open");
    store = std::move(*opened);
    Check(store::Migrate(*store, cli::AllMigrations()), "migrate");
    crypto::SystemRandom::Get().Fill(raw_key);
    master_key = std::make_unique<crypto::MasterKey>(raw_key);
    Clock& clock = SystemClock::Get();
    Random& random = crypto::SystemRandom::Get();
    accounts = std::make_unique<accounts::Accounts>(
        *store, accounts::AccountsOptions{&clock, &random, master_key.get(), &journal});
    auto loaded = compute::LoadChipCatalog("");
    Check(loaded.status(), "chips");
    catalog = std::make_unique<compute::ChipCatalog>(std::move(*loaded));
    vouchers = std::make_unique<compute::market::Vouchers>(*store, clock, random, journal);
    market = std::make_unique<compute::market::Market>(
        *store, compute::market::MarketOptions{.clock = &clock,
                                               .random = &random,
                                               .journal = &journal,
                                               .catalog = catalog.get(),
                                               .vouchers = vouchers.get()});
    const std::string data_dir = (dir / "dataspace").string();
    space = std::make_unique<dataspace::DataSpace>(
        *store, dataspace::DataSpaceOptions{.clock = &clock,
                                            .random = &random,
                                            .journal = &journal,
                                            .accounts = accounts.get(),
                                            .data_dir = data_dir,
                                            .import_dir = (dir / "import").string()});
    exchange = std::make_unique<exchange::Exchange>(
        *store, exchange::ExchangeOptions{.clock = &clock,
                                          .random = &random,
                                          .journal = &journal,
                                          .accounts = accounts.get(),
                                          .dataspace = space.get(),
                                          .public_url = "http://127.0.0.1:8080"});
    psi = std::make_unique<privacy::PsiService>(
        *store,
        privacy::PsiServiceOptions{.clock = &clock, .journal = &journal, .dataspace = space.get()});
    deliveries = std::make_unique<privacy::DeliveryService>(
        *store, privacy::DeliveryOptions{.clock = &clock,
                                         .random = &random,
                                         .journal = &journal,
                                         .accounts = accounts.get(),
                                         .dataspace = space.get(),
                                         .data_dir = data_dir});
    identity = std::make_unique<identity::Identity>(
        *store, identity::IdentityOptions{.clock = &clock,
                                          .random = &random,
                                          .journal = &journal,
                                          .accounts = accounts.get(),
                                          .master_key = master_key.get()});
    Check(identity->Init(), "identity");
    finance = std::make_unique<match::Finance>(
        *store, match::FinanceOptions{.clock = &clock, .random = &random, .journal = &journal});
    scenarios = std::make_unique<match::Scenarios>(
        *store, match::ScenarioOptions{.clock = &clock, .random = &random, .journal = &journal});
    policies = std::make_unique<match::PublicPolicies>(
        *store, match::PublicPoliciesOptions{.clock = &clock,
                                             .random = &random,
                                             .journal = &journal,
                                             .identity = identity.get(),
                                             .master_key = master_key.get()});

    auto boot = accounts->Bootstrap(
        {"杭州市数据集团有限公司", accounts::OrgKind::kOperator, "91330100MA2KQ0001N"});
    Check(boot.status(), "bootstrap");
    auto op = accounts->Authenticate((*boot)->admin_token.secret);
    Check(op.status(), "operator");
    auto city = demo::LoadDemoCity(*accounts, *op, "fuzz");
    Check(city.status(), "demo city");
    for (const auto& t : city->tokens)
      tokens[std::string(accounts::OrgKindName(t.kind))] = t.secret;
    auto op_org = accounts->Operator();
    Check(op_org.status(), "operator org");
    ledger = std::make_unique<ledger::Ledger>(
        *store, ledger::LedgerOptions{.clock = &clock,
                                      .key = op_org->public_key,
                                      .sign = [this, id = op_org->id](std::span<const uint8_t> m) {
                                        return accounts->SignAs(id, m);
                                      }});

    http.set_payload_max_length(size_t{8} << 20);
    http.set_exception_handler(
        [](const httplib::Request& req, httplib::Response&, std::exception_ptr ep) {
          std::string what = "unknown exception";
          try {
            std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            what = e.what();
          } catch (...) {
          }
          std::fprintf(stderr, "api_fuzz: exception escaped the handler of %s %s: %s\n",
                       req.method.c_str(), req.path.c_str(), what.c_str());
          std::abort();
        });
    router = std::make_unique<api::Router>(http, *accounts, metrics);
    api::RegisterAccountsRoutes(*router, *accounts);
    api::RegisterLedgerRoutes(*router, *ledger);
    api::RegisterMarketRoutes(*router, *market, *vouchers);
    api::RegisterDataSpaceRoutes(*router, *space);
    api::RegisterExchangeRoutes(*router, *exchange);
    api::RegisterPrivacyRoutes(*router, *psi, *deliveries);
    api::RegisterIdentityRoutes(*router, *identity);
    api::RegisterMatchRoutes(*router, *finance, *scenarios);
    api::RegisterPublicPolicyRoutes(*router, *policies, *identity);
    Check(api::RegisterComputeRoutes(*router, {.max_simulation_jobs = 2000}), "compute routes");
  }

  ~World() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  // Remembers every "..._..." id in an answer, by prefix.
  void Harvest(const json& j, int depth = 0) {
    if (depth > 8) return;
    if (j.is_object()) {
      for (const auto& [key, value] : j.items()) {
        if ((key == "id" || key.ends_with("_id")) && value.is_string()) {
          const std::string id = value.get<std::string>();
          const size_t us = id.find('_');
          if (us != std::string::npos && us > 0 && us < 8 && id.size() < 64) {
            latest_ids[id.substr(0, us + 1)] = id;
          }
        }
        Harvest(value, depth + 1);
      }
    } else if (j.is_array()) {
      for (size_t i = 0; i < j.size() && i < 4; ++i) Harvest(j[i], depth + 1);
    }
  }
};

World& TheWorld() {
  static World* world = [] {
    auto* w = new World();  // never destroyed: the fuzzer exits from anywhere
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(TheWorld().dir, ec);
    });
    return w;
  }();
  return *world;
}

std::string NextLine(std::string_view& in) {
  const size_t nl = in.find('\n');
  std::string line(in.substr(0, nl));
  in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  return line;
}

bool Unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

// Keeps a path segment or query string on one request line.
std::string Escape(std::string_view s, bool query) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (Unreserved(c) || (query && (c == '&' || c == '=' || c == '%'))) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace
}  // namespace qt::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  qt::fuzz::TheWorld();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qt::fuzz;
  World& w = TheWorld();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string route_line = NextLine(in);
  const std::string caller = NextLine(in);
  const std::string params_line = NextLine(in);
  const std::string_view body = in;

  const auto& routes = w.router->routes();
  const qt::api::RouteInfo* route = nullptr;
  for (const auto& r : routes) {
    if (r.method + " " + r.pattern == route_line) route = &r;
  }
  if (route == nullptr) route = &routes[std::hash<std::string>()(route_line) % routes.size()];

  // Path: each {name} from the parameters line, in order.
  std::vector<std::string> params;
  for (size_t i = 0; i < params_line.size();) {
    size_t sp = params_line.find(' ', i);
    if (sp == std::string::npos) sp = params_line.size();
    if (sp > i) params.push_back(params_line.substr(i, sp - i));
    i = sp + 1;
  }
  std::string path;
  size_t next_param = 0;
  for (size_t i = 0; i < route->pattern.size(); ++i) {
    if (route->pattern[i] != '{') {
      path += route->pattern[i];
      continue;
    }
    i = route->pattern.find('}', i);
    std::string value = next_param < params.size() ? params[next_param++] : "x";
    if (value.ends_with('_')) {
      auto it = w.latest_ids.find(value);
      if (it != w.latest_ids.end()) value = it->second;
    }
    path += Escape(value.empty() ? "x" : value, false);
  }

  const bool has_body =
      route->method == "POST" || route->method == "PUT" || route->method == "PATCH";
  if (!has_body && !body.empty()) path += "?" + Escape(body, true);
  std::string raw = route->method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  auto token = w.tokens.find(caller);
  if (token != w.tokens.end()) raw += "Authorization: Bearer " + token->second + "\r\n";
  if (has_body) {
    raw += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n";
    raw.append(body);
  } else {
    raw += "\r\n";
  }

  const std::string answer = w.http.Serve(raw);
  // "HTTP/1.1 200 OK\r\n...\r\n\r\nbody"
  const int status = answer.size() > 12 ? std::atoi(answer.c_str() + 9) : 0;
  const size_t split = answer.find("\r\n\r\n");
  const std::string head = answer.substr(0, split);
  const std::string answer_body = split == std::string::npos ? "" : answer.substr(split + 4);
  if (status >= 500 || status == 0) {
    std::fprintf(stderr, "api_fuzz: %s %s answered %d: %s\n", route->method.c_str(), path.c_str(),
                 status, answer_body.substr(0, 2000).c_str());
    std::abort();
  }
  if (head.find("Content-Type: application/json") != std::string::npos) {
    json j = json::parse(answer_body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      std::fprintf(stderr, "api_fuzz: %s %s answered %d with broken JSON: %s\n",
                   route->method.c_str(), path.c_str(), status,
                   answer_body.substr(0, 2000).c_str());
      std::abort();
    }
    if (status < 300) w.Harvest(j);
  }
  return 0;
}
