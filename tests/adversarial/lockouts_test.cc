// Lockouts an anonymous client could once turn against others
// (docs/identity/README.md, "Limits and lockouts"), through the real binary,
// with the attacker on another loopback address than its victims where the
// guarantee is about addresses:
// - junk receipts (bad signatures) naming a victim terminal back off the
//   sender's address; the terminal still uploads its real receipts;
// - bad citizen tokens from one address back off that address for that
//   token's prefix; a real citizen at the same address still signs in;
// - the attacker itself is still held off, with a back-off that doubles.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/clock.h"
#include "tests/adversarial/identity_adversary.h"

namespace qt::testing {
namespace {

using nlohmann::json;

class LockoutsTest : public ApiTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer());
    authority_ = NewOrg("杭州市公安局", "authority", 831);
    bus_ = NewOrg("杭州公交集团", "service", 832);
    auto granted = server_->Cli({"code", "grant", OrgIdOf(*client_, bus_), "bus"}, op_);
    EXPECT_EQ(granted.exit_code, 0) << granted.err;  // (not fatal: the attacks are what is tested)
    auto citizen = Call(*client_, "POST", "/api/v1/identity/citizens", authority_,
                        json{{"name", "李四"},
                             {"resident_id", ResidentIdOf(7)},
                             {"district", "西湖区"},
                             {"concession", "none"}}
                            .dump());
    ASSERT_EQ(citizen.status, 201) << citizen.raw;
    citizen_token_ = citizen.body["token"];
  }

  // `n` requests of the anonymous attacker at `source`; their statuses.
  std::vector<int> Attack(const std::string& source, int n, const std::string& method,
                          const std::string& path, const std::string& token,
                          const std::string& body = "") {
    std::vector<int> out;
    out.reserve(n);
    for (int i = 0; i < n; ++i) {
      out.push_back(CallFrom(source, server_->port(), method, path, token, body).status);
    }
    return out;
  }

  std::string authority_, bus_, citizen_token_;
};

TEST_F(LockoutsTest, JunkReceiptsNamingAVictimTerminalDoNotLockIt) {
  const std::string gate = dir_.File("gate.json");
  auto reg = server_->Cli(
      {"code", "terminal", "register", "--category", "bus", "--name", "B4 路前门", "--file", gate},
      bus_);
  ASSERT_EQ(reg.exit_code, 0) << reg.err;
  const std::string terminal =
      Call(*client_, "GET", "/api/v1/identity/terminals", bus_).body["items"][0]["id"];
  auto code = Call(*client_, "POST", "/api/v1/identity/me/code", citizen_token_);
  ASSERT_EQ(code.status, 201) << code.raw;
  ASSERT_EQ(server_->Cli({"code", "verify", code.body["code"], "--terminal", gate}, "").exit_code,
            0);

  // Unsigned junk naming the victim terminal, from another address.
  const std::string junk = json{{"receipts",
                                 {{{"terminal_id", terminal},
                                   {"code_id", std::string(32, '0')},
                                   {"category", "bus"},
                                   {"result", "accepted"},
                                   {"scanned_at", kEarliestClientTime},
                                   {"signature", std::string(86, 'A') + "=="}}}}}
                               .dump();
  auto statuses = Attack("127.0.0.2", 10, "POST", "/api/v1/identity/scans", "", junk);
  EXPECT_EQ(statuses.front(), 401);
  EXPECT_EQ(statuses.back(), 429) << "the sender of the junk is held off";

  // The terminal, from its own address, still uploads its real receipt.
  auto up = server_->Cli({"--json", "code", "receipts", "upload", gate}, "");
  ASSERT_EQ(up.exit_code, 0) << up.err << up.out;
  EXPECT_EQ(json::parse(up.out)["checks"], json({{"ok", 1}}));
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/identity/stats").body["scans"], 1);
}

TEST_F(LockoutsTest, BadTokensFromAnAddressDoNotLockOutOtherCitizensThere) {
  const std::string shared = "127.0.0.3";  // one NAT, one public Wi-Fi: many citizens
  const std::string junk = "czt_" + std::string(43, 'x');
  auto statuses = Attack(shared, 10, "GET", "/api/v1/identity/me", junk);
  EXPECT_EQ(statuses.front(), 401);
  EXPECT_EQ(statuses.back(), 429) << "the guesser is held off";

  // A real citizen at the same address signs in and gets a code.
  auto me = CallFrom(shared, server_->port(), "GET", "/api/v1/identity/me", citizen_token_);
  EXPECT_EQ(me.status, 200) << me.raw;
  EXPECT_EQ(
      CallFrom(shared, server_->port(), "POST", "/api/v1/identity/me/code", citizen_token_).status,
      201);
  // ... and so does anyone elsewhere.
  EXPECT_EQ(Call(*client_, "GET", "/api/v1/identity/me", citizen_token_).status, 200);
}

TEST_F(LockoutsTest, TheGuesserBacksOffExponentially) {
  const std::string source = "127.0.0.4";
  const std::string junk = "cz_" + std::string(43, 'y');
  auto me = [&] {
    return CallFrom(source, server_->port(), "GET", "/api/v1/identity/me", junk).status;
  };
  auto statuses = Attack(source, 6, "GET", "/api/v1/identity/me", junk);
  EXPECT_EQ(statuses, std::vector<int>({401, 401, 401, 401, 401, 401}))
      << "five failures are free; the sixth starts a 1 s wait";
  EXPECT_EQ(me(), 429);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_EQ(me(), 401) << "after 1 s: one more try, which starts a 2 s wait";
  EXPECT_EQ(me(), 429);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_EQ(me(), 429) << "the second wait is twice the first";
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  EXPECT_EQ(me(), 401);
}

}  // namespace
}  // namespace qt::testing
