#include "dataspace/standardize.h"

#include <gtest/gtest.h>

namespace qt::dataspace {
namespace {

TEST(Mobile, StandardizesTheUsualSpellings) {
  EXPECT_EQ(StandardizeMobile("13800138000"), "13800138000");
  EXPECT_EQ(StandardizeMobile("138 0013 8000"), "13800138000");
  EXPECT_EQ(StandardizeMobile("+86 138-0013-8000"), "13800138000");
  EXPECT_EQ(StandardizeMobile("008613800138000"), "13800138000");
  EXPECT_EQ(StandardizeMobile("12800138000"), std::nullopt);
  EXPECT_EQ(StandardizeMobile("0571-87654321"), std::nullopt);
  EXPECT_EQ(StandardizeMobile("1380013800a"), std::nullopt);
}

TEST(Date, StandardizesChineseAndNumericForms) {
  EXPECT_EQ(StandardizeDate("2024-1-2"), "2024-01-02");
  EXPECT_EQ(StandardizeDate("2024/01/02"), "2024-01-02");
  EXPECT_EQ(StandardizeDate("2024.1.2"), "2024-01-02");
  EXPECT_EQ(StandardizeDate("20240102"), "2024-01-02");
  EXPECT_EQ(StandardizeDate("2024年1月2日"), "2024-01-02");
  EXPECT_EQ(StandardizeDate("2024-02-30"), std::nullopt);
  EXPECT_EQ(StandardizeDate("2023-02-29"), std::nullopt);
  EXPECT_EQ(StandardizeDate("2024-02-29"), "2024-02-29");
  EXPECT_EQ(StandardizeDate("02/01/2024"), std::nullopt);
  EXPECT_EQ(StandardizeDate("2024-01-02x"), std::nullopt);
}

TEST(Unicode, NfkcFoldsFullWidthAndRejectsBadUtf8) {
  EXPECT_EQ(*NormalizeUnicode("１３８００１３８０００", true), "13800138000");
  EXPECT_EQ(*NormalizeUnicode("ＡＢＣ杭州", true), "ABC杭州");
  EXPECT_EQ(*NormalizeUnicode("ＡＢＣ", false), "ＡＢＣ");  // NFC keeps compatibility forms
  EXPECT_EQ(*NormalizeUnicode("e\u0301", false), "\u00e9");
  EXPECT_FALSE(NormalizeUnicode("\xff\xfe", false).ok());
  EXPECT_EQ(TrimSpace("\u3000 杭州 \t"), "杭州");
}

TEST(Mask, HidesTheMiddleWithoutSplittingCharacters) {
  EXPECT_EQ(ApplyMask(Mask::kName, "张三丰"), "张**");
  EXPECT_EQ(ApplyMask(Mask::kName, "李四"), "李*");
  EXPECT_EQ(ApplyMask(Mask::kMobile, "13800138000"), "138****8000");
  EXPECT_EQ(ApplyMask(Mask::kResidentId, "11010519491231002X"), "110105********002X");
  EXPECT_EQ(ApplyMask(Mask::kCreditCode, "91330100716105852F"), "91330100********2F");
  EXPECT_EQ(ApplyMask(Mask::kRedact, "anything"), "***");
  EXPECT_EQ(ApplyMask(Mask::kNone, "x"), "x");
}

}  // namespace
}  // namespace qt::dataspace
