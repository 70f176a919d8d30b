// Ed25519 keys and signatures in request bodies: a public key as 64 hex
// digits, a signature as base64; errors name the field.
//
// Example:
//   QT_ASSIGN_OR_RETURN(crypto::PublicKey key, PublicKeyField(body, "public_key"));
//   QT_ASSIGN_OR_RETURN(auto sig, OptionalSignatureField(body, "signature"));
#ifndef QIANTANG_API_KEY_FIELDS_H_
#define QIANTANG_API_KEY_FIELDS_H_

#include <optional>
#include <string>

#include "api/json_body.h"
#include "core/status.h"
#include "crypto/ed25519.h"

namespace qt::api {

Result<crypto::PublicKey> PublicKeyField(JsonBody& body, const std::string& field);
Result<crypto::Signature> SignatureField(JsonBody& body, const std::string& field);
// nullopt when absent.
Result<std::optional<crypto::Signature>> OptionalSignatureField(JsonBody& body,
                                                                const std::string& field);

}  // namespace qt::api

#endif  // QIANTANG_API_KEY_FIELDS_H_
