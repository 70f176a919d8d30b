// ServeServices: the composition root of `qiantang serve`.
//
// Build opens the database and migrates it, loads the master key, bootstraps
// the operator organisation the configuration names (a new database only),
// and builds every domain service in dependency order. The members are
// declared in that order, so they are destroyed in reverse: nothing outlives
// what it points at. Build does not start threads or listen: background work
// is serve_tasks.h, the demo city serve_demo.h.
//
// Thread-safety: the struct is built and torn down by one thread; each
// service documents its own thread-safety.
#ifndef QIANTANG_CLI_SERVE_SERVICES_H_
#define QIANTANG_CLI_SERVE_SERVICES_H_

#include <memory>
#include <optional>

#include "accounts/accounts.h"
#include "api/server.h"
#include "city/dashboard.h"
#include "cli/serve_config.h"
#include "compute/configs.h"
#include "compute/live/jobs.h"
#include "compute/market/market.h"
#include "compute/market/slurm.h"
#include "compute/market/vouchers.h"
#include "core/metrics.h"
#include "crypto/sealed_box.h"
#include "crypto/tls.h"
#include "dataspace/dataspace.h"
#include "exchange/exchange.h"
#include "federation/catalog.h"
#include "federation/negotiations.h"
#include "federation/node.h"
#include "federation/peers.h"
#include "federation/witness.h"
#include "federation/witnessing.h"
#include "identity/identity.h"
#include "ledger/journal.h"
#include "ledger/ledger.h"
#include "match/finance.h"
#include "match/public_policies.h"
#include "match/scenarios.h"
#include "privacy/delivery_service.h"
#include "privacy/psi_service.h"
#include "store/store.h"

namespace qt::cli {

struct ServeServices {
  // Fails (and nothing is left running) on a bad setting, a database that
  // cannot be opened or migrated, or a master key that does not open the
  // operator's signing key. `metrics` and `tls` (null: plain HTTP) must
  // outlive the result.
  static Result<std::unique_ptr<ServeServices>> Build(const ServeConfig& config,
                                                      MetricsRegistry& metrics,
                                                      const crypto::ServerCertificate* tls);

  std::unique_ptr<store::Store> store;
  std::unique_ptr<crypto::MasterKey> master_key;
  std::unique_ptr<ledger::Journal> journal;
  std::unique_ptr<accounts::Accounts> accounts;
  // The operator's first admin token: set only when Build created the
  // operator, in a new database (it is shown once).
  std::optional<accounts::CreatedOrg> bootstrap;
  compute::ChipCatalog chips;
  std::unique_ptr<compute::market::Vouchers> vouchers;
  std::optional<compute::market::SlurmClient> slurm;
  std::unique_ptr<compute::market::Market> market;
  std::unique_ptr<compute::live::Jobs> jobs;
  std::unique_ptr<dataspace::DataSpace> space;
  exchange::ExchangeOptions exchange_options;
  std::unique_ptr<exchange::Exchange> exchange;
  std::unique_ptr<privacy::PsiService> psi;
  std::unique_ptr<privacy::DeliveryService> deliveries;
  std::unique_ptr<identity::Identity> identity;
  std::unique_ptr<federation::Witness> witness;
  std::unique_ptr<match::Finance> finance;
  std::unique_ptr<match::Scenarios> scenarios;
  std::unique_ptr<match::PublicPolicies> policies;
  // The ledger's checkpoints are signed with the operator's key.
  std::unique_ptr<ledger::Ledger> ledger;
  std::unique_ptr<federation::Node> node;
  std::unique_ptr<federation::Peers> peers;
  std::unique_ptr<federation::FederatedCatalog> federated_catalog;
  // Contracts with peers' organisations: a change the provider makes here is
  // sent to the consumer's node at once (and retried by a background task).
  std::unique_ptr<federation::Negotiations> negotiations;
  // Each new checkpoint goes to witnesses: those of the operator's policy
  // (witness_policy), or else its active peers' (a quorum of witness_quorum),
  // asked afresh each round.
  std::unique_ptr<federation::Witnessing> witnessing;
  std::unique_ptr<city::Dashboard> dashboard;
  // What the API serves, pointing at the members above.
  api::DomainServices domain;
};

}  // namespace qt::cli

#endif  // QIANTANG_CLI_SERVE_SERVICES_H_
