#include "cli/serve_services.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "cli/migrations.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "exchange/numbering.h"

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

Status BuildComputeAndDataSpace(const ServeConfig& config, ServeServices& s) {
  const Clock* clock = &SystemClock::Get();
  Random* random = &crypto::SystemRandom::Get();
  QT_ASSIGN_OR_RETURN(s.chips, compute::LoadChipCatalog(""));
  s.vouchers = std::make_unique<compute::market::Vouchers>(*s.store, *clock, *random, *s.journal);
  if (!config.slurm_conf.empty()) s.slurm.emplace(config.slurm_conf);
  const int64_t time_scale =
      config.simulated_time_scale > 0 ? config.simulated_time_scale : (config.demo ? 600 : 1);
  s.market = std::make_unique<compute::market::Market>(
      *s.store, compute::market::MarketOptions{.clock = clock,
                                               .random = random,
                                               .journal = s.journal.get(),
                                               .catalog = &s.chips,
                                               .vouchers = s.vouchers.get(),
                                               .simulated_time_scale = time_scale,
                                               .slurm = s.slurm ? &*s.slurm : nullptr});
  s.jobs = std::make_unique<compute::live::Jobs>(
      *s.store, compute::live::JobsOptions{.clock = clock,
                                           .random = random,
                                           .journal = s.journal.get(),
                                           .catalog = &s.chips,
                                           .market = s.market.get(),
                                           .time_scale = time_scale,
                                           .policy = config.jobs_policy,
                                           .accounts = s.accounts.get()});
  const std::string data_dir = ResolvedDataDir(config);
  s.space = std::make_unique<dataspace::DataSpace>(
      *s.store, dataspace::DataSpaceOptions{.clock = clock,
                                            .random = random,
                                            .journal = s.journal.get(),
                                            .accounts = s.accounts.get(),
                                            .data_dir = data_dir,
                                            .import_dir = ResolvedImportDir(config)});
  QT_RETURN_IF_ERROR(
      exchange::ValidateNumberFormat(config.certificate_format).WithContext("certificate_format"));
  s.exchange_options = {.clock = clock,
                        .random = random,
                        .journal = s.journal.get(),
                        .accounts = s.accounts.get(),
                        .dataspace = s.space.get(),
                        .number_format = config.certificate_format,
                        .notice_days = config.notice_days,
                        .public_url = config.public_url.empty() ? UrlScheme(config) + config.listen
                                                                : config.public_url};
  s.exchange = std::make_unique<exchange::Exchange>(*s.store, s.exchange_options);
  s.psi = std::make_unique<privacy::PsiService>(
      *s.store, privacy::PsiServiceOptions{
                    .clock = clock, .journal = s.journal.get(), .dataspace = s.space.get()});
  s.deliveries = std::make_unique<privacy::DeliveryService>(
      *s.store, privacy::DeliveryOptions{.clock = clock,
                                         .random = random,
                                         .journal = s.journal.get(),
                                         .accounts = s.accounts.get(),
                                         .dataspace = s.space.get(),
                                         .data_dir = data_dir});
  return OkStatus();
}

Status BuildIdentityAndMatch(const ServeConfig& config, MetricsRegistry& metrics,
                             ServeServices& s) {
  const Clock* clock = &SystemClock::Get();
  Random* random = &crypto::SystemRandom::Get();
  s.identity = std::make_unique<identity::Identity>(
      *s.store, identity::IdentityOptions{.clock = clock,
                                          .random = random,
                                          .journal = s.journal.get(),
                                          .accounts = s.accounts.get(),
                                          .master_key = s.master_key.get(),
                                          .dynamic_ttl_s = config.code_ttl_s});
  QT_RETURN_IF_ERROR(s.identity->Init());
  QT_ASSIGN_OR_RETURN(s.witness,
                      federation::Witness::Open(*s.store, {.name = config.witness_name,
                                                           .clock = clock,
                                                           .random = random,
                                                           .master_key = s.master_key.get(),
                                                           .journal = s.journal.get(),
                                                           .metrics = &metrics}));
  s.finance = std::make_unique<match::Finance>(
      *s.store,
      match::FinanceOptions{.clock = clock, .random = random, .journal = s.journal.get()});
  s.scenarios = std::make_unique<match::Scenarios>(
      *s.store,
      match::ScenarioOptions{.clock = clock, .random = random, .journal = s.journal.get()});
  s.policies = std::make_unique<match::PublicPolicies>(
      *s.store,
      match::PublicPoliciesOptions{.clock = clock,
                                   .random = random,
                                   .journal = s.journal.get(),
                                   .identity = s.identity.get(),
                                   .master_key = s.master_key.get(),
                                   .outbound = {.allowed_hosts = config.outbound_allow_hosts}});
  return OkStatus();
}

Result<std::unique_ptr<federation::Witnessing>> BuildWitnessing(const ServeConfig& config,
                                                                MetricsRegistry& metrics,
                                                                ServeServices& s) {
  const federation::WitnessingOptions options{
      .clock = &SystemClock::Get(),
      .metrics = &metrics,
      .sign = [node = s.node.get()](
                  std::string_view method, std::string_view url,
                  std::string_view body) { return node->SignRequest(method, url, body); },
      // A peer's witness is named after the peer (Peers::WitnessPolicy).
      .tls_pin_for = [peers = s.peers.get()](
                         const std::string& name,
                         const std::string& url) { return peers->PinnedKeyOf(name, url); }};
  if (config.witness_policy.empty()) {
    return federation::Witnessing::FromSource(
        *s.store, *s.ledger,
        [peers = s.peers.get(), vkey = s.ledger->VerifierKey(),
         quorum = static_cast<int>(config.witness_quorum)] {
          return peers->WitnessPolicy(vkey, quorum);
        },
        options);
  }
  std::ifstream in(config.witness_policy);
  if (!in) return InvalidArgument("witness_policy: cannot read " + config.witness_policy);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto policy = federation::Policy::Parse(text);
  if (!policy.ok()) return policy.status().WithContext("witness_policy");
  return federation::Witnessing::Make(*s.store, *s.ledger, std::move(*policy), options);
}

