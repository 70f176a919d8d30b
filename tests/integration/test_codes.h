// Valid unified social credit codes for tests: CodeFor(n) differs for each n.
#ifndef QIANTANG_TESTS_INTEGRATION_TEST_CODES_H_
#define QIANTANG_TESTS_INTEGRATION_TEST_CODES_H_

#include <string>

#include "accounts/credit_code.h"

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

}  // namespace qt::testing

#endif  // QIANTANG_TESTS_INTEGRATION_TEST_CODES_H_
