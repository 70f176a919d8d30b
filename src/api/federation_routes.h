// HTTP routes of the federation. The C2SP tlog-witness protocol, with the
// same prefix for submission and monitoring:
//   POST /witness/add-checkpoint              (text, public; federation/witness.h)
//   GET  /witness/{origin_hash}/checkpoint    (text, public)
// and the JSON API under /api/v1/federation/witness for the witness's key and
// the logs it witnesses (the operator adds and removes them), and
//   GET  /api/v1/ledger/checkpoint/witnessed  (text, public)
// the latest checkpoint of this node that its witness policy's quorum cosigned.
// docs/api/openapi.yaml describes each; docs/federation/README.md the protocol.
#ifndef QIANTANG_API_FEDERATION_ROUTES_H_
#define QIANTANG_API_FEDERATION_ROUTES_H_

#include "api/router.h"
#include "federation/peers.h"
#include "federation/witness.h"
#include "federation/witnessing.h"

namespace qt::api {

// `witnessing` may be null (the node's checkpoints are not submitted).
// `peers` authenticates add-checkpoint requests that a peer node signed.
void RegisterFederationRoutes(Router& router, federation::Witness& witness,
                              federation::Witnessing* witnessing, federation::Peers& peers);

}  // namespace qt::api

#endif  // QIANTANG_API_FEDERATION_ROUTES_H_
