// The demo city's data exchange: certificate HZ-DR-2025-00001 for the health
// data centre's medical imaging dataset (pledged to a bank for 21,000,000.00
// yuan, released, listed and sold to an imaging company — the seed's story),
// certificates for 223 more products of the data space's enterprises issued
// through 2025, with transfers, changes, renewals and cancellations;
// applications waiting in every state (one objected to); active pledges,
// listings and trades, so the exchange's statistics are computed from real
// records. Registrations run on a clock that starts on 2025-01-06 so that
// their public notices have passed.
#ifndef QIANTANG_DEMO_DEMO_EXCHANGE_H_
#define QIANTANG_DEMO_DEMO_EXCHANGE_H_

#include <string>

#include "accounts/accounts.h"
#include "dataspace/dataspace.h"
#include "exchange/exchange.h"
#include "store/store.h"

namespace qt::demo {

// REQUIRES: LoadDemoDataSpace ran on this database. `options` are the
// server's; the demo replaces the clock.
Status LoadDemoExchange(store::Store& store, accounts::Accounts& accounts,
                        dataspace::DataSpace& space, exchange::ExchangeOptions options,
                        const std::string& seed);

}  // namespace qt::demo

#endif  // QIANTANG_DEMO_DEMO_EXCHANGE_H_
