#include "exchange/certificate.h"

#include "crypto/ed25519.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"

namespace qt::exchange {

using nlohmann::json;

namespace {

// The string at `key` of an object, or "" for anything else: an exported
// certificate comes from anyone, and a field of another type is not a crash.
std::string StringAt(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

Result<json> VerifyCertificate(const json& exported) {
  if (!exported.is_object() || !exported.value("document", json()).is_string()) {
    return InvalidArgument("not an exported certificate (it has no document)");
  }
  const std::string document = exported["document"];
  const std::string sha = crypto::HexEncode(crypto::Sha256(document));
  if (StringAt(exported, "sha256") != sha) {
    return InvalidArgument("sha256 does not match the document: it was altered");
  }
  json doc = json::parse(document, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return InvalidArgument("the document is not JSON");
  if (StringAt(doc, "type") != "qiantang.exchange.certificate/v1") {
    return InvalidArgument("not a certificate document");
  }
  auto key = crypto::HexDecode(StringAt(doc.value("issuer", json()), "public_key"));
  auto sig = crypto::Base64Decode(StringAt(exported, "signature"));
  if (!key.ok() || key->size() != 32)
    return InvalidArgument("the issuer's public key is malformed");
  if (!sig.ok() || sig->size() != 64) return InvalidArgument("the signature is malformed");
  crypto::PublicKey pk;
  crypto::Signature s;
  std::copy(key->begin(), key->end(), pk.begin());
  std::copy(sig->begin(), sig->end(), s.begin());
  if (!crypto::Verify(
          pk, std::span(reinterpret_cast<const uint8_t*>(document.data()), document.size()), s)) {
    return InvalidArgument("the issuer's signature does not verify");
  }
  return doc;
}

}  // namespace qt::exchange
