// HTTP routes of the citizen and talent codes (docs/api/openapi.yaml, tag
// identity): enrolment and talent status (authorities), the citizen's own
// code and scan log (citizen app token: "Authorization: Bearer czt_..."),
// terminals and scan receipts (service organisations; receipts are signed by
// the terminal), and the public trust list and revocations.
#ifndef QIANTANG_API_IDENTITY_ROUTES_H_
#define QIANTANG_API_IDENTITY_ROUTES_H_

#include "api/router.h"
#include "identity/identity.h"

namespace qt::api {

void RegisterIdentityRoutes(Router& router, identity::Identity& identity);

// The citizen behind "Authorization: Bearer czt_..." (unauthenticated without
// one; locked out after repeated bad tokens from one address).
Result<identity::Citizen> CitizenOf(identity::Identity& identity, const Request& req);

}  // namespace qt::api

#endif  // QIANTANG_API_IDENTITY_ROUTES_H_
