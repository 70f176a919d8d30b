// The trusted data space (可信数据空间) of one node: holders bring sources,
// renovate them with pipelines into products, attach offers with usage
// policies; consumers negotiate digital contracts (Dataspace Protocol states,
// both parties sign the agreement) and use data through the virtual channel,
// which meters every use against the contract and receipts it.
//
// Storage: metadata in the store (tables ds_*); each product's rows in its
// own SQLite file under `data_dir`/runs, read only by this service, only
// through the channel and masked previews. Every change is journaled in the
// same transaction; events carry hashes, sizes and names, never data values.
//
// Who may do what: holders (data_holder organisations, members) create
// sources, pipelines, products and offers and act as provider in
// negotiations; any organisation an offer admits may negotiate it as
// consumer. Sources and pipelines are visible to their organisation only;
// product metadata to everyone signed in; offers to their audience.
//
// Thread-safety: safe for concurrent use.
#ifndef QIANTANG_DATASPACE_DATASPACE_H_
#define QIANTANG_DATASPACE_DATASPACE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "accounts/accounts.h"
#include "core/clock.h"
#include "core/random.h"
#include "crypto/ed25519.h"
#include "dataspace/channel.h"
#include "dataspace/model.h"
#include "ledger/journal.h"
#include "store/store.h"

namespace qt::dataspace {

struct DataSpaceOptions {
  const Clock* clock = nullptr;            // required
  Random* random = nullptr;                // required: ids and channel noise (a CSPRNG)
  ledger::Journal* journal = nullptr;      // required
  accounts::Accounts* accounts = nullptr;  // required: signs agreements and receipts
  std::string data_dir = "var/dataspace";  // uploaded sources and product databases
  std::string import_dir = "var/import";   // where `file` sources may point
};

struct ProductDetail {
  Product product{};
  std::vector<Offer> offers{};  // those the caller may see
};

// A product's first rows, masked, under the names of its columns.
struct ProductPreview {
  std::vector<std::string> columns{};
  std::vector<std::vector<Cell>> rows{};
};

// An offer with its product, as another city's node sees it.
struct PublishedOffer {
  Offer offer{};
  Product product{};
};

// A use of a contract by another module (PSI, delivery), as the consumer
// declares it.
struct ExternalUse {
  Action action = Action::kPsi;
  std::string purpose{};
  std::string region{};
  std::vector<std::string> fields{};
  std::string psi_output{};
  int64_t psi_client_size = 0;                        // psi: the consumer's set, in items
  nlohmann::json details = nlohmann::json::object();  // goes into the receipt (sizes, hashes)
};

struct UsableContract {
  Contract contract;
  Product product;
  Grant grant{};  // what the matching permission grants (e.g. psi sessions per day)
};

struct QueryResult {
  ChannelAnswer answer{};
  Usage usage{};
  int64_t epsilon_left_milli = 0;
  std::optional<int64_t> uses_left{};
};

class DataSpace {
 public:
  static constexpr int kPreviewRows = 10;

  DataSpace(store::Store& store, DataSpaceOptions options);
  static std::vector<store::Migration> Migrations();

  // Sources and pipelines (the holder's own).
  Result<Source> CreateSource(const accounts::Principal& caller, const NewSource& source);
  Result<accounts::Page<Source>> ListSources(const accounts::Principal& caller,
                                             const accounts::PageRequest& page);
  Result<Pipeline> CreatePipeline(const accounts::Principal& caller, const std::string& source_id,
                                  const std::string& name, const nlohmann::json& spec);
  Result<accounts::Page<Pipeline>> ListPipelines(const accounts::Principal& caller,
                                                 const accounts::PageRequest& page);
  // Runs the pipeline now (streaming; minutes for a 1 GB file) and records
  // the run's hashes and quality report on the ledger.
  Result<Run> RunPipeline(const accounts::Principal& caller, const std::string& pipeline_id);
  Result<accounts::Page<Run>> ListRuns(const accounts::Principal& caller,
                                       const std::string& pipeline_id,
                                       const accounts::PageRequest& page);

