// The check of a request signed by a peer node (RFC 9421), for the routes
// that peers call: federation/peers.h's Authenticate over the request as
// received (its method, its target as sent, its headers and body).
#ifndef QIANTANG_API_PEER_REQUEST_H_
#define QIANTANG_API_PEER_REQUEST_H_

#include "api/router.h"
#include "federation/peers.h"

namespace qt::api {

// True if the request carries a signature at all.
bool IsSignedRequest(const Request& req);
// 401 or 403 (federation/peers.h) unless a peer signed it.
Result<federation::Peer> AuthenticatePeer(federation::Peers& peers, const Request& req);

}  // namespace qt::api

#endif  // QIANTANG_API_PEER_REQUEST_H_