Status BuildLedgerAndFederation(const ServeConfig& config, MetricsRegistry& metrics,
                                const crypto::ServerCertificate* tls, ServeServices& s) {
  const Clock* clock = &SystemClock::Get();
  Random* random = &crypto::SystemRandom::Get();
  QT_ASSIGN_OR_RETURN(accounts::Org op, s.accounts->Operator());
  s.ledger = std::make_unique<ledger::Ledger>(
      *s.store, ledger::LedgerOptions{
                    .origin = config.ledger_origin,
                    .clock = clock,
                    .key = op.public_key,
                    .sign = [accounts = s.accounts.get(), id = op.id](std::span<const uint8_t> m) {
                      return accounts->SignAs(id, m);
                    }});
  QT_ASSIGN_OR_RETURN(s.node,
                      federation::Node::Open(*s.store, {.name = config.node_name,
                                                        .city = config.node_city,
                                                        .url = PublicUrl(config),
                                                        .ledger_vkey = s.ledger->VerifierKey(),
                                                        .witness_vkey = s.witness->VerifierKey(),
                                                        .clock = clock,
                                                        .random = random,
                                                        .master_key = s.master_key.get(),
                                                        .tls = tls}));
  s.peers = std::make_unique<federation::Peers>(
      *s.store, federation::PeersOptions{.clock = clock,
                                         .journal = s.journal.get(),
                                         .node = s.node.get(),
                                         .witness = s.witness.get(),
                                         .timeout_seconds = static_cast<int>(config.peer_timeout_s),
                                         .plain_http = config.plain_http_peers});
  s.federated_catalog = std::make_unique<federation::FederatedCatalog>(
      *s.store, *s.peers, *s.node, *s.space,
      federation::CatalogOptions{
          .clock = clock, .metrics = &metrics, .crawl_interval_ms = config.crawl_interval_ms});
  s.negotiations = std::make_unique<federation::Negotiations>(
      *s.store, federation::NegotiationsOptions{.clock = clock,
                                                .random = random,
                                                .journal = s.journal.get(),
                                                .ledger = s.ledger.get(),
                                                .node = s.node.get(),
                                                .peers = s.peers.get(),
                                                .catalog = s.federated_catalog.get(),
                                                .dataspace = s.space.get(),
                                                .accounts = s.accounts.get(),
                                                .psi = s.psi.get()});
  s.space->ObserveContracts([negotiations = s.negotiations.get()](const dataspace::Contract& c) {
    negotiations->ContractChanged(c);
  });
  QT_ASSIGN_OR_RETURN(s.witnessing, BuildWitnessing(config, metrics, s));
  return OkStatus();
}

}  // namespace

Result<std::unique_ptr<ServeServices>> ServeServices::Build(const ServeConfig& config,
                                                            MetricsRegistry& metrics,
                                                            const crypto::ServerCertificate* tls) {
  auto s = std::make_unique<ServeServices>();
  QT_ASSIGN_OR_RETURN(s->store, store::OpenStore(config.db, {.metrics = &metrics}));
  QT_RETURN_IF_ERROR(store::Migrate(*s->store, AllMigrations()));
  QT_ASSIGN_OR_RETURN(auto raw_key, LoadMasterKey(config.master_key_file));
  s->master_key = std::make_unique<crypto::MasterKey>(raw_key);
  s->journal = std::make_unique<ledger::Journal>(SystemClock::Get());
  s->accounts = std::make_unique<accounts::Accounts>(
      *s->store,
      accounts::AccountsOptions{.clock = &SystemClock::Get(),
                                .random = &crypto::SystemRandom::Get(),
                                .master_key = s->master_key.get(),
                                .journal = s->journal.get(),
                                .token_ttl_ms = config.token_ttl_days * 24 * 3600 * 1000});
  QT_ASSIGN_OR_RETURN(s->bootstrap,
                      s->accounts->Bootstrap({config.operator_name, accounts::OrgKind::kOperator,
                                              config.operator_credit_code}));
  QT_RETURN_IF_ERROR(s->accounts->CheckMasterKey());
  QT_RETURN_IF_ERROR(BuildComputeAndDataSpace(config, *s));
  QT_RETURN_IF_ERROR(BuildIdentityAndMatch(config, metrics, *s));
  QT_RETURN_IF_ERROR(BuildLedgerAndFederation(config, metrics, tls, *s));
  s->domain = {s->market.get(),       s->vouchers.get(), s->space.get(),
               s->exchange.get(),     s->psi.get(),      s->deliveries.get(),
               s->identity.get(),     s->finance.get(),  s->scenarios.get(),
               s->policies.get(),     s->witness.get(),  s->witnessing.get(),
               s->node.get(),         s->peers.get(),    s->federated_catalog.get(),
               s->negotiations.get(), s->jobs.get()};
  // The city's figures for the console's dashboard, recomputed in the
  // background so that a request never queries the store.
  s->dashboard = std::make_unique<city::Dashboard>(
      api::CityServicesOf(*s->accounts, *s->ledger, s->domain), SystemClock::Get());
  s->domain.dashboard = s->dashboard.get();
  return s;
}

}  // namespace qt::cli
