#include "federation/negotiations.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/ids.h"
#include "core/text.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "dataspace/answer_json.h"
#include "dataspace/policy.h"
#include "federation/dsp.h"
#include "federation/internal/negotiation_rows.h"
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

Negotiations::Negotiations(store::Store& store, NegotiationsOptions options)
    : store_(store), options_(options) {}

// ---- shared ----------------------------------------------------------------

Result<Negotiation> Negotiations::Load(const std::string& id) {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<Negotiation> {
    QT_ASSIGN_OR_RETURN(auto rows,
                        tx.Query(std::string(kNegotiationColumns) + " WHERE id = ?", {id}));
    if (rows.empty()) return NotFound("no negotiation " + id);
    QT_ASSIGN_OR_RETURN(NegotiationRow row, NegotiationFromRow(rows[0]));
    return std::move(row.negotiation);
  });
}

Result<Negotiation> Negotiations::LoadConsumer(const Peer& from, const std::string& consumer_pid) {
  auto n = Load(consumer_pid);
  if (!n.ok() || !n->consumer || n->peer != from.name) {
    return NotFound("no negotiation " + consumer_pid + " with node '" + from.name + "'");
  }
  return n;
}

Result<Negotiation> Negotiations::LoadProvider(const Peer& from, const std::string& provider_pid) {
  auto n = Load(provider_pid);
  if (!n.ok() || n->consumer || n->peer != from.name) {
    return NotFound("no negotiation " + provider_pid + " with node '" + from.name + "'");
  }
  return n;
}

Result<Negotiations::Inbound> Negotiations::Receive(const Peer& from, const std::string& pid,
                                                    std::string_view body, std::string_view type,
                                                    bool consumer_side) {
  QT_ASSIGN_OR_RETURN(DspMessage m, ReadDspMessage(body, type));
  const std::string& mine = consumer_side ? m.consumer_pid : m.provider_pid;
  const std::string& theirs = consumer_side ? m.provider_pid : m.consumer_pid;
  if (mine != pid) {
    return InvalidArgument(std::string(consumer_side ? "consumerPid" : "providerPid") +
                           ": not this negotiation");
  }
  QT_ASSIGN_OR_RETURN(Negotiation n,
                      consumer_side ? LoadConsumer(from, pid) : LoadProvider(from, pid));
  if (theirs != n.remote_pid) {
    return NotFound(std::string(consumer_side ? "providerPid" : "consumerPid") +
                    ": not this negotiation's");
  }
  return Inbound{std::move(m), std::move(n)};
}

Status Negotiations::Save(const Negotiation& n, DspState expected, const ledger::NewEvent& event) {
  return store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(
        int64_t changed,
        tx.Exec("UPDATE fed_negotiations SET state = ?, offer = ?, agreement = ?,"
                " provider_signature = ?, consumer_signature = ?, proofs = ?, reason = ?,"
                " last_error = ?, updated_at = ? WHERE id = ? AND state = ?",
                {std::string(DspStateName(n.state)), n.offer.is_null() ? "" : n.offer.dump(),
                 n.agreement, n.provider_signature, n.consumer_signature,
                 n.proofs.is_null() ? "" : n.proofs.dump(), n.reason, n.last_error,
                 options_.clock->NowMillis(), n.id, std::string(DspStateName(expected))}));
    if (changed == 0) return Conflict("the negotiation changed meanwhile; read it again");
    return options_.journal->Append(tx, event).status();
  });
}

Result<PeerAnswer> Negotiations::Send(const std::string& peer, const std::string& path,
                                      const json& message, int attempts, size_t max_answer_bytes) {
  QT_ASSIGN_OR_RETURN(Peer p, options_.peers->Get(peer));
  if (p.state != PeerState::kActive) {
    return FailedPrecondition("peer '" + peer + "' is " + std::string(PeerStateName(p.state)));
  }
  Result<PeerAnswer> answer = Unavailable("not sent");
  int64_t pause_ms = 200;
  for (int i = 0; i < std::max(attempts, 1); ++i) {
    if (i > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
      pause_ms *= 4;
    }
    answer = options_.peers->Call(p, "POST", path, message.dump(), max_answer_bytes);
    if (answer.ok() || answer.status().code() != StatusCode::kUnavailable) break;
  }
  return answer;
}

