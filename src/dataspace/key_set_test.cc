#include "dataspace/key_set.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/temp_dir.h"

namespace qt::dataspace {
namespace {

TEST(KeySet, FindsRepeatsInMemoryAndAfterSpillingToDisk) {
  qt::testing::TempDir dir;
  std::string spill = dir.File("keys");
  KeySet set(spill, 100);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(*set.Insert("key" + std::to_string(i)));
  EXPECT_FALSE(set.spilled());
  EXPECT_FALSE(*set.Insert("key7"));
  for (int i = 100; i < 1000; ++i) EXPECT_TRUE(*set.Insert("key" + std::to_string(i)));
  EXPECT_TRUE(set.spilled());
  EXPECT_TRUE(std::filesystem::exists(spill));
  for (int i = 0; i < 1000; i += 37) EXPECT_FALSE(*set.Insert("key" + std::to_string(i)));
  EXPECT_TRUE(*set.Insert("another"));
  EXPECT_FALSE(*set.Insert("another"));
}

TEST(KeySet, RemovesItsSpillFile) {
  qt::testing::TempDir dir;
  std::string spill = dir.File("keys");
  {
    KeySet set(spill, 1);
    EXPECT_TRUE(*set.Insert("a"));
    EXPECT_TRUE(*set.Insert("b"));
    EXPECT_TRUE(set.spilled());
  }
  EXPECT_FALSE(std::filesystem::exists(spill));
}

}  // namespace
}  // namespace qt::dataspace
