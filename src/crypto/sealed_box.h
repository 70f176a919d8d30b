// Encryption of secrets at rest under the server master key.
//
// XChaCha20-Poly1305 (libsodium AEAD) with a random 24-byte nonce prepended to
// the ciphertext. The associated data binds a sealed secret to its owner (for
// example an organisation id), so a sealed key copied to another row fails to open.
//
// Thread-safety: MasterKey is immutable after construction.
#ifndef QIANTANG_CRYPTO_SEALED_BOX_H_
#define QIANTANG_CRYPTO_SEALED_BOX_H_

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/random.h"
#include "core/status.h"

namespace qt::crypto {

class MasterKey {
 public:
  static constexpr size_t kSize = 32;
  explicit MasterKey(std::span<const uint8_t, kSize> key);
  ~MasterKey();
  MasterKey(const MasterKey&) = delete;
  MasterKey& operator=(const MasterKey&) = delete;

  std::vector<uint8_t> Seal(std::span<const uint8_t> plaintext, std::string_view associated,
                            Random& random) const;
  // kInternal if the ciphertext was altered, belongs to another owner, or was
  // sealed under another master key.
  Result<std::vector<uint8_t>> Open(std::span<const uint8_t> sealed,
                                    std::string_view associated) const;

 private:
  std::array<uint8_t, kSize> key_;
};

}  // namespace qt::crypto

#endif  // QIANTANG_CRYPTO_SEALED_BOX_H_
