// HTTP routes of policies that find people (docs/api/openapi.yaml, tag
// match): policies published by authorities (public to read), the
// enterprise's and the citizen's inboxes (the citizen by app token), and an
// organisation's webhook.
#ifndef QIANTANG_API_PUBLIC_POLICY_ROUTES_H_
#define QIANTANG_API_PUBLIC_POLICY_ROUTES_H_

#include "api/router.h"
#include "identity/identity.h"
#include "match/public_policies.h"

namespace qt::api {

void RegisterPublicPolicyRoutes(Router& router, match::PublicPolicies& policies,
                                identity::Identity& identity);

}  // namespace qt::api

#endif  // QIANTANG_API_PUBLIC_POLICY_ROUTES_H_
