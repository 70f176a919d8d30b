#include "core/outbound.h"

#include <gtest/gtest.h>

#include <map>
#include <utility>

#include "tests/support/status_matchers.h"

namespace qt {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

// A resolver over a fixed table, as a local DNS server would answer.
Resolver FakeDns(std::map<std::string, std::vector<std::string>> table) {
  return [table = std::move(table)](const std::string& host) -> Result<std::vector<std::string>> {
    auto it = table.find(host);
    if (it == table.end()) return InvalidArgument("the host " + host + " does not resolve");
    return it->second;
  };
}

TEST(NonPublicKind, NamesEveryInternalRange) {
  const std::map<std::string, std::string> cases = {
      {"127.0.0.1", "loopback"},
      {"127.255.1.2", "loopback"},
      {"169.254.169.254", "link-local"},
      {"10.1.2.3", "private"},
      {"172.16.0.1", "private"},
      {"172.31.255.255", "private"},
      {"192.168.1.1", "private"},
      {"100.64.0.1", "shared"},
      {"0.0.0.0", "unspecified"},
      {"224.0.0.1", "multicast"},
      {"255.255.255.255", "broadcast"},
      {"240.0.0.1", "reserved"},
      {"198.18.0.1", "reserved"},
      {"192.0.2.1", "documentation"},
      {"::", "unspecified"},
      {"::1", "loopback"},
      {"fe80::1", "link-local"},
      {"fc00::1", "unique-local"},
      {"fd12:3456::1", "unique-local"},
      {"fec0::1", "site-local"},
      {"ff02::1", "multicast"},
      {"::ffff:127.0.0.1", "IPv4-mapped"},
      {"::ffff:8.8.8.8", "IPv4-mapped"},
      {"::127.0.0.1", "IPv4-compatible"},
      {"64:ff9b::7f00:1", "NAT64"},
      {"2002:7f00:1::1", "6to4"},
      {"2001:0:4136:e378::1", "Teredo"},
      {"2001:db8::1", "documentation"},
      {"::2:1", "IPv4-compatible"},
      {"4000::1", "reserved"},
      {"localhost", "not an IP address"},
  };
  for (const auto& [address, kind] : cases) EXPECT_EQ(NonPublicKind(address), kind) << address;
}

TEST(NonPublicKind, PassesPublicUnicast) {
  for (const char* a : {"8.8.8.8", "1.1.1.1", "172.32.0.1", "172.15.255.255", "100.128.0.1",
                        "169.253.1.1", "2606:4700::1111", "2a00:1450:4001::200e"}) {
    EXPECT_EQ(NonPublicKind(a), "") << a;
  }
}

TEST(ParseOutboundUrl, ReadsTheParts) {
  auto u = ParseOutboundUrl("https://Hooks.Example.com:8443/a/b?c=d#frag", {});
  ASSERT_THAT(u, IsOk()) << u.status().ToString();
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "hooks.example.com");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->path, "/a/b?c=d");
  EXPECT_EQ(u->Origin(), "https://hooks.example.com:8443");
  auto v6 = ParseOutboundUrl("https://[2606:4700::1111]/", {});
  ASSERT_THAT(v6, IsOk()) << v6.status().ToString();
  EXPECT_EQ(v6->host, "2606:4700::1111");
  EXPECT_EQ(v6->port, 443);
  EXPECT_EQ(v6->Origin(), "https://[2606:4700::1111]:443");
  EXPECT_EQ(ParseOutboundUrl("https://example.com", {})->path, "/");
  EXPECT_EQ(ParseOutboundUrl("https://example.com?x=1", {})->path, "/?x=1");
}

TEST(ParseOutboundUrl, RefusesHttpUnlessTheHostIsAllowed) {
  EXPECT_FALSE(ParseOutboundUrl("http://example.com/hook", {}).ok());
  EXPECT_THAT(ParseOutboundUrl("http://example.com/hook", {.allowed_hosts = {"Example.com"}}),
              IsOk());
  EXPECT_FALSE(
      ParseOutboundUrl("http://example.com/hook", {.allowed_hosts = {"other.example"}}).ok());
}

