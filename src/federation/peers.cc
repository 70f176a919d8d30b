#include "federation/peers.h"

#include <algorithm>

#include "core/text.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "ledger/note.h"
#include "store/decode.h"
#include "store/transact.h"

namespace qt::federation {
namespace {

constexpr std::string_view kColumns =
    "SELECT name, city, url, node_vkey, ledger_vkey, witness_vkey, descriptor, state, added_at, "
    "updated_at, last_contact_at, last_error FROM fed_peers";

Result<PeerState> ParseState(std::string_view s) {
  for (PeerState st :
       {PeerState::kPending, PeerState::kActive, PeerState::kSuspended, PeerState::kRemoved}) {
    if (PeerStateName(st) == s) return st;
  }
  return Internal("unknown peer state '" + std::string(s) + "'");
}

// The "tls" line of a descriptor checked when it was stored ("" if none).
std::string TlsPinLine(std::string_view descriptor) {
  const size_t at = descriptor.find("\ntls ");
  if (at == std::string_view::npos) return "";
  const size_t start = at + 5;
  return std::string(descriptor.substr(start, descriptor.find('\n', start) - start));
}

Result<Peer> PeerFromRow(const store::Row& r) {
  return store::Decode<Peer>("fed_peers", r, [&]() -> Result<Peer> {
    Peer p;
    p.name = r.Text("name");
    p.city = r.Text("city");
    p.url = r.Text("url");
    p.node_vkey = r.Text("node_vkey");
    QT_ASSIGN_OR_RETURN(ledger::NoteVerifier key, ledger::ParseVerifierKey(p.node_vkey));
    p.key = key.key;
    p.ledger_vkey = r.Text("ledger_vkey");
    p.witness_vkey = r.Text("witness_vkey");
    p.descriptor = r.Text("descriptor");
    p.tls_pin = TlsPinLine(p.descriptor);
    QT_ASSIGN_OR_RETURN(p.state, ParseState(r.Text("state")));
    p.added_at = r.Int("added_at");
    p.updated_at = r.Int("updated_at");
    p.last_contact_at = r.Int("last_contact_at");
    p.last_error = r.Text("last_error");
    return p;
  });
}

Result<std::optional<Peer>> ReadPeer(store::Tx& tx, const std::string& name) {
  QT_ASSIGN_OR_RETURN(store::Rows rows,
                      tx.Query(std::string(kColumns) + " WHERE name = ?", {name}));
  if (rows.empty()) return std::optional<Peer>();
  QT_ASSIGN_OR_RETURN(Peer p, PeerFromRow(rows[0]));
  return std::optional<Peer>(std::move(p));
}

// The peer `name` as stored; not_found if there is none.
Result<Peer> ReadKnownPeer(store::Tx& tx, const std::string& name) {
  QT_ASSIGN_OR_RETURN(std::optional<Peer> p, ReadPeer(tx, name));
  if (!p) return NotFound("no peer '" + name + "'");
  return std::move(*p);
}

std::string HeaderValue(const Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(a) == std::tolower(b);
        })) {
      return v;
    }
  }
  return "";
}

}  // namespace

std::string_view PeerStateName(PeerState s) {
  switch (s) {
    case PeerState::kPending:
      return "pending";
    case PeerState::kActive:
      return "active";
    case PeerState::kSuspended:
      return "suspended";
    case PeerState::kRemoved:
      return "removed";
  }
  return "unknown";
}

Peers::Peers(store::Store& store, PeersOptions options) : store_(store), options_(options) {}

