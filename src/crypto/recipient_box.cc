#include "crypto/recipient_box.h"

#include <sodium.h>

namespace qt::crypto {

Result<std::vector<uint8_t>> SealTo(const PublicKey& recipient, std::span<const uint8_t> message) {
  uint8_t x25519[crypto_box_PUBLICKEYBYTES];
  if (crypto_sign_ed25519_pk_to_curve25519(x25519, recipient.data()) != 0) {
    return InvalidArgument("the recipient's public key is not a valid Ed25519 key");
  }
  std::vector<uint8_t> out(message.size() + crypto_box_SEALBYTES);
  if (crypto_box_seal(out.data(), message.data(), message.size(), x25519) != 0) {
    return Internal("crypto_box_seal failed");
  }
  return out;
}

Result<std::vector<uint8_t>> OpenSealed(const SigningKey& key, std::span<const uint8_t> sealed) {
  if (sealed.size() < crypto_box_SEALBYTES) return InvalidArgument("the sealed box is too short");
  uint8_t ed_sk[crypto_sign_SECRETKEYBYTES], ed_pk[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_seed_keypair(ed_pk, ed_sk, key.seed.data());
  uint8_t x_sk[crypto_box_SECRETKEYBYTES], x_pk[crypto_box_PUBLICKEYBYTES];
  int rc = crypto_sign_ed25519_sk_to_curve25519(x_sk, ed_sk) |
           crypto_sign_ed25519_pk_to_curve25519(x_pk, ed_pk);
  sodium_memzero(ed_sk, sizeof ed_sk);
  if (rc != 0) return Internal("cannot convert the key");
  std::vector<uint8_t> out(sealed.size() - crypto_box_SEALBYTES);
  rc = crypto_box_seal_open(out.data(), sealed.data(), sealed.size(), x_pk, x_sk);
  sodium_memzero(x_sk, sizeof x_sk);
  if (rc != 0)
    return InvalidArgument(
        "the sealed box does not open with this key: altered, or sealed to another recipient");
  return out;
}

}  // namespace qt::crypto
