// docs/api/openapi.yaml describes exactly the routes the server registers, and
// says truly who may call each (x-access).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "api/server.h"
#include "compute/configs.h"
#include "crypto/random.h"
#include "tests/support/temp_dir.h"

namespace qt::api {
namespace {

// "METHOD /path" -> x-access, read from the paths section of the YAML file.
std::map<std::string, std::string> DocumentedRoutes(const std::string& file) {
  std::ifstream in(file);
  std::map<std::string, std::string> out;
  std::string line, path, method;
  bool in_paths = false;
  const std::regex path_re(R"(^  (/\S*):\s*$)");
  const std::regex method_re(R"(^    (get|post|put|patch|delete):\s*$)");
  const std::regex access_re(R"(^      x-access:\s*(.+?)\s*$)");
  std::smatch m;
  while (std::getline(in, line)) {
    if (line == "paths:") in_paths = true;
    if (!in_paths) continue;
    if (std::regex_match(line, m, path_re)) path = m[1];
    if (std::regex_match(line, m, method_re)) {
      method = m[1];
      for (auto& c : method) c = static_cast<char>(std::toupper(c));
      out[method + " " + path] = "(no x-access)";
    }
    if (std::regex_match(line, m, access_re)) out[method + " " + path] = m[1];
  }
  return out;
}

TEST(OpenApi, DocumentsEveryRegisteredRouteAndWhoMayCallIt) {
  qt::testing::TempDir dir;
  auto store = std::move(*store::OpenStore("sqlite:" + dir.File("db"), {}));
  auto migrations = ledger::Journal::Migrations();
  for (auto& m : accounts::Accounts::Migrations()) migrations.push_back(m);
  ASSERT_TRUE(store::Migrate(*store, migrations).ok());
  std::array<uint8_t, 32> raw{};
  crypto::MasterKey key(raw);
  ledger::Journal journal(SystemClock::Get());
  accounts::Accounts accounts(*store,
                              {&SystemClock::Get(), &crypto::SystemRandom::Get(), &key, &journal});
  MetricsRegistry metrics;
  ledger::LedgerOptions lo;
  lo.clock = &SystemClock::Get();
  ledger::Ledger ledger(*store, lo);
  compute::ChipCatalog catalog = compute::LoadChipCatalog("").value();
  compute::market::Vouchers vouchers(*store, SystemClock::Get(), crypto::SystemRandom::Get(),
                                     journal);
  compute::market::Market market(
      *store, {&SystemClock::Get(), &crypto::SystemRandom::Get(), &journal, &catalog, &vouchers});
  dataspace::DataSpace space(*store, {&SystemClock::Get(), &crypto::SystemRandom::Get(), &journal,
                                      &accounts, dir.File("data"), dir.File("import")});
  exchange::Exchange exchange(*store, {.clock = &SystemClock::Get(),
                                       .random = &crypto::SystemRandom::Get(),
                                       .journal = &journal,
                                       .accounts = &accounts,
                                       .dataspace = &space});
  privacy::PsiService psi(*store,
                          {.clock = &SystemClock::Get(), .journal = &journal, .dataspace = &space});
  match::Finance finance(
      *store,
      {.clock = &SystemClock::Get(), .random = &crypto::SystemRandom::Get(), .journal = &journal});
  match::Scenarios scenarios(
      *store,
      {.clock = &SystemClock::Get(), .random = &crypto::SystemRandom::Get(), .journal = &journal});
  identity::Identity identity(*store, {.clock = &SystemClock::Get(),
                                       .random = &crypto::SystemRandom::Get(),
                                       .journal = &journal,
                                       .accounts = &accounts,
                                       .master_key = &key});
  match::Policies policies(*store, {.clock = &SystemClock::Get(),
                                    .random = &crypto::SystemRandom::Get(),
                                    .journal = &journal,
                                    .identity = &identity,
                                    .master_key = &key});
  privacy::DeliveryService deliveries(*store, {&SystemClock::Get(), &crypto::SystemRandom::Get(),
                                               &journal, &accounts, &space, dir.File("data")});
  ApiServer server({}, accounts, ledger, *store, metrics,
                   {&market, &vouchers, &space, &exchange, &psi, &deliveries, &identity, &finance,
                    &scenarios, &policies});

  auto documented = DocumentedRoutes(std::string(QIANTANG_SOURCE_DIR) + "/docs/api/openapi.yaml");
  ASSERT_FALSE(documented.empty());
  std::set<std::string> registered;
  for (const RouteInfo& r : server.routes()) {
    std::string key_str = r.method + " " + r.pattern;
    registered.insert(key_str);
    auto it = documented.find(key_str);
    if (it == documented.end()) {
      ADD_FAILURE() << key_str << " is registered but not in docs/api/openapi.yaml";
      continue;
    }
    EXPECT_EQ(it->second, r.access.Describe()) << key_str << ": x-access is wrong";
  }
  for (const auto& [route, access] : documented) {
    EXPECT_TRUE(registered.contains(route)) << route << " is documented but not registered";
  }
}

}  // namespace
}  // namespace qt::api
