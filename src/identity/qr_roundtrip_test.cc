// A code through a real image: issued, rendered to PNG with libqrencode and
// libpng, read back from the pixels by zxing-cpp (as a camera-based reader
// would), and verified offline.
#define ZX_USE_UTF8 1
#include <ZXing/ReadBarcode.h>
#include <gtest/gtest.h>
#include <png.h>

#include "core/qr.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "identity/credential.h"
#include "identity/verifier.h"
#include "tests/support/status_matchers.h"

namespace qt::identity {
namespace {

using ::qt::testing::IsOk;

// Decodes an 8-bit grey PNG into pixels.
std::vector<uint8_t> ReadPng(const std::string& file, int* side) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  EXPECT_TRUE(png_image_begin_read_from_memory(&image, file.data(), file.size()));
  image.format = PNG_FORMAT_GRAY;
  std::vector<uint8_t> pixels(PNG_IMAGE_SIZE(image));
  EXPECT_TRUE(png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr));
  EXPECT_EQ(image.width, image.height);
  *side = static_cast<int>(image.width);
  return pixels;
}

std::string Scan(const std::string& png) {
  int side = 0;
  std::vector<uint8_t> pixels = ReadPng(png, &side);
  ZXing::DecodeHints hints;
  hints.setFormats(ZXing::BarcodeFormat::QRCode);
  auto result = ZXing::ReadBarcode({pixels.data(), side, side, ZXing::ImageFormat::Lum}, hints);
  EXPECT_TRUE(result.isValid());
  return result.text();
}

TEST(QrRoundTrip, AnIssuedCodeSurvivesRenderingAndScanning) {
  crypto::DeterministicRandom random("qr");
  IssuerKey key = *GenerateIssuerKey(CoseAlg::kEdDSA, random);
  std::map<int, CategoryKey> keys;
  CodeContent content{.kind = 'd',
                      .code_id = Bytes(16),
                      .serial = "",
                      .issued_at = 1'790'000'000,
                      .expires_at = 1'790'000'060,
                      .epoch = 1,
                      .claims = {}};
  random.Fill(content.code_id);
  // Every category's claims, as the service issues them: the largest code.
  for (const Category& c : AllCategories()) {
    random.Fill(keys[c.number]);
    nlohmann::json claims = nlohmann::json::object();
    for (std::string_view claim : c.claims) {
      claims[std::string(claim)] = claim == "adult" || claim == "senior" ? nlohmann::json(true)
                                   : claim == "pseudonym" ? nlohmann::json("0123456789abcdef")
                                                          : nlohmann::json("欧阳娜娜");
    }
    content.claims[c.number] = claims;
  }
  auto cwt = SealCode(
      content, [&](int n) { return &keys[n]; }, random);
  ASSERT_THAT(cwt, IsOk());
  const std::string code = *EncodeCredential(*cwt, key);
  auto png = QrPng(code, 4);
  ASSERT_THAT(png, IsOk()) << png.status().ToString();
  const std::string scanned = Scan(*png);
  ASSERT_EQ(scanned, code);

  Verifier hospital(*FindCategory("hospital"));
  TrustList list;
  list.keys.push_back({.kid = crypto::HexEncode(key.kid),
                       .key = {key.alg, key.public_key},
                       .not_before = 0,
                       .retired_at = 0,
                       .not_after = 0});
  hospital.SetTrustList(list);
  hospital.SetCategoryKeys({{1, keys[8]}});
  auto opened = hospital.Verify(scanned, 1'790'000'010'000);
  ASSERT_THAT(opened, IsOk()) << opened.status().ToString();
  EXPECT_EQ(opened->claims["name"], "欧阳娜娜");
  std::cout << "code: " << code.size() << " characters, PNG " << png->size() << " bytes\n";
}

}  // namespace
}  // namespace qt::identity