Result<Peer> Peers::Add(const std::string& actor, std::string_view descriptor) {
  QT_ASSIGN_OR_RETURN(NodeDescriptor d, ParseDescriptor(descriptor));
  if (d.name == options_.node->name()) {
    return InvalidArgument("the descriptor is this node's own ('" + d.name + "')");
  }
  if (d.tls_pin.empty() && !options_.plain_http) {
    return InvalidArgument("peer '" + d.name + "' serves plain http (" + d.url +
                           "): nodes talk over TLS, so its descriptor needs an https URL and its "
                           "TLS key (serve --tls-cert); plain http only with --plain-http-peers");
  }
  {
    auto existing = Get(d.name);
    if (existing.ok() && existing->node_vkey != d.node_vkey) {
      return Conflict("peer '" + d.name + "' is known with another key (" + existing->node_vkey +
                      "); a changed key is a new peer: remove it first, then check the new key");
    }
  }
  // A ledger or witness key is one node's: a descriptor claiming this node's
  // own or another peer's could frame that log (witness.h) or shadow its witness.
  {
    QT_ASSIGN_OR_RETURN(ledger::NoteVerifier claimed, ledger::ParseVerifierKey(d.ledger_vkey));
    auto same = [&](const std::string& vkey) {
      auto other = ledger::ParseVerifierKey(vkey);
      return vkey == d.ledger_vkey || vkey == d.witness_vkey ||
             (other.ok() && other->name == claimed.name);
    };
    if (same(options_.node->ledger_vkey()) || same(options_.node->witness_vkey())) {
      return InvalidArgument("the descriptor names this node's own ledger or witness key");
    }
    QT_ASSIGN_OR_RETURN(std::vector<Peer> others, List("", 1000));
    for (const Peer& p : others) {
      if (p.name != d.name && (same(p.ledger_vkey) || same(p.witness_vkey))) {
        return Conflict("peer '" + p.name +
                        "' holds the ledger or witness key (or the ledger "
                        "origin) this descriptor names");
      }
      // One address, one node: a second descriptor at a peer's URL (or under
      // it) could otherwise stand in for that peer where a URL is all there is.
      if (p.name != d.name &&
          (d.url == p.url || d.url.starts_with(p.url + "/") || p.url.starts_with(d.url + "/"))) {
        return Conflict("peer '" + p.name + "' is at " + p.url +
                        ": two nodes cannot share an address");
      }
    }
  }
  if (options_.witness != nullptr) {
    auto witnessed = options_.witness->AddLog(actor, d.ledger_vkey);
    if (!witnessed.ok()) return witnessed.status().WithContext("witnessing its ledger");
  }
  const UnixMillis now = options_.clock->NowMillis();
  QT_ASSIGN_OR_RETURN(
      const Peer added, store::WriteValue(store_, [&](store::Tx& tx) -> Result<Peer> {
        QT_ASSIGN_OR_RETURN(auto existing, ReadPeer(tx, d.name));
        if (existing && existing->node_vkey != d.node_vkey) {
          return Conflict("peer '" + d.name + "' is known with another key");
        }
        if (existing && existing->state != PeerState::kRemoved) {
          // Adding again refreshes the descriptor (a moved URL), never the key.
          QT_RETURN_IF_ERROR(
              tx.Exec("UPDATE fed_peers SET city = ?, url = ?, ledger_vkey = ?, "
                      "witness_vkey = ?, descriptor = ?, updated_at = ? WHERE name = ?",
                      {d.city, d.url, d.ledger_vkey, d.witness_vkey, d.note, now, d.name})
                  .status());
        } else if (existing) {
          QT_RETURN_IF_ERROR(
              tx.Exec("UPDATE fed_peers SET city = ?, url = ?, ledger_vkey = ?, "
                      "witness_vkey = ?, descriptor = ?, state = 'pending', "
                      "updated_at = ?, last_error = '' WHERE name = ?",
                      {d.city, d.url, d.ledger_vkey, d.witness_vkey, d.note, now, d.name})
                  .status());
        } else {
          QT_RETURN_IF_ERROR(
              tx.Exec(
                    "INSERT INTO fed_peers (name, city, url, node_vkey, ledger_vkey, witness_vkey, "
                    "descriptor, state, added_at, updated_at, last_contact_at, last_error) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, 0, '')",
                    {d.name, d.city, d.url, d.node_vkey, d.ledger_vkey, d.witness_vkey, d.note, now,
                     now})
                  .status());
        }
        QT_RETURN_IF_ERROR(options_.journal
                               ->Append(tx, {actor,
                                             "federation.peer.added",
                                             d.name,
                                             {{"city", d.city},
                                              {"url", d.url},
                                              {"node_key", d.node_vkey},
                                              {"ledger", d.ledger_vkey},
                                              {"witness", d.witness_vkey},
                                              {"tls_pin", d.tls_pin}}})
                               .status());
        return ReadKnownPeer(tx, d.name);
      }));
  if (added.state == PeerState::kPending) {
    (void)Greet(d.name);  // its outcome is kept in last_error; the peer may not know us yet
    return Get(d.name);
  }
  return added;
}

