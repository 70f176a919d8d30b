// HTTP routes of the accounts module: /api/v1/whoami, /orgs, /orgs/{id}/users,
// /tokens. docs/api/openapi.yaml describes each.
#ifndef QIANTANG_API_ACCOUNTS_ROUTES_H_
#define QIANTANG_API_ACCOUNTS_ROUTES_H_

#include "accounts/accounts.h"
#include "api/router.h"

namespace qt::api {

void RegisterAccountsRoutes(Router& router, accounts::Accounts& accounts);

}  // namespace qt::api

#endif  // QIANTANG_API_ACCOUNTS_ROUTES_H_
