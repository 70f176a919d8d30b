#include "cli/table.h"

#include <gtest/gtest.h>

#include <sstream>

namespace qt::cli {
namespace {

TEST(Table, ChineseCharactersAreTwoCellsWide) {
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("杭州"), 4u);
  std::ostringstream out;
  PrintTable(out, {"name", "kind"}, {{"杭州", "a"}, {"abcdef", "b"}});
  EXPECT_EQ(out.str(), "name    kind\n杭州    a\nabcdef  b\n");
}

}  // namespace
}  // namespace qt::cli
