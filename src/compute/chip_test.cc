#include "compute/chip.h"

#include <gtest/gtest.h>

#include "compute/configs.h"
#include "tests/support/status_matchers.h"

namespace qt::compute {
namespace {

using ::qt::testing::IsOk;

TEST(ChipCatalog, BuiltInCatalogHasTheRequiredChips) {
  auto catalog = LoadChipCatalog("");
  ASSERT_THAT(catalog, IsOk()) << catalog.status().message();
  for (const char* name : {"A100", "H800", "H20", "L40S", "Ascend910B", "K100", "MLU370"}) {
    EXPECT_GE(catalog->Find(name), 0) << name;
  }
  EXPECT_EQ(catalog->at(catalog->Find("H800")).fp16_tflops, 989);
  EXPECT_EQ(catalog->at(catalog->Find("Ascend910B")).vendor, "huawei");
  EXPECT_EQ(catalog->Find("B200"), -1);
}

TEST(ChipCatalog, RejectsDuplicatesAndMissingFields) {
  const char* dup = R"([[chip]]
name = "X"
vendor = "v"
memory_gib = 1
fp16_tflops = 1
[[chip]]
name = "X"
vendor = "v"
memory_gib = 1
fp16_tflops = 1
)";
  auto r = ChipCatalog::Parse(dup, "t.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("duplicate chip name X"), std::string::npos);
  auto missing =
      ChipCatalog::Parse("[[chip]]\nname = \"X\"\nvendor = \"v\"\nmemory_gib = 1\n", "t.toml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "t.toml: chip 1: fp16_tflops must be a positive integer");
  EXPECT_FALSE(ChipCatalog::Parse("name = ", "t.toml").ok());
  EXPECT_FALSE(ChipCatalog::Parse("", "t.toml").ok());
}

}  // namespace
}  // namespace qt::compute
