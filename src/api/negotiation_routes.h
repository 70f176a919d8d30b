// HTTP routes of contract negotiation between nodes (federation/negotiations.h).
//
// The Dataspace Protocol 2025-1 HTTPS binding (contract.negotiation.binding.
// https.md), each request signed by an active peer (federation/peers.h); every
// 4xx carries a ContractNegotiationError, and a message the negotiation's
// state does not allow is a 400 that terminates it:
//   provider:  GET  /dsp/negotiations/{pid}
//              POST /dsp/negotiations/request                  (201)
//              POST /dsp/negotiations/{pid}/request            (400: no counter-requests)
//              POST /dsp/negotiations/{pid}/events             (ACCEPTED)
//              POST /dsp/negotiations/{pid}/agreement/verification
//              POST /dsp/negotiations/{pid}/termination
//   consumer callbacks, under /dsp/callback:
//              GET  /negotiations/{pid}
//              POST /negotiations/{pid}/offers | agreement | events | termination
// and for the consumer organisation's members, under /api/v1/federation:
//   POST negotiations {peer, offer_id}     request an offer of a peer's catalog
//   GET  negotiations, negotiations/{id}   the caller's negotiations
//   POST negotiations/{id}/accept | verify | terminate {reason}
// docs/api/openapi.yaml describes each; docs/federation/README.md the flow.
#ifndef QIANTANG_API_NEGOTIATION_ROUTES_H_
#define QIANTANG_API_NEGOTIATION_ROUTES_H_

#include "api/router.h"
#include "federation/negotiations.h"
#include "federation/peers.h"

namespace qt::api {

void RegisterNegotiationRoutes(Router& router, federation::Peers& peers,
                               federation::Negotiations& negotiations);

}  // namespace qt::api

#endif  // QIANTANG_API_NEGOTIATION_ROUTES_H_
