// The data space's tables, as numbered migrations (store/store.h): sources,
// pipelines and their runs, data products, offers, contracts and every use of
// a contract. (schema.cc is something else: the fields of a product's data.)
// Later migrations change the schema; none is ever edited.
#include "dataspace/dataspace.h"

namespace qt::dataspace {

std::vector<store::Migration> DataSpace::Migrations() {
  return {{"dataspace", 1, "sources, pipelines, runs, products, offers, contracts, uses", R"sql(
CREATE TABLE ds_sources (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  name TEXT NOT NULL,
  origin TEXT NOT NULL,
  path TEXT NOT NULL,
  bytes BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  fields TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX ds_sources_org ON ds_sources(org_id, id);
CREATE TABLE ds_pipelines (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  source_id TEXT NOT NULL REFERENCES ds_sources(id),
  name TEXT NOT NULL,
  spec TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX ds_pipelines_org ON ds_pipelines(org_id, id);
CREATE TABLE ds_runs (
  id TEXT PRIMARY KEY,
  pipeline_id TEXT NOT NULL REFERENCES ds_pipelines(id),
  org_id TEXT NOT NULL REFERENCES orgs(id),
  rows_in BIGINT NOT NULL,
  rows_out BIGINT NOT NULL,
  input_hash TEXT NOT NULL,
  output_hash TEXT NOT NULL,
  report TEXT NOT NULL,
  fields TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  finished_at BIGINT NOT NULL,
  ledger_seq BIGINT NOT NULL
);
CREATE INDEX ds_runs_pipeline ON ds_runs(pipeline_id, id);
CREATE TABLE ds_products (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  run_id TEXT NOT NULL REFERENCES ds_runs(id),
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  tags TEXT NOT NULL,
  update_frequency TEXT NOT NULL,
  licence TEXT NOT NULL,
  search_text TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE ds_offers (
  id TEXT PRIMARY KEY,
  product_id TEXT NOT NULL REFERENCES ds_products(id),
  provider_id TEXT NOT NULL REFERENCES orgs(id),
  title TEXT NOT NULL,
  policy TEXT NOT NULL,
  visible_to TEXT NOT NULL,
  negotiable_by TEXT NOT NULL,
  active BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX ds_offers_product ON ds_offers(product_id);
CREATE TABLE ds_contracts (
  id TEXT PRIMARY KEY,
  offer_id TEXT NOT NULL REFERENCES ds_offers(id),
  product_id TEXT NOT NULL REFERENCES ds_products(id),
  provider_id TEXT NOT NULL REFERENCES orgs(id),
  consumer_id TEXT NOT NULL REFERENCES orgs(id),
  state TEXT NOT NULL,
  policy TEXT NOT NULL,
  agreement TEXT NOT NULL,
  agreement_hash TEXT NOT NULL,
  provider_signature TEXT NOT NULL,
  consumer_signature TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX ds_contracts_provider ON ds_contracts(provider_id, id);
CREATE INDEX ds_contracts_consumer ON ds_contracts(consumer_id, id);
CREATE TABLE ds_usage (
  id TEXT PRIMARY KEY,
  contract_id TEXT NOT NULL REFERENCES ds_contracts(id),
  action TEXT NOT NULL,
  purpose TEXT NOT NULL,
  epsilon_milli BIGINT NOT NULL,
  receipt TEXT NOT NULL,
  signature TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX ds_usage_contract ON ds_usage(contract_id, id);
)sql"},
          {"dataspace", 2, "the delta each channel use spends; budgets per product and consumer",
           R"sql(
ALTER TABLE ds_usage ADD COLUMN delta_pico BIGINT NOT NULL DEFAULT 0;
CREATE INDEX ds_contracts_product_consumer ON ds_contracts(product_id, consumer_id);
)sql"}};
}

}  // namespace qt::dataspace
