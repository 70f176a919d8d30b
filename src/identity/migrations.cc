// The identity service's schema: each migration's SQL, in order (store::Migration, store/store.h).
#include "identity/identity.h"

namespace qt::identity {

std::vector<store::Migration> Identity::Migrations() {
  return {{"identity", 1, "citizen and talent codes", R"sql(
CREATE TABLE id_secrets (
  name TEXT PRIMARY KEY,
  sealed BYTEA NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE id_keys (
  kid TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  public_key BYTEA NOT NULL,
  secret_sealed BYTEA NOT NULL,
  created_at BIGINT NOT NULL,
  retired_at BIGINT NOT NULL,
  not_after BIGINT NOT NULL
);
CREATE TABLE id_citizens (
  id TEXT PRIMARY KEY,
  resident_hash TEXT NOT NULL UNIQUE,
  sealed BYTEA NOT NULL,
  name_masked TEXT NOT NULL,
  district TEXT NOT NULL,
  concession TEXT NOT NULL,
  birth_year TEXT NOT NULL,
  talent_category TEXT NOT NULL,
  talent_until TEXT NOT NULL,
  status TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  enrolled_by TEXT NOT NULL REFERENCES orgs(id),
  revoke_reason TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE id_counters (
  name TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);
INSERT INTO id_counters (name, value) VALUES ('static', 0);
CREATE TABLE id_codes (
  code_id TEXT PRIMARY KEY,
  citizen_id TEXT NOT NULL REFERENCES id_citizens(id),
  kind TEXT NOT NULL,
  serial TEXT UNIQUE,
  kid TEXT NOT NULL,
  issued_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX id_codes_citizen ON id_codes(citizen_id);
CREATE TABLE id_revocations (
  seq BIGINT PRIMARY KEY,
  serial TEXT NOT NULL,
  citizen_id TEXT NOT NULL,
  revoked_at BIGINT NOT NULL,
  reason TEXT NOT NULL,
  head TEXT NOT NULL
);
CREATE TABLE id_terminals (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  category TEXT NOT NULL,
  name TEXT NOT NULL,
  public_key TEXT NOT NULL UNIQUE,
  state TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE id_scans (
  id TEXT PRIMARY KEY,
  terminal_id TEXT NOT NULL REFERENCES id_terminals(id),
  org_id TEXT NOT NULL,
  category TEXT NOT NULL,
  code_id TEXT NOT NULL,
  citizen_id TEXT,
  claims_read TEXT NOT NULL,
  result TEXT NOT NULL,
  check_result TEXT NOT NULL,
  scanned_at BIGINT NOT NULL,
  received_at BIGINT NOT NULL,
  signature TEXT NOT NULL UNIQUE
);
CREATE INDEX id_scans_citizen ON id_scans(citizen_id, id);
CREATE INDEX id_scans_code ON id_scans(code_id, category);
CREATE INDEX id_scans_org ON id_scans(org_id, id);
)sql"},
          {"identity", 2, "citizens in change order", R"sql(
ALTER TABLE id_citizens ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX id_citizens_change ON id_citizens(change_seq, id);
INSERT INTO id_counters (name, value) VALUES ('changes', 0);
)sql"},
          {"identity", 3, "scopes: category grants, citizens' authorities, delegations", R"sql(
CREATE TABLE id_grants (
  org_id TEXT NOT NULL REFERENCES orgs(id),
  category TEXT NOT NULL,
  granted_by TEXT NOT NULL,
  granted_at BIGINT NOT NULL,
  PRIMARY KEY (org_id, category)
);
INSERT INTO id_grants (org_id, category, granted_by, granted_at)
  SELECT DISTINCT org_id, category, 'migration', 0 FROM id_terminals;
ALTER TABLE id_citizens ADD COLUMN authority_id TEXT NOT NULL DEFAULT '';
UPDATE id_citizens SET authority_id = enrolled_by;
CREATE INDEX id_citizens_authority ON id_citizens(authority_id, id);
CREATE TABLE id_delegations (
  owner_id TEXT NOT NULL REFERENCES orgs(id),
  delegate_id TEXT NOT NULL REFERENCES orgs(id),
  granted_by TEXT NOT NULL,
  granted_at BIGINT NOT NULL,
  PRIMARY KEY (owner_id, delegate_id)
);
UPDATE id_citizens SET name_masked = substr(name_masked, 1, 1) || '**';
)sql"},
          {"identity", 4, "running counts of citizens, talents, scans and codes", R"sql(
INSERT INTO id_counters (name, value) SELECT 'citizens', COUNT(*) FROM id_citizens;
INSERT INTO id_counters (name, value)
  SELECT 'revoked', COUNT(*) FROM id_citizens WHERE status = 'revoked';
INSERT INTO id_counters (name, value)
  SELECT 'talents', COUNT(*) FROM id_citizens WHERE talent_category <> '';
INSERT INTO id_counters (name, value) SELECT 'scans', COUNT(*) FROM id_scans;
INSERT INTO id_counters (name, value) SELECT 'codes', COUNT(*) FROM id_codes;
INSERT INTO id_counters (name, value)
  SELECT 'district:' || district, COUNT(*) FROM id_citizens WHERE status <> 'revoked'
  GROUP BY district;
INSERT INTO id_counters (name, value)
  SELECT 'talent:' || talent_category, COUNT(*) FROM id_citizens WHERE talent_category <> ''
  GROUP BY talent_category;
INSERT INTO id_counters (name, value)
  SELECT 'scan:' || category || ':' || CAST(((scanned_at / 3600000 + 8) % 24 + 24) % 24 AS TEXT),
         COUNT(*)
  FROM id_scans
  GROUP BY category, ((scanned_at / 3600000 + 8) % 24 + 24) % 24;
)sql"},
          {"identity", 5, "enrolments refused because the person was already enrolled", R"sql(
CREATE TABLE id_enrol_conflicts (
  org_id TEXT NOT NULL,
  at BIGINT NOT NULL
);
CREATE INDEX id_enrol_conflicts_org ON id_enrol_conflicts(org_id, at);
)sql"}};
}

}  // namespace qt::identity
