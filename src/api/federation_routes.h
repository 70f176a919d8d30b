// HTTP routes of the federation. The C2SP tlog-witness protocol, with the
// same prefix for submission and monitoring:
//   POST /witness/add-checkpoint              (text, public; federation/witness.h)
//   GET  /witness/{origin_hash}/checkpoint    (text, public)
// and the JSON API under /api/v1/federation/witness for the witness's key and
// the logs it witnesses (the operator adds and removes them). docs/api/openapi.yaml
// describes each; docs/federation/README.md the protocol.
#ifndef QIANTANG_API_FEDERATION_ROUTES_H_
#define QIANTANG_API_FEDERATION_ROUTES_H_

#include "api/router.h"
#include "federation/witness.h"

namespace qt::api {

void RegisterFederationRoutes(Router& router, federation::Witness& witness);

}  // namespace qt::api

#endif  // QIANTANG_API_FEDERATION_ROUTES_H_
