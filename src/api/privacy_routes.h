// HTTP routes of privacy computing (docs/api/openapi.yaml, tag privacy):
// PSI sessions (the provider's node serves them; psi.h has the protocol),
// PSI between two organisations of one node, and secure deliveries.
#ifndef QIANTANG_API_PRIVACY_ROUTES_H_
#define QIANTANG_API_PRIVACY_ROUTES_H_

#include "api/router.h"
#include "privacy/delivery_service.h"
#include "privacy/psi_service.h"

namespace qt::api {

void RegisterPrivacyRoutes(Router& router, privacy::PsiService& psi,
                           privacy::DeliveryService& deliveries);

}  // namespace qt::api

#endif  // QIANTANG_API_PRIVACY_ROUTES_H_