Result<json> Negotiations::JournalAndProve(const ledger::NewEvent& event) {
  QT_ASSIGN_OR_RETURN(const uint64_t index,
                      store::WriteValue(store_, [&](Tx& tx) -> Result<uint64_t> {
                        return options_.journal->Append(tx, event);
                      }));
  QT_RETURN_IF_ERROR(options_.ledger->Publish().status());
  QT_ASSIGN_OR_RETURN(ledger::EventProof proof, options_.ledger->ProveEvent(index));
  return ProofJson(proof);
}

// ---- consumer side -----------------------------------------------------------

Result<Negotiation> Negotiations::Request(const Principal& caller, const std::string& peer,
                                          const std::string& offer_id) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  if (offer_id.empty() || offer_id.size() > kMaxPidBytes) {
    return InvalidArgument("offer_id: 1 to " + std::to_string(kMaxPidBytes) + " bytes");
  }
  QT_ASSIGN_OR_RETURN(Peer p, options_.peers->Get(peer));
  if (p.state != PeerState::kActive) {
    return FailedPrecondition("peer '" + peer + "' is " + std::string(PeerStateName(p.state)));
  }
  QT_ASSIGN_OR_RETURN(accounts::Org org, options_.accounts->GetOrg(caller.org_id));
  if (!org.home_node.empty()) return PermissionDenied("only this node's organisations negotiate");
  QT_ASSIGN_OR_RETURN(FederatedOffer crawled, options_.catalog->Get(peer, offer_id));
  IdGenerator ids(*options_.clock, *options_.random);
  Negotiation n{.id = ids.Next("neg"),
                .consumer = true,
                .peer = peer,
                .org_id = org.id,
                .offer_id = offer_id};
  n.created_at = n.updated_at = options_.clock->NowMillis();
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    QT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO fed_negotiations VALUES (?, 'consumer', ?, '', ?, ?, '', 'REQUESTED',"
                " '', '', '', '', '', '', '', 0, 0, ?, ?, '')",
                {n.id, peer, n.org_id, offer_id, n.created_at, n.updated_at})
            .status());
    return options_.journal
        ->Append(tx, {org.id,
                      "federation.negotiation.requested",
                      n.id,
                      {{"peer", peer}, {"offer_id", offer_id}}})
        .status();
  }));
  json message = DspMessageJson("ContractRequestMessage", "", n.id);
  json offer = crawled.policy;  // an ODRL Offer (dsp.h's ReadCatalog checked it)
  offer["@type"] = "Offer";
  offer["@id"] = offer_id;
  offer["target"] = crawled.dataset_id;
  message["offer"] = offer;
  message["callbackAddress"] = options_.node->url() + std::string(kCallbackPath);
  message["qiantang:consumer"] = {{"id", org.id},
                                  {"name", org.name},
                                  {"kind", accounts::OrgKindName(org.kind)},
                                  {"credit_code", org.credit_code},
                                  {"public_key", crypto::HexEncode(org.public_key)}};
  auto answer = Send(peer, std::string(kDspPath) + "/negotiations/request", message,
                     options_.request_attempts);
  Status failed =
      answer.ok() && answer->status != 201 ? AnswerError(peer, *answer) : answer.status();
  std::string provider_pid;
  if (failed.ok()) {
    auto m = ReadDspMessage(answer->body, "ContractNegotiation");
    if (!m.ok() || m->consumer_pid != n.id) {
      failed = InvalidArgument("node '" + peer + "' answered the request with no negotiation of " +
                               n.id);
    } else {
      provider_pid = m->provider_pid;
    }
  }
  if (!failed.ok()) {
    n.state = DspState::kTerminated;
    n.reason = failed.message();
    QT_RETURN_IF_ERROR(Save(n, DspState::kRequested,
                            {org.id,
                             "federation.negotiation.terminated",
                             n.id,
                             {{"peer", peer}, {"reason", n.reason}}}));
    return failed;
  }
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    return tx.Exec("UPDATE fed_negotiations SET remote_pid = ? WHERE id = ?", {provider_pid, n.id})
        .status();
  }));
  n.remote_pid = provider_pid;
  return n;
}

