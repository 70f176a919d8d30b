#include "cli/serve_demo.h"

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "demo/demo_city.h"
#include "demo/demo_cloud.h"
#include "demo/demo_compute.h"
#include "demo/demo_dataspace.h"
#include "demo/demo_exchange.h"
#include "demo/demo_identity.h"
#include "demo/demo_match.h"
#include "demo/demo_privacy.h"
#include "demo/demo_public_policies.h"

namespace qt::cli {
namespace {

// Runs `load` and returns its result with the milliseconds it took.
template <typename F>
auto Timed(F&& load, int64_t& ms) {
  const auto start = std::chrono::steady_clock::now();
  auto out = std::forward<F>(load)();
  ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                             start)
           .count();
  return out;
}

std::filesystem::path TokensFile(const ServeConfig& config) {
  return std::filesystem::path(config.master_key_file).parent_path() / "demo-tokens.txt";
}

// Prints each token and writes it to the tokens file.
void KeepTokens(const ServeConfig& config, const demo::DemoCity& city,
                const demo::DemoIdentity& codes) {
  const std::filesystem::path path = TokensFile(config);
  std::ofstream file(path);
  auto keep = [&file](const std::string& line) {
    PrintLine(line);
    file << line << "\n";
  };
  if (!codes.citizen_token.empty()) {
    keep("demo citizen token " + codes.citizen_name + ": " + codes.citizen_token);
  }
  for (const auto& t : city.tokens) {
    keep("demo token " + std::string(accounts::OrgKindName(t.kind)) + " " + t.org_name + ": " +
         t.secret);
  }
  // Not "demo token ...": one line per kind there, which scripts rely on.
  for (const auto& t : city.holder_tokens) {
    keep("demo holder token " + t.org_name + ": " + t.secret);
  }
  file.close();
  chmod(path.c_str(), 0600);
}

}  // namespace

void PrintLine(const std::string& line) {
  std::cout << line << std::endl;  // flushed
}

Status LoadDemo(const ServeConfig& config, ServeServices& s) {
  if (!s.bootstrap) {
    PrintLine(
        "demo: the database is not new; the demo city was not loaded again (its tokens are in " +
        TokensFile(config).string() + ")");
    return OkStatus();
  }
  const std::string& seed = config.demo_seed;
  QT_ASSIGN_OR_RETURN(auto op, s.accounts->Authenticate(s.bootstrap->admin_token.secret));
  int64_t ms = 0;
  QT_ASSIGN_OR_RETURN(auto city,
                      Timed([&] { return demo::LoadDemoCity(*s.accounts, op, seed); }, ms));
  QT_RETURN_IF_ERROR(demo::LoadDemoCompute(*s.accounts, *s.market, *s.vouchers));
  PrintLine("demo: loaded " + std::to_string(city.orgs_created) + " organisations in " +
            std::to_string(ms) + " ms");
  QT_ASSIGN_OR_RETURN(auto cloud, Timed(
                                      [&] {
                                        return demo::LoadDemoCloud(
                                            *s.accounts, op, *s.market, *s.jobs, seed,
                                            static_cast<int>(config.demo_cloud_tenants));
                                      },
                                      ms));
  PrintLine("demo: the government cloud " + cloud.cluster_id + " has " +
            std::to_string(cloud.tenants) + " tenants with quotas and " +
            std::to_string(cloud.jobs) + " jobs, in " + std::to_string(ms) + " ms");

  QT_RETURN_IF_ERROR(Timed(
      [&]() -> Status {
        QT_RETURN_IF_ERROR(demo::LoadDemoDataSpace(*s.accounts, op, *s.space, seed));
        QT_RETURN_IF_ERROR(
            demo::LoadDemoExchange(*s.store, *s.accounts, *s.space, s.exchange_options, seed));
        return demo::LoadDemoPrivacy(*s.accounts, *s.space, *s.psi, *s.deliveries, seed);
      },
      ms));
  PrintLine("demo: the data space's " + std::to_string(demo::kDemoDataEnterprises) +
            " data enterprises published their products and the exchange registered them in " +
            std::to_string(ms) + " ms");

  QT_ASSIGN_OR_RETURN(auto codes, Timed(
                                      [&] {
                                        return demo::LoadDemoIdentity(*s.accounts, *s.identity,
                                                                      seed, config.demo_citizens);
                                      },
                                      ms));
  PrintLine("demo: enrolled " + std::to_string(codes.citizens) + " citizens (" +
            std::to_string(codes.talents) + " talent statuses, " + std::to_string(codes.terminals) +
            " terminals, " + std::to_string(codes.scans) + " scans) in " + std::to_string(ms) +
            " ms");

  QT_ASSIGN_OR_RETURN(
      auto station,
      Timed(
          [&] { return demo::LoadDemoMatch(*s.accounts, op, *s.finance, seed, config.demo_firms); },
          ms));
  PrintLine("demo: the finance station screened " + std::to_string(station.firms) +
            " tech firms; " + std::to_string(station.institutions) + " institutions published " +
            std::to_string(station.products) + " products, in " + std::to_string(ms) + " ms");

  QT_ASSIGN_OR_RETURN(auto lists, demo::LoadDemoScenarios(*s.accounts, *s.scenarios, seed));
  PrintLine("demo: the scenario platform lists " + std::to_string(lists.demands) + " demands and " +
            std::to_string(lists.capabilities) + " capabilities, " + std::to_string(lists.pairs) +
            " paired");

  QT_ASSIGN_OR_RETURN(auto spring_rain,
                      Timed([&] { return demo::LoadDemoPolicies(*s.accounts, *s.policies); }, ms));
  PrintLine("demo: " + std::to_string(spring_rain.policies) + " policies found " +
            std::to_string(spring_rain.notices) + " eligible firms and people, in " +
            std::to_string(ms) + " ms");
  KeepTokens(config, city, codes);
  return OkStatus();
}

}  // namespace qt::cli
