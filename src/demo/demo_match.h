// The demo city's finance station (杭创E站): `firms` screened technology
// enterprises (180,000 by default, as in the seed) imported by the science
// and technology bureau, the 49 institutions (the city's five plus 44 more)
// with 500 products of the five kinds, and the seed's story for the demo's
// enterprise (two products more, 502 in all): a 1-million-yuan loan bundled
// with the 1.41-million-yuan 研发费用损失保险（首创）, applied for and
// accepted.
#ifndef QIANTANG_DEMO_DEMO_MATCH_H_
#define QIANTANG_DEMO_DEMO_MATCH_H_

#include <string>

#include "accounts/accounts.h"
#include "match/finance.h"
#include "match/scenarios.h"

namespace qt::demo {

struct DemoMatch {
  int64_t firms = 0, institutions = 0, products = 0;
};

// REQUIRES: LoadDemoCity ran; `op` is the operator.
Result<DemoMatch> LoadDemoMatch(accounts::Accounts& accounts, const accounts::Principal& op,
                                match::Finance& finance, const std::string& seed, int64_t firms);

// The scenario-innovation platform: 340 demands published by the city's
// authorities and service organisations and 460 capabilities by its
// enterprises and data companies, over the platform's 16 domains, and
// matchmaking pairs in every state.
struct DemoScenarios {
  int64_t demands = 0, capabilities = 0, pairs = 0;
};
Result<DemoScenarios> LoadDemoScenarios(accounts::Accounts& accounts, match::Scenarios& scenarios,
                                        const std::string& seed);

}  // namespace qt::demo

#endif  // QIANTANG_DEMO_DEMO_MATCH_H_
