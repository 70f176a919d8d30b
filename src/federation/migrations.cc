// The federation's tables, as numbered migrations (store/store.h), in the
// order of their numbers: the witness this node runs for others (1), the
// cosignatures its own checkpoints got (2), peers and their request nonces
// (3), the federated catalog (4, 6) and negotiations with peers' participants
// (5). Later migrations change the schema; none is ever edited.
#include "federation/catalog.h"
#include "federation/negotiations.h"
#include "federation/peers.h"
#include "federation/witness.h"
#include "federation/witnessing.h"

namespace qt::federation {
namespace {

constexpr std::string_view kWitnessSchema = R"sql(
CREATE TABLE fed_witness_key (
  id TEXT PRIMARY KEY,
  sealed BYTEA NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE fed_witness_logs (
  origin_hash TEXT PRIMARY KEY,
  origin TEXT NOT NULL,
  vkey TEXT NOT NULL,
  active BIGINT NOT NULL,
  size BIGINT NOT NULL,
  root BYTEA NOT NULL,
  checkpoint TEXT NOT NULL,
  forked BIGINT NOT NULL,
  added_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX fed_witness_logs_origin ON fed_witness_logs (origin);
CREATE TABLE fed_witness_evidence (
  id TEXT PRIMARY KEY,
  origin_hash TEXT NOT NULL,
  submitted_hash TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  old_size BIGINT NOT NULL,
  proof TEXT NOT NULL,
  submitted TEXT NOT NULL,
  witnessed TEXT NOT NULL,
  reason TEXT NOT NULL,
  conclusive BIGINT NOT NULL,
  UNIQUE (origin_hash, submitted_hash)
);
)sql";

constexpr std::string_view kWitnessingSchema = R"sql(
CREATE TABLE fed_cosignatures (
  size BIGINT NOT NULL,
  witness TEXT NOT NULL,
  line TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  PRIMARY KEY (size, witness)
);
)sql";

constexpr std::string_view kPeersSchema = R"sql(
CREATE TABLE fed_peers (
  name TEXT PRIMARY KEY,
  city TEXT NOT NULL,
  url TEXT NOT NULL,
  node_vkey TEXT NOT NULL,
  ledger_vkey TEXT NOT NULL,
  witness_vkey TEXT NOT NULL,
  descriptor TEXT NOT NULL,
  state TEXT NOT NULL,
  added_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  last_contact_at BIGINT NOT NULL,
  last_error TEXT NOT NULL
);
CREATE TABLE fed_nonces (
  keyid TEXT NOT NULL,
  nonce TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (keyid, nonce)
);
CREATE INDEX fed_nonces_expiry ON fed_nonces (expires_at);
)sql";

constexpr std::string_view kCatalogSchema = R"sql(
CREATE TABLE fed_catalog (
  node TEXT NOT NULL,
  offer_id TEXT NOT NULL,
  dataset_id TEXT NOT NULL,
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  publisher TEXT NOT NULL,
  keywords TEXT NOT NULL,
  policy TEXT NOT NULL,
  crawled_at BIGINT NOT NULL,
  PRIMARY KEY (node, offer_id)
);
CREATE TABLE fed_crawls (
  node TEXT PRIMARY KEY,
  crawled_at BIGINT NOT NULL,
  attempted_at BIGINT NOT NULL,
  error TEXT NOT NULL,
  offers BIGINT NOT NULL,
  generation BIGINT NOT NULL
);
)sql";

}  // namespace

std::vector<store::Migration> Witness::Migrations() {
  return {{"federation", 1, "the witness: its key, the logs it cosigns, evidence of forks",
           std::string(kWitnessSchema)}};
}

std::vector<store::Migration> Witnessing::Migrations() {
  return {{"federation", 2, "cosignatures of this node's checkpoints by its policy's witnesses",
           std::string(kWitnessingSchema)}};
}

std::vector<store::Migration> Peers::Migrations() {
  return {{"federation", 3, "peers (other cities' nodes) and the nonces of their signed requests",
           std::string(kPeersSchema)}};
}

std::vector<store::Migration> FederatedCatalog::Migrations() {
  return {{"federation", 4, "the federated catalog: peers' DSP catalogs as last crawled",
           std::string(kCatalogSchema)},
          {"federation", 6, "incremental crawls: each peer's catalog version as last read",
           "ALTER TABLE fed_crawls ADD COLUMN version TEXT NOT NULL DEFAULT '';\n"
           "ALTER TABLE fed_crawls ADD COLUMN read_at BIGINT NOT NULL DEFAULT 0;\n"}};
}

std::vector<store::Migration> Negotiations::Migrations() {
  return {{"federation", 5, "contract negotiations with peers' participants", R"sql(
CREATE TABLE fed_negotiations (
  id TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  peer TEXT NOT NULL,
  remote_pid TEXT NOT NULL,
  org_id TEXT NOT NULL,
  offer_id TEXT NOT NULL,
  callback TEXT NOT NULL,
  state TEXT NOT NULL,
  offer TEXT NOT NULL,
  agreement TEXT NOT NULL,
  provider_signature TEXT NOT NULL,
  consumer_signature TEXT NOT NULL,
  proofs TEXT NOT NULL,
  reason TEXT NOT NULL,
  last_error TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  sent TEXT NOT NULL
);
CREATE UNIQUE INDEX fed_negotiations_by_peer ON fed_negotiations (peer, remote_pid)
  WHERE role = 'provider';
CREATE INDEX fed_negotiations_by_org ON fed_negotiations (org_id, id);
CREATE INDEX fed_negotiations_due ON fed_negotiations (role, sent, next_attempt_at);
)sql"}};
}

}  // namespace qt::federation
