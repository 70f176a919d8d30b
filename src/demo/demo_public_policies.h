// The demo city's "spring rain" policies (春雨计划): enterprise policies of
// the economy and science bureaus (high-tech awards, specialised-and-
// innovative SMEs, R&D subsidies, start-up rent, first-loan interest) and
// person policies for talents and the elderly. Published after the firms and
// citizens exist, so each publication notices everyone eligible at once.
#ifndef QIANTANG_DEMO_DEMO_PUBLIC_POLICIES_H_
#define QIANTANG_DEMO_DEMO_PUBLIC_POLICIES_H_

#include "accounts/accounts.h"
#include "match/public_policies.h"

namespace qt::demo {

struct DemoPolicies {
  int64_t policies = 0, notices = 0;
};

// REQUIRES: LoadDemoCity, LoadDemoIdentity and LoadDemoMatch ran.
Result<DemoPolicies> LoadDemoPolicies(accounts::Accounts& accounts,
                                      match::PublicPolicies& policies);

}  // namespace qt::demo

#endif  // QIANTANG_DEMO_DEMO_PUBLIC_POLICIES_H_
