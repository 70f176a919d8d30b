// What the two halves of federation/negotiations.cc share: the table's rows,
// the mapping of states, proofs of ledger entries, and answers' errors.
// Not part of the module's interface.
#ifndef QIANTANG_FEDERATION_INTERNAL_NEGOTIATION_ROWS_H_
#define QIANTANG_FEDERATION_INTERNAL_NEGOTIATION_ROWS_H_

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "dataspace/model.h"
#include "federation/dsp_negotiation.h"
#include "federation/negotiations.h"
#include "federation/peers.h"
#include "ledger/ledger.h"
#include "store/store.h"

namespace qt::federation::internal {

// SELECT of every column FromRow reads, then callback, sent, next_attempt_at.
inline constexpr std::string_view kNegotiationColumns =
    "SELECT id, role, peer, remote_pid, org_id, offer_id, callback, state, offer, agreement,"
    " provider_signature, consumer_signature, proofs, reason, last_error, attempts,"
    " created_at, updated_at, sent, next_attempt_at FROM fed_negotiations";
inline constexpr std::string_view kCallbackPath = "/dsp/callback";
inline constexpr size_t kMaxAgreementBytes = 64 * 1024;
inline constexpr size_t kMaxReasonBytes = 500;
inline constexpr size_t kMaxAnswerBytes = 4 << 20;  // a channel answer, sealed

// A row of kNegotiationColumns, with the provider side's bookkeeping.
struct NegotiationRow {
  Negotiation negotiation{};
  std::string callback{};
  std::string sent{};
  int64_t next_attempt_at = 0;
};
Result<NegotiationRow> NegotiationFromRow(const store::Row& r);

std::span<const uint8_t> Bytes(std::string_view s);
// The string member `key` of `j`, or "" if `j` is no object or the member is
// absent or not a string (a peer's JSON: nlohmann's value() would throw).
std::string StringAt(const nlohmann::json& j, const char* key);
// The rules of an ODRL policy (permission, prohibition, obligation), typed
// literals read back as numbers and empty lists left out: what two forms of
// one policy (dsp.h's DspPolicy and dataspace's PolicyJson) share.
nlohmann::json PolicyRules(const nlohmann::json& policy);
DspState DspStateOf(dataspace::ContractState s);
// The states the provider moves to, which its node tells the consumer's.
bool ProviderMoves(DspState s);
std::string StatePhrase(DspState s);  // "offered"
// The reason of a termination message: its first reason, or a default.
std::string TerminationReason(const DspMessage& m);

// A ledger proof as JSON: index, event, checkpoint note, inclusion (base64).
nlohmann::json ProofJson(const ledger::EventProof& p);
// Checks `proof` (ProofJson) under the peer's pinned ledger key: the event
// is in the signed checkpoint, of `kind` about `subject`, for the agreement
// whose hash is `agreement_sha256`.
Status CheckProof(const nlohmann::json& proof, const Peer& peer, std::string_view kind,
                  std::string_view subject, std::string_view agreement_sha256);
// A peer's 4xx or 5xx answer as a Status, with its DSP reason: 400 is
// kFailedPrecondition (the states differ), 409 kConflict (the negotiation
// changed under the message), 429 kResourceExhausted, 5xx kUnavailable.
Status AnswerError(const std::string& peer, const PeerAnswer& a);
// Marks a provider-side negotiation as having told the consumer `state`.
Status MarkSent(store::Store& store, const std::string& id, DspState state, UnixMillis now);

}  // namespace qt::federation::internal

#endif  // QIANTANG_FEDERATION_INTERNAL_NEGOTIATION_ROWS_H_
