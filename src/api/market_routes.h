// HTTP routes of the compute trading platform (docs/api/openapi.yaml, tag
// compute): provider clusters, pooled capacity, requests and quotes, orders,
// bills, trade statistics, and compute vouchers.
#ifndef QIANTANG_API_MARKET_ROUTES_H_
#define QIANTANG_API_MARKET_ROUTES_H_

#include "api/router.h"
#include "compute/market/market.h"
#include "compute/market/vouchers.h"

namespace qt::api {

void RegisterMarketRoutes(Router& router, compute::market::Market& market,
                          compute::market::Vouchers& vouchers);

}  // namespace qt::api

#endif  // QIANTANG_API_MARKET_ROUTES_H_
