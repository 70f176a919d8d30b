#include "core/qr.h"

#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace qt {
namespace {

using ::qt::testing::IsOk;

TEST(Qr, RendersAnSvgOfModules) {
  auto svg = QrSvg("https://example.org/verify.html#HZ-DR-2026-00001");
  ASSERT_THAT(svg, IsOk());
  EXPECT_TRUE(svg->starts_with("<svg"));
  EXPECT_NE(svg->find("h1v1h-1z"), std::string::npos);
}

TEST(Qr, RendersAPngFile) {
  auto png = QrPng("HZ1:6BFOXN*TS0BI$ZD", 3);
  ASSERT_THAT(png, IsOk());
  EXPECT_EQ(png->substr(1, 3), "PNG");
  EXPECT_FALSE(QrPng("x", 0).ok());
  EXPECT_FALSE(QrPng(std::string(8000, 'A')).ok()) << "past the largest QR code";
}

}  // namespace
}  // namespace qt
