// The accounts' tables, as numbered migrations (store/store.h): organisations
// (this node's, with their signing keys sealed under the master key, and peer
// nodes' by their home node), their users, and the hashes of the users'
// tokens. Later migrations change the schema; none is ever edited.
#include "accounts/accounts.h"

namespace qt::accounts {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE orgs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  credit_code TEXT NOT NULL UNIQUE,
  public_key BYTEA NOT NULL,
  sealed_signing_key BYTEA NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (org_id, name)
);
CREATE INDEX users_by_org ON users (org_id, id);
CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  user_id TEXT NOT NULL REFERENCES users(id),
  token_hash BYTEA NOT NULL UNIQUE,
  label TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT
);
CREATE INDEX tokens_by_org ON tokens (org_id, id);
)sql";

}  // namespace

std::vector<store::Migration> Accounts::Migrations() {
  return {{"accounts", 1, "organisations, users and tokens", kSchema},
          {"accounts", 2, "users can be deactivated",
           "ALTER TABLE users ADD COLUMN deactivated_at BIGINT;"},
          {"accounts", 3, "organisations of peer nodes",
           "ALTER TABLE orgs ADD COLUMN home_node TEXT NOT NULL DEFAULT '';"
           "ALTER TABLE orgs ADD COLUMN remote_id TEXT NOT NULL DEFAULT '';"
           "CREATE UNIQUE INDEX orgs_by_remote_id ON orgs (home_node, remote_id)"
           " WHERE home_node <> '';"},
          {"accounts", 4, "organisations may hold their own keys",
           "ALTER TABLE orgs ADD COLUMN key_custody TEXT NOT NULL DEFAULT 'node';"
           "ALTER TABLE orgs ADD COLUMN key_registered_at BIGINT NOT NULL DEFAULT 0;"
           "ALTER TABLE orgs ADD COLUMN key_version BIGINT NOT NULL DEFAULT 0;"}};
}

}  // namespace qt::accounts
