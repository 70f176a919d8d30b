// Peers: the other cities' nodes this node federates with, and the checks
// every node-to-node request passes.
//
// Peering. The operator adds a peer from its signed descriptor (node.h),
// having checked its key out of band: the peer is "pending", its ledger is
// added to this node's witness, and this node says hello to it (a signed
// POST /federation/hello carrying this node's descriptor). The peer answers
// 200 only if its operator has added this node with the same key; then both
// hold each other "active". A pending peer is greeted again by Greet() (the
// crawl task runs it), and a hello from it makes it active at once. A peer can
// be suspended (its requests are refused, it is not crawled), resumed, and
// removed; its ledger stays witnessed until removed, and a removed log keeps
// its last cosigned size (witness.h). Re-adding a removed peer needs the same
// key, or removing its witnessed log first.
//
// Every incoming node-to-node request is authenticated by Authenticate():
//   401 kUnauthenticated  no or malformed Signature-Input / Signature; the
//                         components @method, @target-uri and content-digest
//                         not all covered; created, nonce, keyid or alg
//                         missing; created more than `window_seconds` from
//                         now, or expires passed; a body whose digest differs;
//                         a signature that does not verify under the pinned
//                         key; a nonce already seen within the window
//   403 kPermissionDenied the keyid is no peer, or a suspended or removed one
// The @target-uri checked is this node's own URL and the request's target, so
// a request signed for another node does not verify here. Nonces are kept in
// the database for the window (shared by every process of the node); a
// refused request changes nothing but, for a valid one, the nonce table.
//
// Thread-safety: safe for concurrent use.
#ifndef QIANTANG_FEDERATION_PEERS_H_
#define QIANTANG_FEDERATION_PEERS_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "federation/http_signature.h"
#include "federation/node.h"
#include "federation/peer_client.h"
#include "federation/policy.h"
#include "federation/witness.h"
#include "ledger/journal.h"
#include "store/store.h"

namespace qt::federation {

enum class PeerState { kPending, kActive, kSuspended, kRemoved };
std::string_view PeerStateName(PeerState s);

struct Peer {
  std::string name{}, city{}, url{};
  crypto::PublicKey key{};
  std::string node_vkey{}, ledger_vkey{}, witness_vkey{};
  std::string descriptor{};
  std::string tls_pin{};  // its TLS key (node.h); "" for a plain http peer
  PeerState state = PeerState::kPending;
  UnixMillis added_at = 0, updated_at = 0;
  UnixMillis last_contact_at = 0;  // the last answer from it, or request by it
  std::string last_error;          // of the last call to it ("" if it succeeded)
};

struct PeersOptions {
  const Clock* clock = nullptr;        // required
  ledger::Journal* journal = nullptr;  // required
  const Node* node = nullptr;          // required
  Witness* witness = nullptr;          // may be null: peers' ledgers are not witnessed
  int timeout_seconds = 10;            // per call to a peer
  int window_seconds = 60;             // accepted clock difference of a signed request
  bool plain_http = false;             // peers without TLS may be added (loopback tests)
};

class Peers {
 public:
  Peers(store::Store& store, PeersOptions options);
  static std::vector<store::Migration> Migrations();

  // Adds (or re-adds) a peer from its descriptor and says hello to it.
  // kInvalidArgument for a bad descriptor, this node's own name, or a plain
  // http peer unless options.plain_http; kConflict for a URL another peer
  // has (or one under it);
  // kPermissionDenied for a bad signature; kConflict if the name is held by
  // another key (remove it first) or the witness refuses its ledger key.
  Result<Peer> Add(const std::string& actor, std::string_view descriptor);
  // kNotFound unless such a peer exists (and is not removed);
  // kFailedPrecondition for a transition its state does not allow.
  Result<Peer> Suspend(const std::string& actor, const std::string& name);
  Result<Peer> Resume(const std::string& actor, const std::string& name);
  Status Remove(const std::string& actor, const std::string& name);
  Result<Peer> Get(const std::string& name);
  // Peers in name order after `after`, removed ones only if `removed`.
  Result<std::vector<Peer>> List(const std::string& after, int limit, bool removed = false);

  // Says hello to a pending or active peer (resume and add call it); marks it
  // active when it answers 200. The peer's error otherwise (kUnavailable if
  // unreachable, kPermissionDenied if it does not know this node).
  Status Greet(const std::string& name);
  // Greets every pending peer; the first failure.
  Status GreetPending();

  // See the class comment. `target` is the request's path and query as sent.
  Result<Peer> Authenticate(std::string_view method, std::string_view target,
                            const Headers& headers, std::string_view body);
  // A hello from `from` (authenticated) carrying `descriptor`: kPermissionDenied
  // unless it is `from`'s own pinned descriptor; marks `from` active.
  Status AcceptHello(const Peer& from, std::string_view descriptor);

  // The C2SP tlog-policy this node's checkpoints are witnessed under when
  // the operator gives none: its own log (`own_ledger_vkey`), each active
  // peer's witness (its name, cosigner key and /witness prefix; at most 32),
  // and a quorum of `quorum` of them, or all while there are fewer.
  // kNotFound while there is no active peer.
  Result<Policy> WitnessPolicy(const std::string& own_ledger_vkey, int quorum);

  // The TLS pin of the active peer `name`, if `url` lies under its URL ("" if
  // not: no such peer, not active, another address, or plain http).
  std::string PinnedKeyOf(const std::string& name, const std::string& url);

  // A signed call to `peer` at `path` (an absolute path, under its URL) or at
  // a URL under the peer's own (a Link from it); anything else is
  // kPermissionDenied. Records the contact or the error. An answer above
  // `max_body_bytes` is kUnavailable. Over TLS, the peer must present its
  // pinned key (kUnavailable otherwise); a plain http peer is
  // kFailedPrecondition unless options.plain_http.
  Result<PeerAnswer> Call(const Peer& peer, std::string_view method, const std::string& path,
                          std::string_view body, size_t max_body_bytes = size_t{1} << 20);

 private:
  Result<Peer> SetState(const std::string& actor, const std::string& name,
                        std::vector<PeerState> from, PeerState to, const char* event);
  void RecordContact(const std::string& name, const Status& error);

  store::Store& store_;
  const PeersOptions options_;
};

}  // namespace qt::federation

#endif  // QIANTANG_FEDERATION_PEERS_H_
