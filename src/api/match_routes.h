// HTTP routes of the matching services (docs/api/openapi.yaml, tag match):
// the rule checker, and the tech-enterprise finance station (杭创E站) —
// profiles, products, matches with explanations, applications.
#ifndef QIANTANG_API_MATCH_ROUTES_H_
#define QIANTANG_API_MATCH_ROUTES_H_

#include "api/router.h"
#include "match/finance.h"

namespace qt::api {

void RegisterMatchRoutes(Router& router, match::Finance& finance);

}  // namespace qt::api

#endif  // QIANTANG_API_MATCH_ROUTES_H_
