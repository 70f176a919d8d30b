#include "api/client_address.h"

#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace qt::api {
namespace {

using ::qt::testing::IsOk;

TrustedProxies Proxies(std::string_view list) {
  auto p = TrustedProxies::Parse(list);
  EXPECT_THAT(p, IsOk()) << p.status().ToString();
  return p.ok() ? *p : TrustedProxies();
}

TEST(TrustedProxies, ForwardedForFromAnUntrustedPeerIsIgnored) {
  TrustedProxies none;
  EXPECT_EQ(none.ClientAddress("203.0.113.9", "198.51.100.1"), "203.0.113.9");
  TrustedProxies proxies = Proxies("10.0.0.0/8");
  EXPECT_EQ(proxies.ClientAddress("203.0.113.9", "198.51.100.1"), "203.0.113.9");
}

TEST(TrustedProxies, TrustedPeerGivesTheRightMostUntrustedHop) {
  TrustedProxies proxies = Proxies("10.0.0.0/8, 2001:db8::/32");
  // The client wrote "1.1.1.1" itself; the trusted proxy appended what it saw.
  EXPECT_EQ(proxies.ClientAddress("10.1.2.3", "1.1.1.1, 198.51.100.7"), "198.51.100.7");
  // Two trusted hops: skip the inner proxy.
  EXPECT_EQ(proxies.ClientAddress("10.1.2.3", "198.51.100.7, 10.9.9.9"), "198.51.100.7");
  EXPECT_EQ(proxies.ClientAddress("2001:db8::5", "2001:DB8:0::9, 2a00:1450::1"), "2a00:1450::1");
  // Every hop trusted: the left-most one.
  EXPECT_EQ(proxies.ClientAddress("10.1.2.3", "10.0.0.1, 10.0.0.2"), "10.0.0.1");
  // No header: the peer.
  EXPECT_EQ(proxies.ClientAddress("10.1.2.3", ""), "10.1.2.3");
  // Garbage stops the walk at the last address a trusted hop wrote.
  EXPECT_EQ(proxies.ClientAddress("10.1.2.3", "198.51.100.7, nonsense"), "10.1.2.3");
  EXPECT_EQ(proxies.ClientAddress("10.1.2.3", "nonsense, 10.0.0.2"), "10.0.0.2");
  // Ports and brackets as some proxies write them.
  EXPECT_EQ(proxies.ClientAddress("10.1.2.3", "198.51.100.7:4711"), "198.51.100.7");
  EXPECT_EQ(proxies.ClientAddress("10.1.2.3", "[2a00:1450::1]:443"), "2a00:1450::1");
}

TEST(TrustedProxies, MappedAndCanonicalFormsAreOneAddress) {
  TrustedProxies proxies = Proxies("127.0.0.1");
  EXPECT_TRUE(proxies.Contains("::ffff:127.0.0.1"));
  EXPECT_FALSE(proxies.Contains("127.0.0.2"));
  EXPECT_EQ(proxies.ClientAddress("::ffff:127.0.0.1", "::ffff:198.51.100.7"), "198.51.100.7");
  EXPECT_EQ(proxies.ClientAddress("::ffff:198.51.100.7", ""), "198.51.100.7");
}

TEST(TrustedProxies, PrefixesMatchBitByBit) {
  TrustedProxies proxies = Proxies("192.168.4.0/22 fd00::/8 0.0.0.0/32");
  EXPECT_TRUE(proxies.Contains("192.168.7.255"));
  EXPECT_FALSE(proxies.Contains("192.168.8.0"));
  EXPECT_TRUE(proxies.Contains("fdff::1"));
  EXPECT_FALSE(proxies.Contains("fe00::1"));
  EXPECT_FALSE(proxies.Contains("not an address"));
  TrustedProxies host_bits = Proxies("10.1.2.3/8");
  EXPECT_TRUE(host_bits.Contains("10.200.0.1"));
}

TEST(TrustedProxies, BadEntriesAreNamed) {
  EXPECT_EQ(TrustedProxies::Parse("10.0.0.0/33").status().message(),
            "trusted_proxies: '10.0.0.0/33': the prefix length must be 0..32");
  EXPECT_EQ(TrustedProxies::Parse("10.0.0.0/8, proxy.local").status().message(),
            "trusted_proxies: 'proxy.local' is not an IPv4 or IPv6 address or CIDR");
  EXPECT_FALSE(TrustedProxies::Parse("::1/129").ok());
  EXPECT_FALSE(TrustedProxies::Parse("10.0.0.0/").ok());
  EXPECT_FALSE(TrustedProxies::Parse("10.0.0/8").ok());
  EXPECT_THAT(TrustedProxies::Parse(""), IsOk());
  EXPECT_TRUE(TrustedProxies::Parse("")->empty());
}

}  // namespace
}  // namespace qt::api
