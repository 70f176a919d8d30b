// The demo city: the organisations of the seed report, loaded through the
// same services the API uses, so the demo obeys every rule real data does.
//
// Content (names, credit codes) is a pure function of the seed: the same seed
// gives the same city on every machine. Keys and tokens are fresh each time.
// Later modules add their data (clusters, data products, listings...) here.
#ifndef QIANTANG_DEMO_DEMO_CITY_H_
#define QIANTANG_DEMO_DEMO_CITY_H_

#include <string>
#include <vector>

#include "accounts/accounts.h"
#include "core/random.h"

namespace qt::demo {

struct DemoToken {
  std::string org_name;
  accounts::OrgKind kind;
  std::string secret;
};

struct DemoCity {
  int orgs_created = 0;
  // A sign-in token for the operator and for one organisation of each kind.
  std::vector<DemoToken> tokens;
  // The other named data holders' (the health data centre, the diagnostics
  // company...), whose products the documentation's stories use.
  std::vector<DemoToken> holder_tokens;
};

// Loads the demo city as the operator `op`. REQUIRES: op is an operator admin.
// kFailedPrecondition if the database already has organisations other than the operator.
// A valid unified social credit code (GB 32100-2015) of a Hangzhou
// organisation of `kind`: a government body's for an authority, a public
// institution's for a service, a company's otherwise.
std::string MakeCreditCode(accounts::OrgKind kind, Random& random);

Result<DemoCity> LoadDemoCity(accounts::Accounts& accounts, const accounts::Principal& op,
                              const std::string& seed);

}  // namespace qt::demo

#endif  // QIANTANG_DEMO_DEMO_CITY_H_
