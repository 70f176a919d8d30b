// ServiceTest: the fixture of a module's service tests, run once per storage
// backend (the test parameter): a fresh database with the ledger's, accounts'
// and the module's schemas, a manual clock, a deterministic random source, a
// journal, and accounts bootstrapped with the operator (op_).
#ifndef QIANTANG_TESTS_SUPPORT_SERVICE_TEST_H_
#define QIANTANG_TESTS_SUPPORT_SERVICE_TEST_H_

#include <gtest/gtest.h>

#include <array>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "accounts/accounts.h"
#include "accounts/credit_code.h"
#include "core/clock.h"
#include "crypto/random.h"
#include "crypto/sealed_box.h"
#include "ledger/journal.h"
#include "store/store.h"
#include "tests/support/test_database.h"

namespace qt::testing {

class ServiceTest : public ::testing::TestWithParam<std::string> {
 protected:
  ServiceTest(const std::string& start, const std::string& seed)
      : clock_(*ParseRfc3339(start)), random_(seed) {}

  // Call first from SetUp: ASSERT_NO_FATAL_FAILURE(Open({Module::Migrations()})).
  void Open(std::initializer_list<std::vector<store::Migration>> modules) {
    store_ = *store::OpenStore(db_.url(), {});
    auto migrations = ledger::Journal::Migrations();
    for (const auto& list : {accounts::Accounts::Migrations()}) {
      migrations.insert(migrations.end(), list.begin(), list.end());
    }
    for (const auto& list : modules) migrations.insert(migrations.end(), list.begin(), list.end());
    ASSERT_TRUE(store::Migrate(*store_, migrations).ok());
    accounts_ = std::make_unique<accounts::Accounts>(
        *store_, accounts::AccountsOptions{&clock_, &random_, &key_, &journal_});
    auto boot =
        accounts_->Bootstrap({"杭州市数据集团", accounts::OrgKind::kOperator, CreditCode('1')});
    ASSERT_TRUE(boot.ok() && boot->has_value());
    op_ = *accounts_->Authenticate((*boot)->admin_token.secret);
  }

  // A valid credit code, different for each `c`.
  static std::string CreditCode(char c) {
    std::string first17 = std::string("91330106MA2H0000") + c;
    return first17 + accounts::CreditCodeCheckCharacter(first17);
  }

  // A new organisation (credit code CreditCode(c)), as its admin.
  accounts::Principal Org(const std::string& name, accounts::OrgKind kind, char c) {
    auto r = accounts_->CreateOrg(op_, {name, kind, CreditCode(c)});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return *accounts_->Authenticate(r->admin_token.secret);
  }

  TestDatabase db_{GetParam()};
  ManualClock clock_;
  crypto::DeterministicRandom random_;
  std::array<uint8_t, 32> raw_key_{};
  crypto::MasterKey key_{raw_key_};
  std::unique_ptr<store::Store> store_;
  ledger::Journal journal_{clock_};
  std::unique_ptr<accounts::Accounts> accounts_;
  accounts::Principal op_;
};

}  // namespace qt::testing

#endif  // QIANTANG_TESTS_SUPPORT_SERVICE_TEST_H_
