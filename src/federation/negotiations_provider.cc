// Negotiations: the provider side (federation/negotiations.h).
#include <algorithm>
#include <chrono>
#include <thread>

#include "core/ids.h"
#include "core/text.h"
#include "crypto/encoding.h"
#include "crypto/recipient_box.h"
#include "crypto/sha256.h"
#include "dataspace/answer_json.h"
#include "federation/dsp.h"
#include "federation/internal/negotiation_rows.h"
#include "federation/negotiations.h"
#include "store/decode.h"
#include "store/transact.h"

namespace qt::federation {

using accounts::Principal;
using dataspace::Contract;
using dataspace::ContractState;
using nlohmann::json;
using store::Row;
using store::Tx;
using namespace internal;  // NOLINT(google-build-using-namespace): this module's own helpers

// ---- provider side ---------------------------------------------------------------

Result<Principal> Negotiations::RemotePrincipal(const Negotiation& n) {
  QT_ASSIGN_OR_RETURN(accounts::Org org, options_.accounts->GetOrg(n.org_id));
  return Principal{.token_id = "",
                   .user_id = "node:" + n.peer,
                   .org_id = org.id,
                   .org_kind = org.kind,
                   .role = accounts::Role::kMember};
}

Result<Principal> Negotiations::ProviderPrincipal(const Contract& c) {
  QT_ASSIGN_OR_RETURN(accounts::Org org, options_.accounts->GetOrg(c.provider_id));
  return Principal{.token_id = "",
                   .user_id = "system",
                   .org_id = org.id,
                   .org_kind = org.kind,
                   .role = accounts::Role::kMember};
}

Result<json> Negotiations::OnRequest(const Peer& from, std::string_view body) {
  QT_ASSIGN_OR_RETURN(DspMessage m, ReadDspMessage(body, "ContractRequestMessage"));
  if (!m.provider_pid.empty()) {
    return InvalidArgument(
        "providerPid: an initial request has none (counter-requests go to "
        "/negotiations/:providerPid/request)");
  }
  QT_ASSIGN_OR_RETURN(std::string callback, DspString(m, "callbackAddress", 500));
  while (callback.ends_with("/")) callback.pop_back();
  if (!callback.starts_with(from.url + "/")) {
    return InvalidArgument("callbackAddress: must lie under the node's own URL " + from.url);
  }
  const json& offer = m.body.contains("offer") ? m.body["offer"] : json();
  if (!offer.is_object() || !offer.contains("@id") || !offer["@id"].is_string()) {
    return InvalidArgument("offer: expected an Offer with an @id");
  }
  const std::string offer_id = offer["@id"].get<std::string>();
  const json& who = m.body.contains("qiantang:consumer") ? m.body["qiantang:consumer"] : json();
  if (!who.is_object()) return InvalidArgument("qiantang:consumer: the consumer is required");
  accounts::RemoteOrg remote;
  auto text = [&](const char* key, size_t max) -> Result<std::string> {
    if (!who.contains(key) || !who[key].is_string() || who[key].get<std::string>().size() > max) {
      return InvalidArgument(std::string("qiantang:consumer.") + key + ": a string is required");
    }
    return who[key].get<std::string>();
  };
  QT_ASSIGN_OR_RETURN(remote.id, text("id", kMaxPidBytes));
  QT_ASSIGN_OR_RETURN(remote.name, text("name", accounts::Accounts::kMaxNameBytes));
  QT_ASSIGN_OR_RETURN(remote.credit_code, text("credit_code", 18));
  QT_ASSIGN_OR_RETURN(std::string kind, text("kind", 40));
  QT_ASSIGN_OR_RETURN(std::string key_hex, text("public_key", 64));
  auto kind_value = accounts::ParseOrgKind(kind);
  if (!kind_value) return InvalidArgument("qiantang:consumer.kind: unknown '" + kind + "'");
  remote.kind = *kind_value;
  auto key = crypto::HexDecode(key_hex);
  if (!key.ok() || key->size() != remote.public_key.size()) {
    return InvalidArgument("qiantang:consumer.public_key: 64 hex digits");
  }
  std::copy(key->begin(), key->end(), remote.public_key.begin());

  // A repeated request (the consumer's node retried) gets the same answer.
  QT_ASSIGN_OR_RETURN(const std::optional<Negotiation> known,
                      store::ReadValue(store_, [&](Tx& tx) -> Result<std::optional<Negotiation>> {
                        QT_ASSIGN_OR_RETURN(auto rows,
                                            tx.Query(std::string(kNegotiationColumns) +
                                                         " WHERE peer = ? AND role = 'provider'"
                                                         " AND remote_pid = ?",
                                                     {from.name, m.consumer_pid}));
                        if (rows.empty()) return std::optional<Negotiation>();
                        QT_ASSIGN_OR_RETURN(NegotiationRow row, NegotiationFromRow(rows[0]));
                        return std::optional<Negotiation>(std::move(row.negotiation));
                      }));
  if (known) return NegotiationJson(known->id, m.consumer_pid, known->state);

  QT_ASSIGN_OR_RETURN(accounts::Org org, options_.accounts->RegisterRemoteOrg(from.name, remote));
  Negotiation n{.consumer = false,
                .peer = from.name,
                .remote_pid = m.consumer_pid,
                .org_id = org.id,
                .offer_id = offer_id};
  QT_ASSIGN_OR_RETURN(Principal consumer, RemotePrincipal(n));
  QT_ASSIGN_OR_RETURN(Contract c,
                      options_.dataspace->RequestContract(consumer, offer_id, std::nullopt));
  n.id = c.id;
  const UnixMillis now = options_.clock->NowMillis();
  Status inserted = store_.Write([&](Tx& tx) -> Status {
    QT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO fed_negotiations VALUES (?, 'provider', ?, ?, ?, ?, ?, 'REQUESTED',"
                " '', '', '', '', '', '', '', 0, 0, ?, ?, 'REQUESTED')",
                {n.id, from.name, n.remote_pid, n.org_id, offer_id, callback, now, now})
            .status());
    return options_.journal
        ->Append(tx,
                 {org.id,
                  "federation.negotiation.requested",
                  n.id,
                  {{"peer", from.name}, {"consumer_pid", n.remote_pid}, {"offer_id", offer_id}}})
        .status();
  });
  if (!inserted.ok()) {
    // A concurrent copy of this request won: this contract is not the negotiation's.
    (void)options_.dataspace->TerminateContract(consumer, c.id, "a duplicate request");
    return inserted;
  }
  return NegotiationJson(n.id, n.remote_pid, DspState::kRequested);
}