  // Catalog.
  Result<Product> CreateProduct(const accounts::Principal& caller, const NewProduct& product);
  // Products whose title, description or tags contain `text` (all if empty),
  // optionally of one provider; the page counts them all (`total`).
  Result<accounts::Page<Product>> SearchProducts(const std::string& text,
                                                 const std::string& provider_id,
                                                 const accounts::PageRequest& page);
  Result<ProductDetail> GetProduct(const accounts::Principal& caller, const std::string& id);
  // The first kPreviewRows rows, masked: each field by its mask; sensitive and
  // identifying fields without one are redacted.
  Result<ProductPreview> Preview(const std::string& product_id);
  Result<Offer> CreateOffer(const accounts::Principal& caller, const NewOffer& offer);
  // Active offers open to organisations of any node (no list of named
  // organisations in visible_to), in id order after `after_offer_id`, at
  // most `limit`: what the federation publishes in its DSP catalog.
  Result<std::vector<PublishedOffer>> PublishedOffers(const std::string& after_offer_id, int limit);
  // A text that changes whenever the published offers do: a digest of their
  // ids and creation times (an offer made or withdrawn; offers and products
  // never change otherwise), telling nothing of offers for named
  // organisations. Crawlers of this node's catalog re-read it only when it
  // changed (federation/dsp.h).
  Result<std::string> CatalogVersion();
  // Any offer by id, active or not (for modules that build on offers).
  Result<Offer> GetOffer(const std::string& offer_id);
  // An offer as `caller` may see it: its own (active or not), or an active
  // one whose audience admits the caller; not_found otherwise (as if there
  // were none, so that an offer for named organisations is not revealed).
  Result<Offer> ShowOffer(const accounts::Principal& caller, const std::string& offer_id);
  Status WithdrawOffer(const accounts::Principal& caller, const std::string& offer_id);

  // Negotiation (the Dataspace Protocol's contract negotiation). The consumer
  // requests (optionally proposing its own policy), the provider offers
  // (optionally a counter-policy), the consumer accepts, the provider agrees
  // (and signs), the consumer verifies (and signs), the provider finalizes
  // (the agreement's hash goes on the ledger). Either side may terminate an
  // unfinished or finalized contract with a reason.
  Result<Contract> RequestContract(const accounts::Principal& caller, const std::string& offer_id,
                                   const std::optional<nlohmann::json>& policy);
  Result<Contract> OfferContract(const accounts::Principal& caller, const std::string& id,
                                 const std::optional<nlohmann::json>& policy);
  Result<Contract> AcceptContract(const accounts::Principal& caller, const std::string& id);
  // The provider agrees: this node signs the agreement with the provider's
  // key it holds (kFailedPrecondition if the provider holds its own key).
  Result<Contract> AgreeContract(const accounts::Principal& caller, const std::string& id);
  // For a provider that signs itself: the exact agreement document agreeing
  // now would produce (the provider only, on an accepted contract). The
  // provider signs these bytes and agrees with AgreeContractSigned within
  // 10 minutes.
  Result<std::string> AgreementDraft(const accounts::Principal& caller, const std::string& id);
  // AgreeContract with the provider's own signature of a draft:
  // kInvalidArgument unless `agreement` is the document this contract
  // produces at the draft's agreed_at (no longer so if a party's key, or the
  // contract, changed) and that time is within 10 minutes of now;
  // kPermissionDenied unless the signature verifies under the provider's key.
  Result<Contract> AgreeContractSigned(const accounts::Principal& caller, const std::string& id,
                                       const std::string& agreement,
                                       const crypto::Signature& provider_signature);
  // The consumer verifies: this node signs with the consumer's key it holds
  // (kFailedPrecondition if the consumer holds its own key).
  Result<Contract> VerifyContract(const accounts::Principal& caller, const std::string& id);
  // VerifyContract with the consumer's signature of the agreement made
  // elsewhere (by the node or the key that holds the consumer's key):
  // kPermissionDenied unless it verifies under the consumer's public key.
  Result<Contract> VerifyContractSigned(const accounts::Principal& caller, const std::string& id,
                                        const crypto::Signature& consumer_signature);
  Result<Contract> FinalizeContract(const accounts::Principal& caller, const std::string& id);
  Result<Contract> TerminateContract(const accounts::Principal& caller, const std::string& id,
                                     const std::string& reason);
  Result<Contract> GetContract(const accounts::Principal& caller, const std::string& id);
  // Contracts the caller's organisation is a party to, as `filter` narrows
  // them, with their total; kInvalidArgument for a title search that is too
  // long or not display text.
  Result<accounts::Page<Contract>> ListContracts(const accounts::Principal& caller,
                                                 const ContractFilter& filter,
                                                 const accounts::PageRequest& page);

