#include "core/csv.h"

#include <gtest/gtest.h>

#include <sstream>

#include "tests/support/status_matchers.h"

namespace qt {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

std::vector<CsvRow> ReadAll(const std::string& text, Status* status) {
  std::vector<CsvRow> rows;
  std::istringstream in(text);
  *status = ReadCsv(in, "t.csv", [&](const CsvRow& r) {
    rows.push_back(r);
    return OkStatus();
  });
  return rows;
}

TEST(Csv, ReadsRowsWithLineNumbersSkippingBlankLines) {
  Status s;
  auto rows = ReadAll("a,b\n1,2\n\n3,\"x,y\"\n", &s);
  ASSERT_THAT(s, IsOk()) << s.message();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].line, 2);
  EXPECT_EQ(rows[2].line, 4);
  EXPECT_EQ(rows[2].fields[1], "x,y");
}

TEST(Csv, HandlesCrLfAndNoFinalNewline) {
  Status s;
  auto rows = ReadAll("a,b\r\n1,2\r\n3,4", &s);
  ASSERT_THAT(s, IsOk()) << s.message();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[2].line, 3);
  EXPECT_EQ(rows[2].fields[1], "4");
}

TEST(Csv, CallbackErrorNamesFileAndLine) {
  std::istringstream in("a\nb\nc\n");
  Status s = ReadCsv(in, "f.csv", [](const CsvRow& r) {
    return r.fields[0] == "c" ? InvalidArgument("bad c") : OkStatus();
  });
  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(s.message(), "f.csv:3: bad c");
}

TEST(Csv, UnterminatedQuoteIsAnError) {
  Status s;
  ReadAll("a,b\n1,\"open\n", &s);
  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_NE(s.message().find("malformed CSV"), std::string::npos);
}

TEST(Csv, MissingFileIsNotFound) {
  Status s = ReadCsvFile("/nonexistent/x.csv", [](const CsvRow&) { return OkStatus(); });
  EXPECT_THAT(s, StatusIs(StatusCode::kNotFound));
}

}  // namespace
}  // namespace qt
