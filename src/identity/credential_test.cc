#include "identity/credential.h"

#include <gtest/gtest.h>

#include "crypto/random.h"
#include "identity/base45.h"
#include "tests/support/status_matchers.h"

namespace qt::identity {
namespace {

using ::qt::testing::IsOk;

class CredentialTest : public ::testing::TestWithParam<CoseAlg> {};

TEST_P(CredentialTest, RoundTripsAndRefusesEveryAlteration) {
  crypto::DeterministicRandom random("credential");
  IssuerKey key = *GenerateIssuerKey(GetParam(), random);
  IssuerKey other = *GenerateIssuerKey(GetParam(), random);
  EXPECT_EQ(key.kid.size(), 8u);
  const Bytes claims = {0xa2, 0x01, 0x62, 'H',  'Z', 0x04,
                        0x1a, 0x6a, 0x00, 0x00, 0x00};  // {1: "HZ", 4: exp}
  auto code = EncodeCredential(claims, key);
  ASSERT_THAT(code, IsOk()) << code.status().ToString();
  EXPECT_TRUE(code->starts_with("HZ1:"));
  TrustedKey trusted_key{key.alg, key.public_key};
  auto trusted = [&](const Bytes& k) { return k == key.kid ? &trusted_key : nullptr; };
  auto decoded = DecodeCredential(*code, trusted);
  ASSERT_THAT(decoded, IsOk()) << decoded.status().ToString();
  EXPECT_EQ(decoded->claims, claims);
  auto cwt = ParseCwt(decoded->claims, -260);
  ASSERT_THAT(cwt, IsOk());
  EXPECT_EQ(cwt->iss, "HZ");

  EXPECT_NE(DecodeCredential("HC1:" + code->substr(4), trusted).status().message().find("prefix"),
            std::string::npos);
  EXPECT_FALSE(DecodeCredential(code->substr(0, code->size() - 1), trusted).ok());
  EXPECT_NE(DecodeCredential("HZ1:=", trusted).status().message().find("base45"),
            std::string::npos);
  // A payload byte changed under a valid encoding: the signature fails.
  auto b = *Base45Decode(code->substr(4));
  auto cose = *Inflate(b);
  cose[cose.size() - 70] ^= 1;
  auto tampered = std::string(kPrefix) + Base45Encode(Deflate(cose));
  EXPECT_FALSE(DecodeCredential(tampered, trusted).ok());
  TrustedKey wrong_key{other.alg, other.public_key};
  auto wrong = [&](const Bytes&) { return &wrong_key; };
  EXPECT_NE(DecodeCredential(*code, wrong).status().message().find("signature"), std::string::npos);
  auto unknown = [](const Bytes&) -> const TrustedKey* { return nullptr; };
  EXPECT_NE(DecodeCredential(*code, unknown).status().message().find("kid"), std::string::npos);
  // The key says another algorithm than the code: refused before verifying.
  TrustedKey confused{GetParam() == CoseAlg::kEdDSA ? CoseAlg::kES256 : CoseAlg::kEdDSA,
                      key.public_key};
  auto confusing = [&](const Bytes&) { return &confused; };
  EXPECT_NE(DecodeCredential(*code, confusing).status().message().find("algorithm"),
            std::string::npos);
  // A zlib bomb behind a valid prefix and base45.
  Bytes bomb = Deflate(Bytes(1 << 20, 0));
  EXPECT_NE(DecodeCredential(std::string(kPrefix) + Base45Encode(bomb), trusted)
                .status()
                .message()
                .find("inflates past"),
            std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Algs, CredentialTest, ::testing::Values(CoseAlg::kEdDSA, CoseAlg::kES256),
                         [](const auto& p) { return std::string(AlgName(p.param)); });

// Found by fuzz/zlib_fuzz.cc: what inflates (here, to nothing, with bytes
// after the stream) deflates and inflates back to the same bytes.
TEST(Zlib, AnEmptyStreamRoundTrips) {
  const Bytes empty_stream = {0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x16};
  auto out = Inflate(empty_stream);
  ASSERT_THAT(out, IsOk()) << out.status().ToString();
  EXPECT_TRUE(out->empty());
  const Bytes again_in = Deflate(*out);
  auto again = Inflate(again_in);
  ASSERT_THAT(again, IsOk()) << again.status().ToString() << " on " << again_in.size() << " bytes";
  EXPECT_TRUE(again->empty());
}

}  // namespace
}  // namespace qt::identity
