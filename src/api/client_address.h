// TrustedProxies: which peers may tell the server who the client is.
//
// Behind a reverse proxy every connection comes from the proxy, so the client's
// address must come from the X-Forwarded-For header the proxy appends to. That
// header is written by whoever sends the request, so it is believed only when
// the TCP peer is one of the operator's proxies (`--trusted-proxies`, a list of
// CIDRs, IPv4 and IPv6). Then the client is the right-most address in the
// header that is not itself a trusted proxy: each trusted hop appended the
// address it saw, and the first untrusted one from the right is the furthest
// hop we can vouch for. Everything left of it was written by the client and is
// ignored. From any other peer the header is ignored and the client is the peer.
//
// The result is the one "client address" of a request: ApiServer stores it in
// the request's remote_addr before the Router sees it, so rate limits, lockouts
// and logs all read the same value (Request::http.remote_addr).
//
// Addresses are compared as numbers: IPv4-mapped IPv6 peers (::ffff:a.b.c.d)
// count as their IPv4 address, and the address returned is in canonical text
// form (inet_ntop), so one client is one key however it was written.
//
// Thread-safety: immutable after Parse; share freely.
//
// Example:
//   QT_ASSIGN_OR_RETURN(TrustedProxies proxies, TrustedProxies::Parse("10.0.0.0/8, ::1"));
//   std::string client = proxies.ClientAddress(peer, req.get_header_value("X-Forwarded-For"));
#ifndef QIANTANG_API_CLIENT_ADDRESS_H_
#define QIANTANG_API_CLIENT_ADDRESS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace qt::api {

// An IPv4 or IPv6 address as 16 bytes (IPv4 as ::ffff:a.b.c.d).
struct IpAddress {
  std::array<uint8_t, 16> bytes{};

  // Accepts dotted IPv4, IPv6 (with or without [brackets]); nullopt otherwise.
  static std::optional<IpAddress> Parse(std::string_view text);
  bool is_v4() const;
  // Canonical text: "192.0.2.1", "2001:db8::1".
  std::string ToString() const;
};

class TrustedProxies {
 public:
  TrustedProxies() = default;  // trusts no one

  // "10.0.0.0/8, 192.168.1.7, 2001:db8::/32": comma- or space-separated CIDRs;
  // an address without a prefix is one host. Empty: no trusted proxy.
  // kInvalidArgument naming the entry if one is not a CIDR.
  static Result<TrustedProxies> Parse(std::string_view list);

  bool empty() const { return ranges_.empty(); }
  bool Contains(const IpAddress& a) const;
  // `peer` is the TCP peer's address text; false if it does not parse.
  bool Contains(std::string_view peer) const;

  // The client's address for a request from `peer` carrying `forwarded_for`
  // (every X-Forwarded-For value, joined with ","; "" if none), in canonical
  // form. See the file comment for the rule.
  std::string ClientAddress(std::string_view peer, std::string_view forwarded_for) const;

 private:
  struct Range {
    IpAddress base;
    int prefix_bits;  // of the 128-bit form
  };
  std::vector<Range> ranges_;
};

}  // namespace qt::api

#endif  // QIANTANG_API_CLIENT_ADDRESS_H_
