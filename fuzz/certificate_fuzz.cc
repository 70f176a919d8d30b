// Fuzzes offline certificate verification (exchange/certificate.h), as
// `qiantang cert verify FILE` runs it on a file from anyone: the exported JSON
// as given, and again with its sha256 recomputed from the document, so that
// mutated documents get past the hash check and reach the document's own
// checks. Verification either returns the document or says what failed; it
// never throws.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "exchange/certificate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using nlohmann::json;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  json exported = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (exported.is_discarded()) return 0;
  (void)qt::exchange::VerifyCertificate(exported);
  if (exported.is_object() && exported.contains("document") && exported["document"].is_string()) {
    const std::string document = exported["document"];
    exported["sha256"] = qt::crypto::HexEncode(qt::crypto::Sha256(document));
    auto doc = qt::exchange::VerifyCertificate(exported);
    if (doc.ok() && !doc->is_object()) std::abort();
  }
  return 0;
}
