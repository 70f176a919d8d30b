// Contract negotiation between nodes: an organisation of this node contracts
// for an offer of a peer's catalog through the Dataspace Protocol 2025-1
// (contract.negotiation.binding.https.md), each node signing for the
// participant whose key it holds.
//
// Consumer side (this node's organisation, its key sealed here):
//   Request    POST <peer>/dsp/negotiations/request         REQUESTED
//   <- ContractOfferMessage at <callback>/negotiations/:pid/offers     OFFERED
//   Accept     POST <peer>/dsp/negotiations/:ppid/events (ACCEPTED)  ACCEPTED
//   <- ContractAgreementMessage at .../agreement: the provider's signed
//      agreement, checked (its contract, offer, consumer key, signature)  AGREED
//   Verify     POST .../agreement/verification with the consumer's
//              signature, made here                          VERIFIED
//   <- event FINALIZED at .../events, with the provider node's ledger proof
//      of its finalization record; checked against the peer's pinned ledger
//      key, journaled here with that checkpoint ("federation.negotiation.
//      finalized"), and this node's own proof returned       FINALIZED
//   Terminate  either side, at any state before FINALIZED   TERMINATED
// The callback base is this node's URL + "/dsp/callback".
//   Query      once FINALIZED: the consumer's channel query goes to
//              POST <peer>/federation/negotiations/:ppid/query; the provider's
//              node runs it as the contract's consumer (the same policy,
//              budget, metering and signed receipt as for its own members)
//              and answers it sealed to the consumer's key (crypto/
//              recipient_box.h), which only this node opens.
//   Psi        once FINALIZED: a private set intersection (privacy/psi.h)
//              of the consumer's items, which this node holds (given, or a
//              column of the consumer's own product here), with the offer's
//              column, through POST <peer>/federation/negotiations/:ppid/psi/
//              <step>; this node is the PSI client, the provider's node its
//              server (privacy/psi_service.h: the same contract check,
//              metering and receipt as for its own members). Points going
//              out are sealed to the peer's node key, points coming back to
//              the consumer's key: only blinded points cross, and only the
//              two nodes can read them.
//
// Provider side: the consumer becomes a remote organisation here
// (accounts::RegisterRemoteOrg: its key stays with its node), the negotiation
// a dataspace contract with it, and the provider acts on that contract with
// the usual calls (offer, agree, finalize, terminate). Each change is sent to
// the consumer's callback by ContractChanged (the DataSpace observer) and, if
// that fails, again by Sync with exponential back-off (first_backoff_ms,
// doubling to max_backoff_ms) up to max_attempts; then the contract is
// terminated. On finalization this node journals "federation.negotiation.
// finalized", sends its proof, and journals the consumer node's proof it gets
// back ("federation.negotiation.countersigned"): both ledgers then hold the
// agreement with the other node's checkpoint that includes it.
//
// Errors (the routes answer DSP messages with a ContractNegotiationError):
//   kNotFound            no such negotiation with this peer (also for a
//                        negotiation of another peer: 404, as the binding says)
//   kFailedPrecondition  a message the negotiation's state does not allow:
//                        the states differ, so the negotiation is terminated
//                        on this side (the binding's 400), as the protocol
//                        requires; a repeat of the message that made the
//                        current state is answered as before
//   kInvalidArgument     a malformed message; nothing changes
//   kPermissionDenied    a signature or proof that does not verify
//   kUnavailable         the peer could not be reached; nothing changes here
//
// Thread-safety: safe for concurrent use.
#ifndef QIANTANG_FEDERATION_NEGOTIATIONS_H_
#define QIANTANG_FEDERATION_NEGOTIATIONS_H_

#include <array>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "accounts/accounts.h"
#include "core/clock.h"
#include "core/random.h"
#include "dataspace/dataspace.h"
#include "federation/catalog.h"
#include "federation/dsp_negotiation.h"
#include "federation/node.h"
#include "federation/peers.h"
#include "ledger/journal.h"
#include "ledger/ledger.h"
#include "privacy/psi.h"
#include "privacy/psi_service.h"
#include "store/store.h"

