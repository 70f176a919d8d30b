#include <gtest/gtest.h>

#include "crypto/ed25519.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "crypto/recipient_box.h"
#include "crypto/sealed_box.h"
#include "crypto/sha256.h"
#include "tests/support/status_matchers.h"

namespace qt::crypto {
namespace {

using ::qt::testing::IsOk;

std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(Sha256, MatchesTheFipsExample) {
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// RFC 4231 test cases 2 (a short key) and 6 (a key longer than the block).
TEST(HmacSha256, MatchesRfc4231) {
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HexEncode(HmacSha256(std::string(131, '\xaa'),
                                 "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(Sha256, InPiecesEqualsAtOnce) {
  std::string data(100'000, 'q');
  Sha256Hasher h;
  h.Update(std::string_view(data).substr(0, 7));
  h.Update(AsBytes(std::string_view(data).substr(7)));
  EXPECT_EQ(h.Finish(), Sha256(data));
}

TEST(RecipientBox, OnlyTheRecipientOpensAndTamperingIsDetected) {
  DeterministicRandom random("recipient-box");
  SigningKey alice = GenerateSigningKey(random), bob = GenerateSigningKey(random);
  auto sealed = SealTo(alice.public_key, AsBytes("a delivery key"));
  ASSERT_THAT(sealed, IsOk());
  auto opened = OpenSealed(alice, *sealed);
  ASSERT_THAT(opened, IsOk());
  EXPECT_EQ(std::string(opened->begin(), opened->end()), "a delivery key");
  EXPECT_FALSE(OpenSealed(bob, *sealed).ok());
  (*sealed)[40] ^= 1;
  EXPECT_FALSE(OpenSealed(alice, *sealed).ok());
}

TEST(Encoding, HexAndBase64RoundTripAndRejectGarbage) {
  Bytes data = {0x00, 0xff, 0x10, 0x7f};
  EXPECT_EQ(HexEncode(data), "00ff107f");
  EXPECT_EQ(*HexDecode("00ff107f"), data);
  EXPECT_FALSE(HexDecode("0g").ok());
  EXPECT_FALSE(HexDecode("abc").ok());
  EXPECT_EQ(Base64Encode(AsBytes("hello")), "aGVsbG8=");
  EXPECT_EQ(*Base64Decode("aGVsbG8="), Bytes(AsBytes("hello").begin(), AsBytes("hello").end()));
  EXPECT_FALSE(Base64Decode("a*b=").ok());
}

TEST(Ed25519, MatchesRfc8032Test1) {
  // RFC 8032 section 7.1, TEST 1 (empty message).
  auto seed = *HexDecode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  SigningKey key = SigningKeyFromSeed(std::span<const uint8_t, 32>(seed.data(), 32));
  EXPECT_EQ(HexEncode(key.public_key),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  Signature sig = Sign(key, {});
  EXPECT_EQ(
      HexEncode(sig),
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e3970"
      "1cf9b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(Verify(key.public_key, {}, sig));
  sig[0] ^= 1;
  EXPECT_FALSE(Verify(key.public_key, {}, sig));
}

TEST(MasterKey, SealedSecretsOpenOnlyForTheirOwnerAndKey) {
  std::array<uint8_t, 32> k1{}, k2{};
  k2[0] = 1;
  MasterKey master(k1), other(k2);
  auto sealed = master.Seal(AsBytes("secret"), "org_A", SystemRandom::Get());
  auto opened = master.Open(sealed, "org_A");
  ASSERT_THAT(opened, IsOk());
  EXPECT_EQ(std::string(opened->begin(), opened->end()), "secret");
  EXPECT_FALSE(master.Open(sealed, "org_B").ok());
  EXPECT_FALSE(other.Open(sealed, "org_A").ok());
  sealed.back() ^= 1;
  EXPECT_FALSE(master.Open(sealed, "org_A").ok());
}

TEST(DeterministicRandom, SameSeedSameStream) {
  DeterministicRandom a("demo"), b("demo"), c("other");
  std::array<uint8_t, 16> x, y, z;
  a.Fill(x);
  b.Fill(y);
  c.Fill(z);
  EXPECT_EQ(x, y);
  EXPECT_NE(x, z);
  EXPECT_LT(a.Uniform(10), 10u);
}

}  // namespace
}  // namespace qt::crypto
