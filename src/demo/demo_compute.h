// The demo city's compute side: the 17 compute providers register the pools
// of the city pool (configs/clusters/hz-pool.toml: the 10,000-card cluster
// and 4,041 P of partners on seven chip kinds) with prices; the city's
// economy and information bureau (the demo's authority token) runs a compute voucher programme with
// applications in every state; and DemoTraffic keeps enterprises posting
// requests and accepting quotes so that the pool, orders and trade totals
// move while the demo runs.
#ifndef QIANTANG_DEMO_DEMO_COMPUTE_H_
#define QIANTANG_DEMO_DEMO_COMPUTE_H_

#include <string>
#include <vector>

#include "accounts/accounts.h"
#include "compute/market/market.h"
#include "compute/market/vouchers.h"
#include "crypto/random.h"

namespace qt::demo {

// REQUIRES: LoadDemoCity ran on this database.
Status LoadDemoCompute(accounts::Accounts& accounts, compute::market::Market& market,
                       compute::market::Vouchers& vouchers);

// Simulated demand. Thread-compatible: call Step from one thread.
class DemoTraffic {
 public:
  DemoTraffic(accounts::Accounts& accounts, compute::market::Market& market,
              const std::string& seed);
  // Posts one request from a demo enterprise and accepts its best quote.
  Status Step();

 private:
  accounts::Accounts& accounts_;
  compute::market::Market& market_;
  crypto::DeterministicRandom random_;
  std::vector<accounts::Principal> enterprises_;
};

}  // namespace qt::demo

#endif  // QIANTANG_DEMO_DEMO_COMPUTE_H_
