// The client's address behind a reverse proxy (issue 19, section 4).
//
// X-Forwarded-For is written by whoever sends the request, so the server may
// believe it only from the operator's proxies (--trusted-proxies). The attack:
// an anonymous client forges X-Forwarded-For to spread its failures over many
// made-up addresses and escape the per-address lockout of bad citizen tokens.
// The other way round, clients behind a trusted proxy must each count as
// themselves, so one of them cannot lock out everyone behind the proxy.
//
// Requests come from chosen loopback source addresses (127.0.0.2 is the proxy).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace qt::testing {
namespace {

// One request over a fresh connection from `source`; the HTTP status, or 0.
int StatusFrom(const std::string& source, int port, const std::string& forwarded_for) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    close(fd);
    return 0;
  }
  std::string request =
      "GET /api/v1/identity/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
      "Authorization: Bearer cz_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n";
  if (!forwarded_for.empty()) request += "X-Forwarded-For: " + forwarded_for + "\r\n";
  request += "\r\n";
  (void)send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string answer;
  char buf[4096];
  pollfd p{fd, POLLIN, 0};
  while (answer.size() < 12 && poll(&p, 1, 5000) > 0) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    answer.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return answer.starts_with("HTTP/1.1 ") ? std::atoi(answer.c_str() + 9) : 0;
}

// Bad tokens from one client until it is locked out (429); how many it took,
// or 0 if it never was within `tries`.
template <typename Forwarded>
int TriesUntilLocked(const std::string& source, int port, Forwarded forwarded, int tries) {
  for (int i = 1; i <= tries; ++i) {
    const int status = StatusFrom(source, port, forwarded(i));
    if (status == 429) return i;
    EXPECT_EQ(status, 401) << "try " << i;
  }
  return 0;
}

TEST(TrustedProxies, ForgedForwardedForFromAnUntrustedPeerIsIgnored) {
  TempDir dir;
  ServerProcess server(dir.path().string(), {"--trusted-proxies", "127.0.0.2/32, ::1"});
  ASSERT_TRUE(server.Start());
  // A different made-up address on every try: still one client, 127.0.0.1.
  const int locked = TriesUntilLocked(
      "127.0.0.1", server.port(), [](int i) { return "198.51.100." + std::to_string(i); }, 12);
  EXPECT_GT(locked, 0) << "forged X-Forwarded-For spread the failures over made-up addresses";
  // The proxy itself, naming no one, is not that client.
  EXPECT_EQ(StatusFrom("127.0.0.2", server.port(), ""), 401);
  EXPECT_EQ(server.Stop(), 0);
}

TEST(TrustedProxies, ClientsBehindATrustedProxyCountAsThemselves) {
  TempDir dir;
  ServerProcess server(dir.path().string(), {"--trusted-proxies", "127.0.0.2/32"});
  ASSERT_TRUE(server.Start());
  // One client behind the proxy is locked out; what it wrote left of the
  // proxy's own entry does not matter.
  const int locked = TriesUntilLocked(
      "127.0.0.2", server.port(),
      [](int i) { return "10.9.9." + std::to_string(i) + ", 203.0.113.7"; }, 12);
  EXPECT_GT(locked, 0);
  // Another client behind the same proxy is not.
  EXPECT_EQ(StatusFrom("127.0.0.2", server.port(), "203.0.113.8"), 401);
  // Nor is the proxy's own address for a client that sends no header through it.
  EXPECT_EQ(StatusFrom("127.0.0.2", server.port(), ""), 401);
  // Many clients behind the proxy, one bad token each: nobody is locked out.
  const int spread = TriesUntilLocked(
      "127.0.0.2", server.port(), [](int i) { return "203.0.113." + std::to_string(100 + i); }, 12);
  EXPECT_EQ(spread, 0);
  EXPECT_EQ(server.Stop(), 0);
}

TEST(TrustedProxies, ASettingThatIsNotACidrStopsTheServer) {
  TempDir dir;
  CommandResult r =
      RunCommand({QiantangBinary(), "serve", "--listen", "127.0.0.1:0", "--db",
                  "sqlite:" + dir.File("q.db"), "--master-key-file", dir.File("master.key"),
                  "--trusted-proxies", "10.0.0.0/8, proxy.example"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("trusted_proxies: 'proxy.example'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace qt::testing
