#include "api/key_fields.h"

namespace qt::api {

Result<crypto::PublicKey> PublicKeyField(JsonBody& body, const std::string& field) {
  QT_ASSIGN_OR_RETURN(std::string hex, body.String(field, 64));
  auto key = crypto::PublicKeyFromHex(hex);
  if (!key.ok()) return key.status().WithContext(field);
  return key;
}

Result<crypto::Signature> SignatureField(JsonBody& body, const std::string& field) {
  QT_ASSIGN_OR_RETURN(std::string base64, body.String(field, 100));
  auto sig = crypto::SignatureFromBase64(base64);
  if (!sig.ok()) return sig.status().WithContext(field);
  return sig;
}

Result<std::optional<crypto::Signature>> OptionalSignatureField(JsonBody& body,
                                                                const std::string& field) {
  QT_ASSIGN_OR_RETURN(std::string base64, body.OptionalString(field, 100, ""));
  if (base64.empty()) return std::optional<crypto::Signature>();
  auto sig = crypto::SignatureFromBase64(base64);
  if (!sig.ok()) return sig.status().WithContext(field);
  return std::optional<crypto::Signature>(*sig);
}

}  // namespace qt::api
