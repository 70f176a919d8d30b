#include "identity/verifier.h"

#include <gtest/gtest.h>

#include "crypto/encoding.h"
#include "crypto/random.h"
#include "identity/credential.h"
#include "tests/support/status_matchers.h"

namespace qt::identity {
namespace {

using ::qt::testing::IsOk;

using nlohmann::json;

constexpr int64_t kNow = 1'790'000'000'000;  // ms

class VerifierTest : public ::testing::Test {
 protected:
  VerifierTest() : random_("verifier") {
    key_ = *GenerateIssuerKey(CoseAlg::kEdDSA, random_);
    root_ = crypto::GenerateSigningKey(random_);
    for (const Category& c : AllCategories()) random_.Fill(category_keys_[c.number]);
    list_.version = 1;
    list_.issued_at = kNow;
    list_.keys.push_back({.kid = crypto::HexEncode(key_.kid),
                          .key = {key_.alg, key_.public_key},
                          .not_before = kNow - 1000,
                          .retired_at = 0,
                          .not_after = kNow + 86'400'000LL * 365});
  }

  std::string Issue(char kind, int64_t iat_ms, int64_t ttl_s, const std::string& serial = "") {
    CodeContent c{.kind = kind,
                  .code_id = Bytes(16),
                  .serial = serial,
                  .issued_at = iat_ms / 1000,
                  .expires_at = iat_ms / 1000 + ttl_s,
                  .epoch = 1,
                  .claims = {}};
    random_.Fill(c.code_id);
    c.claims[1] = {{"concession", "elderly"}};
    c.claims[8] = {{"name", "张三"}, {"pseudonym", "0011223344556677"}};
    auto cwt = SealCode(
        c, [&](int n) { return &category_keys_[n]; }, random_);
    return *EncodeCredential(*cwt, key_);
  }

  Verifier Terminal(const char* category) {
    const Category* c = FindCategory(category);
    Verifier v(*c);
    v.SetTrustList(list_);
    v.SetCategoryKeys({{1, category_keys_[c->number]}});
    return v;
  }