Result<json> Negotiations::OnProviderGet(const Peer& from, const std::string& provider_pid) {
  QT_ASSIGN_OR_RETURN(Negotiation n, LoadProvider(from, provider_pid));
  QT_ASSIGN_OR_RETURN(Principal consumer, RemotePrincipal(n));
  QT_ASSIGN_OR_RETURN(Contract c, options_.dataspace->GetContract(consumer, n.id));
  return NegotiationJson(n.id, n.remote_pid, DspStateOf(c.state));
}

Status Negotiations::OnProviderEvent(const Peer& from, const std::string& provider_pid,
                                     std::string_view body) {
  QT_ASSIGN_OR_RETURN(Inbound in,
                      Receive(from, provider_pid, body, "ContractNegotiationEventMessage",
                              /*consumer_side=*/false));
  DspMessage& m = in.message;
  Negotiation& n = in.negotiation;
  QT_ASSIGN_OR_RETURN(std::string event, DspString(m, "eventType", 20));
  if (event != "ACCEPTED") {
    return InvalidArgument("eventType: a consumer sends ACCEPTED, not '" + event + "'");
  }
  QT_ASSIGN_OR_RETURN(Principal consumer, RemotePrincipal(n));
  return ConsumerMoved(consumer, n, options_.dataspace->AcceptContract(consumer, n.id),
                       DspState::kAccepted,
                       [](const Contract& c) { return c.state == ContractState::kAccepted; });
}

