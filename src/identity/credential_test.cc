#include "identity/credential.h"

#include <gtest/gtest.h>

#include "crypto/random.h"
#include "identity/base45.h"

namespace qt::identity {
namespace {

TEST(Credential, RoundTripsAndRefusesEveryAlteration) {
  crypto::DeterministicRandom random("credential");
  crypto::SigningKey key = crypto::GenerateSigningKey(random);
  crypto::SigningKey other = crypto::GenerateSigningKey(random);
  const Bytes kid = {1, 2, 3, 4, 5, 6, 7, 8};
  const Bytes claims = {0xa2, 0x01, 0x62, 'H', 'Z', 0x04, 0x1a, 0x6a, 0x00, 0x00, 0x00};  // {1: "HZ", 4: exp}
  auto code = EncodeCredential(claims, kid, key);
  ASSERT_TRUE(code.ok());
  EXPECT_TRUE(code->starts_with("HZ1:"));
  auto trusted = [&](const Bytes& k) -> std::optional<crypto::PublicKey> {
    if (k == kid) return key.public_key;
    return std::nullopt;
  };
  auto decoded = DecodeCredential(*code, trusted);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->claims, claims);
  auto cwt = ParseCwt(decoded->claims, -260);
  ASSERT_TRUE(cwt.ok());
  EXPECT_EQ(cwt->iss, "HZ");

  EXPECT_NE(DecodeCredential("HC1:" + code->substr(4), trusted).status().message().find("prefix"),
            std::string::npos);
  EXPECT_FALSE(DecodeCredential(code->substr(0, code->size() - 1), trusted).ok());
  EXPECT_NE(DecodeCredential("HZ1:=", trusted).status().message().find("base45"), std::string::npos);
  // A payload byte changed under a valid encoding: the signature fails.
  auto b = *Base45Decode(code->substr(4));
  auto cose = *Inflate(b);
  cose[cose.size() - 70] ^= 1;
  auto tampered = std::string(kPrefix) + Base45Encode(Deflate(cose));
  EXPECT_FALSE(DecodeCredential(tampered, trusted).ok());
  auto wrong = [&](const Bytes&) -> std::optional<crypto::PublicKey> { return other.public_key; };
  EXPECT_NE(DecodeCredential(*code, wrong).status().message().find("signature"), std::string::npos);
  auto unknown = [](const Bytes&) -> std::optional<crypto::PublicKey> { return std::nullopt; };
  EXPECT_NE(DecodeCredential(*code, unknown).status().message().find("kid"), std::string::npos);
  // A zlib bomb behind a valid prefix and base45.
  Bytes bomb = Deflate(Bytes(1 << 20, 0));
  EXPECT_NE(DecodeCredential(std::string(kPrefix) + Base45Encode(bomb), trusted).status().message().find(
                "inflates past"),
            std::string::npos);
}

}  // namespace
}  // namespace qt::identity