  crypto::DeterministicRandom random_;
  IssuerKey key_;
  crypto::SigningKey root_;
  std::map<int, CategoryKey> category_keys_;
  TrustList list_;
};

std::string Reason(const Result<OpenedCode>& r) { return r.ok() ? "ok" : r.status().message(); }

TEST_F(VerifierTest, EachCategoryReadsOnlyItsOwnClaims) {
  const std::string code = Issue('d', kNow, 60);
  Verifier bus = Terminal("bus");
  auto scan = bus.Verify(code, kNow + 5000);
  ASSERT_THAT(scan, IsOk()) << Reason(scan);
  EXPECT_EQ(scan->claims, json({{"concession", "elderly"}}));
  EXPECT_EQ(scan->categories, (std::vector<int>{1, 8}));
  Verifier hospital = Terminal("hospital");
  auto h = hospital.Verify(code, kNow + 5000);
  ASSERT_THAT(h, IsOk()) << Reason(h);
  EXPECT_EQ(h->claims["name"], "张三");
  // A bus terminal holding only the bus key cannot open the hospital's claims.
  auto cwt = DecodeCredential(code, [&](const Bytes&) { return &list_.keys[0].key; });
  const CategoryKey bus_key = category_keys_[1];
  auto forced = OpenCode(cwt->claims, 8, [&](uint32_t) { return &bus_key; });
  EXPECT_NE(Reason(forced).find("does not open"), std::string::npos) << Reason(forced);
  // A category the code carries nothing for.
  Verifier museum = Terminal("museum");
  EXPECT_NE(Reason(museum.Verify(code, kNow)).find("claims: the code carries nothing"),
            std::string::npos);
}

TEST_F(VerifierTest, DynamicCodesAreOneScanWithinTheirTimeAndDrift) {
  Verifier bus = Terminal("bus");
  const std::string code = Issue('d', kNow, 60);
  EXPECT_THAT(bus.Verify(code, kNow + 1000), IsOk());
  EXPECT_NE(Reason(bus.Verify(code, kNow + 2000)).find("replayed"), std::string::npos);
  // Another terminal may read it once too (the server flags a second scan of
  // the same category when the receipts arrive).
  EXPECT_THAT(Terminal("hospital").Verify(code, kNow + 2000), IsOk());
  EXPECT_THAT(bus.Verify(Issue('d', kNow, 60), kNow + 60'000 + 29'000), IsOk());  // within drift
  EXPECT_NE(Reason(bus.Verify(Issue('d', kNow, 60), kNow + 60'000 + 31'000)).find("expired"),
            std::string::npos);
  EXPECT_TRUE(bus.Verify(Issue('d', kNow + 20'000, 60), kNow).ok());  // phone clock ahead by 20 s
  EXPECT_NE(Reason(bus.Verify(Issue('d', kNow + 40'000, 60), kNow)).find("not yet valid"),
            std::string::npos);
}

TEST_F(VerifierTest, StaticCodesScanRepeatedlyUntilRevokedIncrementally) {
  const std::string card = Issue('s', kNow, 86'400 * 30, "S-000001");
  const std::string other = Issue('s', kNow, 86'400 * 30, "S-000002");
  Verifier bus = Terminal("bus");
  EXPECT_THAT(bus.Verify(card, kNow), IsOk());
  EXPECT_THAT(bus.Verify(card, kNow + 1000), IsOk());
  const json issuer = {{"id", "op"}, {"name", "issuer"}};
  RevocationEntry e1{1, "S-000001", kNow, "lost"};
  const Head h1 = ChainHead(Head{}, e1);
  auto sign = [&](const json& doc) {
    return ExportSigned(
        doc,
        crypto::Sign(root_, std::span(reinterpret_cast<const uint8_t*>(SignedBytes(doc)->data()),
                                      SignedBytes(doc)->size())));
  };
  json delta1 = sign(RevocationsDocument(issuer, 0, h1, kNow, {e1}));
  ASSERT_THAT(ApplyRevocations(bus.revocations(), delta1, root_.public_key), IsOk());
  EXPECT_NE(Reason(bus.Verify(card, kNow + 2000)).find("revoked"), std::string::npos);
  EXPECT_THAT(bus.Verify(other, kNow + 2000), IsOk());
  // The same delta again does not apply (the verifier is at 1 now).
  EXPECT_FALSE(ApplyRevocations(bus.revocations(), delta1, root_.public_key).ok());
  RevocationEntry e2{2, "S-000002", kNow, "revoked citizen"};
  json delta2 = sign(RevocationsDocument(issuer, 1, ChainHead(h1, e2), kNow, {e2}));
  // Tampered: an entry dropped, or signed by someone else.
  json dropped = delta2;
  dropped["document"]["entries"] = json::array();
  EXPECT_FALSE(ApplyRevocations(bus.revocations(), dropped, root_.public_key).ok());
  json forged = delta2;
  forged["document"]["entries"][0]["serial"] = "S-999999";
  EXPECT_NE(
      ApplyRevocations(bus.revocations(), forged, root_.public_key).message().find("signature"),
      std::string::npos);
  ASSERT_THAT(ApplyRevocations(bus.revocations(), delta2, root_.public_key), IsOk());
  EXPECT_EQ(bus.revocations().seq, 2);
  EXPECT_NE(Reason(bus.Verify(other, kNow + 3000)).find("revoked"), std::string::npos);
}

TEST_F(VerifierTest, KeysRotateAndTrustListsAreSigned) {
  const std::string old_code = Issue('s', kNow, 86'400 * 30, "S-1");
  IssuerKey old_key = key_;
  key_ = *GenerateIssuerKey(CoseAlg::kES256, random_);  // the second algorithm takes over
  list_.keys[0].retired_at = kNow + 10'000;
  list_.keys.push_back({.kid = crypto::HexEncode(key_.kid),
                        .key = {key_.alg, key_.public_key},
                        .not_before = kNow + 10'000,
                        .retired_at = 0,
                        .not_after = kNow + 86'400'000LL * 730});
  const json issuer = {{"id", "op"}};
  const json doc = TrustListDocument(issuer, list_);
  const std::string bytes = *SignedBytes(doc);
  json exported = ExportSigned(
      doc,
      crypto::Sign(root_, std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())));
  auto read = ReadTrustList(exported, root_.public_key);
  ASSERT_THAT(read, IsOk()) << read.status().ToString();
  EXPECT_EQ(read->keys.size(), 2u);
  EXPECT_FALSE(ReadTrustList(exported, crypto::GenerateSigningKey(random_).public_key).ok());
  Verifier bus(*FindCategory("bus"));
  bus.SetTrustList(*read);
  bus.SetCategoryKeys({{1, category_keys_[1]}});
  EXPECT_TRUE(bus.Verify(old_code, kNow + 20'000).ok()) << "a retired key still verifies its codes";
  EXPECT_TRUE(bus.Verify(Issue('d', kNow + 20'000, 60), kNow + 20'000).ok());
  // A code signed with the retired key after its retirement (a stolen key).
  std::swap(key_, old_key);
  EXPECT_NE(Reason(bus.Verify(Issue('d', kNow + 60'000, 60), kNow + 60'000)).find("retired"),
            std::string::npos);
  // An unknown key.
  key_ = *GenerateIssuerKey(CoseAlg::kEdDSA, random_);
  EXPECT_NE(Reason(bus.Verify(Issue('d', kNow, 60), kNow)).find("kid"), std::string::npos);
}

}  // namespace
}  // namespace qt::identity