Status Negotiations::ConsumerMoved(const Principal& consumer, const Negotiation& n,
                                   const Result<Contract>& moved, DspState to,
                                   const std::function<bool(const Contract&)>& repeat) {
  if (moved.ok()) return MarkSent(store_, n.id, to, options_.clock->NowMillis());
  if (moved.status().code() != StatusCode::kFailedPrecondition) return moved.status();
  QT_ASSIGN_OR_RETURN(Contract c, options_.dataspace->GetContract(consumer, n.id));
  if (repeat(c)) return OkStatus();
  // The states differ: terminated here, and the 400 tells the consumer.
  QT_RETURN_IF_ERROR(MarkSent(store_, n.id, DspState::kTerminated, options_.clock->NowMillis()));
  (void)options_.dataspace->TerminateContract(consumer, n.id, moved.status().message());
  return moved.status();
}

Status Negotiations::OnVerification(const Peer& from, const std::string& provider_pid,
                                    std::string_view body) {
  QT_ASSIGN_OR_RETURN(Inbound in,
                      Receive(from, provider_pid, body, "ContractAgreementVerificationMessage",
                              /*consumer_side=*/false));
  DspMessage& m = in.message;
  Negotiation& n = in.negotiation;
  QT_ASSIGN_OR_RETURN(std::string sig_b64, DspString(m, "qiantang:signature", 200));
  auto sig = crypto::Base64Decode(sig_b64);
  crypto::Signature signature{};
  if (!sig.ok() || sig->size() != signature.size()) {
    return InvalidArgument("qiantang:signature: a base64 Ed25519 signature");
  }
  std::copy(sig->begin(), sig->end(), signature.begin());
  QT_ASSIGN_OR_RETURN(Principal consumer, RemotePrincipal(n));
  return ConsumerMoved(
      consumer, n, options_.dataspace->VerifyContractSigned(consumer, n.id, signature),
      DspState::kVerified, [&sig_b64](const Contract& c) {
        return c.state == ContractState::kVerified && c.consumer_signature == sig_b64;
      });
}

Status Negotiations::OnProviderTermination(const Peer& from, const std::string& provider_pid,
                                           std::string_view body) {
  QT_ASSIGN_OR_RETURN(Inbound in,
                      Receive(from, provider_pid, body, "ContractNegotiationTerminationMessage",
                              /*consumer_side=*/false));
  DspMessage& m = in.message;
  Negotiation& n = in.negotiation;
  QT_ASSIGN_OR_RETURN(Principal consumer, RemotePrincipal(n));
  QT_ASSIGN_OR_RETURN(Contract c, options_.dataspace->GetContract(consumer, n.id));
  if (c.state == ContractState::kTerminated) return OkStatus();
  QT_RETURN_IF_ERROR(MarkSent(store_, n.id, DspState::kTerminated, options_.clock->NowMillis()));
  return options_.dataspace->TerminateContract(consumer, n.id, TerminationReason(m)).status();
}

Result<json> Negotiations::OnChannelQuery(const Peer& from, const std::string& provider_pid,
                                          std::string_view body) {
  QT_ASSIGN_OR_RETURN(Inbound in, Receive(from, provider_pid, body, "qiantang:ChannelQuery",
                                          /*consumer_side=*/false));
  DspMessage& m = in.message;
  Negotiation& n = in.negotiation;
  QT_ASSIGN_OR_RETURN(
      dataspace::ChannelRequest request,
      dataspace::ChannelRequestFromJson(m.body.contains("request") ? m.body["request"] : json()));
  // The contract decides, exactly as for a consumer of this node.
  QT_ASSIGN_OR_RETURN(Principal consumer, RemotePrincipal(n));
  QT_ASSIGN_OR_RETURN(dataspace::QueryResult result,
                      options_.dataspace->Query(consumer, n.id, request));
  return SealToConsumer(n, Bytes(dataspace::QueryResultJson(result).dump()));
}

Result<json> Negotiations::SealToConsumer(const Negotiation& n, std::span<const uint8_t> bytes) {
  QT_ASSIGN_OR_RETURN(accounts::Org org, options_.accounts->GetOrg(n.org_id));
  QT_ASSIGN_OR_RETURN(auto sealed, crypto::SealTo(org.public_key, bytes));
  return json{{"sealed", crypto::Base64Encode(sealed)}};
}

void Negotiations::ContractChanged(const Contract& contract) {
  (void)SyncOne(contract.id, /*fresh=*/true);
}