namespace qt::federation {

struct Negotiation {
  std::string id{};          // this side's pid: "neg_..." (consumer) or the contract id
  bool consumer = true;      // this node's organisation is the consumer
  std::string peer{};        // the other node
  std::string remote_pid{};  // the other side's pid
  std::string org_id{};      // consumer side: the consumer; provider side: the remote consumer
  std::string offer_id{};
  DspState state = DspState::kRequested;
  nlohmann::json offer{};  // consumer side: the provider's last Offer
  std::string agreement{}, provider_signature{}, consumer_signature{};
  // Once finalized: {"own": this node's ledger proof of its record of the
  // agreement, "peer": the other node's} (each as index, event, checkpoint
  // note and inclusion proof).
  nlohmann::json proofs{};
  std::string reason{};      // of termination
  std::string last_error{};  // provider side: of the last failed callback
  int attempts = 0;
  UnixMillis created_at = 0, updated_at = 0;
};

// A PSI under a finalized negotiation (Negotiations::Psi).
struct NegotiationPsi {
  std::string column{};  // the provider's, as its contract's psi permission names it
  privacy::PsiOutput output = privacy::PsiOutput::kSize;
  std::string purpose{}, region{};
  // The consumer's items: these, or the distinct values of `product_column`
  // of the consumer's own product `product_id` on this node.
  std::vector<std::string> items{};
  std::string product_id{}, product_column{};
};

struct NegotiationPsiResult {
  std::string session_id{};
  std::string peer{};  // the provider's node
  privacy::PsiResult result{};
};

// The steps of a cross-node PSI, each a message "qiantang:Psi<Step>" posted to
// <peer>/federation/negotiations/:ppid/psi/<step>.
inline constexpr std::array<std::string_view, 6> kPsiSteps = {"start", "client", "server",
                                                              "tally", "size",   "finish"};

struct NegotiationsOptions {
  const Clock* clock = nullptr;               // required
  Random* random = nullptr;                   // required
  ledger::Journal* journal = nullptr;         // required
  ledger::Ledger* ledger = nullptr;           // required: proofs of finalization
  const Node* node = nullptr;                 // required
  Peers* peers = nullptr;                     // required
  FederatedCatalog* catalog = nullptr;        // required: the offers requested
  dataspace::DataSpace* dataspace = nullptr;  // required
  accounts::Accounts* accounts = nullptr;     // required
  privacy::PsiService* psi = nullptr;         // required: the provider side of PSI
  int64_t psi_batch = 4096;                   // points per PSI message to a peer
  int max_attempts = 8;                       // of one callback, then terminated
  int64_t first_backoff_ms = 1000;
  int64_t max_backoff_ms = 5 * 60 * 1000;
  int request_attempts = 3;  // of a consumer's call, on kUnavailable
};

class Negotiations {
 public:
  Negotiations(store::Store& store, NegotiationsOptions options);
  static std::vector<store::Migration> Migrations();

