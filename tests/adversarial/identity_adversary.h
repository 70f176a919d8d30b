// What the identity and exchange attack tests share: the real server
// (tests/integration/api_test.h), a request sent from another loopback
// address (so that "one address" and "another address" can both be played on
// one machine), the ledger's size (nothing an attacker does may append to
// it), organisation ids and valid resident IDs.
#ifndef QIANTANG_TESTS_ADVERSARIAL_IDENTITY_ADVERSARY_H_
#define QIANTANG_TESTS_ADVERSARIAL_IDENTITY_ADVERSARY_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "core/resident_id.h"
#include "tests/integration/api_test.h"

namespace qt::testing {

// `method path` sent from the loopback address `source` (e.g. "127.0.0.2")
// to the server on 127.0.0.1:`port`, one request per connection.
inline HttpAnswer CallFrom(const std::string& source, int port, const std::string& method,
                           const std::string& path, const std::string& token = "",
                           const std::string& body = "") {
  HttpAnswer out;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return out;
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
    return out;
  }
  std::string request = method + " " + path +
                        " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                        "Content-Type: application/json\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n";
  if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
  request += "\r\n" + body;
  for (size_t sent = 0; sent < request.size();) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string response;
  char buf[4096];
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) response.append(buf, n);
  close(fd);
  if (response.size() < 12) return out;
  out.status = std::atoi(response.c_str() + 9);
  const size_t start = response.find("\r\n\r\n");
  if (start != std::string::npos) out.raw = response.substr(start + 4);
  out.body = nlohmann::json::parse(out.raw, nullptr, false);
  if (out.body.is_discarded()) out.body = nullptr;
  return out;
}

// The number of ledger entries (the operator publishes a checkpoint of the head).
inline uint64_t LedgerSize(httplib::Client& client, const std::string& op) {
  auto cp = Call(client, "POST", "/api/v1/ledger/checkpoints", op);
  EXPECT_EQ(cp.status, 201) << cp.raw;
  return cp.status == 201 ? cp.body["size"].get<uint64_t>() : 0;
}

inline std::string OrgIdOf(httplib::Client& client, const std::string& token) {
  auto me = Call(client, "GET", "/api/v1/whoami", token);
  EXPECT_EQ(me.status, 200) << me.raw;
  return me.status == 200 ? me.body["org"]["id"].get<std::string>() : "";
}

// A valid resident ID, different for each `seq` (< 900), born in `year`.
inline std::string ResidentIdOf(int seq, int year = 1980) {
  std::string first17 = "330106" + std::to_string(year) + "0307" + std::to_string(100 + seq);
  return first17 + ResidentIdCheckCharacter(first17);
}

}  // namespace qt::testing

#endif  // QIANTANG_TESTS_ADVERSARIAL_IDENTITY_ADVERSARY_H_
