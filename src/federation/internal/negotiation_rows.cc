#include "federation/internal/negotiation_rows.h"

#include <algorithm>

#include "core/text.h"
#include "crypto/encoding.h"
#include "ledger/verify.h"
#include "store/decode.h"

namespace qt::federation::internal {

using dataspace::ContractState;
using nlohmann::json;
using store::Row;
using store::Tx;

namespace {

Result<json> ParseStoredJson(const std::string& text) {
  if (text.empty()) return json();
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Internal("not JSON");
  return j;
}

}  // namespace

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string StringAt(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return "";
  return j[key].get<std::string>();
}

namespace {

json Untyped(const json& j) {
  if (j.is_array()) {
    json out = json::array();
    for (const json& item : j) out.push_back(Untyped(item));
    return out;
  }
  if (!j.is_object()) return j;
  if (j.size() == 2 && j.contains("@value") && j.contains("@type") && j["@value"].is_string()) {
    json number = json::parse(j["@value"].get<std::string>(), nullptr, false);
    if (number.is_number()) return number;
  }
  json out = json::object();
  for (const auto& [key, value] : j.items()) out[key] = Untyped(value);
  return out;
}

}  // namespace

json PolicyRules(const json& policy) {
  json out = json::object();
  if (!policy.is_object()) return out;
  for (const char* rules : {"permission", "prohibition", "obligation"}) {
    if (policy.contains(rules) && !policy[rules].empty()) out[rules] = Untyped(policy[rules]);
  }
  return out;
}

Result<NegotiationRow> NegotiationFromRow(const Row& r) {
  return store::Decode<NegotiationRow>("fed_negotiations", r, [&]() -> Result<NegotiationRow> {
    NegotiationRow row;
    Negotiation& n = row.negotiation;
    n.id = r.Text("id");
    n.consumer = r.Text("role") == "consumer";
    n.peer = r.Text("peer");
    n.remote_pid = r.Text("remote_pid");
    n.org_id = r.Text("org_id");
    n.offer_id = r.Text("offer_id");
    auto state = ParseDspState(r.Text("state"));
    if (!state) return Internal("state: unknown '" + r.Text("state") + "'");
    n.state = *state;
    QT_ASSIGN_OR_RETURN(n.offer, ParseStoredJson(r.Text("offer")));
    n.agreement = r.Text("agreement");
    n.provider_signature = r.Text("provider_signature");
    n.consumer_signature = r.Text("consumer_signature");
    QT_ASSIGN_OR_RETURN(n.proofs, ParseStoredJson(r.Text("proofs")));
    n.reason = r.Text("reason");
    n.last_error = r.Text("last_error");
    n.attempts = static_cast<int>(r.Int("attempts"));
    n.created_at = r.Int("created_at");
    n.updated_at = r.Int("updated_at");
    row.callback = r.Text("callback");
    row.sent = r.Text("sent");
    row.next_attempt_at = r.Int("next_attempt_at");
    return row;
  });
}

DspState DspStateOf(ContractState s) {
  switch (s) {
    case ContractState::kRequested:
      return DspState::kRequested;
    case ContractState::kOffered:
      return DspState::kOffered;
    case ContractState::kAccepted:
      return DspState::kAccepted;
    case ContractState::kAgreed:
      return DspState::kAgreed;
    case ContractState::kVerified:
      return DspState::kVerified;
    case ContractState::kFinalized:
      return DspState::kFinalized;
    case ContractState::kTerminated:
      return DspState::kTerminated;
  }
  return DspState::kTerminated;
}

bool ProviderMoves(DspState s) {
  return s == DspState::kOffered || s == DspState::kAgreed || s == DspState::kFinalized ||
         s == DspState::kTerminated;
}

std::string StatePhrase(DspState s) {
  std::string name(DspStateName(s));
  std::transform(name.begin(), name.end(), name.begin(), ::tolower);
  return name;
}

std::string TerminationReason(const DspMessage& m) {
  std::string reason;
  const json& r = m.body.contains("reason") ? m.body["reason"] : json();
  if (r.is_array() && !r.empty() && r[0].is_string()) reason = r[0].get<std::string>();
  if (r.is_string()) reason = r.get<std::string>();
  if (reason.empty()) reason = "terminated by the other node";
  if (CheckDisplayText(reason, kMaxReasonBytes).ok()) return reason;
  return "terminated by the other node (its reason was not readable text)";
}

json ProofJson(const ledger::EventProof& p) {
  json inclusion = json::array();
  for (const auto& h : p.proof) inclusion.push_back(crypto::Base64Encode(h));
  return {{"index", p.entry.index},
          {"event", p.entry.event},
          {"checkpoint", p.checkpoint.note},
          {"inclusion", inclusion}};
}

Status CheckProof(const json& proof, const Peer& peer, std::string_view kind,
                  std::string_view subject, std::string_view agreement_sha256) {
  if (!proof.is_object() || !proof.contains("index") || !proof["index"].is_number_unsigned() ||
      !proof.contains("event") || !proof["event"].is_string() || !proof.contains("checkpoint") ||
      !proof["checkpoint"].is_string() || !proof.contains("inclusion") ||
      !proof["inclusion"].is_array() || proof["inclusion"].size() > 64) {
    return InvalidArgument("qiantang:proof: expected index, event, checkpoint and inclusion");
  }
  std::vector<ledger::Bytes> inclusion;
  for (const json& h : proof["inclusion"]) {
    if (!h.is_string()) return InvalidArgument("qiantang:proof: inclusion holds a non-string");
    QT_ASSIGN_OR_RETURN(auto bytes, crypto::Base64Decode(h.get<std::string>()));
    inclusion.emplace_back(bytes.begin(), bytes.end());
  }
  QT_ASSIGN_OR_RETURN(ledger::NoteVerifier key, ledger::ParseVerifierKey(peer.ledger_vkey));
  const std::string event = proof["event"].get<std::string>();
  Status s = ledger::VerifyEvent(event, proof["index"].get<uint64_t>(), inclusion,
                                 proof["checkpoint"].get<std::string>(), key);
  if (!s.ok()) return PermissionDenied("qiantang:proof does not verify: " + s.message());
  json e = json::parse(event, nullptr, /*allow_exceptions=*/false);
  if (StringAt(e, "kind") != kind || StringAt(e, "subject") != subject || !e.contains("payload") ||
      StringAt(e["payload"], "agreement_sha256") != agreement_sha256) {
    return PermissionDenied("qiantang:proof proves another event than this agreement's " +
                            std::string(kind));
  }
  return OkStatus();
}

Status AnswerError(const std::string& peer, const PeerAnswer& a) {
  std::string reason = ValidUtf8Prefix(a.body, 300);
  json j = json::parse(a.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("reason") && j["reason"].is_array() && !j["reason"].empty() &&
      j["reason"][0].is_string()) {
    reason = ValidUtf8Prefix(j["reason"][0].get<std::string>(), 300);
  }
  if (j.is_object() && j.contains("error") && j["error"].is_object() &&
      j["error"].contains("message") && j["error"]["message"].is_string()) {
    reason = ValidUtf8Prefix(j["error"]["message"].get<std::string>(), 300);
  }
  const std::string what =
      "node '" + peer + "' answered HTTP " + std::to_string(a.status) + ": " + reason;
  if (a.status == 404) return NotFound(what);
  if (a.status == 400) return FailedPrecondition(what);
  if (a.status == 401 || a.status == 403) return PermissionDenied(what);
  if (a.status == 409) return Conflict(what);  // changed meanwhile: worth another try
  if (a.status == 429) return ResourceExhausted(what);
  if (a.status >= 500) return Unavailable(what);
  return InvalidArgument(what);
}

Status MarkSent(store::Store& store, const std::string& id, DspState state, UnixMillis now) {
  return store.Write([&](Tx& tx) -> Status {
    return tx
        .Exec(
            "UPDATE fed_negotiations SET sent = ?, state = ?, attempts = 0,"
            " next_attempt_at = 0, last_error = '', updated_at = ? WHERE id = ?",
            {std::string(DspStateName(state)), std::string(DspStateName(state)), now, id})
        .status();
  });
}

}  // namespace qt::federation::internal
