// Tokens (issue 19 §5): a stolen or short-lived token must not be turned
// into a longer-lived one — a token minted by a token never outlives it, a
// viewer included — and an administrator can stop a user at once: every
// token of a deactivated user is refused from the next request on, through
// the API and the CLI.
#include <gtest/gtest.h>

#include "core/clock.h"
#include "tests/integration/api_test.h"

namespace qt::testing {
namespace {

using nlohmann::json;

class TokensTest : public ApiTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer());
    admin_ = NewOrg("杭州某科技有限公司", "enterprise", 960);
    org_ = Call(*client_, "GET", "/api/v1/whoami", admin_).body["org"]["id"];
  }
  // A user of the organisation with `role`; its id.
  std::string NewUser(const std::string& name, const std::string& role) {
    auto u = Call(*client_, "POST", "/api/v1/orgs/" + org_ + "/users", admin_,
                  json{{"name", name}, {"role", role}}.dump());
    EXPECT_EQ(u.status, 201) << u.raw;
    return u.body["id"];
  }
  HttpAnswer Issue(const std::string& token, const json& body) {
    return Call(*client_, "POST", "/api/v1/tokens", token, body.dump());
  }
  static int64_t Expiry(const HttpAnswer& a) {
    return *ParseRfc3339(a.body["expires_at"].get<std::string>());
  }
  std::string admin_, org_;
};

TEST_F(TokensTest, TheSchemeIsReadInAnyCaseAndNothingElseSignsIn) {
  auto whoami = [&](const std::string& header) {
    return client_->Get("/api/v1/whoami", {{"Authorization", header}})->status;
  };
  for (const char* scheme : {"Bearer ", "bearer ", "BEARER ", "bEaReR "}) {
    EXPECT_EQ(whoami(scheme + admin_), 200) << scheme;
  }
  for (const std::string& bad :
       std::vector<std::string>{"Bearer", "Bearer  " + admin_, "Basic " + admin_, admin_,
                                "Bearer " + admin_ + "x", "Bearer\t" + admin_}) {
    EXPECT_EQ(whoami(bad), 401) << bad;
  }
}

TEST_F(TokensTest, ATokenMintedByATokenNeverOutlivesIt) {
  const std::string viewer = NewUser("viewer", "viewer");
  auto hour = Issue(admin_, {{"user_id", viewer}, {"label", "an hour"}, {"ttl_seconds", 3600}});
  ASSERT_EQ(hour.status, 201) << hour.raw;
  const std::string viewer_token = hour.body["secret"];
  // The viewer asks for a year, for a day, for just past its own hour.
  for (int64_t ttl : {int64_t{366} * 86400, int64_t{86400}, int64_t{3601}}) {
    auto longer = Issue(viewer_token, {{"label", "longer"}, {"ttl_seconds", ttl}});
    EXPECT_EQ(longer.status, 400) << ttl << " " << longer.raw;
  }
  // The default lifetime (90 days) is cut to what the viewer's token has left.
  auto child = Issue(viewer_token, {{"label", "default"}});
  ASSERT_EQ(child.status, 201) << child.raw;
  EXPECT_LE(Expiry(child), Expiry(hour));
  // And a grandchild of that: no longer either.
  auto grandchild = Issue(child.body["secret"].get<std::string>(), {{"label", "again"}});
  ASSERT_EQ(grandchild.status, 201) << grandchild.raw;
  EXPECT_LE(Expiry(grandchild), Expiry(hour));
  // An administrator's short token cannot mint a long one for anybody.
  auto admin_minute = Issue(admin_, {{"label", "a minute"}, {"ttl_seconds", 60}});
  ASSERT_EQ(admin_minute.status, 201);
  const std::string minute = admin_minute.body["secret"];
  EXPECT_EQ(Issue(minute, {{"user_id", viewer}, {"ttl_seconds", 86400}}).status, 400);
  auto cut = Issue(minute, {{"user_id", viewer}});
  ASSERT_EQ(cut.status, 201) << cut.raw;
  EXPECT_LE(Expiry(cut), Expiry(admin_minute));
}

TEST_F(TokensTest, ADeactivatedUsersTokensAllStopAtOnce) {
  const std::string leaver = NewUser("leaver", "member");
  std::vector<std::string> tokens;
  for (const char* label : {"laptop", "phone", "script"}) {
    auto t = Issue(admin_, {{"user_id", leaver}, {"label", label}});
    ASSERT_EQ(t.status, 201) << t.raw;
    tokens.push_back(t.body["secret"]);
  }
  for (const std::string& t : tokens) {
    ASSERT_EQ(Call(*client_, "GET", "/api/v1/whoami", t).status, 200);
  }
  const std::string path = "/api/v1/orgs/" + org_ + "/users/" + leaver + "/deactivate";
  // Only an administrator of the same organisation; not the user itself.
  EXPECT_EQ(Call(*client_, "POST", path, tokens[0]).status, 403);
  const std::string other = NewOrg("另一家公司", "enterprise", 961);
  EXPECT_EQ(Call(*client_, "POST", path, other).status, 403);
  EXPECT_EQ(Call(*client_, "POST", path, op_).status, 403);
  for (const std::string& t : tokens)
    EXPECT_EQ(Call(*client_, "GET", "/api/v1/whoami", t).status, 200);

  auto done = Call(*client_, "POST", path, admin_);
  ASSERT_EQ(done.status, 200) << done.raw;
  EXPECT_TRUE(done.body["deactivated_at"].is_string()) << done.raw;
  for (const std::string& t : tokens) {
    auto r = Call(*client_, "GET", "/api/v1/whoami", t);
    EXPECT_EQ(r.status, 401) << r.raw;
  }
  // No new token for it; the administrator itself goes on.
  EXPECT_EQ(Issue(admin_, {{"user_id", leaver}}).status, 409);
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/whoami", admin_).status, 200);
  auto users = Call(*client_, "GET", "/api/v1/orgs/" + org_ + "/users", admin_);
  bool seen = false;
  for (const auto& u : users.body["items"]) {
    if (u["id"] == leaver) seen = u["deactivated_at"].is_string();
  }
  EXPECT_TRUE(seen) << users.raw;
}

TEST_F(TokensTest, TheCliDeactivatesAUser) {
  const std::string leaver = NewUser("leaver", "viewer");
  auto t = Issue(admin_, {{"user_id", leaver}});
  ASSERT_EQ(t.status, 201);
  auto cli = server_->Cli({"users", "deactivate", leaver}, admin_);
  EXPECT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_NE(cli.out.find("deactivated user " + leaver), std::string::npos) << cli.out;
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/whoami", t.body["secret"].get<std::string>()).status,
            401);
  // An administrator cannot lock itself out.
  const std::string self = Call(*client_, "GET", "/api/v1/whoami", admin_).body["user_id"];
  EXPECT_EQ(server_->Cli({"users", "deactivate", self}, admin_).exit_code, 1);
}

}  // namespace
}  // namespace qt::testing
