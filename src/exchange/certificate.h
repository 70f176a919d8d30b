// The certificate document and its offline verification.
//
// A certificate version is compact JSON with sorted keys:
//   {"change", "data": {"description", "format", "name", "scale", "snapshot_sha256",
//    "source": {"kind", "ref"}, "type", "update_cycle"}, "holder": {"credit_code", "id",
//    "name"}, "issued_at", "issuer": {"id", "name", "public_key"}, "number",
//    "previous_sha256" (null on version 1), "rights": [...], "status",
//    "type": "qiantang.exchange.certificate/v1", "valid_from", "valid_until",
//    "verify_url", "version"}
// signed (Ed25519, base64) by the issuing registry's organisation; its
// SHA-256 is anchored in the ledger (event exchange.certificate.<change>).
#ifndef QIANTANG_EXCHANGE_CERTIFICATE_H_
#define QIANTANG_EXCHANGE_CERTIFICATE_H_

#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"

namespace qt::exchange {

// Checks an exported certificate ({"document", "sha256", "signature", ...},
// as GET /api/v1/exchange/certificates/{number} answers) without a server:
// the hash of the document and the issuer's signature under the key the
// document names. Returns the parsed document. invalid_argument saying what
// failed.
Result<nlohmann::json> VerifyCertificate(const nlohmann::json& exported);

}  // namespace qt::exchange

#endif  // QIANTANG_EXCHANGE_CERTIFICATE_H_
