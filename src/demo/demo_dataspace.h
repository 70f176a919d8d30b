// The demo city's trusted data space: 460 data enterprises (the five named
// holders of the demo city and 455 more) renovate sources into products and
// offer them (the fifth, a diagnostics company, publishes in demo_privacy.h). Showcases: a medical
// imaging metadata set from the health data centre (dirty on purpose: full-width digits, mixed date
// forms, bad ID numbers, duplicates), the city brain's pilot-city set, bus ridership and enterprise
// electricity use. Contracts in every state, three finalized with channel queries already run.
#ifndef QIANTANG_DEMO_DEMO_DATASPACE_H_
#define QIANTANG_DEMO_DEMO_DATASPACE_H_

#include <string>

#include "accounts/accounts.h"
#include "dataspace/dataspace.h"

namespace qt::demo {

inline constexpr int kDemoDataEnterprises = 460;

// REQUIRES: LoadDemoCity ran on this database; op is an operator admin.
Status LoadDemoDataSpace(accounts::Accounts& accounts, const accounts::Principal& op,
                         dataspace::DataSpace& space, const std::string& seed);

}  // namespace qt::demo

#endif  // QIANTANG_DEMO_DEMO_DATASPACE_H_
