// HTTP routes of the data exchange (docs/api/openapi.yaml, tag exchange):
// registration applications and review, the public notice board and
// objections, certificates (public verification, history, QR code) and their
// changes, pledges, listings, orders and statistics.
#ifndef QIANTANG_API_EXCHANGE_ROUTES_H_
#define QIANTANG_API_EXCHANGE_ROUTES_H_

#include "api/router.h"
#include "exchange/exchange.h"

namespace qt::api {

void RegisterExchangeRoutes(Router& router, exchange::Exchange& exchange);

}  // namespace qt::api

#endif  // QIANTANG_API_EXCHANGE_ROUTES_H_
