// Secure delivery (安全交付): a product's rows exported as CSV with a
// per-recipient fingerprint, encrypted to the recipient organisation, and
// traced back to its recipient if a copy leaks.
//
// Fingerprint: in every integer field declared `fingerprint` (a non-critical
// last digit), each cell moves by +1 or -1, the direction a keyed PRF bit
// (SipHash-128 of the delivery's random key, the row's identity and the
// field) — staying within the field's bounds; cells at a bound are left as
// they are. A row's identity is its other delivered values, so the mark
// survives reordering rows, dropping rows or other columns, and re-saving
// (quoting, line endings). Tracing re-identifies leaked rows in the original
// product, reads each moved cell's direction, and counts agreement with each
// delivery's key: the true recipient agrees on every cell, another on about
// half; the verdict needs at least 24 readable cells and a binomial tail
// below 1e-6.
//
// File (".qtd"): "QTDLV1\n", one line of header JSON ({"contract_id",
// "delivery_id", "recipient_id", "content_sha256", "sealed_key",
// "stream_header"}), then chunks [4-byte big-endian length][ciphertext] of
// crypto_secretstream_xchacha20poly1305 (64 KiB plaintext each, the last
// tagged FINAL) whose additional data is the SHA-256 of the header line.
// The stream key is sealed to the recipient (crypto/recipient_box.h). A
// changed header, chunk, order or truncation fails to open.
//
// Thread-safety: functions are reentrant.
#ifndef QIANTANG_PRIVACY_DELIVERY_H_
#define QIANTANG_PRIVACY_DELIVERY_H_

#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "crypto/ed25519.h"
#include "dataspace/product_db.h"
#include "dataspace/schema.h"

namespace qt::privacy {

using FingerprintKey = std::array<uint8_t, 16>;

// The product's rows as CSV (header of field names; the canonical cells of
// pipeline.h) for `columns`, fingerprinted with `key`.
Result<std::string> ExportFingerprinted(dataspace::ProductDb& db, const dataspace::Schema& schema,
                                        const std::vector<std::string>& columns,
                                        const FingerprintKey& key);

struct SealedHeader {
  std::string contract_id, delivery_id, recipient_id, content_sha256;
};

// Encrypts `plaintext` to `recipient` (a .qtd file's bytes).
Result<std::string> SealDelivery(const SealedHeader& header, const crypto::PublicKey& recipient,
                                 std::string_view plaintext);

// The header without opening anything (to route a file to its recipient).
Result<SealedHeader> ReadDeliveryHeader(std::string_view file);

// The receipt its recipient signs for a delivery it opened at `received_at`
// (RFC 3339): compact JSON with sorted keys, {"content_sha256",
// "contract_id", "delivery_id", "received_at", "recipient_id", "type":
// "qiantang.privacy.delivery-receipt/v1"}.
std::string DeliveryReceipt(const SealedHeader& header, const std::string& received_at);

// Decrypts with a function that opens the sealed key (the recipient's
// node); checks the content hash. invalid_argument naming what failed.
struct Opened {
  SealedHeader header;
  std::string plaintext{};
};
Result<Opened> OpenDelivery(
    std::string_view file,
    const std::function<Result<std::vector<uint8_t>>(std::span<const uint8_t>)>& open_key);

struct Candidate {
  std::string delivery_id;
  std::string recipient_id;
  FingerprintKey key{};
};

struct TraceResult {
  bool traced = false;
  std::string delivery_id, recipient_id;
  int64_t rows_matched = 0;  // leaked rows found in the product
  int64_t cells = 0;         // fingerprint cells readable in them
  int64_t agreeing = 0;      // of those, agreeing with the named recipient's key
  double confidence = 0;     // 1 - P(a non-recipient agrees this much by chance)
  std::string reason;        // when not traced
};

// Names the recipient of a leaked CSV (with a header) of the product.
Result<TraceResult> TraceLeak(std::string_view leaked_csv, dataspace::ProductDb& db,
                              const dataspace::Schema& schema,
                              const std::vector<Candidate>& candidates);

}  // namespace qt::privacy

#endif  // QIANTANG_PRIVACY_DELIVERY_H_
