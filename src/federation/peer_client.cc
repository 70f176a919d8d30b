#include "federation/peer_client.h"

#include <httplib.h>

#include <chrono>

#include "crypto/tls.h"

namespace qt::federation {

std::string NextLink(std::string_view link_header) {
  // <url>; rel="next", <url>; rel="previous"
  size_t pos = 0;
  while ((pos = link_header.find('<', pos)) != std::string_view::npos) {
    size_t close = link_header.find('>', pos);
    if (close == std::string_view::npos) return "";
    std::string_view target = link_header.substr(pos + 1, close - pos - 1);
    size_t end = link_header.find('<', close);
    std::string_view params = link_header.substr(
        close + 1, end == std::string_view::npos ? std::string_view::npos : end - close - 1);
    if (params.find("rel=\"next\"") != std::string_view::npos ||
        params.find("rel=next") != std::string_view::npos) {
      return std::string(target);
    }
    pos = close;
  }
  return "";
}

Result<PeerAnswer> CallPeer(const Node& node, std::string_view method, const std::string& url,
                            std::string_view body, int timeout_seconds,
                            std::string_view content_type, size_t max_body_bytes,
                            const std::string& tls_pin) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos || !(url.starts_with("http://") || url.starts_with("https://"))) {
    return InvalidArgument("peer URL '" + url + "' is not an absolute http(s) URL");
  }
  const size_t slash = url.find('/', scheme + 3);
  const std::string base = url.substr(0, slash);
  const std::string target = slash == std::string::npos ? "/" : url.substr(slash);
  httplib::Client client(base);
  if (!client.is_valid()) return InvalidArgument("peer URL '" + url + "' is not a URL");
  crypto::PinCheck pin{.pin = tls_pin, .mismatch = false, .seen = ""};
  if (url.starts_with("https://")) {
    if (tls_pin.empty()) return InvalidArgument("no TLS key is pinned for " + base);
    client.enable_server_certificate_verification(false);  // the pin replaces the chain
    crypto::RequirePinnedKey(client.ssl_context(), &pin);
  }
  // Over TLS the request's headers and body go out as separate records: with
  // Nagle's algorithm the body waited for the peer's delayed ACK, 40 ms a call.
  client.set_tcp_nodelay(true);
  client.set_connection_timeout(5);
  client.set_read_timeout(timeout_seconds);
  client.set_write_timeout(timeout_seconds);

  QT_ASSIGN_OR_RETURN(Headers signed_headers, node.SignRequest(method, url, body));
  httplib::Headers headers;
  for (auto& [k, v] : signed_headers) headers.emplace(k, v);
  httplib::Request req;
  req.method = std::string(method);
  req.path = target;
  req.headers = std::move(headers);
  if (method != "GET") {
    req.body = std::string(body);
    req.set_header("Content-Type", std::string(content_type));
  }
  // The body is collected here so that an oversized one is cut off, not held.
  std::string answer_body;
  bool too_large = false;
  // The read timeout counts per read: a peer trickling its body is held to
  // the whole call's deadline here.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  bool too_slow = false;
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    if (answer_body.size() + n > max_body_bytes) {
      too_large = true;
      return false;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      too_slow = true;
      return false;
    }
    answer_body.append(data, n);
    return true;
  };
  auto res = client.send(req);
  if (too_slow) {
    return Unavailable(base + " did not answer within " + std::to_string(timeout_seconds) + " s");
  }
  if (too_large) {
    return Unavailable("the answer of " + base + " is larger than " +
                       std::to_string(max_body_bytes) + " bytes");
  }
  if (!res && pin.mismatch) {
    return Unavailable(base + " presented TLS key " + (pin.seen.empty() ? "(none)" : pin.seen) +
                       ", not the pinned " + tls_pin);
  }
  if (!res) {
    return Unavailable("cannot reach " + base + ": " + httplib::to_string(res.error()));
  }
  PeerAnswer out{res->status, std::move(answer_body), res->get_header_value("Content-Type"), ""};
  auto [first, last] = res->headers.equal_range("Link");  // one pass, however many
  for (auto it = first; it != last; ++it) {
    std::string next = NextLink(it->second);
    if (!next.empty()) out.next = std::move(next);
  }
  return out;
}

}  // namespace qt::federation
