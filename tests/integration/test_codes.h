// Valid unified social credit codes for tests: CodeFor(n) differs for each n;
// and organisations made through the API with them.
#ifndef QIANTANG_TESTS_INTEGRATION_TEST_CODES_H_
#define QIANTANG_TESTS_INTEGRATION_TEST_CODES_H_

#include <gtest/gtest.h>

#include <string>

#include "accounts/credit_code.h"
#include "tests/support/server_process.h"

namespace qt::testing {

inline std::string CodeFor(int n) {
  std::string digits = std::to_string(100000000 + n).substr(1);  // 8 digits
  std::string first17 = "91330106" + digits + "0";
  return first17 + accounts::CreditCodeCheckCharacter(first17);
}

inline std::string OrgBody(const std::string& name, const std::string& kind, int n) {
  return R"({"name":")" + name + R"(","kind":")" + kind + R"(","credit_code":")" + CodeFor(n) +
         R"("})";
}

// Creates organisation number `n` as the operator `op`; returns its admin token.
inline std::string NewOrgToken(httplib::Client& client, const std::string& op,
                               const std::string& name, const std::string& kind, int n) {
  auto a = Call(client, "POST", "/api/v1/orgs", op, OrgBody(name, kind, n));
  EXPECT_EQ(a.status, 201) << a.raw;
  return a.status == 201 ? a.body["admin_token"]["secret"].get<std::string>() : "";
}

}  // namespace qt::testing

#endif  // QIANTANG_TESTS_INTEGRATION_TEST_CODES_H_
