#include "core/text.h"

#include <gtest/gtest.h>

namespace qt {
namespace {

TEST(CheckDisplayText, AcceptsChineseAndAsciiNames) {
  EXPECT_TRUE(CheckDisplayText("杭州市数据集团", 200).ok());
  EXPECT_TRUE(CheckDisplayText("Zhejiang Compute Co.", 200).ok());
}

TEST(CheckDisplayText, RejectsEmptyTooLongControlAndMalformedText) {
  EXPECT_FALSE(CheckDisplayText("", 10).ok());
  EXPECT_FALSE(CheckDisplayText("杭州市数据集团", 20).ok());  // 21 bytes
  EXPECT_FALSE(CheckDisplayText("a\nb", 10).ok());
  EXPECT_FALSE(CheckDisplayText(" a", 10).ok());
  EXPECT_FALSE(CheckDisplayText("\xc0\xaf", 10).ok());      // overlong '/'
  EXPECT_FALSE(CheckDisplayText("\xed\xa0\x80", 10).ok());  // a surrogate
  EXPECT_FALSE(CheckDisplayText("\xe6\x9d", 10).ok());      // truncated
}

}  // namespace
}  // namespace qt