Status Negotiations::Sync() {
  QT_ASSIGN_OR_RETURN(
      const std::vector<std::string> due,
      store::ReadValue(store_, [&](Tx& tx) -> Result<std::vector<std::string>> {
        QT_ASSIGN_OR_RETURN(
            auto rows,
            tx.Query("SELECT id FROM fed_negotiations WHERE role = 'provider'"
                     " AND sent <> 'TERMINATED' AND (sent <> 'FINALIZED' OR attempts > 0)"
                     " AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT 100",
                     {options_.clock->NowMillis()}));
        std::vector<std::string> out;
        out.reserve(rows.size());
        for (const Row& r : rows) out.push_back(r.Text("id"));
        return out;
      }));
  Status first;
  for (const std::string& id : due) {
    Status s = SyncOne(id, /*fresh=*/false);
    if (first.ok() && !s.ok()) first = s;
  }
  return first;
}

Status Negotiations::SyncOne(const std::string& contract_id, bool fresh) {
  // One delivery per negotiation at a time in this process: the observer and
  // the sync task would otherwise send one message twice at once. A change
  // skipped here is sent by the next Sync.
  {
    std::lock_guard lock(syncing_mu_);
    if (!syncing_.insert(contract_id).second) return OkStatus();
  }
  Status s = SyncLocked(contract_id, fresh);
  std::lock_guard lock(syncing_mu_);
  syncing_.erase(contract_id);
  return s;
}

Status Negotiations::SyncLocked(const std::string& contract_id, bool fresh) {
  QT_ASSIGN_OR_RETURN(
      std::optional<NegotiationRow> row,
      store::ReadValue(store_, [&](Tx& tx) -> Result<std::optional<NegotiationRow>> {
        QT_ASSIGN_OR_RETURN(auto rows, tx.Query(std::string(kNegotiationColumns) +
                                                    " WHERE id = ? AND role = 'provider'",
                                                {contract_id}));
        if (rows.empty()) return std::optional<NegotiationRow>();
        QT_ASSIGN_OR_RETURN(NegotiationRow found, NegotiationFromRow(rows[0]));
        return std::optional<NegotiationRow>(std::move(found));
      }));
  if (!row) return OkStatus();  // not a negotiation with a peer
  Negotiation& n = row->negotiation;
  const auto sent = ParseDspState(row->sent);
  if (!sent || *sent == DspState::kTerminated) return OkStatus();
  const UnixMillis now = options_.clock->NowMillis();
  if (!fresh && row->next_attempt_at > now) return OkStatus();
  QT_ASSIGN_OR_RETURN(Principal consumer, RemotePrincipal(n));
  QT_ASSIGN_OR_RETURN(Contract c, options_.dataspace->GetContract(consumer, n.id));
  const DspState target = DspStateOf(c.state);
  if (!ProviderMoves(target) || target == *sent) return OkStatus();

  QT_ASSIGN_OR_RETURN(Outgoing out, ProviderMessage(n, c, target));
  auto answer =
      Send(n.peer, row->callback + "/negotiations/" + n.remote_pid + out.path, out.message, 1);
  Status failed =
      answer.ok() && answer->status != 200 ? AnswerError(n.peer, *answer) : answer.status();
  if (failed.ok() && target == DspState::kFinalized) {
    failed = KeepPeerProof(n, c, *answer, now);
    if (failed.ok()) return OkStatus();
  }
  if (failed.ok()) return MarkSent(store_, n.id, target, now);
  return RetryOrTerminate(n, c, target, failed, fresh, now);
}