  // The consumer's calls (a member of this node's organisation). Request
  // sends the offer as the federated catalog last crawled it (kNotFound if
  // it did not).
  Result<Negotiation> Request(const accounts::Principal& caller, const std::string& peer,
                              const std::string& offer_id);
  Result<Negotiation> Accept(const accounts::Principal& caller, const std::string& id);
  // Signs the provider's agreement as the consumer: with `signature` (made
  // by an organisation that holds its own key, over the agreement as Get
  // shows it; kPermissionDenied unless it verifies under the organisation's
  // key), else with the key this node holds for it (kFailedPrecondition if
  // it holds its own).
  Result<Negotiation> Verify(const accounts::Principal& caller, const std::string& id,
                             const std::optional<crypto::Signature>& signature = std::nullopt);
  // The channel query `request` under a FINALIZED negotiation; the answer as
  // the local channel gives it (dataspace/answer_json.h), with "node"; for a
  // consumer that holds its own key, still sealed to that key, as
  // {"sealed": base64, "sealed_to": hex key, "node"} (the CLI opens it with
  // `--key FILE`). kFailedPrecondition unless finalized; the provider's refusal otherwise
  // (kPermissionDenied for a purpose or budget the contract does not allow).
  // Not retried: a query the provider ran is paid for.
  Result<nlohmann::json> Query(const accounts::Principal& caller, const std::string& id,
                               const dataspace::ChannelRequest& request);
  // A PSI under a FINALIZED negotiation (kFailedPrecondition otherwise, and
  // for a consumer that holds its own key, before anything is sent): the
  // result this node computed as the client, for the contract's output only.
  // The provider's refusals as for Query; kNotFound for a product_id that is
  // not the caller's; kInvalidArgument for no items. Batches are resent while
  // the peer is unreachable (they are idempotent); the start is not.
  Result<NegotiationPsiResult> Psi(const accounts::Principal& caller, const std::string& id,
                                   NegotiationPsi request);
  // Terminates here, then tells the peer (whose failure is kept in last_error).
  Result<Negotiation> Terminate(const accounts::Principal& caller, const std::string& id,
                                const std::string& reason);
  // The caller's own negotiations as consumer (kNotFound for others').
  Result<Negotiation> Get(const accounts::Principal& caller, const std::string& id);
  Result<std::vector<Negotiation>> List(const accounts::Principal& caller, const std::string& after,
                                        int limit);

  // The provider endpoints, for an authenticated active peer. OnRequest
  // returns the ContractNegotiation (201); a repeated request (same peer and
  // consumerPid) returns the same one.
  Result<nlohmann::json> OnRequest(const Peer& from, std::string_view body);
  Result<nlohmann::json> OnProviderGet(const Peer& from, const std::string& provider_pid);
  Status OnProviderEvent(const Peer& from, const std::string& provider_pid, std::string_view body);
  Status OnVerification(const Peer& from, const std::string& provider_pid, std::string_view body);
  Status OnProviderTermination(const Peer& from, const std::string& provider_pid,
                               std::string_view body);
  // A consumer node's query under a finalized negotiation: {"sealed": base64}.
  Result<nlohmann::json> OnChannelQuery(const Peer& from, const std::string& provider_pid,
                                        std::string_view body);

  // A consumer node's PSI message for `step` (kPsiSteps) under a finalized
  // negotiation: {"sealed": base64} to the consumer's key.
  Result<nlohmann::json> OnPsi(const Peer& from, const std::string& provider_pid,
                               std::string_view step, std::string_view body);

  // The consumer's callback endpoints. OnConsumerEvent returns what the
  // answer carries: {"qiantang:proof": this node's proof} for FINALIZED.
  Result<nlohmann::json> OnConsumerGet(const Peer& from, const std::string& consumer_pid);
  Status OnOffer(const Peer& from, const std::string& consumer_pid, std::string_view body);
  Status OnAgreement(const Peer& from, const std::string& consumer_pid, std::string_view body);
  Result<nlohmann::json> OnConsumerEvent(const Peer& from, const std::string& consumer_pid,
                                         std::string_view body);
  Status OnConsumerTermination(const Peer& from, const std::string& consumer_pid,
                               std::string_view body);

  // Provider side: tells the consumer's node of the contract's new state, if
  // the contract is a negotiation with a peer (DataSpace::ObserveContracts).
  void ContractChanged(const dataspace::Contract& contract);
  // Retries the callbacks that are due; the first failure.
  Status Sync();

