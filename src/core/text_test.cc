#include "core/text.h"

#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace qt {
namespace {

using ::qt::testing::IsOk;

TEST(CheckDisplayText, AcceptsChineseAndAsciiNames) {
  EXPECT_THAT(CheckDisplayText("杭州市数据集团", 200), IsOk());
  EXPECT_THAT(CheckDisplayText("Zhejiang Compute Co.", 200), IsOk());
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

TEST(CheckDisplayText, RejectsBidiControlsAndInvisibleFormatCharacters) {
  for (const char* bad : {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e",     "\u2066", "\u2067",
                          "\u2068", "\u2069", "\u200b", "\u200d", "\u200e",     "\u200f", "\u2060",
                          "\ufeff", "\u00ad", "\u061c", "\u3164", "\U000e0041", "\u0085"}) {
    const std::string text = std::string("abc") + bad + "def";
    EXPECT_FALSE(CheckDisplayText(text, 100).ok()) << text;
  }
  EXPECT_EQ(CheckDisplayText("invoice\u202egpj.exe", 100).message(),
            "must not contain bidirectional controls or invisible format characters (U+202E)");
  EXPECT_THAT(CheckDisplayText("杭州·数据（集团）—「测试」", 100), IsOk());
}

}  // namespace
TEST(ValidUtf8Prefix, CutsAtACharacterAndReplacesMalformedBytes) {
  EXPECT_EQ(ValidUtf8Prefix("abc", 10), "abc");
  EXPECT_EQ(ValidUtf8Prefix("中中中", 7), "中中");  // 3 bytes each: never half of one
  EXPECT_EQ(ValidUtf8Prefix("a\xff"
                            "b",
                            10),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(ValidUtf8Prefix("\xE4\xB8", 10), "\xEF\xBF\xBD\xEF\xBF\xBD");  // a cut character
  EXPECT_EQ(ValidUtf8Prefix("ab", 0), "");
  const std::string out = ValidUtf8Prefix(std::string(299, 'r') + "中中中", 300);
  EXPECT_EQ(out, std::string(299, 'r'));
}

}  // namespace qt
