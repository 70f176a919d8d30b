// HTTP routes of privacy computing (docs/api/openapi.yaml, tag privacy):
// PSI sessions (the provider's node serves them; psi.h has the protocol),
// and PSI between two organisations of one node.
#ifndef QIANTANG_API_PRIVACY_ROUTES_H_
#define QIANTANG_API_PRIVACY_ROUTES_H_

#include "api/router.h"
#include "privacy/psi_service.h"

namespace qt::api {

void RegisterPrivacyRoutes(Router& router, privacy::PsiService& psi);

}  // namespace qt::api

#endif  // QIANTANG_API_PRIVACY_ROUTES_H_
