// The objects of the trusted data space: sources, pipelines and their runs,
// products, offers, contracts and uses.
#ifndef QIANTANG_DATASPACE_MODEL_H_
#define QIANTANG_DATASPACE_MODEL_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "accounts/model.h"
#include "core/clock.h"
#include "core/tally.h"
#include "dataspace/policy.h"
#include "dataspace/schema.h"

namespace qt::dataspace {

// Raw data a holder brought in: an uploaded CSV file, or a file under the
// server's import folder (for files too large to upload).
struct Source {
  std::string id{};
  std::string org_id{};
  std::string name{};
  std::string origin{};  // "upload" or "file"
  std::string path{};    // upload: in the data folder; file: relative to the import folder
  int64_t bytes = 0;
  std::string sha256{};  // hex, when registered
  Schema fields{};
  UnixMillis created_at = 0;
};

struct NewSource {
  std::string name{};
  std::string csv{};               // the file's content, for an upload, or
  std::string file{};              // a path relative to the import folder
  std::optional<Schema> fields{};  // declared; inferred from the header and 1000 rows if absent
};

struct Pipeline {
  std::string id{};
  std::string org_id{};
  std::string source_id{};
  std::string name{};
  nlohmann::json spec{};  // pipeline.h
  UnixMillis created_at = 0;
};

struct Run {
  std::string id{};
  std::string pipeline_id{};
  std::string org_id{};
  int64_t rows_in = 0, rows_out = 0;
  std::string input_hash{}, output_hash{};
  nlohmann::json report{};  // QualityJson
  Schema fields{};          // of the output
  UnixMillis started_at = 0, finished_at = 0;
  uint64_t ledger_seq = 0;
};

struct Product {
  std::string id{};
  std::string org_id{};
  std::string provider_name{};  // the organisation's name
  std::string run_id{};         // whose output is the product's data
  std::string title{};
  std::string description{};
  std::vector<std::string> tags{};
  Schema fields{};
  std::string update_frequency{};  // "once", "daily", "weekly", "monthly", "quarterly", "yearly"
  std::string licence{};
  int64_t rows = 0;
  std::string output_hash{};
  nlohmann::json quality{};
  UnixMillis created_at = 0;
};

struct NewProduct {
  std::string run_id{};
  std::string title{};
  std::string description{};
  std::vector<std::string> tags{};
  std::string update_frequency = "once";
  std::string licence{};
};

// Who an offer admits: organisations of these kinds and these organisations;
// both empty means every organisation.
struct Audience {
  std::vector<accounts::OrgKind> kinds{};
  std::vector<std::string> orgs{};
  bool Admits(const std::string& org_id, accounts::OrgKind kind) const;
};

struct Offer {
  std::string id{};
  std::string product_id{};
  std::string provider_id{};
  std::string title{};
  Policy policy{};
  Audience visible_to{};     // who sees the offer in the catalog
  Audience negotiable_by{};  // who may request a contract (must also see it)
  bool active = true;
  UnixMillis created_at = 0;
};

struct NewOffer {
  std::string product_id{};
  std::string title{};
  nlohmann::json policy{};
  Audience visible_to{}, negotiable_by{};
};

// Negotiation states of the Dataspace Protocol.
enum class ContractState {
  kRequested,
  kOffered,
  kAccepted,
  kAgreed,
  kVerified,
  kFinalized,
  kTerminated
};
std::string_view ContractStateName(ContractState s);
std::optional<ContractState> ParseContractState(std::string_view name);

struct SpaceTotals {
  int64_t products = 0;
  int64_t offers = 0;  // active
  int64_t contracts = 0;
  int64_t contracts_finalized = 0;
  std::map<std::string, int64_t> uses_by_action;  // ActionName -> uses recorded
  int64_t epsilon_milli = 0;                      // spent by every query
  std::vector<DailyTally> queries_by_day;
};

struct Contract {
  std::string id{};
  std::string offer_id{};
  std::string product_id{};
  std::string provider_id{};
  std::string consumer_id{};
  std::string product_title{};  // the product's, read with the contract
  ContractState state = ContractState::kRequested;
  Policy policy{};                                         // as last offered or requested
  std::string agreement{};                                 // canonical JSON, from agreed on
  std::string agreement_hash{};                            // hex SHA-256 of `agreement`
  std::string provider_signature{}, consumer_signature{};  // base64 Ed25519 over `agreement`
  std::string reason{};                                    // of termination
  UnixMillis created_at = 0, updated_at = 0;
  // Metered (derived from the uses): uses of this contract, and the epsilon
  // the consumer spent on the product through any of its contracts.
  int64_t uses = 0;
  int64_t epsilon_spent_milli = 0;
};

// Which of its contracts ListContracts returns: in one state, on one side,
// about products whose title contains some words.
struct ContractFilter {
  enum class Side { kEither, kProvider, kConsumer };
  std::optional<ContractState> state;
  Side side = Side::kEither;
  std::string title_contains;  // at most kMaxTitleContains bytes
  static constexpr size_t kMaxTitleContains = 200;
};

// A use of a contract through the channel, as receipted to the consumer.
struct Usage {
  std::string id{};
  std::string contract_id{};
  std::string action{};
  std::string purpose{};
  int64_t epsilon_milli = 0;
  int64_t delta_pico = 0;   // units of 1e-12 (channel.h)
  std::string receipt{};    // canonical JSON
  std::string signature{};  // base64 Ed25519 of the provider over `receipt`
  UnixMillis created_at = 0;
};

struct ChannelRequest {
  std::string sql{};
  std::string purpose{};
  std::string region{};
  int64_t epsilon_milli = 100;  // 0.1
};

}  // namespace qt::dataspace

#endif  // QIANTANG_DATASPACE_MODEL_H_
