// A node identity held by the test itself: its own Ed25519 key, a signed
// descriptor naming any URL, and requests signed with it (RFC 9421) exactly
// as a node signs them, or broken in chosen ways. The attacker's and the
// misbehaving peer's tool.
#ifndef QIANTANG_TESTS_INTEGRATION_FAKE_NODE_H_
#define QIANTANG_TESTS_INTEGRATION_FAKE_NODE_H_

#include <httplib.h>

#include <chrono>
#include <string>

#include "crypto/ed25519.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "federation/http_signature.h"
#include "ledger/note.h"
#include "tests/support/server_process.h"

namespace qt::testing {

// How a request is signed; each field can be broken on purpose.
struct PeerSigning {
  std::string keyid{};             // "" : this node's name
  int64_t skew_seconds = 0;        // added to now
  std::string nonce{};             // "" : a fresh one
  std::string target_uri{};        // "" : the URL the request goes to
  std::string digest_of = "\x01";  // "\x01": the body; else the digest of this
  std::vector<std::string> components = {"@method", "@target-uri", "content-digest"};
};

struct FakeNode {
  explicit FakeNode(std::string node_name, std::string node_url)
      : name(std::move(node_name)), url(std::move(node_url)) {}

  std::string Vkey() const { return ledger::FormatVerifierKey(name, key.public_key); }

  // The descriptor, signed by this key (or by `signer` if given).
  std::string Descriptor(const crypto::SigningKey* signer = nullptr) const {
    const crypto::SigningKey& k = signer ? *signer : key;
    const std::string text =
        "qiantang-node/v1\nname " + name + "\ncity 假市\nurl " + url + "\nkey " + Vkey() +
        "\nledger " + ledger::FormatVerifierKey(name + ".example/ledger", ledger_key.public_key) +
        "\nwitness " +
        ledger::FormatVerifierKey(name + ".example/witness", witness_key.public_key,
                                  ledger::kCosignatureEd25519) +
        (tls_pin.empty() ? "" : "\ntls " + tls_pin) + "\nissued 1764892800\n";
    return *ledger::SignNote(text, name, k.public_key,
                             [&](std::span<const uint8_t> m) -> Result<crypto::Signature> {
                               return crypto::Sign(k, m);
                             });
  }

  using Signing = PeerSigning;

  // The headers of a signed `method base+path` with `body`.
  httplib::Headers Sign(const std::string& method, const std::string& base, const std::string& path,
                        const std::string& body, const Signing& how = {}) const {
    uint8_t raw[18];
    crypto::SystemRandom::Get().Fill(raw);
    const std::string digest =
        federation::ContentDigest(how.digest_of == "\x01" ? body : how.digest_of);
    federation::HttpMessage m{method,
                              how.target_uri.empty() ? base + path : how.target_uri,
                              {{"Content-Digest", digest}}};
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    federation::SignatureParameters p{
        .components = how.components,
        .created = now + how.skew_seconds,
        .nonce = how.nonce.empty() ? crypto::Base64UrlEncode(raw) : how.nonce,
        .alg = "ed25519",
        .keyid = how.keyid.empty() ? name : how.keyid};
    auto signature = *federation::SignMessage(m, p, key);
    httplib::Headers out = {{"Content-Digest", digest}};
    for (auto& [k, v] : signature) out.emplace(k, v);
    return out;
  }

  // Sends a signed request to `server` (its base URL `base`).
  HttpAnswer Send(httplib::Client& server, const std::string& base, const std::string& method,
                  const std::string& path, const std::string& body, const Signing& how = {}) const {
    return SendWith(server, method, path, body, Sign(method, base, path, body, how));
  }
  static HttpAnswer SendWith(httplib::Client& server, const std::string& method,
                             const std::string& path, const std::string& body,
                             const httplib::Headers& headers) {
    auto res = method == "GET" ? server.Get(path, headers)
                               : server.Post(path, headers, body, "application/json");
    HttpAnswer a{};
    if (!res) return a;
    a.status = res->status;
    a.raw = res->body;
    a.body = nlohmann::json::parse(res->body, nullptr, false);
    a.headers = res->headers;
    return a;
  }

  std::string name{}, url{};
  std::string tls_pin{};  // its TLS key's pin; "" for a plain http node
  crypto::SigningKey key = crypto::GenerateSigningKey(crypto::SystemRandom::Get());
  crypto::SigningKey ledger_key = crypto::GenerateSigningKey(crypto::SystemRandom::Get());
  crypto::SigningKey witness_key = crypto::GenerateSigningKey(crypto::SystemRandom::Get());
};

}  // namespace qt::testing

#endif  // QIANTANG_TESTS_INTEGRATION_FAKE_NODE_H_
