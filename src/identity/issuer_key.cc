#include "identity/issuer_key.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sodium.h>

#include <memory>

#include "crypto/ed25519.h"
#include "crypto/sha256.h"

namespace qt::identity {
namespace {

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

Bytes Der(EVP_PKEY* key, bool secret) {
  unsigned char* der = nullptr;
  int n = 0;
  if (secret) {
    PKCS8_PRIV_KEY_INFO* info = EVP_PKEY2PKCS8(key);
    n = i2d_PKCS8_PRIV_KEY_INFO(info, &der);
    PKCS8_PRIV_KEY_INFO_free(info);
  } else {
    n = i2d_PUBKEY(key, &der);
  }
  Bytes out(der, der + std::max(n, 0));
  OPENSSL_free(der);
  return out;
}

}  // namespace

std::string_view AlgName(CoseAlg alg) {
  switch (alg) {
    case CoseAlg::kEdDSA:
      return "EdDSA";
    case CoseAlg::kES256:
      return "ES256";
    case CoseAlg::kPS256:
      return "PS256";
  }
  return "?";
}

std::optional<CoseAlg> ParseAlg(std::string_view name) {
  if (name == "EdDSA") return CoseAlg::kEdDSA;
  if (name == "ES256") return CoseAlg::kES256;
  return std::nullopt;
}

Bytes KidOf(std::span<const uint8_t> public_key) {
  const auto digest = crypto::Sha256(public_key);
  return Bytes(digest.begin(), digest.begin() + 8);
}

Result<IssuerKey> GenerateIssuerKey(CoseAlg alg, Random& random) {
  IssuerKey key{.alg = alg};
  if (alg == CoseAlg::kEdDSA) {
    const crypto::SigningKey k = crypto::GenerateSigningKey(random);
    key.secret.assign(k.seed.begin(), k.seed.end());
    key.public_key.assign(k.public_key.begin(), k.public_key.end());
  } else if (alg == CoseAlg::kES256) {
    PkeyPtr pkey(EVP_EC_gen("P-256"), EVP_PKEY_free);
    if (!pkey) return Internal("ES256: key generation failed");
    key.secret = Der(pkey.get(), true);
    key.public_key = Der(pkey.get(), false);
  } else {
    return InvalidArgument("alg: codes are signed with EdDSA or ES256");
  }
  key.kid = KidOf(key.public_key);
  return key;
}

Result<Bytes> SignWith(const IssuerKey& key, std::span<const uint8_t> message) {
  if (key.alg == CoseAlg::kEdDSA) {
    if (key.secret.size() != 32 || key.public_key.size() != 32) {
      return Internal("EdDSA: the seed and public key are 32 bytes each");
    }
    crypto::SigningKey k;
    std::copy(key.secret.begin(), key.secret.end(), k.seed.begin());
    std::copy(key.public_key.begin(), key.public_key.end(), k.public_key.begin());
    const crypto::Signature sig = crypto::Sign(k, message);
    sodium_memzero(k.seed.data(), k.seed.size());
    return Bytes(sig.begin(), sig.end());
  }
  if (key.alg != CoseAlg::kES256) return InvalidArgument("alg: cannot sign with this algorithm");
  const unsigned char* p = key.secret.data();
  PkeyPtr pkey(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(key.secret.size())),
               EVP_PKEY_free);
  if (!pkey) return Internal("ES256: the secret is not a PKCS#8 key");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t n = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &n, message.data(), message.size()) != 1) {
    return Internal("ES256: signing failed");
  }
  Bytes der(n);
  if (EVP_DigestSign(ctx.get(), der.data(), &n, message.data(), message.size()) != 1) {
    return Internal("ES256: signing failed");
  }
  const unsigned char* d = der.data();
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(
      d2i_ECDSA_SIG(nullptr, &d, static_cast<long>(n)), ECDSA_SIG_free);
  if (!sig) return Internal("ES256: unreadable signature");
  Bytes out(64);
  BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out.data(), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out.data() + 32, 32);
  return out;
}

}  // namespace qt::identity
