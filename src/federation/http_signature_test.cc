// RFC 9421's own example (appendix B.2.6, Ed25519) verifies and is reproduced
// byte for byte; RFC 9530's Content-Digest example matches; every broken
// variant is refused.
#include "federation/http_signature.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "crypto/encoding.h"
#include "tests/support/status_matchers.h"

namespace qt::federation {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

using nlohmann::json;

json Vector() {
  std::ifstream in(std::filesystem::path(std::getenv("QIANTANG_TESTDATA")) / "rfc9421" /
                   "b26.json");
  return json::parse(in);
}

std::array<uint8_t, 32> FromBase64Url(std::string text) {
  std::replace(text.begin(), text.end(), '-', '+');
  std::replace(text.begin(), text.end(), '_', '/');
  while (text.size() % 4 != 0) text += '=';
  auto bytes = *crypto::Base64Decode(text);
  std::array<uint8_t, 32> out{};
  EXPECT_EQ(bytes.size(), 32u);
  std::copy_n(bytes.begin(), 32, out.begin());
  return out;
}

class HttpSignatureVectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    v_ = Vector();
    message_.method = v_["request"]["method"];
    message_.target_uri = v_["request"]["target_uri"];
    for (const auto& h : v_["request"]["headers"]) message_.headers.emplace_back(h[0], h[1]);
    key_ = FromBase64Url(v_["key"]["x"]);
  }
  std::string Base() const {
    std::string base;
    for (const auto& line : v_["signature_base"]) {
      if (!base.empty()) base += "\n";
      base += line.get<std::string>();
    }
    return base;
  }
  json v_;
  HttpMessage message_;
  crypto::PublicKey key_{};
};

TEST_F(HttpSignatureVectorTest, TheRfcsEd25519ExampleVerifiesAndItsBaseIsRebuilt) {
  auto sig = ParseSignature(v_["signature_input"].get<std::string>(),
                            v_["signature"].get<std::string>(), "sig-b26");
  ASSERT_THAT(sig, IsOk()) << sig.status().ToString();
  EXPECT_EQ(sig->params.keyid, "test-key-ed25519");
  EXPECT_EQ(sig->params.created, 1618884473);
  auto base = SignatureBase(message_, sig->params);
  ASSERT_THAT(base, IsOk()) << base.status().ToString();
  EXPECT_EQ(*base, Base());
  EXPECT_THAT(VerifySignature(message_, *sig, key_), IsOk());
  // Without the label: the only member is taken.
  EXPECT_THAT(
      ParseSignature(v_["signature_input"].get<std::string>(), v_["signature"].get<std::string>()),
      IsOk());
}

TEST_F(HttpSignatureVectorTest, SigningTheExampleAgainGivesTheRfcsBytes) {
  auto seed = FromBase64Url(v_["key"]["d"]);
  crypto::SigningKey key = crypto::SigningKeyFromSeed(seed);
  ASSERT_EQ(key.public_key, key_);
  SignatureParameters params{
      .components = {"date", "@method", "@path", "@authority", "content-type", "content-length"},
      .created = 1618884473,
      .keyid = "test-key-ed25519"};
  auto headers = SignMessage(message_, params, key);
  ASSERT_THAT(headers, IsOk());
  // Our label is sig1; the value after it is the RFC's.
  const std::string rfc_input = v_["signature_input"];
  const std::string rfc_sig = v_["signature"];
  EXPECT_EQ((*headers)[0].second, "sig1=" + rfc_input.substr(rfc_input.find('=') + 1));
  EXPECT_EQ((*headers)[1].second, "sig1=" + rfc_sig.substr(rfc_sig.find('=') + 1));
}

