// The server end to end: health, metrics, bootstrap, organisations with
// pagination, and every class of bad input, each refused without a write.
#include <gtest/gtest.h>

#include "tests/integration/api_test.h"
#include "tests/integration/test_codes.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace qt::testing {
namespace {

class ServerTest : public ApiTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartServer()); }

  int64_t OrgCount() {
    auto a = Call(*client_, "GET", "/api/v1/orgs?limit=500", op_);
    return static_cast<int64_t>(a.body["items"].size());
  }
};

TEST_F(ServerTest, HealthzAnswersWithoutSignIn) {
  auto a = Call(*client_, "GET", "/healthz");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body["status"], "ok");
  const char* backend = std::getenv("QIANTANG_TEST_SERVER_BACKEND");
  EXPECT_EQ(a.body["database"], backend ? backend : "sqlite");
}

TEST_F(ServerTest, MetricsCountRequestsPerRouteWithLatencyHistograms) {
  for (int i = 0; i < 3; ++i) Call(*client_, "GET", "/api/v1/orgs", op_);
  Call(*client_, "GET", "/api/v1/orgs");  // 401
  auto a = Call(*client_, "GET", "/metrics");
  EXPECT_EQ(a.status, 200);
  EXPECT_NE(
      a.raw.find(R"(qiantang_http_requests_total{route="/api/v1/orgs",method="GET",code="2xx"} 3)"),
      std::string::npos)
      << a.raw.substr(0, 2000);
  EXPECT_NE(
      a.raw.find(R"(qiantang_http_requests_total{route="/api/v1/orgs",method="GET",code="4xx"} 1)"),
      std::string::npos);
  EXPECT_NE(
      a.raw.find(
          R"(qiantang_http_request_seconds_bucket{route="/api/v1/orgs",method="GET",le="+Inf"} 4)"),
      std::string::npos);
  EXPECT_NE(a.raw.find("qiantang_db_transaction_seconds_count{mode=\"read\"}"), std::string::npos);
}

TEST_F(ServerTest, BootstrapTokenIsPrintedOnTheFirstStartOnly) {
  client_.reset();  // an idle keep-alive connection would hold the shutdown for its timeout
  EXPECT_EQ(server_->Stop(), 0);
  ASSERT_TRUE(server_->Start());
  EXPECT_TRUE(server_->bootstrap_token().empty());
  client_ = server_->Client();
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/whoami", op_).status, 200);  // still valid
}

TEST_F(ServerTest, CreatesOrganisationsAndListsThemInPages) {
  for (int i = 0; i < 7; ++i) {
    auto a = Call(*client_, "POST", "/api/v1/orgs", op_,
                  OrgBody("企业" + std::to_string(i), "enterprise", i));
    ASSERT_EQ(a.status, 201) << a.raw;
    EXPECT_EQ(a.body["kind"], "enterprise");
    EXPECT_EQ(a.body["public_key"].get<std::string>().size(), 64u);
    EXPECT_TRUE(a.body["admin_token"]["secret"].get<std::string>().starts_with("qt_"));
    auto got = Call(*client_, "GET", "/api/v1/orgs/" + a.body["id"].get<std::string>(), op_);
    EXPECT_EQ(got.body["name"], "企业" + std::to_string(i));
  }
  std::vector<std::string> ids;
  std::string cursor;
  int pages = 0;
  do {
    auto a = Call(*client_, "GET",
                  "/api/v1/orgs?limit=3" + (cursor.empty() ? "" : "&cursor=" + cursor), op_);
    ASSERT_EQ(a.status, 200) << a.raw;
    EXPECT_LE(a.body["items"].size(), 3u);
    for (auto& o : a.body["items"]) ids.push_back(o["id"]);
    cursor = a.body["next_cursor"].is_null() ? "" : a.body["next_cursor"].get<std::string>();
    ++pages;
  } while (!cursor.empty());
  EXPECT_EQ(ids.size(), 8u);  // the operator and 7
  EXPECT_EQ(pages, 3);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
}

TEST_F(ServerTest, FiltersTheDirectoryOnTheServerAndRefusesBadFilters) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Call(*client_, "POST", "/api/v1/orgs", op_,
                   OrgBody(i == 0   ? "Lit%Co"
                           : i == 1 ? "Lit_Co"
                                    : "LitXCo",
                           "enterprise", 20 + i))
                  .status,
              201);
  }
  auto names = [&](const std::string& query) {
    auto a = Call(*client_, "GET", "/api/v1/orgs?" + query, op_);
    EXPECT_EQ(a.status, 200) << query << ": " << a.raw;
    std::vector<std::string> out;
    for (auto& o : a.body["items"]) out.push_back(o["name"]);
    EXPECT_EQ(a.body["total"], out.size()) << query;
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(names("name=%25"), V{"Lit%Co"});  // wildcards are literal
  EXPECT_EQ(names("name=t_C"), V{"Lit_Co"});
  EXPECT_EQ(names("name=lit&kind=enterprise"), (V{"Lit%Co", "Lit_Co", "LitXCo"}));
  EXPECT_EQ(names("name=lit&kind=institution"), V{});
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/orgs?name=lit").status, 401);
  std::string many = "ids=";
  for (int i = 0; i < 101; ++i) many += (i ? ",org_" : "org_") + std::to_string(i);
  for (const auto& [query, message] :
       std::vector<std::pair<std::string, std::string>>{{"kind=bank", "kind: unknown kind 'bank'"},
                                                        {"name=" + std::string(101, 'x'), "name"},
                                                        {"name=a%01b", "control characters"},
                                                        {"ids=,,", "ids: no id given"},
                                                        {"ids=org_1%01", "is not an id"},
                                                        {many, "ids: at most 100"}}) {
    auto a = Call(*client_, "GET", "/api/v1/orgs?" + query, op_);
    EXPECT_EQ(a.status, 400) << query << ": " << a.raw;
    EXPECT_NE(a.raw.find(message), std::string::npos) << query << ": " << a.raw;
  }
}

