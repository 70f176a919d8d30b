// The match module's schema: every table of the finance station, the
// scenario lists and the public policies, and the conversions of stored data.
#include "match/migrations.h"

#include "match/enterprise.h"
#include "match/finance.h"
#include "match/public_policies.h"
#include "match/scenarios.h"
#include "store/decode.h"

namespace qt::match {

// The module's schema, in the order of its versions.

store::Migration Finance::Migration() {
  return {"match", 1, "finance matching", R"sql(
CREATE TABLE fm_enterprises (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  credit_code TEXT NOT NULL UNIQUE,
  org_id TEXT UNIQUE REFERENCES orgs(id),
  profile TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE fm_products (
  id TEXT PRIMARY KEY,
  institution_id TEXT NOT NULL REFERENCES orgs(id),
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  rule TEXT NOT NULL,
  max_amount_fen BIGINT NOT NULL,
  terms TEXT NOT NULL,
  requires_kind TEXT NOT NULL,
  state TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE fm_applications (
  id TEXT PRIMARY KEY,
  enterprise_id TEXT NOT NULL REFERENCES fm_enterprises(id),
  product_id TEXT NOT NULL REFERENCES fm_products(id),
  institution_id TEXT NOT NULL REFERENCES orgs(id),
  bundle_ids TEXT NOT NULL,
  amount_fen BIGINT NOT NULL,
  state TEXT NOT NULL,
  reason TEXT NOT NULL,
  served_fen BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  decided_at BIGINT NOT NULL
);
CREATE INDEX fm_applications_enterprise ON fm_applications(enterprise_id);
CREATE INDEX fm_applications_institution ON fm_applications(institution_id);
CREATE TABLE fm_version (
  id BIGINT PRIMARY KEY CHECK (id = 1),
  value BIGINT NOT NULL
);
INSERT INTO fm_version (id, value) VALUES (1, 0);
)sql"};
}

store::Migration Scenarios::Migration() {
  return {"match", 2, "scenario lists", R"sql(
CREATE TABLE sc_listings (
  id TEXT PRIMARY KEY,
  list TEXT NOT NULL,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  domain TEXT NOT NULL,
  tags TEXT NOT NULL,
  district TEXT NOT NULL,
  budget_fen BIGINT NOT NULL,
  deadline TEXT NOT NULL,
  refs TEXT NOT NULL,
  state TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX sc_listings_list ON sc_listings(list, id);
CREATE TABLE sc_pairs (
  id TEXT PRIMARY KEY,
  demand_id TEXT NOT NULL REFERENCES sc_listings(id),
  capability_id TEXT NOT NULL REFERENCES sc_listings(id),
  state TEXT NOT NULL,
  note TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (demand_id, capability_id)
);
CREATE TABLE sc_version (
  id BIGINT PRIMARY KEY CHECK (id = 1),
  value BIGINT NOT NULL
);
INSERT INTO sc_version (id, value) VALUES (1, 0);
)sql"};
}

store::Migration PublicPolicies::Migration() {
  return {"match", 3, "policies that find people", R"sql(
ALTER TABLE fm_enterprises ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX fm_enterprises_change ON fm_enterprises(change_seq, id);
CREATE TABLE pl_policies (
  id TEXT PRIMARY KEY,
  issuer_id TEXT NOT NULL REFERENCES orgs(id),
  audience TEXT NOT NULL,
  title TEXT NOT NULL,
  summary TEXT NOT NULL,
  benefit TEXT NOT NULL,
  rule TEXT NOT NULL,
  valid_from TEXT NOT NULL,
  valid_until TEXT NOT NULL,
  version BIGINT NOT NULL,
  state TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE pl_versions (
  policy_id TEXT NOT NULL REFERENCES pl_policies(id),
  version BIGINT NOT NULL,
  title TEXT NOT NULL,
  benefit TEXT NOT NULL,
  rule TEXT NOT NULL,
  valid_from TEXT NOT NULL,
  valid_until TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (policy_id, version)
);
CREATE TABLE pl_screens (
  policy_id TEXT NOT NULL,
  version BIGINT NOT NULL,
  screened_at BIGINT NOT NULL,
  PRIMARY KEY (policy_id, version)
);
CREATE TABLE pl_notices (
  id TEXT PRIMARY KEY,
  policy_id TEXT NOT NULL,
  version BIGINT NOT NULL,
  entity_id TEXT NOT NULL,
  org_id TEXT NOT NULL,
  explanation TEXT NOT NULL,
  batch TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  read_at BIGINT NOT NULL,
  UNIQUE (policy_id, version, entity_id)
);
CREATE INDEX pl_notices_entity ON pl_notices(entity_id, id);
CREATE INDEX pl_notices_batch ON pl_notices(batch);
CREATE TABLE pl_follow (
  audience TEXT PRIMARY KEY,
  seq BIGINT NOT NULL,
  last_id TEXT NOT NULL
);
INSERT INTO pl_follow (audience, seq, last_id) VALUES ('enterprise', -1, '');
INSERT INTO pl_follow (audience, seq, last_id) VALUES ('person', -1, '');
CREATE TABLE pl_webhooks (
  org_id TEXT PRIMARY KEY REFERENCES orgs(id),
  url TEXT NOT NULL,
  secret_sealed BYTEA NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE pl_deliveries (
  notice_id TEXT PRIMARY KEY REFERENCES pl_notices(id),
  org_id TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts BIGINT NOT NULL,
  next_at BIGINT NOT NULL,
  last_error TEXT NOT NULL,
  delivered_at BIGINT NOT NULL
);
CREATE INDEX pl_deliveries_due ON pl_deliveries(state, next_at);
CREATE TABLE pl_version (
  id BIGINT PRIMARY KEY CHECK (id = 1),
  value BIGINT NOT NULL
);
INSERT INTO pl_version (id, value) VALUES (1, 0);
)sql"};
}

namespace {

// v4: each stored profile through ProfileInFen. A profile that cannot be read
// is logged and left as it is (the engine passes over it as before).
Status ProfilesInFen(store::Tx& tx) {
  QT_ASSIGN_OR_RETURN(store::Rows rows, tx.Query("SELECT id, profile FROM fm_enterprises"));
  for (const store::Row& r : rows) {
    auto profile = store::Decode<nlohmann::json>("fm_enterprises", r, [&] {
      return ProfileInFen(nlohmann::json::parse(r.Text("profile")));
    });
    if (!profile.ok()) continue;
    QT_RETURN_IF_ERROR(tx.Exec("UPDATE fm_enterprises SET profile = ? WHERE id = ?",
                               {profile->dump(), r.Text("id")})
                           .status());
  }
  return OkStatus();
}

}  // namespace

std::vector<store::Migration> Migrations() {
  return {Finance::Migration(),
          Scenarios::Migration(),
          PublicPolicies::Migration(),
          {"match", 4, "enterprise money in fen", "", ProfilesInFen}};
}

}  // namespace qt::match