Result<Negotiation> Negotiations::Get(const Principal& caller, const std::string& id) {
  auto n = Load(id);
  if (!n.ok() || !n->consumer || n->org_id != caller.org_id) {
    return NotFound("no negotiation " + id);
  }
  return n;
}

Result<std::vector<Negotiation>> Negotiations::List(const Principal& caller,
                                                    const std::string& after, int limit) {
  return store::ReadValue(store_, [&](Tx& tx) -> Result<std::vector<Negotiation>> {
    QT_ASSIGN_OR_RETURN(auto rows, tx.Query(std::string(kNegotiationColumns) +
                                                " WHERE org_id = ? AND role = 'consumer'"
                                                " AND id > ? ORDER BY id LIMIT ?",
                                            {caller.org_id, after, int64_t{limit}}));
    std::vector<Negotiation> out;
    out.reserve(rows.size());
    for (const Row& r : rows) {
      QT_ASSIGN_OR_RETURN(NegotiationRow row, NegotiationFromRow(r));
      out.push_back(std::move(row.negotiation));
    }
    return out;
  });
}

Result<Negotiation> Negotiations::ConsumerCall(const Principal& caller, const std::string& id,
                                               DspState from, DspState to,
                                               const std::optional<crypto::Signature>& signature) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  QT_ASSIGN_OR_RETURN(Negotiation n, Get(caller, id));
  if (n.state != from) {
    return FailedPrecondition("the negotiation is " + StatePhrase(n.state) + "; it must be " +
                              StatePhrase(from) + " to become " + StatePhrase(to));
  }
  json message;
  std::string path = std::string(kDspPath) + "/negotiations/" + n.remote_pid;
  if (to == DspState::kAccepted) {
    message = EventJson(n.remote_pid, n.id, DspState::kAccepted);
    path += "/events";
  } else {
    crypto::Signature sig{};
    if (signature) {
      QT_ASSIGN_OR_RETURN(accounts::Org org, options_.accounts->GetOrg(n.org_id));
      const json a = json::parse(n.agreement, nullptr, /*allow_exceptions=*/false);
      if (!a.is_object() || StringAt(a.value("consumer", json()), "public_key") !=
                                crypto::HexEncode(org.public_key)) {
        return FailedPrecondition("the agreement names another key of " + n.org_id +
                                  " than its key now; terminate and negotiate again");
      }
      if (!crypto::Verify(org.public_key, Bytes(n.agreement), *signature)) {
        return PermissionDenied("signature: does not verify under " + n.org_id +
                                "'s key over the agreement");
      }
      sig = *signature;
    } else {
      QT_ASSIGN_OR_RETURN(sig, options_.accounts->SignAs(n.org_id, Bytes(n.agreement)));
    }
    n.consumer_signature = crypto::Base64Encode(sig);
    message = DspMessageJson("ContractAgreementVerificationMessage", n.remote_pid, n.id);
    message["qiantang:signature"] = n.consumer_signature;
    path += "/agreement/verification";
  }
  QT_ASSIGN_OR_RETURN(PeerAnswer a, Send(n.peer, path, message, options_.request_attempts));
  if (a.status != 200) {
    Status s = AnswerError(n.peer, a);
    if (s.code() == StatusCode::kFailedPrecondition || s.code() == StatusCode::kNotFound) {
      // The states differ: the protocol requires terminating.
      QT_RETURN_IF_ERROR(TerminateHere(n, n.org_id, s.message()));
    }
    return s;
  }
  n.state = to;
  json payload = {{"peer", n.peer}, {"provider_pid", n.remote_pid}};
  if (to == DspState::kVerified) {
    payload["agreement_sha256"] = crypto::HexEncode(crypto::Sha256(n.agreement));
  }
  QT_RETURN_IF_ERROR(
      Save(n, from, {n.org_id, "federation.negotiation." + StatePhrase(to), n.id, payload}));
  return n;
}

Result<Negotiation> Negotiations::Accept(const Principal& caller, const std::string& id) {
  return ConsumerCall(caller, id, DspState::kOffered, DspState::kAccepted, std::nullopt);
}

Result<Negotiation> Negotiations::Verify(const Principal& caller, const std::string& id,
                                         const std::optional<crypto::Signature>& signature) {
  return ConsumerCall(caller, id, DspState::kAgreed, DspState::kVerified, signature);
}

