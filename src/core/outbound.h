// Outbound URLs: the checks on a URL the server calls on a member's behalf
// (a policy webhook), so that a member cannot aim the server at its own
// network — the loopback interface, the cloud metadata service at
// 169.254.169.254, the private LAN — and read the answer (request forgery,
// SSRF).
//
// A URL passes when:
// - it is https://HOST[:PORT][/PATH], with HOST a DNS name, a dotted-decimal
//   IPv4 address or a bracketed IPv6 address; other numeric spellings that
//   resolvers accept (0x7f000001, 2130706433, 0177.0.0.1, 127.1) are refused;
// - HOST resolves, once, and every address it resolves to is a public unicast
//   address: none is loopback, link-local, private (RFC 1918), shared
//   (100.64/10), unique-local (fc00::/7), site-local, multicast, broadcast,
//   unspecified, reserved, documentation, or an IPv6 form that embeds an IPv4
//   address (IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo).
// A host the operator allow-lists (OutboundRules::allowed_hosts, compared
// with the URL's host as written, case-insensitively) may use http:// and any
// spelling and may resolve to any address.
//
// The caller connects to the address CheckOutboundUrl returns (never resolves
// the name again, so a DNS answer that changes between check and connection —
// DNS rebinding — cannot move the request), follows no redirects, reads a
// bounded answer and reports only its status.
//
// Thread-safety: functions of their arguments; the system resolver is
// thread-safe.
//
// Example:
//   QT_ASSIGN_OR_RETURN(OutboundTarget t, CheckOutboundUrl(url, rules, SystemResolver()));
//   httplib::Client c(t.url.Origin());
//   c.set_hostname_addr_map({{t.url.host, t.address}});
#ifndef QIANTANG_CORE_OUTBOUND_H_
#define QIANTANG_CORE_OUTBOUND_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace qt {

struct OutboundRules {
  // Hosts (as written in URLs, e.g. "127.0.0.1", "hooks.internal") that may
  // use http and resolve to internal addresses. Empty: none.
  std::vector<std::string> allowed_hosts{};
};

struct OutboundUrl {
  std::string scheme{};  // "http" or "https"
  std::string host{};    // lower-case; an IPv6 address without its brackets
  int port = 0;          // the explicit port, or 80/443
  std::string path{};    // "/..." with any query; "/" when absent

  // scheme://host:port (brackets around an IPv6 host).
  std::string Origin() const;
};

struct OutboundTarget {
  OutboundUrl url{};
  std::string address{};  // the checked numeric address to connect to
};

// Resolves a host to its numeric addresses (text, e.g. "192.0.2.1", "::1").
// kInvalidArgument when the name does not resolve.
using Resolver = std::function<Result<std::vector<std::string>>(const std::string& host)>;

// getaddrinfo(3).
Resolver SystemResolver();

constexpr size_t kMaxOutboundUrlBytes = 2000;

// Parses `url` and checks its form (scheme and host spelling; see above).
// kInvalidArgument with a message that does not name the field.
Result<OutboundUrl> ParseOutboundUrl(std::string_view url, const OutboundRules& rules);

// Empty if `address` (numeric text) is a public unicast address, else what it
// is ("loopback", "link-local", ...). "not an IP address" for other text.
std::string NonPublicKind(std::string_view address);

// ParseOutboundUrl, then resolves the host once and checks every address.
// kInvalidArgument naming the refused address and its kind.
Result<OutboundTarget> CheckOutboundUrl(std::string_view url, const OutboundRules& rules,
                                        const Resolver& resolve);

}  // namespace qt

#endif  // QIANTANG_CORE_OUTBOUND_H_
