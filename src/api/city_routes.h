// GET /api/v1/city/summary: the city dashboard's figures (city/dashboard.h),
// public like each module's own statistics, served from the latest snapshot.
#ifndef QIANTANG_API_CITY_ROUTES_H_
#define QIANTANG_API_CITY_ROUTES_H_

#include "api/router.h"
#include "city/dashboard.h"

namespace qt::api {

void RegisterCityRoutes(Router& router, city::Dashboard& dashboard);

}  // namespace qt::api

#endif  // QIANTANG_API_CITY_ROUTES_H_