Result<Peer> Peers::SetState(const std::string& actor, const std::string& name,
                             std::vector<PeerState> from, PeerState to, const char* event) {
  return store::WriteValue(store_, [&](store::Tx& tx) -> Result<Peer> {
    QT_ASSIGN_OR_RETURN(auto p, ReadPeer(tx, name));
    if (!p || p->state == PeerState::kRemoved) return NotFound("no peer '" + name + "'");
    if (std::find(from.begin(), from.end(), p->state) == from.end()) {
      return FailedPrecondition("peer '" + name + "' is " + std::string(PeerStateName(p->state)));
    }
    QT_RETURN_IF_ERROR(tx.Exec("UPDATE fed_peers SET state = ?, updated_at = ? WHERE name = ?",
                               {std::string(PeerStateName(to)), options_.clock->NowMillis(), name})
                           .status());
    QT_RETURN_IF_ERROR(options_.journal->Append(tx, {actor, event, name, {}}).status());
    return ReadKnownPeer(tx, name);
  });
}

Result<Peer> Peers::Suspend(const std::string& actor, const std::string& name) {
  return SetState(actor, name, {PeerState::kPending, PeerState::kActive}, PeerState::kSuspended,
                  "federation.peer.suspended");
}

Result<Peer> Peers::Resume(const std::string& actor, const std::string& name) {
  QT_RETURN_IF_ERROR(
      SetState(actor, name, {PeerState::kSuspended}, PeerState::kPending, "federation.peer.resumed")
          .status());
  (void)Greet(name);
  return Get(name);
}

Status Peers::Remove(const std::string& actor, const std::string& name) {
  QT_ASSIGN_OR_RETURN(
      Peer p,
      SetState(actor, name, {PeerState::kPending, PeerState::kActive, PeerState::kSuspended},
               PeerState::kRemoved, "federation.peer.removed"));
  if (options_.witness != nullptr) {
    QT_ASSIGN_OR_RETURN(ledger::NoteVerifier log, ledger::ParseVerifierKey(p.ledger_vkey));
    Status s = options_.witness->RemoveLog(actor, crypto::HexEncode(crypto::Sha256(log.name)));
    if (!s.ok() && s.code() != StatusCode::kNotFound)
      return s.WithContext("unwitnessing its ledger");
  }
  return OkStatus();
}

Result<Peer> Peers::Get(const std::string& name) {
  return store::ReadValue(store_, [&](store::Tx& tx) { return ReadKnownPeer(tx, name); });
}

Result<std::vector<Peer>> Peers::List(const std::string& after, int limit, bool removed) {
  return store::ReadValue(store_, [&](store::Tx& tx) -> Result<std::vector<Peer>> {
    QT_ASSIGN_OR_RETURN(store::Rows rows, tx.Query(std::string(kColumns) + " WHERE name > ?" +
                                                       (removed ? "" : " AND state <> 'removed'") +
                                                       " ORDER BY name LIMIT ?",
                                                   {after, int64_t{limit}}));
    std::vector<Peer> out;
    QT_RETURN_IF_ERROR(store::DecodeInto(rows, PeerFromRow, out));
    return out;
  });
}

void Peers::RecordContact(const std::string& name, const Status& error) {
  const UnixMillis now = options_.clock->NowMillis();
  (void)store_.Write([&](store::Tx& tx) -> Status {
    if (error.ok()) {
      return tx
          .Exec("UPDATE fed_peers SET last_contact_at = ?, last_error = '' WHERE name = ?",
                {now, name})
          .status();
    }
    return tx
        .Exec("UPDATE fed_peers SET last_error = ? WHERE name = ?",
              {ValidUtf8Prefix(error.message(), 500), name})
        .status();
  });
}

Result<PeerAnswer> Peers::Call(const Peer& peer, std::string_view method, const std::string& path,
                               std::string_view body, size_t max_body_bytes) {
  // Only the peer's own URL: "/x" under it, or a URL that starts with it and
  // a '/' (so "http://peer.example.evil/", ":6379/" or "0:8080/" cannot
  // move the call to another host or port).
  std::string url;
  if (path.starts_with("/") && !path.starts_with("//")) {
    url = peer.url + path;
  } else if (path.starts_with(peer.url + "/")) {
    url = path;
  } else {
    Status s = PermissionDenied("peer '" + peer.name +
                                "' linked outside its own URL: " + ValidUtf8Prefix(path, 200));
    RecordContact(peer.name, s);
    return s;
  }
  if (peer.tls_pin.empty() && !options_.plain_http) {
    Status s = FailedPrecondition("peer '" + peer.name +
                                  "' has a plain http URL and plain http peers are not allowed; "
                                  "add it again from an https descriptor");
    RecordContact(peer.name, s);
    return s;
  }
  auto answer = CallPeer(*options_.node, method, url, body, options_.timeout_seconds,
                         "application/json", max_body_bytes, peer.tls_pin);
  if (!answer.ok()) {
    RecordContact(peer.name, answer.status());
    return answer.status();
  }
  if (answer->status >= 400) {
    RecordContact(peer.name, Unavailable("HTTP " + std::to_string(answer->status) + ": " +
                                         ValidUtf8Prefix(answer->body, 300)));
  } else {
    RecordContact(peer.name, OkStatus());
  }
  return answer;
}