TEST(ParseOutboundUrl, RefusesOddNumericHostsUnlessAllowed) {
  for (const char* url : {"https://0x7f000001/", "https://2130706433/", "https://0177.0.0.1/",
                          "https://127.1/", "https://0x7f.0.0.1/", "https://127.0.0.01/",
                          "https://1.2.3.4.5/", "https://256.0.0.1/", "https://017700000001/"}) {
    EXPECT_FALSE(ParseOutboundUrl(url, {}).ok()) << url;
  }
  EXPECT_THAT(ParseOutboundUrl("https://0x7f000001/", {.allowed_hosts = {"0x7f000001"}}), IsOk());
  EXPECT_THAT(ParseOutboundUrl("https://93.184.216.34/", {}), IsOk());
  EXPECT_THAT(ParseOutboundUrl("https://0x7f.example.com/", {}), IsOk());  // a name, not a number
}

TEST(ParseOutboundUrl, RefusesMalformedUrls) {
  for (const char* url :
       {"", "gopher://x", "https://", "https:///path", "https://user:pw@example.com/",
        "https://example.com@127.0.0.1/", "https://exa mple.com/", "https://example.com:0/",
        "https://example.com:65536/", "https://example.com:/", "https://example.com:8x/",
        "https://[::1/", "https://[not-v6]/", "https://[::1]x/", "https://-bad.example/",
        "https://a..b/", "https://exa_mple.com/", "https://example.com/\x7f"}) {
    EXPECT_FALSE(ParseOutboundUrl(url, {}).ok()) << url;
  }
  EXPECT_FALSE(ParseOutboundUrl("https://example.com/" + std::string(2000, 'a'), {}).ok());
}

TEST(CheckOutboundUrl, RefusesNamesThatResolveToInternalAddresses) {
  const Resolver dns = FakeDns({{"metadata.example", {"169.254.169.254"}},
                                {"mixed.example", {"93.184.216.34", "10.0.0.7"}},
                                {"v6.example", {"::1"}},
                                {"mapped.example", {"::ffff:127.0.0.1"}},
                                {"good.example", {"93.184.216.34", "2606:2800:220:1::"}}});
  for (const char* url : {"https://metadata.example/", "https://mixed.example/",
                          "https://v6.example/", "https://mapped.example/"}) {
    auto t = CheckOutboundUrl(url, {}, dns);
    ASSERT_FALSE(t.ok()) << url;
    EXPECT_THAT(t, StatusIs(StatusCode::kInvalidArgument));
    // The kind of address, never the internal address itself.
    EXPECT_EQ(t.status().message().find("169.254"), std::string::npos);
    EXPECT_EQ(t.status().message().find("10.0.0.7"), std::string::npos);
  }
  EXPECT_FALSE(CheckOutboundUrl("https://unknown.example/", {}, dns).ok());
  auto good = CheckOutboundUrl("https://good.example/hook", {}, dns);
  ASSERT_THAT(good, IsOk()) << good.status().ToString();
  EXPECT_EQ(good->address, "93.184.216.34");
}

TEST(CheckOutboundUrl, RefusesInternalLiterals) {
  const Resolver dns = SystemResolver();
  for (const char* url : {"https://127.0.0.1/", "https://169.254.169.254/latest/meta-data/",
                          "https://[::1]/", "https://[::ffff:127.0.0.1]/", "https://[fe80::1]/",
                          "https://10.0.0.1/", "https://0.0.0.0/", "https://localhost/"}) {
    EXPECT_FALSE(CheckOutboundUrl(url, {}, dns).ok()) << url;
  }
}

TEST(CheckOutboundUrl, AnAllowedHostMayBeInternal) {
  auto t = CheckOutboundUrl("http://127.0.0.1:9/hook", {.allowed_hosts = {"127.0.0.1"}},
                            SystemResolver());
  ASSERT_THAT(t, IsOk()) << t.status().ToString();
  EXPECT_EQ(t->address, "127.0.0.1");
  // The allowance is for that host only, not for its addresses.
  EXPECT_FALSE(
      CheckOutboundUrl("https://localhost/", {.allowed_hosts = {"127.0.0.1"}}, SystemResolver())
          .ok());
}

}  // namespace
}  // namespace qt
