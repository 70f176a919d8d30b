// HTTP routes of the matching services (docs/api/openapi.yaml, tag match):
// the tech-enterprise finance station (杭创E站) — profiles, products, matches
// with explanations, applications — and the scenario-innovation lists
// (demands, capabilities, their matches and the matchmaking workflow).
#ifndef QIANTANG_API_MATCH_ROUTES_H_
#define QIANTANG_API_MATCH_ROUTES_H_

#include "api/router.h"
#include "match/finance.h"
#include "match/scenarios.h"

namespace qt::api {

void RegisterMatchRoutes(Router& router, match::Finance& finance, match::Scenarios& scenarios);

}  // namespace qt::api

#endif  // QIANTANG_API_MATCH_ROUTES_H_
