// The exchange's schema: each migration's SQL, in order (store::Migration, store/store.h).
#include "exchange/exchange.h"

namespace qt::exchange {

std::vector<store::Migration> Exchange::Migrations() {
  return {{"exchange", 1, "applications, objections, certificates, pledges, listings, trades",
           R"sql(
CREATE TABLE ex_applications (
  id TEXT PRIMARY KEY,
  applicant_id TEXT NOT NULL REFERENCES orgs(id),
  holder_name TEXT NOT NULL,
  credit_code TEXT NOT NULL,
  rights TEXT NOT NULL,
  data_name TEXT NOT NULL,
  description TEXT NOT NULL,
  data_type TEXT NOT NULL,
  source_kind TEXT NOT NULL,
  source_ref TEXT NOT NULL,
  format TEXT NOT NULL,
  scale TEXT NOT NULL,
  update_cycle TEXT NOT NULL,
  product_id TEXT NOT NULL,
  snapshot_sha256 TEXT NOT NULL,
  state TEXT NOT NULL,
  grounds TEXT NOT NULL,
  notice_until BIGINT NOT NULL,
  reviewer_id TEXT NOT NULL,
  certificate_number TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX ex_applications_applicant ON ex_applications(applicant_id, id);
CREATE INDEX ex_applications_state ON ex_applications(state, id);
CREATE INDEX ex_applications_snapshot ON ex_applications(snapshot_sha256);
CREATE TABLE ex_evidence (
  id TEXT PRIMARY KEY,
  application_id TEXT NOT NULL REFERENCES ex_applications(id),
  name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  bytes BIGINT NOT NULL,
  content BYTEA NOT NULL
);
CREATE INDEX ex_evidence_application ON ex_evidence(application_id);
CREATE TABLE ex_objections (
  id TEXT PRIMARY KEY,
  application_id TEXT NOT NULL REFERENCES ex_applications(id),
  objector_id TEXT NOT NULL REFERENCES orgs(id),
  reason TEXT NOT NULL,
  state TEXT NOT NULL,
  resolution TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  resolved_at BIGINT NOT NULL
);
CREATE INDEX ex_objections_application ON ex_objections(application_id);
CREATE TABLE ex_disputes (
  id TEXT PRIMARY KEY,
  snapshot_sha256 TEXT NOT NULL,
  registered_application_id TEXT NOT NULL REFERENCES ex_applications(id),
  claimant_id TEXT NOT NULL REFERENCES orgs(id),
  created_at BIGINT NOT NULL
);
CREATE TABLE ex_counters (
  registry TEXT PRIMARY KEY,
  next_seq BIGINT NOT NULL
);
CREATE TABLE ex_certificates (
  number TEXT NOT NULL,
  version BIGINT NOT NULL,
  change TEXT NOT NULL,
  status TEXT NOT NULL,
  holder_id TEXT NOT NULL REFERENCES orgs(id),
  issuer_id TEXT NOT NULL REFERENCES orgs(id),
  application_id TEXT NOT NULL REFERENCES ex_applications(id),
  document TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  signature TEXT NOT NULL,
  valid_until BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (number, version)
);
CREATE INDEX ex_certificates_holder ON ex_certificates(holder_id, number);
CREATE TABLE ex_pledges (
  id TEXT PRIMARY KEY,
  number TEXT NOT NULL,
  holder_id TEXT NOT NULL REFERENCES orgs(id),
  institution_id TEXT NOT NULL REFERENCES orgs(id),
  amount_fen BIGINT NOT NULL,
  term_days BIGINT NOT NULL,
  state TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  confirmed_at BIGINT NOT NULL,
  released_at BIGINT NOT NULL
);
CREATE INDEX ex_pledges_number ON ex_pledges(number);
CREATE TABLE ex_listings (
  id TEXT PRIMARY KEY,
  number TEXT NOT NULL,
  seller_id TEXT NOT NULL REFERENCES orgs(id),
  offer_id TEXT NOT NULL REFERENCES ds_offers(id),
  product_id TEXT NOT NULL REFERENCES ds_products(id),
  title TEXT NOT NULL,
  price_fen BIGINT NOT NULL,
  terms TEXT NOT NULL,
  active BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE ex_trades (
  id TEXT PRIMARY KEY,
  listing_id TEXT NOT NULL REFERENCES ex_listings(id),
  buyer_id TEXT NOT NULL REFERENCES orgs(id),
  seller_id TEXT NOT NULL REFERENCES orgs(id),
  contract_id TEXT NOT NULL REFERENCES ds_contracts(id),
  quantity BIGINT NOT NULL,
  amount_fen BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
)sql"},
          {"exchange", 2, "trades settle when the seller confirms payment; listings cap an order",
           R"sql(
ALTER TABLE ex_trades ADD COLUMN state TEXT NOT NULL DEFAULT 'settled';
ALTER TABLE ex_listings ADD COLUMN max_quantity BIGINT NOT NULL DEFAULT 1;
UPDATE ex_listings SET max_quantity = 1000 WHERE terms = 'per_query';
UPDATE ex_listings SET max_quantity = 12 WHERE terms = 'subscription';
)sql"},
          {"exchange", 3, "the registry's reviewers, appointed by the operator", R"sql(
CREATE TABLE ex_reviewers (
  org_id TEXT PRIMARY KEY REFERENCES orgs(id),
  appointed_by TEXT NOT NULL,
  appointed_at BIGINT NOT NULL
);
INSERT INTO ex_reviewers (org_id, appointed_by, appointed_at)
  SELECT DISTINCT reviewer_id, 'migration', 0 FROM ex_applications WHERE reviewer_id <> '';
)sql"}};
}

}  // namespace qt::exchange
