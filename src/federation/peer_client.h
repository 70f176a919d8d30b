// PeerClient: one signed request from this node to another (RFC 9421 with the
// node key, federation/node.h), over HTTP or HTTPS, with a deadline.
//
// Thread-safety: pure functions (each call opens its own connection).
#ifndef QIANTANG_FEDERATION_PEER_CLIENT_H_
#define QIANTANG_FEDERATION_PEER_CLIENT_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "federation/node.h"

namespace qt::federation {

struct PeerAnswer {
  int status = 0;
  std::string body{};
  std::string content_type{};
  std::string next;  // the URL of a Link header's rel="next" ("" if none)
};

// Sends `method url` with `body` (JSON unless `content_type` says otherwise),
// signed by `node`. kInvalidArgument for a URL that is not absolute http(s);
// kUnavailable if the peer cannot be reached, does not answer within
// `timeout_seconds` (connecting within 5 s, each read within the timeout, the
// body as a whole within it too), or sends a body above `max_body_bytes`;
// any other HTTP answer is returned. Over https the peer must present the
// TLS key `tls_pin` names (crypto/tls.h), whatever signs its certificate:
// kInvalidArgument without a pin, kUnavailable naming both pins if another
// key answers.
Result<PeerAnswer> CallPeer(const Node& node, std::string_view method, const std::string& url,
                            std::string_view body, int timeout_seconds,
                            std::string_view content_type = "application/json",
                            size_t max_body_bytes = size_t{16} << 20,
                            const std::string& tls_pin = "");

// The target of a Link header's rel="next" member (RFC 8288), or "".
std::string NextLink(std::string_view link_header);

}  // namespace qt::federation

#endif  // QIANTANG_FEDERATION_PEER_CLIENT_H_
