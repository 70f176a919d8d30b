// Input hygiene (issue 19 §5): what a client sends is refused with a 400
// naming the field, and changes nothing, when it is text that displays other
// than it reads (bidirectional controls, invisible characters), a time out of
// any sensible range, a JSON object with a key given twice (two parsers would
// read different values), a data space field named after an SQL keyword, a
// boolean query parameter that is neither true nor false, or a number that
// does not fit the server's 64-bit integers. And no error names a server
// path: CSV errors name the source id and line.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <thread>

#include "tests/integration/api_test.h"

namespace qt::testing {
namespace {

using nlohmann::json;

class InputHygieneTest : public ApiTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartServer()); }

  std::string OwnOrgId(const std::string& token) {
    return Call(*client_, "GET", "/api/v1/whoami", token).body["org"]["id"];
  }
  size_t Count(const std::string& path, const std::string& token) {
    return Call(*client_, "GET", path, token).body["items"].size();
  }
};

TEST_F(InputHygieneTest, DisplayTextWithBidiControlsOrInvisibleCharactersIsRefused) {
  const std::string org = OwnOrgId(op_);
  const size_t orgs = Count("/api/v1/orgs", op_);
  const size_t users = Count("/api/v1/orgs/" + org + "/users", op_);
  // "invoice" U+202E "fdp.exe" shows as "invoiceexe.pdf"; the others hide or join.
  for (const std::string& bad :
       {std::string("invoice\u202efdp.exe"), std::string("杭州\u202a数据"),
        std::string("杭州\u2066数据\u2069"), std::string("admin\u200b"), std::string("ad\u200dmin"),
        std::string("\ufeffadmin"), std::string("a\u2067b"), std::string("a\u00adb"),
        std::string("a\u0085b")}) {
    auto o = Call(*client_, "POST", "/api/v1/orgs", op_, OrgBody(bad, "enterprise", 950));
    EXPECT_EQ(o.status, 400) << o.raw;
    auto u = Call(*client_, "POST", "/api/v1/orgs/" + org + "/users", op_,
                  json{{"name", bad}, {"role", "viewer"}}.dump());
    EXPECT_EQ(u.status, 400) << u.raw;
    EXPECT_NE(u.raw.find("name: must not contain"), std::string::npos) << u.raw;
    auto t = Call(*client_, "POST", "/api/v1/tokens", op_, json{{"label", bad}}.dump());
    EXPECT_EQ(t.status, 400) << t.raw;
  }
  EXPECT_EQ(Count("/api/v1/orgs", op_), orgs);
  EXPECT_EQ(Count("/api/v1/orgs/" + org + "/users", op_), users);
}

TEST_F(InputHygieneTest, TimesOutOfRangeAreRefused) {
  for (int64_t at : {int64_t{1} << 62, int64_t{1}, int64_t{-5}, int64_t{7'258'118'400'000}}) {
    auto r = Call(*client_, "POST", "/api/v1/identity/scans", "",
                  json{{"receipts",
                        {{{"terminal_id", "tm_01JDX3V6Q0M4X8H2R5T7W9Y1ZA"},
                          {"code_id", std::string(32, '0')},
                          {"category", "bus"},
                          {"result", "accepted"},
                          {"scanned_at", at},
                          {"signature", "AAAA"}}}}}
                      .dump());
    EXPECT_EQ(r.status, 400) << at << " " << r.raw;
    EXPECT_NE(r.raw.find("scanned_at"), std::string::npos) << r.raw;
  }
}

TEST_F(InputHygieneTest, DuplicateJsonKeysAreRefused) {
  const std::string org = OwnOrgId(op_);
  const size_t users = Count("/api/v1/orgs/" + org + "/users", op_);
  // A filter that reads the first "role" sees a viewer; the server must not
  // act on the second.
  auto u = Call(*client_, "POST", "/api/v1/orgs/" + org + "/users", op_,
                R"({"name": "mallory", "role": "viewer", "role": "admin"})");
  EXPECT_EQ(u.status, 400) << u.raw;
  EXPECT_NE(u.raw.find("'role' twice"), std::string::npos) << u.raw;
  auto nested =
      Call(*client_, "POST", "/api/v1/dataspace/sources", NewOrg("数据 Co", "data_holder", 951),
           R"({"name": "x", "csv": "a\n1\n", "fields": [{"name": "a", "name": "b"}]})");
  EXPECT_EQ(nested.status, 400) << nested.raw;
  EXPECT_EQ(Count("/api/v1/orgs/" + org + "/users", op_), users);
}