Status Negotiations::TerminateHere(const Negotiation& n, const std::string& actor,
                                   const std::string& reason) {
  Negotiation t = n;
  t.state = DspState::kTerminated;
  t.reason = reason.substr(0, kMaxReasonBytes);
  return Save(
      t, n.state,
      {actor, "federation.negotiation.terminated", n.id, {{"peer", n.peer}, {"reason", t.reason}}});
}

Result<Negotiation> Negotiations::Terminate(const Principal& caller, const std::string& id,
                                            const std::string& reason) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  QT_RETURN_IF_ERROR(CheckDisplayText(reason, kMaxReasonBytes).WithContext("reason"));
  QT_ASSIGN_OR_RETURN(Negotiation n, Get(caller, id));
  if (n.state == DspState::kTerminated) {
    return FailedPrecondition("the negotiation is already terminated");
  }
  QT_RETURN_IF_ERROR(TerminateHere(n, n.org_id, reason));
  QT_ASSIGN_OR_RETURN(n, Load(id));
  if (!n.remote_pid.empty()) {
    auto a =
        Send(n.peer, std::string(kDspPath) + "/negotiations/" + n.remote_pid + "/termination",
             TerminationJson(n.remote_pid, n.id, "consumer", reason), options_.request_attempts);
    Status told = a.ok() && a->status != 200 ? AnswerError(n.peer, *a) : a.status();
    if (!told.ok()) {
      n.last_error = told.message();
      QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
        return tx
            .Exec("UPDATE fed_negotiations SET last_error = ? WHERE id = ?", {n.last_error, n.id})
            .status();
      }));
    }
  }
  return n;
}

Result<json> Negotiations::Query(const Principal& caller, const std::string& id,
                                 const dataspace::ChannelRequest& request) {
  QT_RETURN_IF_ERROR(caller.RequireMember());
  QT_ASSIGN_OR_RETURN(Negotiation n, Get(caller, id));
  if (n.state != DspState::kFinalized) {
    return FailedPrecondition("the negotiation is " + StatePhrase(n.state) +
                              "; queries need a finalized one");
  }
  QT_ASSIGN_OR_RETURN(accounts::Org consumer, options_.accounts->GetOrg(n.org_id));
  json message = DspMessageJson("qiantang:ChannelQuery", n.remote_pid, n.id);
  message["request"] = dataspace::ChannelRequestJson(request);
  QT_ASSIGN_OR_RETURN(
      PeerAnswer a, Send(n.peer, "/federation/negotiations/" + n.remote_pid + "/query", message, 1,
                         kMaxAnswerBytes));
  if (consumer.key_custody == accounts::KeyCustody::kSelf) {
    // Only the organisation's own key opens it: passed on sealed, as it came.
    QT_ASSIGN_OR_RETURN(auto box, SealedBox(n, a));
    return json{{"sealed", crypto::Base64Encode(box)},
                {"sealed_to", crypto::HexEncode(consumer.public_key)},
                {"node", n.peer}};
  }
  QT_ASSIGN_OR_RETURN(auto opened, OpenFromProvider(n, a));
  json answer = json::parse(opened.begin(), opened.end(), nullptr, /*allow_exceptions=*/false);
  if (!answer.is_object()) return Unavailable("node '" + n.peer + "' sealed no JSON answer");
  answer["node"] = n.peer;
  return answer;
}

Result<std::vector<uint8_t>> Negotiations::SealedBox(const Negotiation& n, const PeerAnswer& a) {
  if (a.status != 200) return AnswerError(n.peer, a);
  json sealed = json::parse(a.body, nullptr, /*allow_exceptions=*/false);
  const std::string box64 = StringAt(sealed, "sealed");
  auto box = crypto::Base64Decode(box64);
  if (box64.empty() || !box.ok()) {
    return Unavailable("node '" + n.peer + "' answered with no sealed answer");
  }
  return box;
}

Result<std::vector<uint8_t>> Negotiations::OpenFromProvider(const Negotiation& n,
                                                            const PeerAnswer& a) {
  QT_ASSIGN_OR_RETURN(auto box, SealedBox(n, a));
  auto opened = options_.accounts->OpenSealedFor(n.org_id, box);
  if (opened.status().code() == StatusCode::kFailedPrecondition) return opened.status();
  if (!opened.ok()) return Unavailable("node '" + n.peer + "' sealed its answer to another key");
  return opened;
}

