#include "api/peer_request.h"

namespace qt::api {

bool IsSignedRequest(const Request& req) {
  return req.http.has_header("Signature-Input") || req.http.has_header("Signature");
}

Result<federation::Peer> AuthenticatePeer(federation::Peers& peers, const Request& req) {
  federation::Headers headers;
  for (const auto& [k, v] : req.http.headers) headers.emplace_back(k, v);
  const std::string& target = req.http.target.empty() ? req.http.path : req.http.target;
  return peers.Authenticate(req.http.method, target, headers, req.http.body);
}

}  // namespace qt::api
