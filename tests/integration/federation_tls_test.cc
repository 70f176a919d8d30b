// Node-to-node traffic over TLS, through real `qiantang serve` processes:
// nodes serve HTTPS with self-signed certificates, pin each other's TLS keys
// from their signed descriptors, and refuse to talk to anything else at a
// peer's address; a plain http peer needs the explicit setting; a changed
// certificate is picked up without a restart; clients that do not speak TLS,
// or speak it too slowly, are cut off while others are served.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "crypto/tls.h"
#include "tests/integration/fake_node.h"
#include "tests/integration/peering_node.h"
#include "tests/support/status_matchers.h"

namespace qt::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

bool WaitFor(const std::function<bool()>& done, int seconds = 30) {
  for (int i = 0; i < seconds * 10 && !done(); ++i) {
    std::this_thread::sleep_for(milliseconds(100));
  }
  return done();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string PinOf(const std::string& cert_file) {
  auto pin = crypto::TlsPinOfCertificate(ReadFile(cert_file));
  EXPECT_THAT(pin, IsOk()) << pin.status().ToString();
  return pin.ok() ? *pin : "";
}

std::string NodePin(const PeeringNode& n) {
  auto node = Call(*n.client, "GET", "/api/v1/federation/node", n.op);
  return node.body["tls_pin"].is_string() ? node.body["tls_pin"].get<std::string>() : "";
}

// A TCP connection to 127.0.0.1:port; -1 if it cannot be made.
int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

// Whether the server closed `fd` within `wait` (reading whatever it sent).
bool ClosedWithin(int fd, milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return true;
  }
  return false;
}

TlsFiles CertificateIn(const PeeringNode& n, const std::string& stem) {
  return MakeCertificate((n.dir.path() / stem).string());
}

TEST(FederationTls, TwoCitiesTalkOverTlsToTheKeysTheirDescriptorsPin) {
  PeeringNode hz{"hangzhou", "杭州", 951}, nb{"ningbo", "宁波", 952};
  hz.tls = CertificateIn(hz, "tls");
  nb.tls = CertificateIn(nb, "tls");
  ASSERT_NO_FATAL_FAILURE(hz.Start({"--checkpoint-interval-ms", "300"}));
  ASSERT_NO_FATAL_FAILURE(nb.Start({"--checkpoint-interval-ms", "300"}));
  ASSERT_EQ(hz.server->url().substr(0, 8), "https://");

  // The descriptor names the https URL and the key of the certificate served.
  const std::string d = nb.Descriptor();
  EXPECT_NE(d.find("\nurl https://127.0.0.1:"), std::string::npos) << d;
  EXPECT_NE(d.find("\ntls " + PinOf(nb.tls.cert) + "\n"), std::string::npos) << d;
  EXPECT_EQ(NodePin(nb), PinOf(nb.tls.cert));

  ASSERT_NO_FATAL_FAILURE(nb.Publish("港口集装箱吞吐量", "宁波舟山港每日集装箱吞吐"));
  ASSERT_NO_FATAL_FAILURE(PeerBothWays(hz, nb));
  EXPECT_EQ(hz.Peer("ningbo")["tls_pin"], PinOf(nb.tls.cert));

  // The catalog crawl, and the witnessing of each other's ledgers, go over TLS.
  auto crawl = Call(*hz.client, "POST", "/api/v1/federation/crawl", hz.op);
  ASSERT_EQ(crawl.status, 200) << crawl.raw;
  EXPECT_TRUE(crawl.body["error"].is_null()) << crawl.raw;
  auto found = hz.Search("集装箱吞吐");
  ASSERT_EQ(found.status, 200) << found.raw;
  ASSERT_FALSE(found.body["items"].empty()) << found.raw;
  EXPECT_EQ(found.body["items"][0]["node"], "ningbo");
  EXPECT_TRUE(WaitFor([&] {
    auto s = Call(*hz.client, "GET", "/api/v1/federation/status", hz.op);
    return s.body["node"]["witnessed_size"].is_number();
  })) << Call(*hz.client, "GET", "/api/v1/federation/status", hz.op).raw;

  // The CLI reaches an https server when told which certificate to trust.
  auto status = hz.server->Cli({"federation", "peers", "show", "ningbo"}, hz.op);
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("TLS key: " + PinOf(nb.tls.cert)), std::string::npos) << status.out;
  // ... and refuses a certificate it was not told to trust.
  auto untrusted = RunCommand(
      {QiantangBinary(), "--server", hz.server->url(), "--token", hz.op, "federation", "node"},
      {"HOME=" + hz.dir.path().string(), "QIANTANG_CACERT="});
  EXPECT_NE(untrusted.exit_code, 0);
  EXPECT_NE(untrusted.err.find("cannot reach the server"), std::string::npos) << untrusted.err;
}

