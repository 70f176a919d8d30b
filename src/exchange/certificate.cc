#include "exchange/certificate.h"

#include <qrencode.h>

#include "crypto/ed25519.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"

namespace qt::exchange {

using nlohmann::json;

Result<json> VerifyCertificate(const json& exported) {
  if (!exported.is_object() || !exported.value("document", json()).is_string()) {
    return InvalidArgument("not an exported certificate (it has no document)");
  }
  const std::string document = exported["document"];
  const std::string sha = crypto::HexEncode(crypto::Sha256(document));
  if (exported.value("sha256", "") != sha) {
    return InvalidArgument("sha256 does not match the document: it was altered");
  }
  json doc = json::parse(document, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return InvalidArgument("the document is not JSON");
  if (doc.value("type", "") != "qiantang.exchange.certificate/v1") {
    return InvalidArgument("not a certificate document");
  }
  auto key = crypto::HexDecode(doc["issuer"].value("public_key", ""));
  auto sig = crypto::Base64Decode(exported.value("signature", ""));
  if (!key.ok() || key->size() != 32) return InvalidArgument("the issuer's public key is malformed");
  if (!sig.ok() || sig->size() != 64) return InvalidArgument("the signature is malformed");
  crypto::PublicKey pk;
  crypto::Signature s;
  std::copy(key->begin(), key->end(), pk.begin());
  std::copy(sig->begin(), sig->end(), s.begin());
  if (!crypto::Verify(pk, std::span(reinterpret_cast<const uint8_t*>(document.data()),
                                    document.size()),
                      s)) {
    return InvalidArgument("the issuer's signature does not verify");
  }
  return doc;
}

Result<std::string> QrSvg(const std::string& text, int scale) {
  QRcode* code = QRcode_encodeString8bit(text.c_str(), 0, QR_ECLEVEL_M);
  if (code == nullptr) return InvalidArgument("cannot encode a QR code of " + text);
  const int quiet = 4, size = (code->width + 2 * quiet) * scale;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(size) +
                    "\" height=\"" + std::to_string(size) + "\" viewBox=\"0 0 " +
                    std::to_string(code->width + 2 * quiet) + " " +
                    std::to_string(code->width + 2 * quiet) +
                    "\" shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" "
                    "fill=\"#fff\"/><path fill=\"#000\" d=\"";
  for (int y = 0; y < code->width; ++y) {
    for (int x = 0; x < code->width; ++x) {
      if (code->data[y * code->width + x] & 1) {
        svg += "M" + std::to_string(x + quiet) + " " + std::to_string(y + quiet) + "h1v1h-1z";
      }
    }
  }
  svg += "\"/></svg>";
  QRcode_free(code);
  return svg;
}

}  // namespace qt::exchange
