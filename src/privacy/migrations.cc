// The privacy services' tables, as numbered migrations (store/store.h): PSI
// sessions (their sizes and states, never the items) and deliveries (the
// fingerprint key of each, to trace a leaked copy back to its recipient).
// Later migrations change the schema; none is ever edited.
#include "privacy/delivery_service.h"
#include "privacy/psi_service.h"

namespace qt::privacy {

std::vector<store::Migration> PsiService::Migrations() {
  return {{"privacy", 1, "PSI sessions", R"sql(
CREATE TABLE psi_sessions (
  id TEXT PRIMARY KEY,
  contract_id TEXT NOT NULL REFERENCES ds_contracts(id),
  consumer_id TEXT NOT NULL REFERENCES orgs(id),
  provider_id TEXT NOT NULL REFERENCES orgs(id),
  column_name TEXT NOT NULL,
  output TEXT NOT NULL,
  server_size BIGINT NOT NULL,
  client_size BIGINT NOT NULL,
  state TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
)sql"},
          // Module "psi": "privacy" 2 is the deliveries' table, below.
          {"psi", 1, "PSI sessions by consumer and time (sessions per day)", R"sql(
CREATE INDEX psi_sessions_consumer ON psi_sessions(consumer_id, created_at);
)sql"}};
}

std::vector<store::Migration> DeliveryService::Migrations() {
  return {{"privacy", 2, "deliveries", R"sql(
CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  contract_id TEXT NOT NULL REFERENCES ds_contracts(id),
  product_id TEXT NOT NULL REFERENCES ds_products(id),
  provider_id TEXT NOT NULL REFERENCES orgs(id),
  recipient_id TEXT NOT NULL REFERENCES orgs(id),
  columns TEXT NOT NULL,
  fingerprint_key BYTEA NOT NULL,
  content_sha256 TEXT NOT NULL,
  bytes BIGINT NOT NULL,
  state TEXT NOT NULL,
  receipt TEXT NOT NULL,
  receipt_signature TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  received_at BIGINT NOT NULL
);
CREATE INDEX deliveries_product ON deliveries(product_id);
)sql"}};
}

}  // namespace qt::privacy
