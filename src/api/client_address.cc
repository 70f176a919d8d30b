#include "api/client_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace qt::api {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<IpAddress> ParseExact(const std::string& text) {
  IpAddress a;
  if (text.find(':') != std::string::npos) {
    if (inet_pton(AF_INET6, text.c_str(), a.bytes.data()) != 1) return std::nullopt;
    return a;
  }
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) != 1) return std::nullopt;
  a.bytes[10] = a.bytes[11] = 0xff;
  std::memcpy(a.bytes.data() + 12, &v4, 4);
  return a;
}

std::vector<std::string_view> Split(std::string_view s, std::string_view separators) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find_first_of(separators, start);
    if (end == std::string_view::npos) end = s.size();
    std::string_view part = Trim(s.substr(start, end - start));
    if (!part.empty()) out.push_back(part);
    start = end + 1;
  }
  return out;
}

}  // namespace

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  text = Trim(text);
  if (text.empty() || text.size() > 64) return std::nullopt;
  if (text.front() == '[') {  // [v6] or [v6]:port
    size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return std::nullopt;
    return ParseExact(std::string(text.substr(1, close - 1)));
  }
  if (auto a = ParseExact(std::string(text))) return a;
  // a.b.c.d:port, as some proxies write it.
  size_t colon = text.find(':');
  if (colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos) {
    auto a = ParseExact(std::string(text.substr(0, colon)));
    if (a && a->is_v4()) return a;
  }
  return std::nullopt;
}

bool IpAddress::is_v4() const {
  for (int i = 0; i < 10; ++i) {
    if (bytes[i] != 0) return false;
  }
  return bytes[10] == 0xff && bytes[11] == 0xff;
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (is_v4()) {
    inet_ntop(AF_INET, bytes.data() + 12, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  }
  return buf;
}

Result<TrustedProxies> TrustedProxies::Parse(std::string_view list) {
  TrustedProxies out;
  for (std::string_view entry : Split(list, ", \t\n")) {
    const std::string named = "trusted_proxies: '" + std::string(entry) + "'";
    size_t slash = entry.find('/');
    std::string_view addr = entry.substr(0, slash);
    if (addr.starts_with('[') ||
        addr.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) {
      return InvalidArgument(named + " is not an IPv4 or IPv6 address or CIDR");
    }
    auto base = ParseExact(std::string(addr));
    if (!base) return InvalidArgument(named + " is not an IPv4 or IPv6 address or CIDR");
    const int max_bits = base->is_v4() ? 32 : 128;
    int bits = max_bits;
    if (slash != std::string_view::npos) {
      std::string_view p = entry.substr(slash + 1);
      auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), bits);
      if (p.empty() || ec != std::errc() || ptr != p.data() + p.size() || bits < 0 ||
          bits > max_bits) {
        return InvalidArgument(named + ": the prefix length must be 0.." +
                               std::to_string(max_bits));
      }
    }
    Range r{*base, bits + (base->is_v4() ? 96 : 0)};
    for (int i = 0; i < 16; ++i) {  // clear the host bits
      const int keep = std::clamp(r.prefix_bits - 8 * i, 0, 8);
      r.base.bytes[i] &= static_cast<uint8_t>(0xff00 >> keep);
    }
    out.ranges_.push_back(r);
  }
  return out;
}

bool TrustedProxies::Contains(const IpAddress& a) const {
  for (const Range& r : ranges_) {
    bool match = true;
    for (int i = 0; i < 16 && match; ++i) {
      const int keep = std::clamp(r.prefix_bits - 8 * i, 0, 8);
      const auto mask = static_cast<uint8_t>(0xff00 >> keep);
      match = (a.bytes[i] & mask) == r.base.bytes[i];
    }
    if (match) return true;
  }
  return false;
}

bool TrustedProxies::Contains(std::string_view peer) const {
  auto a = IpAddress::Parse(peer);
  return a && Contains(*a);
}

std::string TrustedProxies::ClientAddress(std::string_view peer,
                                          std::string_view forwarded_for) const {
  auto p = IpAddress::Parse(peer);
  if (!p) return std::string(peer);
  std::string client = p->ToString();
  if (!Contains(*p)) return client;
  std::vector<std::string_view> hops = Split(forwarded_for, ",");
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    auto a = IpAddress::Parse(*it);
    if (!a) break;  // garbage: trust ends at the last address a trusted hop wrote
    client = a->ToString();
    if (!Contains(*a)) break;
  }
  return client;
}

}  // namespace qt::api
