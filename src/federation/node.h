// Node: this city's node in the federation: its name, city, public URL and
// Ed25519 node key, and the signed descriptor its peers add it from.
//
// A descriptor is a C2SP signed note (ledger/note.h) signed by the node key
// it names, so anyone can check it offline:
//   qiantang-node/v1
//   name hangzhou.qiantang        the node key's name, the keyid of its requests
//   city 杭州                      for people
//   url https://hz.example        where its peers call it (no trailing slash)
//   key <node vkey>               the node key, as a note vkey (type 0x01)
//   ledger <checkpoint vkey>      its ledger's key; the vkey's name is the origin
//   witness <cosigner vkey>       its witness's key (type 0x04)
//   tls <pin>                     its TLS key's pin (crypto/tls.h); required
//                                 with an https URL, absent with http
//   issued 1764892800             POSIX seconds
// Peers call an https node only if it presents the pinned TLS key (not a
// certificate chain to some authority: the signed descriptor is the trust),
// so the node key's holder also decides which TLS key speaks for the node.
// The signature proves that whoever holds the key wrote the descriptor, not
// who that is: an operator pins a peer's key by checking it out of band (the
// CLI prints it) before adding the peer.
//
// Requests to peers are signed with the node key (RFC 9421,
// federation/http_signature.h): the components @method, @target-uri and
// content-digest, with created, nonce, alg "ed25519" and keyid = the name.
//
// Thread-safety: set_url() before serving; everything else is safe for
// concurrent use.
#ifndef QIANTANG_FEDERATION_NODE_H_
#define QIANTANG_FEDERATION_NODE_H_

#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "crypto/ed25519.h"
#include "crypto/sealed_box.h"
#include "crypto/tls.h"
#include "store/store.h"

namespace qt::federation {

struct NodeDescriptor {
  std::string name{}, city{}, url{};
  crypto::PublicKey key{};
  std::string node_vkey{}, ledger_vkey{}, witness_vkey{};
  std::string tls_pin{};  // "" for an http node
  uint64_t issued = 0;
  std::string note{};  // the signed descriptor as received
};

// Reads a descriptor and checks its signature by the key it names.
// kInvalidArgument naming the line for anything malformed; kPermissionDenied
// if the signature does not verify.
Result<NodeDescriptor> ParseDescriptor(std::string_view note);

// kInvalidArgument unless `name` is 1..63 of [a-z0-9.-] (a note key name
// that is also a readable keyid), and `url` an http(s) URL of printable ASCII
// without spaces, query, fragment or trailing slash.
Status ValidateNodeName(std::string_view name);
Status ValidateNodeUrl(std::string_view url);

struct NodeOptions {
  std::string name = "hangzhou.qiantang";
  std::string city = "杭州";
  std::string url{};                              // required before serving
  std::string ledger_vkey{}, witness_vkey{};      // required
  const Clock* clock = nullptr;                   // required
  Random* random = nullptr;                       // required
  const crypto::MasterKey* master_key = nullptr;  // required
  // The certificate the server presents (its pin goes into the descriptor);
  // null for plain HTTP.
  const crypto::ServerCertificate* tls = nullptr;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class Node {
 public:
  // Loads or makes the node key (sealed, id "node").
  static Result<std::unique_ptr<Node>> Open(store::Store& store, NodeOptions options);

  const std::string& name() const { return options_.name; }
  const std::string& city() const { return options_.city; }
  std::string url() const;
  // The URL is known only once the server is bound (port 0 in tests).
  Status set_url(std::string url);
  // The node key as a note vkey.
  std::string VerifierKey() const;
  const std::string& ledger_vkey() const { return options_.ledger_vkey; }
  const std::string& witness_vkey() const { return options_.witness_vkey; }
  // The pin of the TLS key the server presents ("" for plain HTTP).
  std::string tls_pin() const { return options_.tls == nullptr ? "" : options_.tls->pin(); }
  // The descriptor, signed now.
  Result<std::string> Descriptor() const;
  // The headers that sign a request to `target_uri` with `body`:
  // Content-Digest, Signature-Input, Signature.
  Result<Headers> SignRequest(std::string_view method, std::string_view target_uri,
                              std::string_view body) const;
  // Opens what a peer sealed to the node key (crypto/recipient_box.h);
  // kInvalidArgument if it was sealed to another key or altered.
  Result<std::vector<uint8_t>> OpenSealed(std::span<const uint8_t> sealed) const;

 private:
  Node(NodeOptions options, crypto::SigningKey key);

  NodeOptions options_;
  const crypto::SigningKey key_;
  mutable std::mutex mu_;  // guards options_.url
};

}  // namespace qt::federation

#endif  // QIANTANG_FEDERATION_NODE_H_
