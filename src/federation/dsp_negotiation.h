// The Dataspace Protocol 2025-1 contract negotiation messages
// (contract.negotiation.protocol.md) as JSON-LD with the 2025-1 context, and
// their reading on the receiving side.
//
//   ContractRequestMessage            consumer -> provider: consumerPid, offer,
//                                     callbackAddress
//   ContractOfferMessage              provider -> consumer: the provider's Offer
//   ContractNegotiationEventMessage   eventType ACCEPTED (consumer) or FINALIZED
//                                     (provider)
//   ContractAgreementMessage          provider -> consumer: the ODRL Agreement
//   ContractAgreementVerificationMessage  consumer -> provider
//   ContractNegotiationTerminationMessage either way: code and reason
//   ContractNegotiation               the answer to a request and to a GET
//   ContractNegotiationError          the body of every 4xx
//
// What Qiantang adds, outside the DSP vocabulary, are members named
// "qiantang:...": the consumer organisation its node vouches for (request),
// the agreement's canonical text and the provider's signature (agreement),
// the consumer's signature (verification), and a node's ledger proof of the
// finalized agreement (FINALIZED event and its answer).
//
// Thread-safety: pure functions.
#ifndef QIANTANG_FEDERATION_DSP_NEGOTIATION_H_
#define QIANTANG_FEDERATION_DSP_NEGOTIATION_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace qt::federation {

// The states of contract.negotiation.protocol.md, "Contract Negotiation States".
enum class DspState {
  kRequested,
  kOffered,
  kAccepted,
  kAgreed,
  kVerified,
  kFinalized,
  kTerminated
};
std::string_view DspStateName(DspState s);  // "REQUESTED"
std::optional<DspState> ParseDspState(std::string_view name);

// A negotiation message as read: the members every message has, and the
// object itself for the rest. Pids are at most kMaxPidBytes of letters,
// digits and ":._-", starting with a letter or digit (they become parts of
// request paths: never "." or "..").
struct DspMessage {
  std::string type{};  // "@type"
  std::string provider_pid{}, consumer_pid{};
  nlohmann::json body{};
};
inline constexpr size_t kMaxPidBytes = 200;
inline constexpr size_t kMaxMessageBytes = 256 * 1024;

// kInvalidArgument unless `text` is a JSON object (at most kMaxMessageBytes,
// nested at most dsp.h's kMaxDepth) of @type `type` whose pids are strings:
// consumerPid always, providerPid unless `type` is ContractRequestMessage
// (an initial request has none).
Result<DspMessage> ReadDspMessage(std::string_view text, std::string_view type);

// The member `name` of `m` as a string of at most `max_bytes`, or "" if absent
// and not `required`.
Result<std::string> DspString(const DspMessage& m, std::string_view name, size_t max_bytes,
                              bool required = true);

// A message of `type` with both pids (an empty provider pid is left out).
nlohmann::json DspMessageJson(std::string_view type, std::string_view provider_pid,
                              std::string_view consumer_pid);
nlohmann::json NegotiationJson(std::string_view provider_pid, std::string_view consumer_pid,
                               DspState state);
nlohmann::json NegotiationErrorJson(std::string_view provider_pid, std::string_view consumer_pid,
                                    std::string_view code, std::string_view reason);
nlohmann::json TerminationJson(std::string_view provider_pid, std::string_view consumer_pid,
                               std::string_view code, std::string_view reason);
nlohmann::json EventJson(std::string_view provider_pid, std::string_view consumer_pid,
                         DspState event);

}  // namespace qt::federation

#endif  // QIANTANG_FEDERATION_DSP_NEGOTIATION_H_
