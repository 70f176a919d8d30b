#include "core/outbound.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include "core/text.h"

namespace qt {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool Allowed(const std::string& host, const OutboundRules& rules) {
  return std::any_of(rules.allowed_hosts.begin(), rules.allowed_hosts.end(),
                     [&](const std::string& h) { return Lower(h) == host; });
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (size_t start = 0;;) {
    size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

// 1..3 decimal digits without a leading zero (but "0"), at most 255.
bool DecimalOctet(std::string_view s) {
  if (!AllDigits(s) || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return false;
  return std::stoi(std::string(s)) <= 255;
}

// A DNS name (letters, digits, hyphens; labels of 1..63) or a dotted-decimal
// IPv4 address. A name whose last label is numeric or hexadecimal ("0x...")
// is something resolvers read as a number (2130706433, 0x7f000001,
// 0177.0.0.1, 127.1): only the canonical dotted-decimal spelling passes.
Status CheckHostSpelling(const std::string& host) {
  const Status bad = InvalidArgument(
      "the host must be a DNS name, a dotted-decimal IPv4 address or a bracketed IPv6 address");
  if (host.empty() || host.size() > 253) return bad;
  const std::vector<std::string_view> labels = Split(host, '.');
  for (std::string_view l : labels) {
    if (l.empty() || l.size() > 63 || l.front() == '-' || l.back() == '-') return bad;
    for (char c : l) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return bad;
    }
  }
  const std::string_view last = labels.back();
  if (AllDigits(last) || last.starts_with("0x")) {
    if (labels.size() != 4 || !std::all_of(labels.begin(), labels.end(), DecimalOctet)) {
      return InvalidArgument(
          "the host is a number in a form other than dotted decimal (a.b.c.d); write the address "
          "as a.b.c.d");
    }
  }
  return OkStatus();
}

struct Block {
  const char* prefix;
  int bits;
  const char* kind;
};

// The first block that holds an address names its kind; order matters.
constexpr Block kV4Blocks[] = {
    {"0.0.0.0", 8, "unspecified"},        {"10.0.0.0", 8, "private"},
    {"100.64.0.0", 10, "shared"},         {"127.0.0.0", 8, "loopback"},
    {"169.254.0.0", 16, "link-local"},    {"172.16.0.0", 12, "private"},
    {"192.0.0.0", 24, "reserved"},        {"192.0.2.0", 24, "documentation"},
    {"192.88.99.0", 24, "reserved"},      {"192.168.0.0", 16, "private"},
    {"198.18.0.0", 15, "reserved"},       {"198.51.100.0", 24, "documentation"},
    {"203.0.113.0", 24, "documentation"}, {"224.0.0.0", 4, "multicast"},
    {"255.255.255.255", 32, "broadcast"}, {"240.0.0.0", 4, "reserved"},
};

constexpr Block kV6Blocks[] = {
    {"::", 128, "unspecified"},
    {"::1", 128, "loopback"},
    {"::ffff:0:0", 96, "IPv4-mapped"},
    {"::", 96, "IPv4-compatible"},
    {"64:ff9b::", 96, "NAT64"},
    {"64:ff9b:1::", 48, "NAT64"},
    {"100::", 64, "reserved"},
    {"2001::", 32, "Teredo"},
    {"2001:db8::", 32, "documentation"},
    {"2002::", 16, "6to4"},
    {"fc00::", 7, "unique-local"},
    {"fe80::", 10, "link-local"},
    {"fec0::", 10, "site-local"},
    {"ff00::", 8, "multicast"},
    {"2000::", 3, ""},  // global unicast; everything outside it is reserved
};

template <size_t N>
bool InBlock(const std::array<uint8_t, N>& a, const std::array<uint8_t, N>& p, int bits) {
  for (int i = 0; i < bits; ++i) {
    const int byte = i / 8, bit = 7 - i % 8;
    if (((a[byte] >> bit) & 1) != ((p[byte] >> bit) & 1)) return false;
  }
  return true;
}

template <size_t N, size_t M>
std::string KindIn(const std::array<uint8_t, N>& a, const Block (&blocks)[M], int family,
                   const char* otherwise) {
  for (const Block& b : blocks) {
    std::array<uint8_t, N> p{};
    inet_pton(family, b.prefix, p.data());
    if (InBlock(a, p, b.bits)) return b.kind;
  }
  return otherwise;
}

}  // namespace

std::string OutboundUrl::Origin() const {
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return scheme + "://" + h + ":" + std::to_string(port);
}

Result<OutboundUrl> ParseOutboundUrl(std::string_view url, const OutboundRules& rules) {
  const Status bad = InvalidArgument(
      "must be an https:// URL (host, optional port and path) of at most 2000 printable ASCII "
      "bytes");
  if (url.size() > kMaxOutboundUrlBytes) return bad;
  for (char c : url) {
    if (c < 0x21 || c > 0x7e) return bad;
  }
  OutboundUrl u;
  std::string_view rest;
  if (url.starts_with("https://")) {
    u.scheme = "https";
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    u.scheme = "http";
    rest = url.substr(7);
  } else {
    return bad;
  }
  const size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view path = end == std::string_view::npos ? "" : rest.substr(end);
  path = path.substr(0, path.find('#'));  // a fragment is never sent
  u.path = path.empty() ? "/" : path.front() == '/' ? std::string(path) : "/" + std::string(path);
  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgument("must not hold a user name or password");
  }
  std::string_view port;
  bool bracketed = false;
  if (authority.starts_with("[")) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad;
    u.host = Lower(authority.substr(1, close - 1));
    std::array<uint8_t, 16> a{};
    if (inet_pton(AF_INET6, u.host.c_str(), a.data()) != 1) {
      return InvalidArgument("the host in brackets is not an IPv6 address");
    }
    bracketed = true;
    authority = authority.substr(close + 1);
    if (!authority.empty() && !authority.starts_with(":")) return bad;
    if (!authority.empty()) port = authority.substr(1);
  } else {
    const size_t colon = authority.find(':');
    u.host = Lower(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (u.host.empty()) return bad;
  if (!port.empty() || authority.ends_with(":")) {
    if (!AllDigits(port) || port.size() > 5 || std::stoi(std::string(port)) < 1 ||
        std::stoi(std::string(port)) > 65535) {
      return InvalidArgument("the port must be a number from 1 to 65535");
    }
    u.port = std::stoi(std::string(port));
  } else {
    u.port = u.scheme == "https" ? 443 : 80;
  }
  const bool allowed = Allowed(u.host, rules);
  if (!allowed && !bracketed) QT_RETURN_IF_ERROR(CheckHostSpelling(u.host));
  if (!allowed && u.scheme != "https") {
    return InvalidArgument("must be https:// (the operator has not allowed http to " + u.host +
                           ")");
  }
  return u;
}

std::string NonPublicKind(std::string_view address) {
  const std::string text(address);
  std::array<uint8_t, 4> v4{};
  if (inet_pton(AF_INET, text.c_str(), v4.data()) == 1) return KindIn(v4, kV4Blocks, AF_INET, "");
  std::array<uint8_t, 16> v6{};
  if (inet_pton(AF_INET6, text.c_str(), v6.data()) == 1) {
    return KindIn(v6, kV6Blocks, AF_INET6, "reserved");
  }
  return "not an IP address";
}

Resolver SystemResolver() {
  return [](const std::string& host) -> Result<std::vector<std::string>> {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found);
    if (rc != 0) return InvalidArgument("the host " + host + " does not resolve");
    std::vector<std::string> out;
    for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
      char text[INET6_ADDRSTRLEN] = {};
      const void* raw = a->ai_family == AF_INET
                            ? static_cast<const void*>(
                                  &reinterpret_cast<const sockaddr_in*>(a->ai_addr)->sin_addr)
                            : static_cast<const void*>(
                                  &reinterpret_cast<const sockaddr_in6*>(a->ai_addr)->sin6_addr);
      if ((a->ai_family == AF_INET || a->ai_family == AF_INET6) &&
          inet_ntop(a->ai_family, raw, text, sizeof text) != nullptr &&
          std::find(out.begin(), out.end(), text) == out.end()) {
        out.emplace_back(text);
      }
    }
    freeaddrinfo(found);
    if (out.empty()) return InvalidArgument("the host " + host + " has no IP address");
    return out;
  };
}

Result<OutboundTarget> CheckOutboundUrl(std::string_view url, const OutboundRules& rules,
                                        const Resolver& resolve) {
  OutboundTarget t;
  QT_ASSIGN_OR_RETURN(t.url, ParseOutboundUrl(url, rules));
  QT_ASSIGN_OR_RETURN(std::vector<std::string> addresses, resolve(t.url.host));
  if (addresses.empty()) return InvalidArgument("the host " + t.url.host + " has no IP address");
  if (!Allowed(t.url.host, rules)) {
    for (const std::string& a : addresses) {
      const std::string kind = NonPublicKind(a);
      if (!kind.empty()) {
        // The kind, not the address: a member must not learn the server's
        // internal DNS answers through this message.
        return InvalidArgument("the host " + t.url.host + " resolves to a " + kind +
                               " address; only public addresses may be called");
      }
    }
  }
  t.address = addresses.front();
  return t;
}

}  // namespace qt
