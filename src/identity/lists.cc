#include "identity/lists.h"

#include <algorithm>

#include "core/clock.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "ledger/event.h"

namespace qt::identity {
namespace {

using nlohmann::json;

json Time(int64_t ms) { return ms ? json(FormatRfc3339(ms)) : json(nullptr); }

Result<int64_t> ReadTime(const json& j, const char* field) {
  if (j.is_null()) return int64_t{0};
  if (!j.is_string()) return InvalidArgument(std::string(field) + ": not a time");
  auto t = ParseRfc3339(j.get<std::string>());
  if (!t) return InvalidArgument(std::string(field) + ": not an RFC 3339 time");
  return *t;
}

// The document of `exported` if its type is `type` and it is signed by `root`.
Result<json> CheckSigned(const json& exported, std::string_view type,
                         const crypto::PublicKey& root) {
  if (!exported.is_object() || !exported.contains("document") || !exported.contains("signature") ||
      !exported["signature"].is_string()) {
    return InvalidArgument("list: expected {\"document\", \"signature\"}");
  }
  const json& doc = exported["document"];
  if (!doc.is_object() || doc.value("type", json()) != json(type)) {
    return InvalidArgument("list: not a " + std::string(type));
  }
  auto sig = crypto::Base64Decode(exported["signature"].get<std::string>());
  if (!sig.ok() || sig->size() != 64)
    return InvalidArgument("list: the signature is not 64 bytes of base64");
  QT_ASSIGN_OR_RETURN(std::string bytes, SignedBytes(doc));
  crypto::Signature s;
  std::copy(sig->begin(), sig->end(), s.begin());
  if (!crypto::Verify(root, std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
                      s)) {
    return InvalidArgument("list: the signature does not verify under the pinned issuer key");
  }
  return doc;
}

}  // namespace

const TrustListKey* TrustList::Find(std::string_view kid_hex) const {
  for (const TrustListKey& k : keys) {
    if (k.kid == kid_hex) return &k;
  }
  return nullptr;
}

json TrustListDocument(const json& issuer, const TrustList& list) {
  json keys = json::array();
  for (const TrustListKey& k : list.keys) {
    keys.push_back({{"kid", k.kid},
                    {"alg", AlgName(k.key.alg)},
                    {"public_key", crypto::Base64Encode(k.key.public_key)},
                    {"not_before", Time(k.not_before)},
                    {"retired_at", Time(k.retired_at)},
                    {"not_after", Time(k.not_after)}});
  }
  return {{"type", kTrustListType},
          {"issuer", issuer},
          {"version", list.version},
          {"issued_at", Time(list.issued_at)},
          {"keys", keys}};
}

Result<TrustList> ReadTrustList(const json& exported, const crypto::PublicKey& root) {
  QT_ASSIGN_OR_RETURN(json doc, CheckSigned(exported, kTrustListType, root));
  TrustList list;
  try {
    list.version = doc.at("version").get<int64_t>();
    QT_ASSIGN_OR_RETURN(list.issued_at, ReadTime(doc.at("issued_at"), "issued_at"));
    for (const json& k : doc.at("keys")) {
      TrustListKey key;
      key.kid = k.at("kid").get<std::string>();
      auto alg = ParseAlg(k.at("alg").get<std::string>());
      if (!alg) return InvalidArgument("trust list: unknown algorithm for key " + key.kid);
      key.key.alg = *alg;
      auto pub = crypto::Base64Decode(k.at("public_key").get<std::string>());
      if (!pub.ok()) return InvalidArgument("trust list: key " + key.kid + " is not base64");
      key.key.public_key.assign(pub->begin(), pub->end());
      QT_ASSIGN_OR_RETURN(key.not_before, ReadTime(k.at("not_before"), "not_before"));
      QT_ASSIGN_OR_RETURN(key.retired_at, ReadTime(k.at("retired_at"), "retired_at"));
      QT_ASSIGN_OR_RETURN(key.not_after, ReadTime(k.at("not_after"), "not_after"));
      list.keys.push_back(std::move(key));
    }
  } catch (const json::exception& e) {
    return InvalidArgument(std::string("trust list: malformed: ") + e.what());
  }
  return list;
}

json RevocationJson(const RevocationEntry& e) {
  return {{"seq", e.seq},
          {"serial", e.serial},
          {"revoked_at", FormatRfc3339(e.revoked_at)},
          {"reason", e.reason}};
}

Head ChainHead(const Head& previous, const RevocationEntry& e) {
  crypto::Sha256Hasher h;
  h.Update(previous);
  h.Update(*ledger::CanonicalJson(RevocationJson(e)));
  return h.Finish();
}

json RevocationsDocument(const json& issuer, int64_t from, const Head& head, int64_t issued_at,
                         const std::vector<RevocationEntry>& entries) {
  json list = json::array();
  for (const RevocationEntry& e : entries) list.push_back(RevocationJson(e));
  return {{"type", kRevocationsType},
          {"issuer", issuer},
          {"from", from},
          {"to", from + static_cast<int64_t>(entries.size())},
          {"head", crypto::HexEncode(head)},
          {"issued_at", FormatRfc3339(issued_at)},
          {"entries", list}};
}

Status ApplyRevocations(RevocationState& state, const json& exported,
                        const crypto::PublicKey& root) {
  QT_ASSIGN_OR_RETURN(json doc, CheckSigned(exported, kRevocationsType, root));
  RevocationState next = state;
  try {
    if (doc.at("from").get<int64_t>() != state.seq) {
      return InvalidArgument("revocations: the delta starts at " + doc.at("from").dump() +
                             ", this verifier is at " + std::to_string(state.seq));
    }
    for (const json& j : doc.at("entries")) {
      RevocationEntry e{.seq = j.at("seq").get<int64_t>(),
                        .serial = j.at("serial").get<std::string>(),
                        .revoked_at = 0,
                        .reason = j.at("reason").get<std::string>()};
      QT_ASSIGN_OR_RETURN(e.revoked_at, ReadTime(j.at("revoked_at"), "revoked_at"));
      if (e.seq != next.seq + 1) return InvalidArgument("revocations: entries out of sequence");
      next.head = ChainHead(next.head, e);
      next.seq = e.seq;
      next.serials.insert(e.serial);
    }
    if (doc.at("to").get<int64_t>() != next.seq ||
        doc.at("head").get<std::string>() != crypto::HexEncode(next.head)) {
      return InvalidArgument("revocations: the entries do not chain to the signed head");
    }
  } catch (const json::exception& e) {
    return InvalidArgument(std::string("revocations: malformed: ") + e.what());
  }
  state = std::move(next);
  return OkStatus();
}

json ListIssuerJson(const ListIssuer& issuer) {
  return {{"id", issuer.id}, {"name", issuer.name}, {"public_key", issuer.public_key}};
}

json ExportTrustList(const SignedTrustList& signed_list) {
  return ExportSigned(TrustListDocument(ListIssuerJson(signed_list.issuer), signed_list.list),
                      signed_list.signature);
}

json ExportRevocations(const SignedRevocations& delta) {
  return ExportSigned(RevocationsDocument(ListIssuerJson(delta.issuer), delta.from, delta.head,
                                          delta.issued_at, delta.entries),
                      delta.signature);
}

json ExportSigned(const json& document, const crypto::Signature& signature) {
  return json{{"document", document}, {"signature", crypto::Base64Encode(signature)}};
}

Result<std::string> SignedBytes(const json& document) { return ledger::CanonicalJson(document); }

}  // namespace qt::identity
