// DemoStore: what the store-backed benchmarks start from — a fresh folder in
// the temporary directory (removed at the end) with a SQLite file (fsync per
// commit, as in production) migrated for the ledger, accounts and the given
// modules, a journal, a master key, and the demo city's organisations under
// the bootstrapped operator. Aborts with a message if any of that fails.
#ifndef QIANTANG_BENCH_DEMO_STORE_H_
#define QIANTANG_BENCH_DEMO_STORE_H_

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "accounts/accounts.h"
#include "crypto/random.h"
#include "crypto/sealed_box.h"
#include "demo/demo_city.h"
#include "ledger/journal.h"
#include "store/store.h"

namespace qt::bench {

inline void Check(const Status& s, const char* what) {
  if (s.ok()) return;
  std::fprintf(stderr, "setup: %s: %s\n", what, s.ToString().c_str());
  std::abort();
}

struct DemoStore {
  std::filesystem::path dir;
  std::unique_ptr<store::Store> store;
  ledger::Journal journal{SystemClock::Get()};
  std::array<uint8_t, 32> raw{};
  crypto::MasterKey key{raw};
  std::unique_ptr<accounts::Accounts> accounts;
  accounts::Principal op;

  DemoStore(const std::string& name, std::initializer_list<std::vector<store::Migration>> modules) {
    dir = std::filesystem::temp_directory_path() /
          ("qiantang-" + name + "-bench-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto opened = store::OpenStore("sqlite:" + (dir / "q.db").string(), {});
    Check(opened.status(), "open");
    store = std::move(*opened);
    auto migrations = ledger::Journal::Migrations();
    for (const auto& list : {accounts::Accounts::Migrations()})
      migrations.insert(migrations.end(), list.begin(), list.end());
    for (const auto& list : modules) migrations.insert(migrations.end(), list.begin(), list.end());
    Check(store::Migrate(*store, migrations), "migrate");
    accounts = std::make_unique<accounts::Accounts>(
        *store, accounts::AccountsOptions{&SystemClock::Get(), &crypto::SystemRandom::Get(), &key,
                                          &journal});
    auto boot = accounts->Bootstrap(
        {"杭州市数据集团有限公司", accounts::OrgKind::kOperator, "91330100MA2KQ0001N"});
    Check(boot.status(), "bootstrap");
    op = *accounts->Authenticate((*boot)->admin_token.secret);
    Check(demo::LoadDemoCity(*accounts, op, "bench").status(), "city");
  }
  ~DemoStore() { std::filesystem::remove_all(dir); }
  DemoStore(const DemoStore&) = delete;
  DemoStore& operator=(const DemoStore&) = delete;
};

}  // namespace qt::bench

#endif  // QIANTANG_BENCH_DEMO_STORE_H_
