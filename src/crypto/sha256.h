// SHA-256 (OpenSSL), the hash of the ledger and of stored token digests, and
// HMAC-SHA256 (libsodium), which signs webhook deliveries.
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

// HMAC-SHA256 (RFC 2104) of `message` under `key` (any length).
Digest HmacSha256(std::string_view key, std::string_view message);

// SHA-256 of data given in pieces (files streamed through it).
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  void Update(std::span<const uint8_t> data);
  void Update(std::string_view data);
  // The digest of everything given. REQUIRES: called once, last.
  Digest Finish();

 private:
  void* ctx_;  // EVP_MD_CTX
};

}  // namespace qt::crypto

#endif  // QIANTANG_CRYPTO_SHA256_H_
