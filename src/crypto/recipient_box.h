// Encryption to an organisation: libsodium sealed boxes (X25519,
// crypto_box_seal) to the X25519 key derived from the organisation's Ed25519
// key (crypto_sign_ed25519_pk_to_curve25519), so every organisation that can
// sign can also receive, with one key pair.
//
// Thread-safety: functions are pure.
#ifndef QIANTANG_CRYPTO_RECIPIENT_BOX_H_
#define QIANTANG_CRYPTO_RECIPIENT_BOX_H_

#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"
#include "crypto/ed25519.h"

namespace qt::crypto {

// Anyone can seal to `recipient`; invalid_argument if the key is not a valid
// Ed25519 public key.
Result<std::vector<uint8_t>> SealTo(const PublicKey& recipient, std::span<const uint8_t> message);

// Only the holder of `key` opens; invalid_argument if the box was altered or
// sealed to another key.
Result<std::vector<uint8_t>> OpenSealed(const SigningKey& key, std::span<const uint8_t> sealed);

}  // namespace qt::crypto

#endif  // QIANTANG_CRYPTO_RECIPIENT_BOX_H_