std::string Peers::PinnedKeyOf(const std::string& name, const std::string& url) {
  auto p = Get(name);
  if (!p.ok() || p->state != PeerState::kActive) return "";
  return url == p->url || url.starts_with(p->url + "/") ? p->tls_pin : "";
}

Status Peers::Greet(const std::string& name) {
  QT_ASSIGN_OR_RETURN(Peer p, Get(name));
  if (p.state != PeerState::kPending && p.state != PeerState::kActive) {
    return FailedPrecondition("peer '" + name + "' is " + std::string(PeerStateName(p.state)));
  }
  QT_ASSIGN_OR_RETURN(std::string mine, options_.node->Descriptor());
  QT_ASSIGN_OR_RETURN(PeerAnswer a, Call(p, "POST", "/federation/hello", mine));
  if (a.status != 200) {
    Status s =
        a.status == 401 || a.status == 403
            ? PermissionDenied("peer '" + name + "' refused the hello (HTTP " +
                               std::to_string(a.status) + "): " + ValidUtf8Prefix(a.body, 300))
            : Unavailable("peer '" + name + "' answered the hello with HTTP " +
                          std::to_string(a.status));
    RecordContact(name, s);
    return s;
  }
  // The answer is its descriptor: the same key as pinned, or nothing changes.
  auto theirs = ParseDescriptor(a.body);
  if (!theirs.ok() || theirs->node_vkey != p.node_vkey) {
    Status s = PermissionDenied("peer '" + name +
                                "' answered the hello with a descriptor of "
                                "another key or none");
    RecordContact(name, s);
    return s;
  }
  return store_.Write([&](store::Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(int64_t n, tx.Exec("UPDATE fed_peers SET state = 'active', updated_at = ? "
                                           "WHERE name = ? AND state = 'pending'",
                                           {options_.clock->NowMillis(), name}));
    if (n == 0) return OkStatus();
    return options_.journal->Append(tx, {"system", "federation.peer.confirmed", name, {}}).status();
  });
}

Result<Policy> Peers::WitnessPolicy(const std::string& own_ledger_vkey, int quorum) {
  QT_ASSIGN_OR_RETURN(std::vector<Peer> peers, List("", 1000));
  std::string text = "log " + own_ledger_vkey + "\n";
  std::string members;
  std::vector<std::string> keys = {own_ledger_vkey};
  int n = 0;
  for (const Peer& p : peers) {
    // One peer's values must not spoil the policy for all: a witness key seen
    // already is skipped (Add refuses it, but a database may predate that).
    if (p.state != PeerState::kActive || n == 32) continue;
    auto key = ledger::ParseVerifierKey(p.witness_vkey, ledger::kCosignatureEd25519);
    if (!key.ok() || std::find(keys.begin(), keys.end(), p.witness_vkey) != keys.end()) continue;
    keys.push_back(p.witness_vkey);
    text += "witness " + p.name + " " + p.witness_vkey + " " + p.url + "/witness\n";
    members += " " + p.name;
    ++n;
  }
  if (n == 0) return NotFound("no active peers to witness this node's ledger");
  // "_peers" cannot be a node name (no '_'), so no peer's name collides.
  text +=
      "group _peers " + std::to_string(std::clamp(quorum, 1, n)) + members + "\nquorum _peers\n";
  return Policy::Parse(text);
}

