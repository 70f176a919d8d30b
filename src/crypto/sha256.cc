#include "crypto/sha256.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sodium.h>

namespace qt::crypto {

Digest Sha256(std::span<const uint8_t> data) {
  Digest d;
  SHA256(data.data(), data.size(), d.data());
  return d;
}

Digest Sha256(std::string_view data) {
  return Sha256(std::span(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}

Digest HmacSha256(std::string_view key, std::string_view message) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  Digest out;
  crypto_auth_hmacsha256_final(&state, out.data());
  return out;
}

Sha256Hasher::Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr);
}

Sha256Hasher::~Sha256Hasher() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256Hasher::Update(std::span<const uint8_t> data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}

void Sha256Hasher::Update(std::string_view data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}

Digest Sha256Hasher::Finish() {
  Digest d;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), d.data(), nullptr);
  return d;
}

}  // namespace qt::crypto
