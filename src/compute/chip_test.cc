#include "compute/chip.h"

#include <gtest/gtest.h>

#include "compute/configs.h"
#include "compute/job.h"
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

TEST(ChipCatalog, CpuKindsCountCoresAndAreReachedOnlyByName) {
  auto catalog = LoadChipCatalog("");
  ASSERT_TRUE(catalog.ok());
  const Chip& kunpeng = catalog->at(catalog->Find("Kunpeng920"));
  EXPECT_TRUE(kunpeng.cpu());
  EXPECT_EQ(kunpeng.architecture, "arm64");
  EXPECT_TRUE(kunpeng.domestic);
  EXPECT_FALSE(catalog->at(catalog->Find("Xeon8380")).domestic);
  EXPECT_FALSE(catalog->at(catalog->Find("H800")).domestic);
  EXPECT_TRUE(catalog->at(catalog->Find("Ascend910B")).domestic);
  // A job asking for cards never gets cores: any, vendor: and tflops>= are
  // accelerators only; chip:, cpu and arch: reach CPU kinds.
  auto allows = [&](std::string_view constraint) {
    return ChipConstraint::Parse(constraint).value().Allows(kunpeng);
  };
  EXPECT_FALSE(allows("any"));
  EXPECT_FALSE(allows("vendor:huawei"));
  EXPECT_FALSE(allows("tflops>=1"));
  EXPECT_TRUE(allows("chip:Kunpeng920"));
  EXPECT_TRUE(allows("cpu"));
  EXPECT_TRUE(allows("arch:arm64"));
  EXPECT_FALSE(allows("arch:x86_64"));
  EXPECT_TRUE(ChipConstraint::Parse("vendor:huawei")
                  .value()
                  .Allows(catalog->at(catalog->Find("Ascend910B"))));
  EXPECT_EQ(ChipConstraint::Parse("arch:arm64").value().ToString(), "arch:arm64");
  EXPECT_EQ(ChipConstraint::Parse("arch:").status().message(),
            "chip constraint \"arch:\" is not any, chip:NAME, vendor:NAME, tflops>=N, cpu or "
            "arch:NAME");

  auto cpu =
      ChipCatalog::Parse("[[chip]]\nname = \"C\"\nkind = \"cpu\"\nvendor = \"v\"\n", "t.toml");
  ASSERT_FALSE(cpu.ok());
  EXPECT_EQ(cpu.status().message(), "t.toml: chip 1: architecture is required");
  auto kind =
      ChipCatalog::Parse("[[chip]]\nname = \"C\"\nkind = \"fpga\"\nvendor = \"v\"\n", "t.toml");
  EXPECT_EQ(kind.status().message(), "t.toml: chip 1: kind must be \"accelerator\" or \"cpu\"");
}

}  // namespace
}  // namespace qt::compute
