#include "federation/cosignature.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "crypto/encoding.h"
#include "crypto/random.h"
#include "tests/support/status_matchers.h"

namespace qt::federation {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

const std::string kCheckpoint =
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

ledger::SignFn SignWith(const crypto::SigningKey& key) {
  return [&key](std::span<const uint8_t> m) -> Result<crypto::Signature> {
    return crypto::Sign(key, m);
  };
}

// Ed25519 verification by OpenSSL, an implementation independent of the
// libsodium one that signs.
bool OpenSslVerifies(const crypto::PublicKey& key, const std::string& message,
                     std::span<const uint8_t> sig) {
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = pkey != nullptr && ctx != nullptr &&
            EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pkey) == 1 &&
            EVP_DigestVerify(ctx, sig.data(), sig.size(),
                             reinterpret_cast<const uint8_t*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  return ok;
}

TEST(Cosignature, LineIsKeyIdTimestampAndSignatureOverTheSpecMessage) {
  crypto::SigningKey key = crypto::GenerateSigningKey(crypto::SystemRandom::Get());
  auto line =
      Cosign(kCheckpoint, "witness.example.com/w1", key.public_key, 1679315147, SignWith(key));
  ASSERT_THAT(line, IsOk()) << line.status().ToString();
  const std::string prefix = "\xe2\x80\x94 witness.example.com/w1 ";
  ASSERT_TRUE(line->starts_with(prefix));
  ASSERT_EQ(line->back(), '\n');
  auto blob = *crypto::Base64Decode(line->substr(prefix.size(), line->size() - prefix.size() - 1));
  ASSERT_EQ(blob.size(), 4u + 8u + 64u);

  // Key id: SHA-256(name || "\n" || 0x04 || key)[:4], computed here with OpenSSL.
  std::string id_input = "witness.example.com/w1\n\x04";
  id_input.append(reinterpret_cast<const char*>(key.public_key.data()), 32);
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const uint8_t*>(id_input.data()), id_input.size(), digest);
  EXPECT_TRUE(std::equal(blob.begin(), blob.begin() + 4, digest));
  // Timestamp, big-endian: 1679315147 = 0x641850cb (the spec's example time).
  EXPECT_EQ(std::vector<uint8_t>(blob.begin() + 4, blob.begin() + 12),
            (std::vector<uint8_t>{0, 0, 0, 0, 0x64, 0x18, 0x50, 0xcb}));
  // The signed message of tlog-cosignature, verified by OpenSSL.
  EXPECT_TRUE(OpenSslVerifies(key.public_key, "cosignature/v1\ntime 1679315147\n" + kCheckpoint,
                              std::span(blob).subspan(12)));
  EXPECT_FALSE(OpenSslVerifies(key.public_key, kCheckpoint, std::span(blob).subspan(12)));
}

TEST(Cosignature, VerifiesOnlyKnownCosignersAndRefusesBadOnes) {
  crypto::SigningKey w1 = crypto::GenerateSigningKey(crypto::SystemRandom::Get());
  crypto::SigningKey w2 = crypto::GenerateSigningKey(crypto::SystemRandom::Get());
  crypto::SigningKey log = crypto::GenerateSigningKey(crypto::SystemRandom::Get());
  std::string note =
      *ledger::SignNote(kCheckpoint, "example.com/behind-the-sofa", log.public_key, SignWith(log));
  note += *Cosign(kCheckpoint, "w1", w1.public_key, 100, SignWith(w1));
  note += *Cosign(kCheckpoint, "w2", w2.public_key, 200, SignWith(w2));
  auto k1 = *ledger::ParseVerifierKey(
      ledger::FormatVerifierKey("w1", w1.public_key, ledger::kCosignatureEd25519),
      ledger::kCosignatureEd25519);
  auto k2 = *ledger::ParseVerifierKey(
      ledger::FormatVerifierKey("w2", w2.public_key, ledger::kCosignatureEd25519),
      ledger::kCosignatureEd25519);

  auto both = VerifyCosignatures(note, {k1, k2});
  ASSERT_THAT(both, IsOk()) << both.status().ToString();
  ASSERT_EQ(both->size(), 2u);
  EXPECT_EQ((*both)[0].timestamp, 100u);
  EXPECT_EQ((*both)[1].name, "w2");
  EXPECT_EQ(VerifyCosignatures(note, {k2})->size(), 1u);  // w1's line is not known: ignored
  EXPECT_TRUE(VerifyCosignatures(note, {})->empty());

  // A note-signature key (type 0x01) of the same witness does not verify cosignatures.
  EXPECT_FALSE(ledger::ParseVerifierKey(ledger::FormatVerifierKey("w1", w1.public_key),
                                        ledger::kCosignatureEd25519)
                   .ok());
  // Another checkpoint under the same cosignature: refused, naming the key.
  std::string moved = note;
  moved.replace(moved.find("20852163"), 8, "20852164");
  auto bad = VerifyCosignatures(moved, {k1});
  EXPECT_THAT(bad, StatusIs(StatusCode::kPermissionDenied));
  EXPECT_NE(bad.status().message().find("w1+"), std::string::npos);
}

TEST(Cosignature, RefusesZeroTimestampsAndTextThatIsNotACheckpoint) {
  crypto::SigningKey key = crypto::GenerateSigningKey(crypto::SystemRandom::Get());
  EXPECT_FALSE(Cosign(kCheckpoint, "w", key.public_key, 0, SignWith(key)).ok());
  EXPECT_FALSE(Cosign(kCheckpoint, "w", key.public_key, uint64_t{1} << 63, SignWith(key)).ok());
  EXPECT_FALSE(Cosign("not a checkpoint\n", "w", key.public_key, 1, SignWith(key)).ok());
  EXPECT_FALSE(Cosign(kCheckpoint, "a name", key.public_key, 1, SignWith(key)).ok());
}

}  // namespace
}  // namespace qt::federation