  // The channel: the consumer of a finalized contract runs an aggregate
  // query; refused with the failing constraint when the contract does not
  // allow it. The use is metered, journaled and receipted atomically.
  Result<QueryResult> Query(const accounts::Principal& caller, const std::string& contract_id,
                            const ChannelRequest& request);
  // For other modules' uses: CheckUse refuses (naming the failing constraint)
  // unless the caller is the consumer of a finalized contract that permits
  // `use` now, and returns the contract and its product, recording nothing;
  // RecordUse re-checks and records the use with a provider-signed receipt
  // and a ledger event, atomically.
  Result<UsableContract> CheckUse(const accounts::Principal& caller, const std::string& contract_id,
                                  const ExternalUse& use);
  Result<Usage> RecordUse(const accounts::Principal& caller, const std::string& contract_id,
                          const ExternalUse& use);

  Result<accounts::Page<Usage>> ListUsage(const accounts::Principal& caller,
                                          const std::string& contract_id,
                                          const accounts::PageRequest& page);

  // The data space in figures, for the city dashboard: uses per day are the
  // channel's aggregate queries since `since` (sum: the epsilon they spent,
  // in thousandths).
  Result<SpaceTotals> Totals(UnixMillis since);

  // Calls `observer` with each contract after every committed change of it
  // (request, transition, termination), on the thread that made the change.
  // Set once at start-up, before any request is served.
  void ObserveContracts(std::function<void(const Contract&)> observer);

  // The product database file of a run (for tests and benchmarks).
  std::string RunDbPath(const std::string& run_id) const;

 private:
  // A party's signature made outside this node, over `agreement` (the
  // provider's: the draft it signed; the consumer's: the stored agreement).
  struct PartySignature {
    std::string agreement;
    crypto::Signature signature;
  };
  static constexpr int64_t kDraftLifetimeMs = 10 * 60 * 1000;
  Result<Contract> Transition(const accounts::Principal& caller, const std::string& id,
                              ContractState from, ContractState to, bool by_provider,
                              const std::optional<nlohmann::json>& policy,
                              const PartySignature* signed_by = nullptr);
  // The agreement document of `c` as agreed at `agreed_at`.
  Result<std::string> Agreement(const Contract& c, UnixMillis agreed_at);
  // The agreed_at of a draft the provider signed, if within kDraftLifetimeMs
  // before now and not before the contract's acceptance or a party's key.
  Result<UnixMillis> AgreedAt(const Contract& c, const std::string& agreement, UnixMillis now);
  // kFailedPrecondition unless `agreement` names the party's key as it is
  // now under `role`; kPermissionDenied unless `signature` verifies under it.
  Status CheckPartySignature(const std::string& org_id, const char* role,
                             const std::string& agreement, const crypto::Signature& signature);
  // The observer's call, after a change committed.
  Result<Contract> Changed(Result<Contract> c);

  store::Store& store_;
  DataSpaceOptions options_;
  std::function<void(const Contract&)> observer_;
};

}  // namespace qt::dataspace

#endif  // QIANTANG_DATASPACE_DATASPACE_H_
