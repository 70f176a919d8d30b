// SHA-256 (OpenSSL), the hash of the ledger and of stored token digests.
//
// Thread-safety: functions are pure; Sha256Hasher is not thread-safe.
#ifndef QIANTANG_CRYPTO_SHA256_H_
#define QIANTANG_CRYPTO_SHA256_H_

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace qt::crypto {

using Digest = std::array<uint8_t, 32>;

Digest Sha256(std::span<const uint8_t> data);
Digest Sha256(std::string_view data);

}  // namespace qt::crypto

#endif  // QIANTANG_CRYPTO_SHA256_H_
