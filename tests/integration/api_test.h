// ApiTest: the fixture of the tests that drive the real server over loopback
// — a fresh folder, the server started in it, a keep-alive client, and the
// bootstrap operator's token.
#ifndef QIANTANG_TESTS_INTEGRATION_API_TEST_H_
#define QIANTANG_TESTS_INTEGRATION_API_TEST_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/integration/test_codes.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace qt::testing {

class ApiTest : public ::testing::Test {
 protected:
  // Call from SetUp as ASSERT_NO_FATAL_FAILURE(StartServer({...})).
  void StartServer(std::vector<std::string> args = {}) {
    server_ = std::make_unique<ServerProcess>(dir_.path().string(), std::move(args));
    ASSERT_TRUE(server_->Start());
    client_ = server_->Client();
    op_ = server_->bootstrap_token();
    ASSERT_FALSE(op_.empty());
  }
  // Organisation number `n`, created by the operator; its admin token.
  std::string NewOrg(const std::string& name, const std::string& kind, int n) {
    return NewOrgToken(*client_, op_, name, kind, n);
  }
  // Clients close before the server stops (cpp-httplib waits for idle keep-alives).
  void TearDown() override { client_.reset(); }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<httplib::Client> client_;
  std::string op_;
};

}  // namespace qt::testing

#endif  // QIANTANG_TESTS_INTEGRATION_API_TEST_H_