// An impostor at a peer's address (its URL resolves to the attacker) with
// its own certificate: every call to it fails on the pin, nothing is sent to
// it, and the error names both keys.
TEST(FederationTls, AnImpostorAtAPeersAddressIsNotTalkedTo) {
  PeeringNode hz{"hangzhou", "杭州", 961}, nb{"ningbo", "宁波", 962};
  hz.tls = CertificateIn(hz, "tls");
  nb.tls = CertificateIn(nb, "tls");
  const TlsFiles fake = CertificateIn(nb, "impostor");
  httplib::SSLServer impostor(fake.cert.c_str(), fake.key.c_str());
  ASSERT_TRUE(impostor.is_valid());
  std::atomic<int> served = 0;
  auto answer = [&](const httplib::Request&, httplib::Response& res) {
    ++served;
    res.set_content(R"({"@type":"Catalog","dataset":[]})", "application/json");
  };
  impostor.Post(".*", answer);
  impostor.Get(".*", answer);
  const int port = impostor.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread serving([&] { impostor.listen_after_bind(); });

  // Ningbo's descriptor names an address that leads to the impostor.
  ASSERT_NO_FATAL_FAILURE(hz.Start());
  ASSERT_NO_FATAL_FAILURE(nb.Start({"--public-url", "https://127.0.0.1:" + std::to_string(port)}));
  auto added = hz.AddPeer(nb.Descriptor());
  ASSERT_EQ(added.status, 201) << added.raw;
  EXPECT_EQ(added.body["state"], "pending") << added.raw;  // the hello did not go through
  auto crawl = Call(*hz.client, "POST", "/api/v1/federation/crawl", hz.op);
  ASSERT_EQ(crawl.status, 200) << crawl.raw;
  const json peer = hz.Peer("ningbo");
  const std::string error = peer["last_error"].is_string() ? peer["last_error"] : "";
  EXPECT_NE(error.find("presented TLS key " + PinOf(fake.cert)), std::string::npos) << peer;
  EXPECT_NE(error.find("not the pinned " + PinOf(nb.tls.cert)), std::string::npos) << peer;
  EXPECT_EQ(served.load(), 0) << "a request reached the impostor";
  EXPECT_EQ(hz.Search("港口").body["items"].size(), 0u);
  impostor.stop();
  serving.join();
}

// A second node cannot claim a peer's address: it could otherwise stand in
// for the peer wherever a URL is all there is (a witness policy's lines).
TEST(FederationTls, ASecondNodeCannotClaimAPeersAddress) {
  PeeringNode hz{"hangzhou", "杭州", 966}, nb{"ningbo", "宁波", 967};
  hz.tls = CertificateIn(hz, "tls");
  nb.tls = CertificateIn(nb, "tls");
  ASSERT_NO_FATAL_FAILURE(hz.Start());
  ASSERT_NO_FATAL_FAILURE(nb.Start());
  ASSERT_NO_FATAL_FAILURE(PeerBothWays(hz, nb));
  for (const std::string& url : {nb.server->url(), nb.server->url() + "/sub"}) {
    FakeNode claimant{"aaa-first", url};  // sorts before ningbo
    claimant.tls_pin = PinOf(CertificateIn(hz, "claimant").cert);
    auto added = hz.AddPeer(claimant.Descriptor());
    EXPECT_EQ(added.status, 409) << added.raw;
    EXPECT_NE(added.raw.find("cannot share an address"), std::string::npos) << added.raw;
  }
  EXPECT_EQ(Call(*hz.client, "GET", "/api/v1/federation/peers", hz.op).body["items"].size(), 1u);
}

