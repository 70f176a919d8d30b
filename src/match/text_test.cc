#include <gtest/gtest.h>

#include <algorithm>

#include "match/segmenter.h"
#include "match/text_index.h"
#include "tests/support/status_matchers.h"

namespace qt::match {
namespace {

using ::qt::testing::IsOk;

bool Has(const std::vector<std::string>& tokens, const std::string& t) {
  return std::find(tokens.begin(), tokens.end(), t) != tokens.end();
}

TEST(Segmenter, IcuWordsWithTheUserDictionaryOnTop) {
  auto plain = Segmenter::Create({});
  ASSERT_THAT(plain, IsOk()) << plain.status().ToString();
  auto domain = Segmenter::Create({"算力券", "专精特新", "首台套"});
  ASSERT_THAT(domain, IsOk());
  const std::string text = "杭州市数据集团发放算力券，支持专精特新企业研发首台套装备。";
  auto without = (*plain)->Segment(text);
  auto with = (*domain)->Segment(text);
  EXPECT_TRUE(Has(without, "杭州") || Has(without, "杭州市")) << ::testing::PrintToString(without);
  EXPECT_FALSE(Has(without, "专精特新"));
  EXPECT_TRUE(Has(with, "算力券")) << ::testing::PrintToString(with);
  EXPECT_TRUE(Has(with, "专精特新"));
  EXPECT_TRUE(Has(with, "首台套"));
  EXPECT_FALSE(Has(with, "，")) << "punctuation is dropped";
  // Full-width letters fold to ASCII, lower case.
  auto ai = (*domain)->Segment("ＡＩ芯片 GPU");
  EXPECT_TRUE(Has(ai, "ai")) << ::testing::PrintToString(ai);
  EXPECT_TRUE(Has(ai, "gpu"));
}

TEST(TextIndex, Bm25WithFieldsTagsAndFilters) {
  auto seg = Segmenter::Create({"智能网联", "算力券"});
  ASSERT_THAT(seg, IsOk());
  TextIndex index(**seg, {2.0, 1.0}, 1.0);
  ASSERT_EQ(*index.Add({{"智能网联汽车测试场景", "在城市道路开展自动驾驶测试"}, {"交通"}}), 0);
  ASSERT_EQ(*index.Add({{"医院影像辅助诊断", "需要自动驾驶之外的医学影像算法"}, {"医疗"}}), 1);
  ASSERT_EQ(*index.Add({{"港口无人集卡", "智能网联与自动驾驶在港口的应用"}, {"交通", "物流"}}), 2);
  ASSERT_EQ(*index.Add({{"社区养老服务", "智慧养老平台建设"}, {"民生"}}), 3);
  auto hits = index.Search("智能网联 自动驾驶", {}, 10);
  ASSERT_THAT(hits, IsOk());
  ASSERT_EQ(hits->size(), 3u);
  EXPECT_EQ((*hits)[0].doc, 0) << "the title match is boosted";
  EXPECT_EQ((*hits)[1].doc, 2);
  EXPECT_EQ((*hits)[2].doc, 1);
  // Tags add to the score; a tag alone finds documents.
  auto tagged = index.Search("自动驾驶", {"物流"}, 10);
  EXPECT_EQ((*tagged)[0].doc, 2);
  EXPECT_EQ((*tagged)[0].tags_matched, 1);
  EXPECT_EQ(index.Search("", {"民生"}, 10)->at(0).doc, 3);
  // Filters and limits.
  auto filtered = index.Search("自动驾驶", {}, 10, [](int d) { return d != 0; });
  EXPECT_EQ(filtered->size(), 2u);
  EXPECT_EQ(index.Search("自动驾驶", {}, 1)->size(), 1u);
  EXPECT_TRUE(index.Search("区块链", {}, 10)->empty());
  // Bad queries.
  EXPECT_EQ(index.Search("，。", {}, 10).status().message(), "query: no words and no tags");
  EXPECT_EQ(index.Search(std::string(3000, 'a'), {}, 10).status().message(),
            "query: longer than 2000 bytes");
  EXPECT_FALSE(index.Add({{"only one field"}, {}}).ok());
}

}  // namespace
}  // namespace qt::match