struct BadInput {
  const char* what;
  std::string body;
  int status;
  const char* message_part;
};

TEST_F(ServerTest, EveryClassOfBadInputIsRefusedWithAMessageAndChangesNothing) {
  ASSERT_EQ(Call(*client_, "POST", "/api/v1/orgs", op_, OrgBody("Dup", "enterprise", 1)).status,
            201);
  const int64_t before = OrgCount();
  const std::vector<BadInput> cases = {
      {"malformed JSON", R"({"name": "x",)", 400, "not valid JSON"},
      {"not an object", R"(["x"])", 400, "must be a JSON object"},
      {"wrong type",
       R"({"name": 12, "kind": "enterprise", "credit_code": ")" + CodeFor(2) + R"("})", 400,
       "name: must be a string"},
      {"missing field", R"({"kind": "enterprise", "credit_code": ")" + CodeFor(2) + R"("})", 400,
       "name: is required"},
      {"unknown enum", OrgBody("X", "bank", 2), 400, "kind: 'bank' is not one of"},
      {"oversized string", OrgBody(std::string(201, 'x'), "enterprise", 2), 400,
       "name: is 201 bytes long"},
      {"bad checksum",
       R"({"name": "X", "kind": "enterprise", "credit_code": "91330100716105852G"})", 400,
       "credit_code: check character"},
      {"unknown field",
       R"({"name": "X", "kind": "enterprise", "credit_code": ")" + CodeFor(2) +
           R"(", "colour": "red"})",
       400, "colour: unknown field"},
      {"empty name", OrgBody("", "enterprise", 2), 400, "name: must not be empty"},
      {"duplicate credit code", OrgBody("Dup again", "enterprise", 1), 409, "already exists"},
  };
  for (const BadInput& c : cases) {
    auto a = Call(*client_, "POST", "/api/v1/orgs", op_, c.body);
    EXPECT_EQ(a.status, c.status) << c.what << ": " << a.raw;
    EXPECT_NE(a.body["error"]["message"].get<std::string>().find(c.message_part), std::string::npos)
        << c.what << ": " << a.raw;
    EXPECT_EQ(a.body["error"]["code"], c.status == 400 ? "invalid_argument" : "conflict") << c.what;
  }
  // Numbers out of range, on the token route.
  for (const char* ttl : {"-1", "1e3", "99999999999", "\"10\""}) {
    auto a = Call(*client_, "POST", "/api/v1/tokens", op_,
                  std::string(R"({"ttl_seconds": )") + ttl + "}");
    EXPECT_EQ(a.status, 400) << ttl << ": " << a.raw;
    EXPECT_NE(a.raw.find("ttl_seconds"), std::string::npos) << a.raw;
  }
  for (const char* q : {"?limit=0", "?limit=501", "?limit=abc", "?cursor=nonsense"}) {
    auto a = Call(*client_, "GET", std::string("/api/v1/orgs") + q, op_);
    EXPECT_EQ(a.status, 400) << q << ": " << a.raw;
  }
  EXPECT_EQ(OrgCount(), before);
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/tokens?limit=500", op_).body["items"].size(), 1u);
}

TEST_F(ServerTest, OversizedBodiesAre413) {
  std::string big(9 << 20, 'x');
  auto a = Call(*client_, "POST", "/api/v1/orgs", op_, big);
  EXPECT_EQ(a.status, 413);
  EXPECT_EQ(a.body["error"]["code"], "payload_too_large");
}

TEST_F(ServerTest, SignInIsRequiredAndBadTokensAre401) {
  for (const std::string token : {"", "qt_not-a-real-token", "garbage"}) {
    auto a = Call(*client_, "GET", "/api/v1/orgs", token);
    EXPECT_EQ(a.status, 401) << token;
    EXPECT_EQ(a.body["error"]["code"], "unauthenticated");
  }
  auto a = Call(*client_, "POST", "/api/v1/orgs", "", OrgBody("X", "enterprise", 3));
  EXPECT_EQ(a.status, 401);
}

TEST_F(ServerTest, RevokedTokensStopWorkingAtOnce) {
  auto t = Call(*client_, "POST", "/api/v1/tokens", op_, R"({"label": "short-lived"})");
  ASSERT_EQ(t.status, 201) << t.raw;
  std::string secret = t.body["secret"];
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/whoami", secret).status, 200);
  EXPECT_EQ(
      Call(*client_, "DELETE", "/api/v1/tokens/" + t.body["id"].get<std::string>(), op_).status,
      200);
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/whoami", secret).status, 401);
}

TEST_F(ServerTest, UnknownRoutesAreJson404AndRequestIdsAreEchoed) {
  auto a = Call(*client_, "GET", "/api/v1/nothing-here", op_);
  EXPECT_EQ(a.status, 404);
  EXPECT_EQ(a.body["error"]["code"], "not_found");
  httplib::Headers h = {{"X-Request-Id", "trace-123"}};
  auto res = client_->Get("/healthz", h);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("X-Request-Id"), "trace-123");
}

TEST_F(ServerTest, SigtermStopsCleanly) {
  client_.reset();
  EXPECT_EQ(server_->Stop(), 0);
}

}  // namespace
}  // namespace qt::testing