// A TLS 1.3 client that asks for KeyUpdates and never reads the answers is
// closed once 64 KiB of them wait, long before its body deadline; others are
// served meanwhile.
TEST(FederationTls, AKeyUpdateStormThatNeverReadsIsClosed) {
  PeeringNode hz{"hangzhou", "杭州", 996};
  hz.tls = CertificateIn(hz, "tls");
  ASSERT_NO_FATAL_FAILURE(hz.Start({"--body-timeout-s", "60"}));
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  const int fd = Connect(hz.server->port());
  ASSERT_GE(fd, 0);
  int small = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  ASSERT_EQ(SSL_connect(ssl), 1);
  const std::string head = "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n";
  ASSERT_EQ(SSL_write(ssl, head.data(), static_cast<int>(head.size())),
            static_cast<int>(head.size()));
  const auto start = std::chrono::steady_clock::now();
  bool closed = false;
  int64_t updates = 0;
  while (!closed && std::chrono::steady_clock::now() - start < std::chrono::seconds(40)) {
    for (int k = 0; k < 30 && !closed; ++k, ++updates) {
      closed = SSL_key_update(ssl, SSL_KEY_UPDATE_REQUESTED) != 1 || SSL_do_handshake(ssl) != 1;
    }
    closed = closed || SSL_write(ssl, "a", 1) != 1;  // one body byte resets OpenSSL's own limit
    if (updates % 30'000 == 0) EXPECT_EQ(Call(*hz.client, "GET", "/healthz").status, 200);
  }
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(closed) << updates << " KeyUpdates and still open";
  EXPECT_LT(took, std::chrono::seconds(40)) << updates << " KeyUpdates";
  SSL_free(ssl);
  close(fd);
  SSL_CTX_free(ctx);
  EXPECT_EQ(Call(*hz.client, "GET", "/healthz").status, 200);
}

// A TLS 1.3 client sends its request right behind its Finished; a body above
// 64 KiB once came with it into the handshake's buffer and the connection was
// dropped without an answer.
TEST(FederationTls, ALargeBodyRightAfterTheHandshakeIsAnswered) {
  PeeringNode hz{"hangzhou", "杭州", 976};
  hz.tls = CertificateIn(hz, "tls");
  ASSERT_NO_FATAL_FAILURE(hz.Start());
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  const std::string body(100'000, 'x');
  const std::string request =
      "POST /api/v1/orgs HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n" + body;
  for (int i = 0; i < 5; ++i) {
    const int fd = Connect(hz.server->port());
    ASSERT_GE(fd, 0);
    timeval wait{.tv_sec = 20, .tv_usec = 0};  // a dropped request fails, not hangs
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    ASSERT_EQ(SSL_connect(ssl), 1);
    ASSERT_EQ(SSL_write(ssl, request.data(), static_cast<int>(request.size())),
              static_cast<int>(request.size()));
    char answer[64] = {};
    const int n = SSL_read(ssl, answer, sizeof answer - 1);
    EXPECT_GT(n, 0) << "try " << i << ": no answer";
    EXPECT_EQ(std::string(answer).substr(0, 12), "HTTP/1.1 401") << answer;
    SSL_free(ssl);
    close(fd);
  }
  SSL_CTX_free(ctx);
}

TEST(FederationTls, PlainHttpPeersNeedTheExplicitSetting) {
  PeeringNode hz{"hangzhou", "杭州", 971}, nb{"ningbo", "宁波", 972};
  hz.tls = CertificateIn(hz, "tls");
  ASSERT_NO_FATAL_FAILURE(hz.Start());
  ASSERT_NO_FATAL_FAILURE(nb.Start());  // plain http
  auto added = hz.AddPeer(nb.Descriptor());
  EXPECT_EQ(added.status, 400) << added.raw;
  EXPECT_NE(added.raw.find("plain http"), std::string::npos) << added.raw;
  EXPECT_EQ(Call(*hz.client, "GET", "/api/v1/federation/peers", hz.op).body["items"].size(), 0u);

  // An https descriptor must pin a key: without its 'tls' line it is refused.
  FakeNode unpinned{"city-x", "https://127.0.0.1:9"};
  auto no_pin = hz.AddPeer(unpinned.Descriptor());
  EXPECT_EQ(no_pin.status, 400) << no_pin.raw;
  EXPECT_NE(no_pin.raw.find("names its TLS key"), std::string::npos) << no_pin.raw;

  // Serving TLS with a plain http public URL is a configuration error.
  ServerProcess wrong(
      hz.dir.path().string() + "/wrong",
      {"--tls-cert", hz.tls.cert, "--tls-key", hz.tls.key, "--public-url", "http://127.0.0.1:1"});
  std::filesystem::create_directories(hz.dir.path() / "wrong");
  EXPECT_FALSE(wrong.Start());
}

TEST(FederationTls, ACertificateIsReloadedWhenItsFilesChange) {
  PeeringNode hz{"hangzhou", "杭州", 981};
  hz.tls = CertificateIn(hz, "tls");
  ASSERT_NO_FATAL_FAILURE(hz.Start());
  const std::string first = PinOf(hz.tls.cert);
  ASSERT_EQ(NodePin(hz), first);

  // Renewed with the same key: the pin stays, and the renewed one is served.
  const TlsFiles renewed =
      MakeCertificate((hz.dir.path() / "renewed").string(), /*reuse_key=*/hz.tls.key);
  std::filesystem::copy_file(renewed.cert, hz.tls.cert,
                             std::filesystem::copy_options::overwrite_existing);
  std::this_thread::sleep_for(milliseconds(2500));
  EXPECT_EQ(NodePin(hz), first);

  // A new key: the descriptor names it within seconds, without a restart.
  const TlsFiles next = CertificateIn(hz, "next");
  std::filesystem::copy_file(next.key, hz.tls.key,
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(next.cert, hz.tls.cert,
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_TRUE(WaitFor([&] { return NodePin(hz) == PinOf(next.cert); }, 10)) << NodePin(hz);
  EXPECT_NE(hz.Descriptor().find("\ntls " + PinOf(next.cert)), std::string::npos);

  // A broken file is not loaded: the previous certificate stays in use.
  {
    std::ofstream broken(hz.tls.cert, std::ios::trunc);
    broken << "-----BEGIN CERTIFICATE-----\nnot one\n-----END CERTIFICATE-----\n";
  }
  std::this_thread::sleep_for(milliseconds(2500));
  auto health = Call(*hz.client, "GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(NodePin(hz), PinOf(next.cert));

  // Nor is a FIFO, which would block the thread reading it until written to.
  std::filesystem::remove(hz.tls.cert);
  ASSERT_EQ(mkfifo(hz.tls.cert.c_str(), 0600), 0);
  std::this_thread::sleep_for(milliseconds(2500));
  EXPECT_EQ(Call(*hz.client, "GET", "/healthz").status, 200);
  EXPECT_EQ(NodePin(hz), PinOf(next.cert));
}

TEST(FederationTls, ClientsThatDoNotSpeakTlsOrStallAreCutOff) {
  PeeringNode hz{"hangzhou", "杭州", 991};
  hz.tls = CertificateIn(hz, "tls");
  ASSERT_NO_FATAL_FAILURE(hz.Start({"--header-timeout-s", "1"}));
  const int port = hz.server->port();

  int plain = Connect(port);  // plain HTTP to a TLS port
  ASSERT_GE(plain, 0);
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  (void)send(plain, request.data(), request.size(), MSG_NOSIGNAL);
  EXPECT_TRUE(ClosedWithin(plain, milliseconds(3000)));
  close(plain);

  int silent = Connect(port);   // never starts the handshake
  int trickle = Connect(port);  // a ClientHello a byte at a time
  ASSERT_GE(silent, 0);
  ASSERT_GE(trickle, 0);
  const std::string hello_start("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
  bool cut = false;
  for (size_t i = 0; i < hello_start.size() && !cut; ++i) {
    (void)send(trickle, hello_start.data() + i, 1, MSG_NOSIGNAL);
    cut = ClosedWithin(trickle, milliseconds(400));
    // Others are served meanwhile.
    EXPECT_EQ(Call(*hz.client, "GET", "/healthz").status, 200);
  }
  EXPECT_TRUE(cut || ClosedWithin(trickle, milliseconds(3000)));
  EXPECT_TRUE(ClosedWithin(silent, milliseconds(3000)));
  close(silent);
  close(trickle);

  int garbage = Connect(port);
  ASSERT_GE(garbage, 0);
  const std::string junk(4096, '\x17');
  (void)send(garbage, junk.data(), junk.size(), MSG_NOSIGNAL);
  EXPECT_TRUE(ClosedWithin(garbage, milliseconds(3000)));
  close(garbage);

  auto metrics = Call(*hz.client, "GET", "/metrics");
  EXPECT_NE(metrics.raw.find("qiantang_http_connections_total{outcome=\"malformed\"}"),
            std::string::npos);
  EXPECT_EQ(Call(*hz.client, "GET", "/healthz").status, 200);
}

}  // namespace
}  // namespace qt::testing
