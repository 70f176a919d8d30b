// docs/api/openapi.yaml is valid YAML, describes exactly the routes the server
// registers, says truly who may call each (x-access, and `security: []` on the
// public ones), documents each path parameter, and documents only statuses the
// server can answer (a success, and 400 wherever a body is read).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "api/errors.h"
#include "api/server.h"
#include "compute/configs.h"
#include "crypto/random.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace qt::api {
namespace {

using ::qt::testing::IsOk;

// One operation of the document.
struct Operation {
  std::string access = "(no x-access)";  // x-access
  bool public_security = false;          // security: [] (no bearer token)
  bool has_body = false;                 // a requestBody
  std::set<int> statuses;                // documented responses
  std::set<std::string> path_params;     // parameters "in: path"
};

// "METHOD /path" -> its operation, read with a YAML parser (a file that is
// not valid YAML fails here, as it would in every OpenAPI tool).
std::map<std::string, Operation> DocumentedRoutes(const std::string& file) {
  const YAML::Node doc = YAML::LoadFile(file);
  const YAML::Node shared = doc["components"]["parameters"];
  std::map<std::string, Operation> out;
  for (const auto& path : doc["paths"]) {
    for (const auto& op : path.second) {
      std::string method = op.first.as<std::string>();
      if (method == "parameters") continue;
      for (auto& c : method) c = static_cast<char>(std::toupper(c));
      Operation o;
      const YAML::Node node = op.second;
      if (node["x-access"]) o.access = node["x-access"].as<std::string>();
      o.public_security =
          node["security"] && node["security"].IsSequence() && node["security"].size() == 0;
      o.has_body = static_cast<bool>(node["requestBody"]);
      for (const auto& r : node["responses"])
        o.statuses.insert(std::stoi(r.first.as<std::string>()));
      for (YAML::Node p : node["parameters"]) {
        if (p["$ref"]) {
          const std::string ref = p["$ref"].as<std::string>();
          p = shared[ref.substr(ref.rfind('/') + 1)];
        }
        if (p["in"].as<std::string>() == "path") o.path_params.insert(p["name"].as<std::string>());
      }
      out[method + " " + path.first.as<std::string>()] = o;
    }
  }
  return out;
}

std::set<std::string> PatternParams(const std::string& pattern) {
  std::set<std::string> out;
  static const std::regex kParam(R"(\{(\w+)\})");
  for (auto it = std::sregex_iterator(pattern.begin(), pattern.end(), kParam);
       it != std::sregex_iterator(); ++it) {
    out.insert((*it)[1]);
  }
  return out;
}

TEST(OpenApi, IsValidYaml) {
  EXPECT_NO_THROW(YAML::LoadFile(std::string(QIANTANG_SOURCE_DIR) + "/docs/api/openapi.yaml"));
}

TEST(OpenApi, DocumentsEveryRegisteredRouteAndWhoMayCallIt) {
  qt::testing::TempDir dir;
  auto store = *store::OpenStore("sqlite:" + dir.File("db"), {});
  auto migrations = ledger::Journal::Migrations();
  for (auto& m : accounts::Accounts::Migrations()) migrations.push_back(m);
  for (auto& m : federation::Witness::Migrations()) migrations.push_back(m);
  for (auto& m : federation::Witnessing::Migrations()) migrations.push_back(m);
  for (auto& m : federation::Peers::Migrations()) migrations.push_back(m);
  for (auto& m : federation::FederatedCatalog::Migrations()) migrations.push_back(m);
  for (auto& m : federation::Negotiations::Migrations()) migrations.push_back(m);
  ASSERT_THAT(store::Migrate(*store, migrations), IsOk());
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
  compute::live::Jobs jobs(*store, {.clock = &SystemClock::Get(),
                                    .random = &crypto::SystemRandom::Get(),
                                    .journal = &journal,
                                    .catalog = &catalog,
                                    .market = &market});
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
  match::PublicPolicies policies(*store, {.clock = &SystemClock::Get(),
                                          .random = &crypto::SystemRandom::Get(),
                                          .journal = &journal,
                                          .identity = &identity,
                                          .master_key = &key});
  privacy::DeliveryService deliveries(*store, {&SystemClock::Get(), &crypto::SystemRandom::Get(),
                                               &journal, &accounts, &space, dir.File("data")});
  auto witness = federation::Witness::Open(*store, {.clock = &SystemClock::Get(),
                                                    .random = &crypto::SystemRandom::Get(),
                                                    .master_key = &key,
                                                    .journal = &journal});
  ASSERT_THAT(witness, IsOk());
  auto node = federation::Node::Open(*store, {.url = "http://127.0.0.1:1",
                                              .ledger_vkey = "l+00000000+AQ",
                                              .witness_vkey = (*witness)->VerifierKey(),
                                              .clock = &SystemClock::Get(),
                                              .random = &crypto::SystemRandom::Get(),
                                              .master_key = &key});
  ASSERT_THAT(node, IsOk()) << node.status().ToString();
  federation::Peers peers(*store, {.clock = &SystemClock::Get(),
                                   .journal = &journal,
                                   .node = node->get(),
                                   .witness = witness->get()});
  federation::FederatedCatalog federated(*store, peers, **node, space,
                                         {.clock = &SystemClock::Get()});
  federation::Negotiations negotiations(*store, {.clock = &SystemClock::Get(),
                                                 .random = &crypto::SystemRandom::Get(),
                                                 .journal = &journal,
                                                 .ledger = &ledger,
                                                 .node = node->get(),
                                                 .peers = &peers,
                                                 .catalog = &federated,
                                                 .dataspace = &space,
                                                 .accounts = &accounts});
  DomainServices services{&market,        &vouchers, &space,      &exchange,  &psi,
                          &deliveries,    &identity, &finance,    &scenarios, &policies,
                          witness->get(), nullptr,   node->get(), &peers,     &federated,
                          &negotiations,  &jobs};
  city::Dashboard dashboard(CityServicesOf(accounts, ledger, services), SystemClock::Get());
  services.dashboard = &dashboard;
  ApiServer server({}, accounts, ledger, *store, metrics, services);

  std::map<std::string, Operation> documented;
  ASSERT_NO_THROW(
      documented = DocumentedRoutes(std::string(QIANTANG_SOURCE_DIR) + "/docs/api/openapi.yaml"));
  ASSERT_FALSE(documented.empty());
  // The statuses the router can answer: a success, or the one status of a
  // Status code (HttpStatusOf).
  std::set<int> answerable = {200, 201, 204};
  for (int c = static_cast<int>(StatusCode::kInvalidArgument);
       c <= static_cast<int>(StatusCode::kUnavailable); ++c) {
    answerable.insert(HttpStatusOf(static_cast<StatusCode>(c)));
  }
  std::set<std::string> registered;
  for (const RouteInfo& r : server.routes()) {
    std::string key_str = r.method + " " + r.pattern;
    registered.insert(key_str);
    auto it = documented.find(key_str);
    if (it == documented.end()) {
      ADD_FAILURE() << key_str << " is registered but not in docs/api/openapi.yaml";
      continue;
    }
    const Operation& op = it->second;
    EXPECT_EQ(op.access, r.access.Describe()) << key_str << ": x-access is wrong";
    // A public route needs no token; every other one needs the bearer token.
    EXPECT_EQ(op.public_security, !r.access.requires_sign_in)
        << key_str << ": 'security: []' goes with x-access public, and only with it";
    EXPECT_EQ(op.path_params, PatternParams(r.pattern))
        << key_str << ": every {segment} is documented as a path parameter";
    EXPECT_TRUE(op.statuses.contains(200) || op.statuses.contains(201) || op.statuses.contains(204))
        << key_str << ": no success status documented";
    for (int status : op.statuses) {
      // tlog-witness answers a checkpoint that does not extend the last with 422.
      if (key_str == "POST /witness/add-checkpoint" && status == 422) continue;
      EXPECT_TRUE(answerable.contains(status))
          << key_str << ": documents " << status << ", which the server never answers";
    }
    // A body is read by JsonBody, which refuses bad ones with 400.
    if (op.has_body) {
      EXPECT_TRUE(op.statuses.contains(400)) << key_str << ": 400 not documented";
    }
  }
  for (const auto& [route, op] : documented) {
    EXPECT_TRUE(registered.contains(route)) << route << " is documented but not registered";
  }
}

}  // namespace
}  // namespace qt::api
