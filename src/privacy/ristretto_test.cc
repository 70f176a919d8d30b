// RFC 9496 Appendix A vectors (testdata/ristretto255/, with provenance) through
// libsodium 1.0.18, and the properties PSI relies on.
#include "privacy/ristretto.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "crypto/encoding.h"

namespace qt::privacy {
namespace {

using nlohmann::json;

json Vectors() {
  std::ifstream in(std::string(std::getenv("QIANTANG_TESTDATA")) +
                   "/ristretto255/ristretto255_rfc9496.json");
  return json::parse(in);
}

Point P(const std::string& hex) {
  auto b = *crypto::HexDecode(hex);
  Point p;
  std::copy(b.begin(), b.end(), p.begin());
  return p;
}

TEST(Ristretto255, GeneratorMultiplesMatchRfc9496) {
  json v = Vectors();
  ASSERT_EQ(v["generatorMultiples"].size(), 16u);
  for (const json& m : v["generatorMultiples"]) {
    Scalar k{};
    k[0] = static_cast<uint8_t>(m["scalar"].get<int>());
    Point out{};
    int rc = crypto_scalarmult_ristretto255_base(out.data(), k.data());
    if (m["scalar"] == 0) {
      EXPECT_EQ(rc, -1);  // the identity is reported as an error
      EXPECT_FALSE(IsValidPoint(P(m["encoding"])));
      continue;
    }
    EXPECT_EQ(rc, 0);
    EXPECT_EQ(crypto::HexEncode(out), m["encoding"]) << m["scalar"];
    EXPECT_TRUE(IsValidPoint(out));
  }
}

TEST(Ristretto255, EveryBadEncodingIsRejected) {
  json v = Vectors();
  ASSERT_EQ(v["badEncodings"].size(), 29u);
  Scalar k = RandomScalar();
  for (const json& b : v["badEncodings"]) {
    Point p = P(b["encoding"]);
    EXPECT_FALSE(IsValidPoint(p)) << b["why"];
    EXPECT_FALSE(Multiply(k, p).ok()) << b["why"];
    std::vector<Point> batch = {HashToPoint("s", "ok"), p};
    auto r = MultiplyAll(batch, k, 2);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().message(), "points[1]: not a valid ristretto255 point");
  }
}

TEST(Ristretto255, FromHashMatchesTheOneWayMap) {
  json v = Vectors();
  const json& cases = v["fromUniformBytes_crypto_core_ristretto255_from_hash"];
  ASSERT_EQ(cases.size(), 11u);
  for (const json& c : cases) {
    auto in = *crypto::HexDecode(c["input"].get<std::string>());
    Point out;
    crypto_core_ristretto255_from_hash(out.data(), in.data());
    EXPECT_EQ(crypto::HexEncode(out), c["output"]);
  }
}

TEST(Ristretto255, BlindingCommutesAndSessionsSeparate) {
  Scalar a = RandomScalar(), b = RandomScalar();
  EXPECT_NE(a, b);
  Point h = HashToPoint("session-1", "13800138000");
  EXPECT_TRUE(IsValidPoint(h));
  EXPECT_NE(h, HashToPoint("session-2", "13800138000"));
  EXPECT_NE(h, HashToPoint("session-1", "13800138001"));
  // Length-prefixed session ids: ("ab", "c") and ("a", "bc") differ.
  EXPECT_NE(HashToPoint("ab", "c"), HashToPoint("a", "bc"));
  EXPECT_EQ(*Multiply(b, *Multiply(a, h)), *Multiply(a, *Multiply(b, h)));
  std::vector<std::string> items = {"x", "y", "z"};
  auto many = HashAndMultiply("s", items, a, 2);
  EXPECT_EQ(many[1], *Multiply(a, HashToPoint("s", "y")));
}

}  // namespace
}  // namespace qt::privacy
