#include "crypto/sealed_box.h"

#include <sodium.h>

namespace qt::crypto {
namespace {

constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;

const uint8_t* Ad(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

}  // namespace

MasterKey::MasterKey(std::span<const uint8_t, kSize> key) {
  std::copy(key.begin(), key.end(), key_.begin());
}

MasterKey::~MasterKey() { sodium_memzero(key_.data(), key_.size()); }

std::vector<uint8_t> MasterKey::Seal(std::span<const uint8_t> plaintext,
                                     std::string_view associated, Random& random) const {
  std::vector<uint8_t> out(kNonce + plaintext.size() + kTag);
  random.Fill(std::span(out.data(), kNonce));
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + kNonce, &len, plaintext.data(),
                                             plaintext.size(), Ad(associated), associated.size(),
                                             nullptr, out.data(), key_.data());
  return out;
}

Result<std::vector<uint8_t>> MasterKey::Open(std::span<const uint8_t> sealed,
                                             std::string_view associated) const {
  if (sealed.size() < kNonce + kTag) return Internal("sealed secret is truncated");
  std::vector<uint8_t> out(sealed.size() - kNonce - kTag);
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          out.data(), &len, nullptr, sealed.data() + kNonce, sealed.size() - kNonce, Ad(associated),
          associated.size(), sealed.data(), key_.data()) != 0) {
    return Internal("sealed secret does not open under this master key");
  }
  return out;
}

}  // namespace qt::crypto
