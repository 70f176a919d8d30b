// The demo city's citizen and talent codes: `citizens` residents (100,000 by
// default; 4,830,000 is the whole city of the seed) enrolled by the data
// resources bureau from a synthetic register (ten districts, ages 0-86,
// concessions by age), talent statuses A..E set by the science and technology
// bureau for some adults, the 18 service categories each with a service
// organisation and two terminals, and scan histories: citizens who showed a
// dynamic code at a few services, with signed receipts — one of them from a
// library terminal that read more than its category may (flagged in the
// citizen's log).
#ifndef QIANTANG_DEMO_DEMO_IDENTITY_H_
#define QIANTANG_DEMO_DEMO_IDENTITY_H_

#include <string>

#include "accounts/accounts.h"
#include "identity/identity.h"

namespace qt::demo {

struct DemoIdentity {
  int64_t citizens = 0, talents = 0, terminals = 0, scans = 0;
  std::string citizen_name;   // masked
  std::string citizen_token;  // the app token of a citizen with a talent status and scans
};

// REQUIRES: LoadDemoCity ran.
Result<DemoIdentity> LoadDemoIdentity(accounts::Accounts& accounts, identity::Identity& identity,
                                      const std::string& seed, int64_t citizens);

}  // namespace qt::demo

#endif  // QIANTANG_DEMO_DEMO_IDENTITY_H_