Result<Negotiations::Outgoing> Negotiations::ProviderMessage(Negotiation& n, const Contract& c,
                                                             DspState target) {
  switch (target) {
    case DspState::kOffered: {
      json message = DspMessageJson("ContractOfferMessage", n.id, n.remote_pid);
      message["offer"] = ContractOfferJson(c);
      return Outgoing{std::move(message), "/offers"};
    }
    case DspState::kAgreed: {
      json message = DspMessageJson("ContractAgreementMessage", n.id, n.remote_pid);
      message["agreement"] = ContractAgreementJson(c, options_.node->name(), n.org_id);
      message["qiantang:agreement"] = c.agreement;
      message["qiantang:providerSignature"] = c.provider_signature;
      return Outgoing{std::move(message), "/agreement"};
    }
    case DspState::kFinalized: {
      // This node's record of the agreement, proven, goes with the event.
      json own;
      if (n.proofs.is_object() && n.proofs.contains("own")) {
        own = n.proofs["own"];
      } else {
        QT_ASSIGN_OR_RETURN(own, JournalAndProve({c.provider_id,
                                                  "federation.negotiation.finalized",
                                                  n.id,
                                                  {{"peer", n.peer},
                                                   {"consumer_pid", n.remote_pid},
                                                   {"agreement_sha256", c.agreement_hash},
                                                   {"provider_signature", c.provider_signature},
                                                   {"consumer_signature", c.consumer_signature}}}));
        n.proofs = json{{"own", own}};
        QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
          return tx
              .Exec("UPDATE fed_negotiations SET proofs = ? WHERE id = ?", {n.proofs.dump(), n.id})
              .status();
        }));
      }
      json message = EventJson(n.id, n.remote_pid, DspState::kFinalized);
      message["qiantang:proof"] = own;
      return Outgoing{std::move(message), "/events"};
    }
    default:
      return Outgoing{TerminationJson(n.id, n.remote_pid, "provider", c.reason), "/termination"};
  }
}

Status Negotiations::KeepPeerProof(const Negotiation& n, const Contract& c,
                                   const PeerAnswer& answer, UnixMillis now) {
  json reply = json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
  const json proof =
      reply.is_object() && reply.contains("qiantang:proof") ? reply["qiantang:proof"] : json();
  QT_ASSIGN_OR_RETURN(Peer p, options_.peers->Get(n.peer));
  QT_RETURN_IF_ERROR(
      CheckProof(proof, p, "federation.negotiation.finalized", n.remote_pid, c.agreement_hash));
  json kept = n.proofs;
  kept["peer"] = proof;
  return store_.Write([&](Tx& tx) -> Status {
    QT_RETURN_IF_ERROR(tx.Exec("UPDATE fed_negotiations SET proofs = ?, sent = ?,"
                               " state = ?, attempts = 0, last_error = '', updated_at = ?"
                               " WHERE id = ?",
                               {kept.dump(), "FINALIZED", "FINALIZED", now, n.id})
                           .status());
    return options_.journal
        ->Append(tx, {c.provider_id,
                      "federation.negotiation.countersigned",
                      n.id,
                      {{"peer", n.peer},
                       {"agreement_sha256", c.agreement_hash},
                       {"peer_index", proof["index"]},
                       {"peer_checkpoint", proof["checkpoint"]}}})
        .status();
  });
}

Status Negotiations::RetryOrTerminate(const Negotiation& n, const Contract& c, DspState target,
                                      const Status& failed, bool fresh, UnixMillis now) {
  // Refused (the consumer's state differs, or it does not know the
  // negotiation): terminated here. Unreachable, busy (429), or busy with
  // another delivery of the same message (409: another process of this node
  // sent it too): tried again later, and terminated after max_attempts.
  const bool refused = failed.code() != StatusCode::kUnavailable &&
                       failed.code() != StatusCode::kConflict &&
                       failed.code() != StatusCode::kResourceExhausted;
  const int attempts = fresh ? 1 : n.attempts + 1;
  if (refused || attempts >= options_.max_attempts) {
    QT_RETURN_IF_ERROR(MarkSent(store_, n.id, DspState::kTerminated, now));
    if (target != DspState::kTerminated && c.state != ContractState::kFinalized) {
      QT_ASSIGN_OR_RETURN(Principal provider, ProviderPrincipal(c));
      (void)options_.dataspace->TerminateContract(
          provider, n.id,
          ("the consumer's node did not take the " + StatePhrase(target) +
           " message: " + failed.message())
              .substr(0, kMaxReasonBytes));
    }
    return failed;
  }
  const int64_t backoff =
      std::min(options_.max_backoff_ms, options_.first_backoff_ms << std::min(attempts - 1, 20));
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    return tx
        .Exec(
            "UPDATE fed_negotiations SET attempts = ?, next_attempt_at = ?,"
            " last_error = ?, updated_at = ? WHERE id = ?",
            {int64_t{attempts}, now + backoff, ValidUtf8Prefix(failed.message(), 500), now, n.id})
        .status();
  }));
  return failed;
}

}  // namespace qt::federation
