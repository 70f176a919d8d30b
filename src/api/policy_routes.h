// HTTP routes of policies that find people (docs/api/openapi.yaml, tag
// match): policies published by authorities (public to read), the
// enterprise's and the citizen's inboxes (the citizen by app token), and an
// organisation's webhook.
#ifndef QIANTANG_API_POLICY_ROUTES_H_
#define QIANTANG_API_POLICY_ROUTES_H_

#include "api/router.h"
#include "identity/identity.h"
#include "match/policies.h"

namespace qt::api {

void RegisterPolicyRoutes(Router& router, match::Policies& policies, identity::Identity& identity);

}  // namespace qt::api

#endif  // QIANTANG_API_POLICY_ROUTES_H_