Status Peers::GreetPending() {
  QT_ASSIGN_OR_RETURN(std::vector<Peer> peers, List("", 1000));
  Status first;
  for (const Peer& p : peers) {
    if (p.state != PeerState::kPending) continue;
    Status s = Greet(p.name);
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

Result<Peer> Peers::Authenticate(std::string_view method, std::string_view target,
                                 const Headers& headers, std::string_view body) {
  const std::string input = HeaderValue(headers, "Signature-Input");
  const std::string signature = HeaderValue(headers, "Signature");
  if (input.empty() || signature.empty()) {
    return Unauthenticated(
        "this endpoint takes requests signed by a peer node (RFC 9421 Signature-Input and "
        "Signature)");
  }
  auto sig = ParseSignature(input, signature);
  if (!sig.ok()) return Unauthenticated(sig.status().message());
  const SignatureParameters& p = sig->params;
  for (const char* required : {"@method", "@target-uri", "content-digest"}) {
    if (std::find(p.components.begin(), p.components.end(), required) == p.components.end()) {
      return Unauthenticated(std::string("the signature must cover ") + required);
    }
  }
  if (!p.created || p.nonce.empty() || p.keyid.empty() || p.alg != "ed25519") {
    return Unauthenticated("the signature needs created, nonce, keyid and alg=\"ed25519\"");
  }
  if (p.nonce.size() < 16 || p.nonce.size() > 64) {
    return Unauthenticated("the nonce must be 16 to 64 characters");
  }
  // Who: a pinned key, of a peer that may call.
  auto peer = Get(p.keyid);
  if (!peer.ok() && peer.status().code() == StatusCode::kNotFound) {
    return PermissionDenied("keyid '" + ValidUtf8Prefix(p.keyid, 80) +
                            "' is not a peer of this node");
  }
  QT_RETURN_IF_ERROR(peer.status());
  if (peer->state == PeerState::kSuspended || peer->state == PeerState::kRemoved) {
    return PermissionDenied("peer '" + peer->name + "' is " +
                            std::string(PeerStateName(peer->state)));
  }
  // When: inside the window.
  const int64_t now = options_.clock->NowMillis() / 1000;
  if (*p.created > now + options_.window_seconds || *p.created < now - options_.window_seconds) {
    return Unauthenticated("the signature was created at " + std::to_string(*p.created) +
                           ", more than " + std::to_string(options_.window_seconds) +
                           " s from this node's clock (" + std::to_string(now) + ")");
  }
  if (p.expires && *p.expires < now) return Unauthenticated("the signature has expired");
  // What: this node's URL and the request as received, and the body.
  const std::string digest = HeaderValue(headers, "Content-Digest");
  if (digest.empty()) return Unauthenticated("Content-Digest is missing");
  if (Status s = CheckContentDigest(digest, body); !s.ok()) return Unauthenticated(s.message());
  HttpMessage m{std::string(method), options_.node->url() + std::string(target), headers};
  if (Status s = VerifySignature(m, *sig, peer->key); !s.ok()) {
    return Unauthenticated(s.message());
  }
  // Once: the nonce, for the window.
  const int64_t expires_at = *p.created + options_.window_seconds;
  QT_RETURN_IF_ERROR(store_.Write([&](store::Tx& tx) -> Status {
    QT_RETURN_IF_ERROR(
        tx.Exec("DELETE FROM fed_nonces WHERE expires_at < ?", {now - options_.window_seconds})
            .status());
    QT_ASSIGN_OR_RETURN(
        store::Rows seen,
        tx.Query("SELECT 1 FROM fed_nonces WHERE keyid = ? AND nonce = ?", {p.keyid, p.nonce}));
    if (!seen.empty()) return Unauthenticated("the nonce was used already: a replayed request");
    QT_RETURN_IF_ERROR(tx.Exec("INSERT INTO fed_nonces (keyid, nonce, expires_at) VALUES (?, ?, ?)",
                               {p.keyid, p.nonce, expires_at})
                           .status());
    return tx
        .Exec("UPDATE fed_peers SET last_contact_at = ? WHERE name = ?",
              {options_.clock->NowMillis(), peer->name})
        .status();
  }));
  return *peer;
}

Status Peers::AcceptHello(const Peer& from, std::string_view descriptor) {
  QT_ASSIGN_OR_RETURN(NodeDescriptor d, ParseDescriptor(descriptor));
  if (d.name != from.name || d.node_vkey != from.node_vkey) {
    return PermissionDenied("the hello carries another node's descriptor");
  }
  return store_.Write([&](store::Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(int64_t n, tx.Exec("UPDATE fed_peers SET state = 'active', updated_at = ?, "
                                           "last_error = '' WHERE name = ? AND state = 'pending'",
                                           {options_.clock->NowMillis(), from.name}));
    if (n == 0) return OkStatus();
    return options_.journal->Append(tx, {"system", "federation.peer.confirmed", from.name, {}})
        .status();
  });
}

}  // namespace qt::federation
