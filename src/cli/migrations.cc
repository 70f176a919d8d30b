#include "cli/migrations.h"

#include "accounts/accounts.h"
#include "compute/live/jobs.h"
#include "compute/market/market.h"
#include "compute/market/vouchers.h"
#include "dataspace/dataspace.h"
#include "exchange/exchange.h"
#include "federation/catalog.h"
#include "federation/negotiations.h"
#include "federation/peers.h"
#include "federation/witness.h"
#include "federation/witnessing.h"
#include "identity/identity.h"
#include "ledger/journal.h"
#include "match/migrations.h"
#include "privacy/delivery_service.h"
#include "privacy/psi_service.h"

namespace qt::cli {

std::vector<store::Migration> AllMigrations() {
  std::vector<store::Migration> all = ledger::Journal::Migrations();
  for (auto migrations :
       {accounts::Accounts::Migrations(), compute::market::Market::Migrations(),
        compute::live::Jobs::Migrations(), compute::market::Vouchers::Migrations(),
        dataspace::DataSpace::Migrations(), exchange::Exchange::Migrations(),
        privacy::PsiService::Migrations(), privacy::DeliveryService::Migrations(),
        identity::Identity::Migrations(), match::Migrations(), federation::Witness::Migrations(),
        federation::Witnessing::Migrations(), federation::Peers::Migrations(),
        federation::FederatedCatalog::Migrations(), federation::Negotiations::Migrations()}) {
    for (auto& m : migrations) all.push_back(std::move(m));
  }
  return all;
}

}  // namespace qt::cli
