// HTTP routes of the ledger: /api/v1/ledger/... (checkpoints, entries,
// proofs). docs/api/openapi.yaml describes each; docs/formats/ledger.md the
// formats.
#ifndef QIANTANG_API_LEDGER_ROUTES_H_
#define QIANTANG_API_LEDGER_ROUTES_H_

#include "api/router.h"
#include "ledger/ledger.h"

namespace qt::api {

void RegisterLedgerRoutes(Router& router, ledger::Ledger& ledger);

}  // namespace qt::api

#endif  // QIANTANG_API_LEDGER_ROUTES_H_