// ---- consumer callbacks --------------------------------------------------------

Result<json> Negotiations::OnConsumerGet(const Peer& from, const std::string& consumer_pid) {
  QT_ASSIGN_OR_RETURN(Negotiation n, LoadConsumer(from, consumer_pid));
  return NegotiationJson(n.remote_pid, n.id, n.state);
}

Status Negotiations::OnOffer(const Peer& from, const std::string& consumer_pid,
                             std::string_view body) {
  QT_ASSIGN_OR_RETURN(Inbound in, Receive(from, consumer_pid, body, "ContractOfferMessage",
                                          /*consumer_side=*/true));
  DspMessage& m = in.message;
  Negotiation& n = in.negotiation;
  const json& offer = m.body.contains("offer") ? m.body["offer"] : json();
  if (!offer.is_object() || StringAt(offer, "@type") != "Offer" ||
      StringAt(offer, "@id") != n.offer_id || offer.dump().size() > kMaxPolicyBytes) {
    return InvalidArgument("offer: expected an ODRL Offer of the offer requested, at most 16 KiB");
  }
  if (n.state == DspState::kOffered && n.offer == offer) return OkStatus();  // a repeat
  if (n.state != DspState::kRequested) {
    Status s = FailedPrecondition("an offer for a negotiation that is " + StatePhrase(n.state));
    QT_RETURN_IF_ERROR(TerminateHere(n, "system", s.message()));
    return s;
  }
  n.state = DspState::kOffered;
  n.offer = offer;
  return Save(n, DspState::kRequested,
              {"system", "federation.negotiation.offered", n.id, {{"peer", n.peer}}});
}

Status Negotiations::OnAgreement(const Peer& from, const std::string& consumer_pid,
                                 std::string_view body) {
  QT_ASSIGN_OR_RETURN(Inbound in, Receive(from, consumer_pid, body, "ContractAgreementMessage",
                                          /*consumer_side=*/true));
  DspMessage& m = in.message;
  Negotiation& n = in.negotiation;
  QT_ASSIGN_OR_RETURN(std::string text, DspString(m, "qiantang:agreement", kMaxAgreementBytes));
  QT_ASSIGN_OR_RETURN(std::string sig_b64, DspString(m, "qiantang:providerSignature", 200));
  if (n.state == DspState::kAgreed && n.agreement == text) return OkStatus();  // a repeat
  if (n.state != DspState::kAccepted) {
    Status s = FailedPrecondition("an agreement for a negotiation that is " + StatePhrase(n.state));
    QT_RETURN_IF_ERROR(TerminateHere(n, "system", s.message()));
    return s;
  }
  // The agreement must be this contract, for the offer asked for, naming
  // this node's consumer by its key, signed by the provider key it names.
  QT_ASSIGN_OR_RETURN(accounts::Org consumer, options_.accounts->GetOrg(n.org_id));
  json a = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (StringAt(a, "type") != "qiantang.dataspace.agreement/v1" ||
      StringAt(a, "contract_id") != n.remote_pid || StringAt(a, "offer_id") != n.offer_id ||
      !a.contains("consumer") ||
      StringAt(a["consumer"], "public_key") != crypto::HexEncode(consumer.public_key) ||
      !a.contains("provider")) {
    return InvalidArgument(
        "qiantang:agreement: not an agreement of this contract, offer and consumer key");
  }
  // What is signed is the offer this consumer accepted, not another policy.
  if (!a.contains("policy") || PolicyRules(a["policy"]) != PolicyRules(n.offer)) {
    return InvalidArgument("qiantang:agreement: its policy is not the offer accepted");
  }
  auto provider_key = crypto::HexDecode(StringAt(a["provider"], "public_key"));
  auto sig = crypto::Base64Decode(sig_b64);
  crypto::PublicKey pk{};
  crypto::Signature signature{};
  if (!provider_key.ok() || provider_key->size() != pk.size() || !sig.ok() ||
      sig->size() != signature.size()) {
    return InvalidArgument("qiantang:agreement: the provider's key or signature is malformed");
  }
  std::copy(provider_key->begin(), provider_key->end(), pk.begin());
  std::copy(sig->begin(), sig->end(), signature.begin());
  if (!crypto::Verify(pk, Bytes(text), signature)) {
    return PermissionDenied("the provider's signature of the agreement does not verify");
  }
  n.state = DspState::kAgreed;
  n.agreement = text;
  n.provider_signature = sig_b64;
  return Save(n, DspState::kAccepted,
              {"system",
               "federation.negotiation.agreed",
               n.id,
               {{"peer", n.peer}, {"agreement_sha256", crypto::HexEncode(crypto::Sha256(text))}}});
}