TEST_F(InputHygieneTest, FieldNamesThatAreSqlKeywordsAreRefused) {
  const std::string holder = NewOrg("数据 Co", "data_holder", 952);
  // Inferred from the header.
  for (const char* header : {"select,amount", "district,from", "Group,n", "id,order"}) {
    auto r = Call(*client_, "POST", "/api/v1/dataspace/sources", holder,
                  json{{"name", "x"}, {"csv", std::string(header) + "\n1,2\n"}}.dump());
    EXPECT_EQ(r.status, 400) << header << " " << r.raw;
    EXPECT_NE(r.raw.find("SQL keyword"), std::string::npos) << r.raw;
  }
  // Declared.
  auto declared = Call(
      *client_, "POST", "/api/v1/dataspace/sources", holder,
      json{{"name", "x"}, {"csv", "a,b\n1,2\n"}, {"fields", {{{"name", "a"}}, {{"name", "where"}}}}}
          .dump());
  EXPECT_EQ(declared.status, 400) << declared.raw;
  EXPECT_NE(declared.raw.find("fields[1].name"), std::string::npos) << declared.raw;
  EXPECT_EQ(Count("/api/v1/dataspace/sources", holder), 0u);
  // Names that merely contain a keyword are fine.
  auto ok = Call(*client_, "POST", "/api/v1/dataspace/sources", holder,
                 json{{"name", "x"}, {"csv", "selected,from_district\n1,2\n"}}.dump());
  EXPECT_EQ(ok.status, 201) << ok.raw;
}

TEST_F(InputHygieneTest, BooleanQueryParametersAreTrueOrFalse) {
  const std::string firm = NewOrg("杭州某科技有限公司", "enterprise", 953);
  for (const char* v : {"yes", "1", "TRUE", "", "true%00"}) {
    EXPECT_EQ(Call(*client_, "GET", std::string("/api/v1/match/policies?in_force=") + v).status,
              400)
        << v;
    EXPECT_EQ(Call(*client_, "GET", std::string("/api/v1/match/inbox?unread=") + v, firm).status,
              400)
        << v;
  }
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/match/policies?in_force=true").status, 200);
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/match/policies?in_force=false").status, 200);
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/match/inbox?unread=true", firm).status, 200);
}

TEST_F(InputHygieneTest, NumbersBeyondInt64AreRefusedNotWrapped) {
  // Let the ledger sign a checkpoint or two first.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  auto all = Call(*client_, "GET", "/api/v1/ledger/checkpoints");
  ASSERT_EQ(all.status, 200) << all.raw;
  for (const char* after : {"18446744073709551615", "9223372036854775808"}) {
    auto r = Call(*client_, "GET", std::string("/api/v1/ledger/checkpoints?after=") + after);
    // 400, or an empty page: never the whole list again (a wrapped -1).
    EXPECT_TRUE(r.status == 400 || (r.status == 200 && r.body["items"].empty()))
        << after << " " << r.raw;
  }
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/ledger/checkpoints?after=-1").status, 400);
}

TEST_F(InputHygieneTest, CsvErrorsNameTheSourceAndLineNotAServerPath) {
  const std::string holder = NewOrg("数据 Co", "data_holder", 954);
  // An unterminated quote on line 3; a declared schema whose width differs.
  auto bad = Call(*client_, "POST", "/api/v1/dataspace/sources", holder,
                  json{{"name", "x"}, {"csv", "a,b\n1,2\n3,\"4\n"}}.dump());
  EXPECT_EQ(bad.status, 400) << bad.raw;
  const std::string message = bad.body["error"]["message"];
  EXPECT_TRUE(std::regex_search(message, std::regex(R"(source src_\w+:[34]: )"))) << message;
  for (const std::string& leak : {std::string("/"), std::string(".csv"), std::string("var"),
                                  std::string("sources"), dir_.path().string()}) {
    EXPECT_EQ(message.find(leak), std::string::npos) << "'" << leak << "' in " << message;
  }
  auto missing = Call(*client_, "POST", "/api/v1/dataspace/sources", holder,
                      json{{"name", "x"}, {"file", "nope.csv"}}.dump());
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.raw.find(dir_.path().string()), std::string::npos) << missing.raw;
}

}  // namespace
}  // namespace qt::testing
