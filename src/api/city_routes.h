// GET /api/v1/city/summary: the city dashboard's figures (city/dashboard.h)
// for any signed-in caller, served from the latest snapshot. Not public: its
// counts move with each organisation's business (a query, a PSI run, a new
// contract), and an anonymous watcher should not time them. Figures that
// can describe one organisation or person while few take part (vouchers,
// data trades' amounts by month, talent statuses) go to the operator and
// authorities only.
#ifndef QIANTANG_API_CITY_ROUTES_H_
#define QIANTANG_API_CITY_ROUTES_H_

#include "api/router.h"
#include "city/dashboard.h"

namespace qt::api {

void RegisterCityRoutes(Router& router, city::Dashboard& dashboard);

}  // namespace qt::api

#endif  // QIANTANG_API_CITY_ROUTES_H_
