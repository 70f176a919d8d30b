#include "cli/command.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>

namespace qt::cli {
namespace {

using nlohmann::json;

class CommandTest : public ::testing::Test {
 protected:
  // China Standard Time, as a POSIX rule (no time zone database needed).
  void SetUp() override {
    setenv("TZ", "CST-8", 1);
    tzset();
  }
  void TearDown() override {
    unsetenv("TZ");
    tzset();
  }
};

TEST_F(CommandTest, InstantsReadInLocalTime) {
  EXPECT_EQ(LocalTime("2026-12-07T03:47:05.123Z"), "2026-12-07 11:47:05");
  EXPECT_EQ(LocalTime("2026-12-31T16:00:00Z"), "2027-01-01 00:00:00") << "the next day here";
  EXPECT_EQ(Str(json{{"at", "2026-12-07T03:47:05Z"}}, "at"), "2026-12-07 11:47:05");
}

TEST_F(CommandTest, OtherTextStaysAsItIs) {
  for (const char* text : {"2026-12-07", "2027-12-31", "ord_01M985S8G2BY2R870F31H77EYW",
                           "2026-12-07T03:47:05+08:00", "2026-12-07T03:47:05Z trailing", ""}) {
    EXPECT_EQ(LocalTime(text), text);
  }
  EXPECT_EQ(Str(json{{"n", 3}}, "n"), "3");
  EXPECT_EQ(Str(json{{"n", nullptr}}, "n"), "-");
  EXPECT_EQ(Str(json::object(), "n"), "-");
}

TEST_F(CommandTest, FieldsShowMoneyInYuanAndTimesInLocalTime) {
  testing::internal::CaptureStdout();
  PrintFields({{"budget_fen", 150000050}, {"at", "2026-12-07T03:47:05Z"}, {"n", 2}});
  EXPECT_EQ(testing::internal::GetCapturedStdout(),
            "at: 2026-12-07 11:47:05\nbudget: 1500000.50 yuan\nn: 2\n");
}

TEST(YuanTest, AmountsAsPeopleTypeThem) {
  EXPECT_EQ(ParseYuan("1000"), 100000);
  EXPECT_EQ(ParseYuan("1000.5"), 100050);
  EXPECT_EQ(ParseYuan("1000.05"), 100005);
  EXPECT_EQ(ParseYuan("0.01"), 1);
  EXPECT_EQ(ParseYuan("9999999999999.99"), 999999999999999);
  for (const char* bad : {"", "-1", "+1", "1.", ".5", "1.005", "1,000", "1e3", "10000000000000",
                          "1 000", "一千", "0x10"}) {
    EXPECT_EQ(ParseYuan(bad), std::nullopt) << bad;
  }
}

TEST(YuanTest, AFlagTakesYuanAndStoresFen) {
  CLI::App app;
  int64_t fen = -1;
  AddYuanOption(&app, "--price", fen, "Price");
  std::vector<std::string> args = {"--price", "12.30"};
  std::reverse(args.begin(), args.end());
  app.parse(args);
  EXPECT_EQ(fen, 1230);
  std::vector<std::string> bad = {"--price", "12.345"};
  std::reverse(bad.begin(), bad.end());
  EXPECT_THROW(app.parse(bad), CLI::ValidationError);
}

}  // namespace
}  // namespace qt::cli
