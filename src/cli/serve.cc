#include "cli/serve.h"

#include <malloc.h>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <thread>

#include "accounts/accounts.h"
#include "api/server.h"
#include "cli/migrations.h"
#include "compute/configs.h"
#include "compute/market/market.h"
#include "compute/market/slurm.h"
#include "compute/market/vouchers.h"
#include "core/periodic.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "crypto/tls.h"
#include "dataspace/dataspace.h"
#include "demo/demo_city.h"
#include "demo/demo_compute.h"
#include "demo/demo_dataspace.h"
#include "demo/demo_exchange.h"
#include "demo/demo_identity.h"
#include "demo/demo_match.h"
#include "demo/demo_policies.h"
#include "demo/demo_privacy.h"
#include "exchange/exchange.h"
#include "exchange/numbering.h"
#include "federation/catalog.h"
#include "federation/negotiations.h"
#include "federation/node.h"
#include "federation/peers.h"
#include "federation/witness.h"
#include "federation/witnessing.h"
#include "ledger/journal.h"
#include "ledger/ledger.h"
#include "privacy/delivery_service.h"
#include "privacy/psi_service.h"
#include "store/store.h"

namespace qt::cli {
namespace {

// Reads the 32-byte master key (64 hex characters) from `path`, creating the
// file with a fresh key if it does not exist.
Result<std::array<uint8_t, 32>> LoadMasterKey(const std::string& path) {
  std::array<uint8_t, 32> key;
  if (!std::filesystem::exists(path)) {
    crypto::SystemRandom::Get().Fill(key);
    std::error_code ec;
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    std::ofstream out(path);
    out << crypto::HexEncode(key) << "\n";
    out.close();
    if (!out) return Internal("cannot write master key file " + path);
    chmod(path.c_str(), 0600);
    spdlog::warn("created a new master key in {}; keep it with the database", path);
    return key;
  }
  std::ifstream in(path);
  std::string hex;
  in >> hex;
  auto bytes = crypto::HexDecode(hex);
  if (!bytes.ok() || bytes->size() != key.size()) {
    return InvalidArgument("master_key_file: " + path + " must hold 64 hex characters");
  }
  std::copy(bytes->begin(), bytes->end(), key.begin());
  return key;
}

// Every connection is a descriptor: raise the soft limit to the hard one, and
// say so if even that cannot hold max_connections plus files and the database.
void RaiseOpenFileLimit(int64_t max_connections) {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0) return;
  r.rlim_cur = r.rlim_max;
  setrlimit(RLIMIT_NOFILE, &r);
  getrlimit(RLIMIT_NOFILE, &r);
  const auto needed = static_cast<rlim_t>(max_connections + 256);
  if (r.rlim_cur != RLIM_INFINITY && r.rlim_cur < needed) {
    spdlog::warn(
        "open file limit {} is below max_connections + 256 = {}: connections beyond it "
        "wait in the listen queue (raise it with ulimit -n or LimitNOFILE=)",
        r.rlim_cur, needed);
  }
}

// glibc gives each thread that allocates under contention its own arena, up
// to 8 per core, and keeps what each arena ever held: with a pool of workers
// the resident size then creeps up for hours while only reading (41.7 MiB an
// hour in the read-only soak; 0.0 with two arenas over 30 minutes, with no
// loss of throughput: docs/BENCHMARKS.md). MALLOC_ARENA_MAX, if set, wins.
void LimitMallocArenas() {
  if (std::getenv("MALLOC_ARENA_MAX") != nullptr) return;
  mallopt(M_ARENA_MAX, 2);
}

// The node's base URL as configured, without a trailing '/' ("" if not set).
std::string PublicUrl(const ServeConfig& config) {
  std::string url = config.public_url;
  while (url.ends_with('/')) url.pop_back();
  return url;
}

// "https://" when the server speaks TLS, else "http://".
std::string Scheme(const ServeConfig& config) {
  return config.tls_cert.empty() ? "http://" : "https://";
}

void Print(const std::string& line) {
  std::cout << line << std::endl;  // flushed: harnesses read it as it comes
}

Status Serve(const ServeConfig& config) {
  // Before anything is created: secrets never lie where others read.
  QT_RETURN_IF_ERROR(CheckFolders(config));
  LimitMallocArenas();
  MetricsRegistry metrics;
  QT_ASSIGN_OR_RETURN(auto store, store::OpenStore(config.db, {.metrics = &metrics}));
  QT_RETURN_IF_ERROR(store::Migrate(*store, AllMigrations()));
  QT_ASSIGN_OR_RETURN(auto raw_key, LoadMasterKey(config.master_key_file));
  crypto::MasterKey master_key(raw_key);
  ledger::Journal journal(SystemClock::Get());
  accounts::Accounts accounts(*store, {.clock = &SystemClock::Get(),
                                       .random = &crypto::SystemRandom::Get(),
                                       .master_key = &master_key,
                                       .journal = &journal,
                                       .token_ttl_ms = config.token_ttl_days * 24 * 3600 * 1000});
  QT_RETURN_IF_ERROR(accounts.CheckMasterKey());

  QT_ASSIGN_OR_RETURN(compute::ChipCatalog catalog, compute::LoadChipCatalog(""));
  compute::market::Vouchers vouchers(*store, SystemClock::Get(), crypto::SystemRandom::Get(),
                                     journal);
  const int64_t time_scale =
      config.simulated_time_scale > 0 ? config.simulated_time_scale : (config.demo ? 600 : 1);
  std::optional<compute::market::SlurmClient> slurm;
  if (!config.slurm_conf.empty()) slurm.emplace(config.slurm_conf);
  compute::market::Market market(*store, {.clock = &SystemClock::Get(),
                                          .random = &crypto::SystemRandom::Get(),
                                          .journal = &journal,
                                          .catalog = &catalog,
                                          .vouchers = &vouchers,
                                          .simulated_time_scale = time_scale,
                                          .slurm = slurm ? &*slurm : nullptr});

  const std::string data_dir = ResolvedDataDir(config);
  dataspace::DataSpace space(*store, {.clock = &SystemClock::Get(),
                                      .random = &crypto::SystemRandom::Get(),
                                      .journal = &journal,
                                      .accounts = &accounts,
                                      .data_dir = data_dir,
                                      .import_dir = ResolvedImportDir(config)});

  QT_RETURN_IF_ERROR(
      exchange::ValidateNumberFormat(config.certificate_format).WithContext("certificate_format"));
  const exchange::ExchangeOptions exchange_options{
      .clock = &SystemClock::Get(),
      .random = &crypto::SystemRandom::Get(),
      .journal = &journal,
      .accounts = &accounts,
      .dataspace = &space,
      .number_format = config.certificate_format,
      .notice_days = config.notice_days,
      .public_url = config.public_url.empty() ? Scheme(config) + config.listen : config.public_url};
  exchange::Exchange exchange(*store, exchange_options);
  privacy::PsiService psi(*store,
                          {.clock = &SystemClock::Get(), .journal = &journal, .dataspace = &space});
  privacy::DeliveryService deliveries(*store, {.clock = &SystemClock::Get(),
                                               .random = &crypto::SystemRandom::Get(),
                                               .journal = &journal,
                                               .accounts = &accounts,
                                               .dataspace = &space,
                                               .data_dir = data_dir});

  identity::Identity identity(*store, {.clock = &SystemClock::Get(),
                                       .random = &crypto::SystemRandom::Get(),
                                       .journal = &journal,
                                       .accounts = &accounts,
                                       .master_key = &master_key,
                                       .dynamic_ttl_s = config.code_ttl_s});
  QT_RETURN_IF_ERROR(identity.Init());
  QT_ASSIGN_OR_RETURN(auto witness,
                      federation::Witness::Open(*store, {.name = config.witness_name,
                                                         .clock = &SystemClock::Get(),
                                                         .random = &crypto::SystemRandom::Get(),
                                                         .master_key = &master_key,
                                                         .journal = &journal,
                                                         .metrics = &metrics}));
  match::Finance finance(
      *store,
      {.clock = &SystemClock::Get(), .random = &crypto::SystemRandom::Get(), .journal = &journal});
  match::Scenarios scenarios(
      *store,
      {.clock = &SystemClock::Get(), .random = &crypto::SystemRandom::Get(), .journal = &journal});
  match::Policies policies(*store, {.clock = &SystemClock::Get(),
                                    .random = &crypto::SystemRandom::Get(),
                                    .journal = &journal,
                                    .identity = &identity,
                                    .master_key = &master_key,
                                    .outbound = {.allowed_hosts = config.outbound_allow_hosts}});

  QT_ASSIGN_OR_RETURN(auto boot, accounts.Bootstrap(demo::OperatorOrg()));
  if (boot) {
    Print("bootstrap operator token (shown once): " + boot->admin_token.secret);
  }
  if (config.demo) {
    if (!boot) {
      Print(
          "demo: the database is not new; the demo city was not loaded again (its tokens are in " +
          (std::filesystem::path(config.master_key_file).parent_path() / "demo-tokens.txt")
              .string() +
          ")");
    } else {
      QT_ASSIGN_OR_RETURN(auto op, accounts.Authenticate(boot->admin_token.secret));
      const auto start = std::chrono::steady_clock::now();
      QT_ASSIGN_OR_RETURN(auto city, demo::LoadDemoCity(accounts, op, config.demo_seed));
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
      QT_RETURN_IF_ERROR(demo::LoadDemoCompute(accounts, market, vouchers));
      Print("demo: loaded " + std::to_string(city.orgs_created) + " organisations in " +
            std::to_string(ms) + " ms");
      const auto ds_start = std::chrono::steady_clock::now();
      QT_RETURN_IF_ERROR(demo::LoadDemoDataSpace(accounts, op, space, config.demo_seed));
      QT_RETURN_IF_ERROR(
          demo::LoadDemoExchange(*store, accounts, space, exchange_options, config.demo_seed));
      QT_RETURN_IF_ERROR(demo::LoadDemoPrivacy(accounts, space, psi, deliveries, config.demo_seed));
      Print("demo: the data space's " + std::to_string(demo::kDemoDataEnterprises) +
            " data enterprises published their products and the exchange registered them in " +
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - ds_start)
                               .count()) +
            " ms");
      const auto id_start = std::chrono::steady_clock::now();
      QT_ASSIGN_OR_RETURN(auto codes, demo::LoadDemoIdentity(accounts, identity, config.demo_seed,
                                                             config.demo_citizens));
      Print("demo: enrolled " + std::to_string(codes.citizens) + " citizens (" +
            std::to_string(codes.talents) + " talent statuses, " + std::to_string(codes.terminals) +
            " terminals, " + std::to_string(codes.scans) + " scans) in " +
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - id_start)
                               .count()) +
            " ms");
      const auto fm_start = std::chrono::steady_clock::now();
      QT_ASSIGN_OR_RETURN(auto station, demo::LoadDemoMatch(accounts, op, finance, config.demo_seed,
                                                            config.demo_firms));
      Print("demo: the finance station screened " + std::to_string(station.firms) +
            " tech firms; " + std::to_string(station.institutions) + " institutions published " +
            std::to_string(station.products) + " products, in " +
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - fm_start)
                               .count()) +
            " ms");
      QT_ASSIGN_OR_RETURN(auto lists,
                          demo::LoadDemoScenarios(accounts, scenarios, config.demo_seed));
      Print("demo: the scenario platform lists " + std::to_string(lists.demands) + " demands and " +
            std::to_string(lists.capabilities) + " capabilities, " + std::to_string(lists.pairs) +
            " paired");
      const auto pl_start = std::chrono::steady_clock::now();
      QT_ASSIGN_OR_RETURN(auto spring_rain, demo::LoadDemoPolicies(accounts, policies));
      Print("demo: " + std::to_string(spring_rain.policies) + " policies found " +
            std::to_string(spring_rain.notices) + " eligible firms and people, in " +
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - pl_start)
                               .count()) +
            " ms");
      // Kept beside the master key too, so a demo user who restarts can sign in again.
      auto path = std::filesystem::path(config.master_key_file).parent_path() / "demo-tokens.txt";
      std::ofstream file(path);
      if (!codes.citizen_token.empty()) {
        const std::string line =
            "demo citizen token " + codes.citizen_name + ": " + codes.citizen_token;
        Print(line);
        file << line << "\n";
      }
      for (const auto& t : city.tokens) {
        std::string line = "demo token " + std::string(accounts::OrgKindName(t.kind)) + " " +
                           t.org_name + ": " + t.secret;
        Print(line);
        file << line << "\n";
      }
      // Not "demo token ...": one line per kind there, which scripts rely on.
      for (const auto& t : city.holder_tokens) {
        std::string line = "demo holder token " + t.org_name + ": " + t.secret;
        Print(line);
        file << line << "\n";
      }
      file.close();
      chmod(path.c_str(), 0600);
    }
  }

  // TLS: the certificate is loaded once here (a bad file stops the start) and
  // then reloaded by the front end when its files change.
  std::unique_ptr<crypto::ServerCertificate> tls;
  if (!config.tls_cert.empty()) {
    QT_ASSIGN_OR_RETURN(tls, crypto::ServerCertificate::Load(config.tls_cert, config.tls_key));
  }

  // The ledger's checkpoints are signed with the operator's key.
  QT_ASSIGN_OR_RETURN(accounts::Org op, accounts.Operator());
  ledger::Ledger ledger(*store, {.origin = config.ledger_origin,
                                 .clock = &SystemClock::Get(),
                                 .key = op.public_key,
                                 .sign = [&accounts, id = op.id](std::span<const uint8_t> m) {
                                   return accounts.SignAs(id, m);
                                 }});
  // Background tasks: a run that fails or throws is logged, counted in
  // qiantang_background_failures_total{task} and tried again next interval.
  ledger::CheckpointPublisher publisher(ledger, config.checkpoint_interval_ms, &metrics);
  // Federation: this node's identity, its peers, and their catalogs, crawled
  // (pending peers greeted first) every crawl interval.
  QT_ASSIGN_OR_RETURN(auto node,
                      federation::Node::Open(*store, {.name = config.node_name,
                                                      .city = config.node_city,
                                                      .url = PublicUrl(config),
                                                      .ledger_vkey = ledger.VerifierKey(),
                                                      .witness_vkey = witness->VerifierKey(),
                                                      .clock = &SystemClock::Get(),
                                                      .random = &crypto::SystemRandom::Get(),
                                                      .master_key = &master_key,
                                                      .tls = tls.get()}));
  federation::Peers peers(*store, {.clock = &SystemClock::Get(),
                                   .journal = &journal,
                                   .node = node.get(),
                                   .witness = witness.get(),
                                   .timeout_seconds = static_cast<int>(config.peer_timeout_s),
                                   .plain_http = config.plain_http_peers});
  federation::FederatedCatalog federated_catalog(*store, peers, *node, space,
                                                 {.clock = &SystemClock::Get(),
                                                  .metrics = &metrics,
                                                  .crawl_interval_ms = config.crawl_interval_ms});
  // Contracts with peers' organisations: a change the provider makes here is
  // sent to the consumer's node at once, and retried by the sync task.
  federation::Negotiations negotiations(*store, {.clock = &SystemClock::Get(),
                                                 .random = &crypto::SystemRandom::Get(),
                                                 .journal = &journal,
                                                 .ledger = &ledger,
                                                 .node = node.get(),
                                                 .peers = &peers,
                                                 .catalog = &federated_catalog,
                                                 .dataspace = &space,
                                                 .accounts = &accounts,
                                                 .psi = &psi});
  space.ObserveContracts(
      [&negotiations](const dataspace::Contract& c) { negotiations.ContractChanged(c); });
  PeriodicTask negotiation_sync(
      "negotiation_sync", 1000, [&negotiations] { return negotiations.Sync(); }, &metrics);
  std::optional<PeriodicTask> crawler;
  // Each new checkpoint goes to witnesses, signed with the node key: those of
  // the operator's policy (--witness-policy), or else its active peers'
  // (a quorum of --witness-quorum of them), asked afresh each round.
  const federation::WitnessingOptions witnessing_options{
      .clock = &SystemClock::Get(),
      .metrics = &metrics,
      .sign = [&node](std::string_view method, std::string_view url,
                      std::string_view body) { return node->SignRequest(method, url, body); },
      // A peer's witness is named after the peer (Peers::WitnessPolicy).
      .tls_pin_for = [&peers](const std::string& name,
                              const std::string& url) { return peers.PinnedKeyOf(name, url); }};
  std::unique_ptr<federation::Witnessing> witnessing;
  if (!config.witness_policy.empty()) {
    std::ifstream in(config.witness_policy);
    if (!in) return InvalidArgument("witness_policy: cannot read " + config.witness_policy);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto policy = federation::Policy::Parse(text);
    if (!policy.ok()) return policy.status().WithContext("witness_policy");
    QT_ASSIGN_OR_RETURN(witnessing, federation::Witnessing::Make(*store, ledger, std::move(*policy),
                                                                 witnessing_options));
  } else {
    witnessing = federation::Witnessing::FromSource(
        *store, ledger,
        [&peers, vkey = ledger.VerifierKey(), quorum = static_cast<int>(config.witness_quorum)] {
          return peers.WitnessPolicy(vkey, quorum);
        },
        witnessing_options);
  }
  PeriodicTask submissions(
      "witness_submissions", config.checkpoint_interval_ms,
      [&witnessing] { return witnessing->Round(); }, &metrics);

  // Simulated clusters run their orders here; several processes may all do
  // it (each transition is conditional on the order's state).
  PeriodicTask dispatcher(
      "market_ticks", config.market_tick_ms, [&market] { return market.Advance().status(); },
      &metrics);
  // Policies find people: profile changes by any process become notices, and
  // notices go out to webhooks.
  PeriodicTask noticer(
      "policy_sync", 1000,
      [&policies]() -> Status {
        QT_ASSIGN_OR_RETURN(match::SyncReport r, policies.Sync());
        if (r.damaged == 0) return OkStatus();
        return Internal(std::to_string(r.damaged) + " damaged profiles passed over (logged)");
      },
      &metrics);
  PeriodicTask webhooks(
      "webhooks", 1000, [&policies] { return policies.Deliver(100).status(); }, &metrics);
  // The city's figures for the console's dashboard, recomputed in the
  // background so that a request never queries the store.
  api::DomainServices services{
      &market,       &vouchers,        &space,     &exchange,  &psi,
      &deliveries,   &identity,        &finance,   &scenarios, &policies,
      witness.get(), witnessing.get(), node.get(), &peers,     &federated_catalog,
      &negotiations};
  city::Dashboard dashboard(api::CityServicesOf(accounts, ledger, services), SystemClock::Get());
  services.dashboard = &dashboard;
  PeriodicTask dashboard_refresher(
      "dashboard", config.dashboard_refresh_ms, [&dashboard] { return dashboard.Refresh(); },
      &metrics);
  // In the demo, enterprises keep posting requests and accepting quotes.
  demo::DemoTraffic traffic(accounts, market, config.demo_seed);
  std::optional<PeriodicTask> demand;
  if (config.demo) {
    demand.emplace(
        "demo_traffic", config.demo_traffic_ms, [&traffic] { return traffic.Step(); }, &metrics);
  }

  QT_ASSIGN_OR_RETURN(api::TrustedProxies proxies,
                      api::TrustedProxies::Parse(config.trusted_proxies));
  RaiseOpenFileLimit(config.max_connections);
  api::ApiServer server(
      {.host = config.host,
       .port = config.port,
       .threads = static_cast<int>(config.threads),
       .max_body_bytes = static_cast<size_t>(config.max_body_bytes),
       .max_connections = static_cast<int>(config.max_connections),
       .max_connections_per_address = static_cast<int>(config.max_connections_per_address),
       .header_timeout_seconds = static_cast<int>(config.header_timeout_s),
       .body_timeout_seconds = static_cast<int>(config.body_timeout_s),
       .trusted_proxies = std::move(proxies),
       .web_dir = config.web_dir,
       .traces_dir = config.traces_dir,
       .tls = tls.get()},
      accounts, ledger, *store, metrics, services);
  QT_ASSIGN_OR_RETURN(int port, server.Bind());
  std::string host =
      config.host.find(':') != std::string::npos ? "[" + config.host + "]" : config.host;
  if (PublicUrl(config).empty()) {
    QT_RETURN_IF_ERROR(node->set_url(Scheme(config) + host + ":" + std::to_string(port)));
  }
  crawler.emplace(
      "federation_crawl", config.crawl_interval_ms,
      [&peers, &federated_catalog]() -> Status {
        Status greeted = peers.GreetPending();
        Status crawled = federated_catalog.Crawl();
        return crawled.ok() ? greeted : crawled;
      },
      &metrics);
  Print("listening on " + Scheme(config) + host + ":" + std::to_string(port));

  // SIGINT and SIGTERM are blocked in every thread and taken by this watcher,
  // which stops the server; in-flight requests finish first.
  std::thread watcher([&server] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR1);
    int sig = 0;
    sigwait(&set, &sig);
    if (sig != SIGUSR1) spdlog::info("signal {}: finishing in-flight requests", sig);
    server.Stop();
  });
  Status s = server.Run();
  pthread_kill(watcher.native_handle(), SIGUSR1);  // wakes the watcher if no signal came
  watcher.join();
  spdlog::info("stopped");
  return s;
}

}  // namespace

int RunServe(const ServeConfig& config) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  auto logger = spdlog::stderr_color_mt("qiantang");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(config.log_level));

  Status s = Serve(config);
  if (!s.ok()) {
    std::cerr << "qiantang serve: " << s.message() << std::endl;
    return 1;
  }
  return 0;
}

}  // namespace qt::cli