Result<json> Negotiations::OnConsumerEvent(const Peer& from, const std::string& consumer_pid,
                                           std::string_view body) {
  QT_ASSIGN_OR_RETURN(
      Inbound in,
      Receive(from, consumer_pid, body, "ContractNegotiationEventMessage", /*consumer_side=*/true));
  DspMessage& m = in.message;
  Negotiation& n = in.negotiation;
  QT_ASSIGN_OR_RETURN(std::string event, DspString(m, "eventType", 20));
  if (event != "FINALIZED") {
    return InvalidArgument("eventType: a provider sends FINALIZED, not '" + event + "'");
  }
  const std::string agreement_sha256 = crypto::HexEncode(crypto::Sha256(n.agreement));
  if (n.state == DspState::kFinalized) {  // a repeat: the same answer
    if (!n.proofs.is_object() || !n.proofs.contains("own")) {
      return Unavailable("this node's proof is being made; send FINALIZED again");
    }
    return json{{"qiantang:proof", n.proofs["own"]}};
  }
  if (n.state != DspState::kVerified) {
    Status s = FailedPrecondition("FINALIZED for a negotiation that is " + StatePhrase(n.state));
    QT_RETURN_IF_ERROR(TerminateHere(n, "system", s.message()));
    return s;
  }
  const json proof = m.body.contains("qiantang:proof") ? m.body["qiantang:proof"] : json();
  QT_RETURN_IF_ERROR(
      CheckProof(proof, from, "federation.negotiation.finalized", n.remote_pid, agreement_sha256));
  // Moves the state first (so a concurrent repeat cannot journal twice), then
  // journals this node's record with the provider node's checkpoint.
  n.state = DspState::kFinalized;
  n.proofs = {{"peer", proof}};
  QT_RETURN_IF_ERROR(Save(n, DspState::kVerified,
                          {"system",
                           "federation.negotiation.provider_finalized",
                           n.id,
                           {{"peer", n.peer},
                            {"peer_index", proof["index"]},
                            {"peer_checkpoint", proof["checkpoint"]}}}));
  QT_ASSIGN_OR_RETURN(json own, JournalAndProve({n.org_id,
                                                 "federation.negotiation.finalized",
                                                 n.id,
                                                 {{"peer", n.peer},
                                                  {"provider_pid", n.remote_pid},
                                                  {"agreement_sha256", agreement_sha256},
                                                  {"provider_signature", n.provider_signature},
                                                  {"consumer_signature", n.consumer_signature},
                                                  {"peer_index", proof["index"]},
                                                  {"peer_checkpoint", proof["checkpoint"]}}}));
  // Kept, to answer a repeated FINALIZED the same way.
  n.proofs["own"] = own;
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    return tx.Exec("UPDATE fed_negotiations SET proofs = ? WHERE id = ?", {n.proofs.dump(), n.id})
        .status();
  }));
  return json{{"qiantang:proof", own}};
}

Status Negotiations::OnConsumerTermination(const Peer& from, const std::string& consumer_pid,
                                           std::string_view body) {
  QT_ASSIGN_OR_RETURN(Inbound in,
                      Receive(from, consumer_pid, body, "ContractNegotiationTerminationMessage",
                              /*consumer_side=*/true));
  DspMessage& m = in.message;
  Negotiation& n = in.negotiation;
  if (n.state == DspState::kTerminated) return OkStatus();
  // Either party may end a contract, finalized or not (as within one node).
  return TerminateHere(n, "system", TerminationReason(m));
}

}  // namespace qt::federation