 private:
  struct Inbound {
    DspMessage message;
    Negotiation negotiation;
  };
  // A peer's message of `type` about its negotiation `pid` (this side's pid
  // if `consumer_side`, else the provider's), both pids checked.
  Result<Inbound> Receive(const Peer& from, const std::string& pid, std::string_view body,
                          std::string_view type, bool consumer_side);
  // Provider side: the outcome of the consumer's move to `to` on the
  // contract. A refusal for the contract's state terminates it (the states
  // differ) unless `repeat` says the move was already made.
  Status ConsumerMoved(const accounts::Principal& consumer, const Negotiation& n,
                       const Result<dataspace::Contract>& moved, DspState to,
                       const std::function<bool(const dataspace::Contract&)>& repeat);
  Status SyncOne(const std::string& contract_id, bool fresh);
  Status SyncLocked(const std::string& contract_id, bool fresh);  // SyncOne's work
  // The provider's message moving the consumer's side of `n` to `target`
  // (the contract `c`'s state), and the path below the consumer's callback
  // it goes to. A finalization carries this node's proof of its record,
  // journaled (and kept) the first time.
  struct Outgoing {
    nlohmann::json message;
    std::string path;
  };
  Result<Outgoing> ProviderMessage(Negotiation& n, const dataspace::Contract& c, DspState target);
  // The consumer's answer to a finalization: its proof of its own record,
  // checked and kept beside ours (journaled as countersigned).
  Status KeepPeerProof(const Negotiation& n, const dataspace::Contract& c, const PeerAnswer& answer,
                       UnixMillis now);
  // After a message was not taken (`failed`): retried later with backoff, or
  // (refused, or out of attempts) the negotiation and its contract terminated.
  Status RetryOrTerminate(const Negotiation& n, const dataspace::Contract& c, DspState target,
                          const Status& failed, bool fresh, UnixMillis now);
  Result<Negotiation> ConsumerCall(const accounts::Principal& caller, const std::string& id,
                                   DspState from, DspState to,
                                   const std::optional<crypto::Signature>& signature);
  Result<Negotiation> Load(const std::string& id);
  Result<Negotiation> LoadConsumer(const Peer& from, const std::string& consumer_pid);
  Result<Negotiation> LoadProvider(const Peer& from, const std::string& provider_pid);
  Result<accounts::Principal> RemotePrincipal(const Negotiation& n);
  Result<accounts::Principal> ProviderPrincipal(const dataspace::Contract& c);
  // Sets the consumer side's state to TERMINATED with `reason` (journaled).
  Status TerminateHere(const Negotiation& n, const std::string& actor, const std::string& reason);
  Status Save(const Negotiation& n, DspState expected, const ledger::NewEvent& event);
  // A signed POST of `message` to `peer` at `path`, tried request_attempts
  // times while the peer is unreachable.
  Result<PeerAnswer> Send(const std::string& peer, const std::string& path,
                          const nlohmann::json& message, int attempts,
                          size_t max_answer_bytes = 64 * 1024);
  // {"sealed": base64 of `bytes` sealed to the consumer of `n`}: a provider's
  // answer that only the consumer's node opens.
  Result<nlohmann::json> SealToConsumer(const Negotiation& n, std::span<const uint8_t> bytes);
  // The consumer's side: the sealed box in a peer's answer `a` (kUnavailable
  // if it sealed nothing), and the bytes in it, opened with the key this node
  // holds for the consumer of `n` (kUnavailable if sealed to another key,
  // kFailedPrecondition if the consumer holds its own key).
  Result<std::vector<uint8_t>> SealedBox(const Negotiation& n, const PeerAnswer& a);
  Result<std::vector<uint8_t>> OpenFromProvider(const Negotiation& n, const PeerAnswer& a);
  // Journals `event`, publishes a checkpoint covering it, and returns its
  // proof as JSON.
  Result<nlohmann::json> JournalAndProve(const ledger::NewEvent& event);

  store::Store& store_;
  const NegotiationsOptions options_;
  std::mutex syncing_mu_;
  std::set<std::string> syncing_;  // the negotiations SyncOne is delivering
};

}  // namespace qt::federation

#endif  // QIANTANG_FEDERATION_NEGOTIATIONS_H_
