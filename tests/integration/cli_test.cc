// The CLI against the real server: tables, --json, errors and exit codes.
#include <gtest/gtest.h>

#include "tests/integration/test_codes.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace qt::testing {
namespace {

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(dir_.path().string());
    ASSERT_TRUE(server_->Start());
    op_ = server_->bootstrap_token();
  }
  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::string op_;
};

TEST_F(CliTest, CreatesListsAndShowsOrganisations) {
  auto created = server_->Cli({"orgs", "create", "--name", "杭州测试科技有限公司", "--kind",
                               "enterprise", "--credit-code", CodeFor(1)},
                              op_);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_NE(created.out.find("secret (shown once): qt_"), std::string::npos) << created.out;

  auto list = server_->Cli({"orgs", "list"}, op_);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("杭州测试科技有限公司"), std::string::npos);
  EXPECT_NE(list.out.find("CREDIT CODE"), std::string::npos);
  EXPECT_EQ(list.out.find(" in all"), list.out.rfind(" in all")) << "the total, once: " << list.out;

  auto json = server_->Cli({"--json", "orgs", "list", "--limit", "1"}, op_);
  ASSERT_EQ(json.exit_code, 0);
  auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["items"].size(), 1u);
  EXPECT_FALSE(j["next_cursor"].is_null());

  std::string id = j["items"][0]["id"];
  auto show = server_->Cli({"orgs", "show", id}, op_);
  EXPECT_NE(show.out.find("kind: operator"), std::string::npos) << show.out;
}

TEST_F(CliTest, FailuresPrintTheServersMessageAndExitNonZero) {
  auto bad = server_->Cli(
      {"orgs", "create", "--name", "X", "--kind", "bank", "--credit-code", CodeFor(2)}, op_);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("kind: 'bank' is not one of"), std::string::npos) << bad.err;

  auto unauth = server_->Cli({"whoami"}, "");
  EXPECT_NE(unauth.exit_code, 0);
  EXPECT_NE(unauth.err.find("Authorization: Bearer"), std::string::npos) << unauth.err;
  EXPECT_NE(unauth.err.find("pass a token with --token, QIANTANG_TOKEN or `qiantang login`"),
            std::string::npos)
      << unauth.err;

  auto usage = server_->Cli({"orgs", "create", "--name", "X"}, op_);  // missing required flags
  EXPECT_NE(usage.exit_code, 0);

  auto down =
      RunCommand({QiantangBinary(), "--server", "http://127.0.0.1:1", "--token", op_, "health"});
  EXPECT_NE(down.exit_code, 0);
  EXPECT_NE(down.err.find("cannot reach the server"), std::string::npos) << down.err;
}

TEST_F(CliTest, ManagesUsersAndTokens) {
  auto user = server_->Cli({"users", "create", "--name", "analyst", "--role", "viewer"}, op_);
  ASSERT_EQ(user.exit_code, 0) << user.err;
  auto users = server_->Cli({"users", "list"}, op_);
  EXPECT_NE(users.out.find("analyst"), std::string::npos) << users.out;

  auto token = server_->Cli({"--json", "tokens", "create", "--label", "ci"}, op_);
  ASSERT_EQ(token.exit_code, 0) << token.err;
  auto t = nlohmann::json::parse(token.out);
  auto who = server_->Cli({"whoami"}, t["secret"]);
  EXPECT_EQ(who.exit_code, 0);
  EXPECT_NE(who.out.find("operator"), std::string::npos);
  EXPECT_EQ(server_->Cli({"tokens", "revoke", t["id"]}, op_).exit_code, 0);
  EXPECT_NE(server_->Cli({"whoami"}, t["secret"]).exit_code, 0);
}

TEST_F(CliTest, LoginSavesTheTokenForLaterCommands) {
  auto login = server_->Cli({"login", "--token", op_}, "");
  ASSERT_EQ(login.exit_code, 0) << login.err;
  auto who = server_->Cli({"whoami"}, "");  // reads $HOME/.config/qiantang/token
  EXPECT_EQ(who.exit_code, 0) << who.err;
  EXPECT_NE(server_->Cli({"login", "--token", "qt_wrong"}, "").exit_code, 0);
}

}  // namespace
}  // namespace qt::testing