TEST_F(HttpSignatureVectorTest, AnyChangeToWhatIsCoveredBreaksIt) {
  auto sig =
      *ParseSignature(v_["signature_input"].get<std::string>(), v_["signature"].get<std::string>());
  auto refused = [&](const HttpMessage& m) {
    return VerifySignature(m, sig, key_).code() == StatusCode::kPermissionDenied;
  };
  HttpMessage m = message_;
  m.method = "PUT";
  EXPECT_TRUE(refused(m));
  m = message_;
  m.target_uri = "http://example.com/bar?param=Value&Pet=dog";
  EXPECT_TRUE(refused(m));
  m = message_;
  m.target_uri = "http://evil.example/foo?param=Value&Pet=dog";
  EXPECT_TRUE(refused(m));
  m = message_;
  m.headers[1].second = "Tue, 20 Apr 2021 02:07:56 GMT";
  EXPECT_TRUE(refused(m));
  // A query is not covered by this example: changing it keeps the signature.
  m = message_;
  m.target_uri = "http://example.com/foo?param=Other";
  EXPECT_THAT(VerifySignature(m, sig, key_), IsOk());
  // A covered header removed: the base cannot be built.
  m = message_;
  m.headers.erase(m.headers.begin() + 1);
  EXPECT_THAT(VerifySignature(m, sig, key_), StatusIs(StatusCode::kInvalidArgument));
  // Another key; a flipped signature bit; a changed parameter.
  crypto::PublicKey other = key_;
  other[0] ^= 1;
  EXPECT_FALSE(VerifySignature(message_, sig, other).ok());
  auto flipped = sig;
  flipped.signature[10] ^= 1;
  EXPECT_TRUE(VerifySignature(message_, flipped, key_).code() == StatusCode::kPermissionDenied);
  auto later = sig;
  later.params.created = *later.params.created + 1;
  EXPECT_TRUE(VerifySignature(message_, later, key_).code() == StatusCode::kPermissionDenied);
}

TEST(HttpSignature, MalformedHeadersAreClearErrors) {
  const std::string ok_sig = "sig1=:" + std::string(86, 'A') + "==:";
  for (const char* input :
       {"", "sig1", "sig1=(\"@method\"", "sig1=(@method)", "sig1=(\"@method\");created=x",
        "sig1=(\"@method\");alg=\"hmac-sha256\"", "sig1=(\"@method\";req)",
        "sig1=(\"@method\");created=1234567890123456", "sig1=(\"@method\"),",
        "sig1=(\"@method\");unknown=1", "sig1=(\"@method\"), sig2=(\"@path\")",
        "SIG1=(\"@method\")", "sig1=(\"\\x\")"}) {
    auto r = ParseSignature(input, ok_sig);
    EXPECT_THAT(r, StatusIs(StatusCode::kInvalidArgument)) << input;
  }
  for (const char* sig :
       {"sig1=:AAAA:", "sig1=\"AAAA\"", "sig2=:AAAA:", "sig1=:!!:", "sig1=:AAAA"}) {
    EXPECT_THAT(ParseSignature("sig1=(\"@method\")", sig), StatusIs(StatusCode::kInvalidArgument))
        << sig;
  }
  HttpMessage m{"GET", "/relative", {}};
  EXPECT_THAT(SignatureBase(m, {.components = {"@method"}}),
              StatusIs(StatusCode::kInvalidArgument));
  m.target_uri = "https://node.example:443/x";
  EXPECT_THAT(SignatureBase(m, {.components = {"@request-response"}}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(SignatureBase(m, {.components = {"@method", "@method"}}),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(SignatureBase(m, {.components = {"Date"}}), StatusIs(StatusCode::kInvalidArgument));
  // The default port is not part of @authority; an empty query is "?".
  auto base = SignatureBase(m, {.components = {"@authority", "@query", "@scheme"}});
  ASSERT_THAT(base, IsOk());
  EXPECT_EQ(*base,
            "\"@authority\": node.example\n\"@query\": ?\n\"@scheme\": https\n"
            "\"@signature-params\": (\"@authority\" \"@query\" \"@scheme\")");
}

TEST(ContentDigest, TheRfcsExampleAndItsBrokenVariants) {
  json v = Vector()["content_digest"];
  const std::string body = v["body"];
  EXPECT_EQ(ContentDigest(body), v["sha-256"]);
  EXPECT_THAT(CheckContentDigest(v["sha-256"].get<std::string>(), body), IsOk());
  EXPECT_THAT(CheckContentDigest("sha-512=:AAAA:, " + v["sha-256"].get<std::string>(), body),
              IsOk());
  EXPECT_FALSE(CheckContentDigest(v["sha-256"].get<std::string>(), body + " ").ok());
  EXPECT_FALSE(CheckContentDigest("sha-512=:AAAA:", body).ok());
  EXPECT_FALSE(CheckContentDigest("sha-256=\"X48E\"", body).ok());
  EXPECT_FALSE(CheckContentDigest("garbage", body).ok());
}

}  // namespace
}  // namespace qt::federation
