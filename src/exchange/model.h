// The objects of the data exchange (数据交易所): registration applications
// with their evidence and objections, certificates (each change a new
// version), pledges, listings and trades.
#ifndef QIANTANG_EXCHANGE_MODEL_H_
#define QIANTANG_EXCHANGE_MODEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/tally.h"

namespace qt::exchange {

// The three data rights (三权) a registration may cover.
inline constexpr const char* kRights[] = {"resource_holding", "processing_use",
                                          "product_operation"};

struct Evidence {
  std::string name{};
  std::string content{};  // bytes
};

struct EvidenceInfo {
  std::string id{};
  std::string name{};
  std::string sha256{};
  int64_t bytes = 0;
};

struct NewApplication {
  std::vector<std::string> rights{};
  std::string data_name{};
  std::string description{};
  std::string data_type{};    // dataset, data_product, database, api
  std::string source_kind{};  // collected, generated, licensed
  std::string source_ref{};   // the licence contract's reference (required when licensed)
  std::string format{};
  std::string scale{};
  std::string update_cycle{};
  std::string product_id{};  // the data space product whose snapshot is registered
  std::vector<Evidence> evidence{};
  std::string credit_code{};  // optional: if given, must be the applicant's own, valid code
};

// Each state, status and kind below is stored and sent as its name (XName),
// and read back with ParseX (nullopt for a name it does not know).

// Workflow: submitted -> formal_review -> substantive_review -> public_notice
// -> issued, or rejected (with grounds) from any state before issued.
enum class ApplicationState {
  kSubmitted,
  kFormalReview,
  kSubstantiveReview,
  kPublicNotice,
  kIssued,
  kRejected
};
// "submitted", "formal_review", "substantive_review", "public_notice", "issued", "rejected"
std::string_view ApplicationStateName(ApplicationState s);
std::optional<ApplicationState> ParseApplicationState(std::string_view name);

struct Application {
  std::string id{};
  std::string applicant_id{};
  std::string holder_name{};
  std::string credit_code{};
  NewApplication data{};
  std::string snapshot_sha256{};
  ApplicationState state = ApplicationState::kSubmitted;
  std::string grounds{};
  UnixMillis notice_until = 0;
  std::string reviewer_id{};
  std::string certificate_number{};
  std::vector<EvidenceInfo> evidence{};
  int64_t open_objections = 0;
  UnixMillis created_at = 0, updated_at = 0;
};

enum class ObjectionState { kOpen, kUpheld, kDismissed };
std::string_view ObjectionStateName(ObjectionState s);  // "open", "upheld", "dismissed"
std::optional<ObjectionState> ParseObjectionState(std::string_view name);

struct Objection {
  std::string id{};
  std::string application_id{};
  std::string objector_id{};
  std::string reason{};
  ObjectionState state = ObjectionState::kOpen;
  std::string resolution{};
  UnixMillis created_at = 0, resolved_at = 0;
};

// What made a certificate version.
enum class CertificateChange { kIssued, kTransferred, kChanged, kRenewed, kCancelled };
// "issued", "transferred", "changed", "renewed", "cancelled"
std::string_view CertificateChangeName(CertificateChange c);
std::optional<CertificateChange> ParseCertificateChange(std::string_view name);

// Stored: valid or cancelled. Read: expired once a valid version's
// valid_until has passed, superseded for every version but the latest.
enum class CertificateStatus { kValid, kCancelled, kExpired, kSuperseded };
// "valid", "cancelled", "expired", "superseded"
std::string_view CertificateStatusName(CertificateStatus s);
std::optional<CertificateStatus> ParseCertificateStatus(std::string_view name);

// One version of a certificate. The number is the certificate's identity;
// every change (transfer, change of details, renewal, cancellation) is a new
// version whose document names the previous one's hash.
struct Certificate {
  std::string number{};
  int64_t version = 1;
  CertificateChange change = CertificateChange::kIssued;
  CertificateStatus status = CertificateStatus::kValid;
  std::string holder_id{};
  std::string issuer_id{};
  std::string document{};   // canonical JSON (certificate.h)
  std::string sha256{};     // of `document`
  std::string signature{};  // base64 Ed25519 of the issuer over `document`
  UnixMillis valid_until = 0;
  UnixMillis created_at = 0;
};

// requested -> active (confirmed) -> released, or declined by the
// institution or withdrawn by the holder while requested.
enum class PledgeState { kRequested, kActive, kReleased, kDeclined, kWithdrawn };
// "requested", "active", "released", "declined", "withdrawn"
std::string_view PledgeStateName(PledgeState s);
std::optional<PledgeState> ParsePledgeState(std::string_view name);

struct Pledge {
  std::string id{};
  std::string number{};
  std::string holder_id{};
  std::string institution_id{};
  int64_t amount_fen = 0;
  int64_t term_days = 0;
  PledgeState state = PledgeState::kRequested;
  UnixMillis created_at = 0, confirmed_at = 0, released_at = 0;
};

struct Listing {
  std::string id{};
  std::string number{};
  std::string seller_id{};
  std::string offer_id{};
  std::string product_id{};
  std::string title{};
  int64_t price_fen = 0;
  std::string terms{};       // one_off, per_query (price per query), subscription (price per month)
  int64_t max_quantity = 1;  // the most one order may buy (queries or months; 1 for one_off)
  bool active = true;
  UnixMillis created_at = 0;
};

struct NewListing {
  std::string number{};  // of the certificate granting the product operation right
  std::string offer_id{};
  std::string title{};
  int64_t price_fen = 0;
  std::string terms{};
  int64_t max_quantity = 0;  // 0: 1,000 queries or 12 months (1 for one_off)
};

// A trade is settled only when the seller confirms the buyer's payment: until
// then its contract is agreed and verified but not finalized, so not usable.
enum class TradeState { kAwaitingPayment, kSettled, kCancelled };
std::string_view TradeStateName(TradeState s);  // "awaiting_payment", "settled", "cancelled"
std::optional<TradeState> ParseTradeState(std::string_view name);

struct Trade {
  std::string id{};
  std::string listing_id{};
  std::string buyer_id{};
  std::string seller_id{};
  std::string contract_id{};
  int64_t quantity = 1;  // queries or months; 1 for one-off
  int64_t amount_fen = 0;
  TradeState state = TradeState::kAwaitingPayment;
  UnixMillis created_at = 0;
};

struct Statistics {
  int64_t entities = 0;      // organisations holding a valid certificate
  int64_t certificates = 0;  // numbers issued
  int64_t valid = 0, cancelled = 0, expired = 0;
  int64_t applications_open = 0;
  int64_t pledges_active = 0;
  int64_t pledged_fen = 0;  // credit secured by active pledges
  int64_t listings_active = 0;
  int64_t trades = 0;  // settled
  int64_t traded_fen = 0;
};

// What the exchange did per UTC day since a time (sum: fen).
struct ExchangeDaily {
  std::vector<DailyTally> certificates;  // first issued (version 1)
  std::vector<DailyTally> trades;        // settled, by the day they were placed
  std::vector<DailyTally> pledges;       // confirmed by the bank, by that day
};

// An authority the operator appointed to review registrations for the registry.
struct Reviewer {
  std::string org_id{};
  std::string appointed_by{};
  UnixMillis appointed_at = 0;
};

}  // namespace qt::exchange

#endif  // QIANTANG_EXCHANGE_MODEL_H_
