// The compute market's tables, as numbered migrations (store/store.h):
// providers' clusters and their prices, enterprises' requests and the quotes
// they got, orders and their bills; and the compute vouchers: programmes,
// applications, vouchers, their redemptions, and related parties (who may not
// subsidise each other). Later migrations change the schema; none is ever
// edited.
#include "compute/market/market.h"
#include "compute/market/vouchers.h"

namespace qt::compute::market {

std::vector<store::Migration> Market::Migrations() {
  return {{"market", 1, "clusters, prices, requests, quotes, orders, bills", R"sql(
CREATE TABLE market_clusters (
  id TEXT PRIMARY KEY,
  provider_id TEXT NOT NULL REFERENCES orgs(id),
  name TEXT NOT NULL,
  region TEXT NOT NULL,
  backend TEXT NOT NULL,
  spec TEXT NOT NULL,
  available BIGINT NOT NULL,
  cards BIGINT NOT NULL,
  tflops BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (provider_id, name)
);
CREATE TABLE market_prices (
  cluster_id TEXT NOT NULL REFERENCES market_clusters(id),
  chip TEXT NOT NULL,
  fen_per_card_hour BIGINT NOT NULL,
  PRIMARY KEY (cluster_id, chip)
);
CREATE TABLE market_requests (
  id TEXT PRIMARY KEY,
  enterprise_id TEXT NOT NULL REFERENCES orgs(id),
  cards BIGINT NOT NULL,
  chip TEXT NOT NULL,
  gang BIGINT NOT NULL,
  duration_ms BIGINT NOT NULL,
  window_start BIGINT NOT NULL,
  window_end BIGINT NOT NULL,
  max_fen_per_card_hour BIGINT NOT NULL,
  state TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE market_quotes (
  id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL REFERENCES market_requests(id),
  cluster_id TEXT NOT NULL REFERENCES market_clusters(id),
  provider_id TEXT NOT NULL,
  pool TEXT NOT NULL,
  chip TEXT NOT NULL,
  fen_per_card_hour BIGINT NOT NULL,
  amount_fen BIGINT NOT NULL,
  start_ms BIGINT NOT NULL,
  end_ms BIGINT NOT NULL,
  leaves BIGINT NOT NULL,
  rank BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX market_quotes_request ON market_quotes (request_id);
CREATE TABLE market_orders (
  id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL UNIQUE REFERENCES market_requests(id),
  quote_id TEXT NOT NULL REFERENCES market_quotes(id),
  enterprise_id TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  cluster_id TEXT NOT NULL REFERENCES market_clusters(id),
  pool TEXT NOT NULL,
  chip TEXT NOT NULL,
  cards BIGINT NOT NULL,
  start_ms BIGINT NOT NULL,
  end_ms BIGINT NOT NULL,
  fen_per_card_hour BIGINT NOT NULL,
  amount_fen BIGINT NOT NULL,
  state TEXT NOT NULL,
  reason TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  finished_at BIGINT NOT NULL,
  usage_card_ms BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX market_orders_pool ON market_orders (cluster_id, pool, state);
CREATE INDEX market_orders_state ON market_orders (state, start_ms);
CREATE TABLE market_bills (
  id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL UNIQUE REFERENCES market_orders(id),
  enterprise_id TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  usage_card_ms BIGINT NOT NULL,
  gross_fen BIGINT NOT NULL,
  voucher_fen BIGINT NOT NULL,
  payable_fen BIGINT NOT NULL,
  lines TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
)sql"},
          {"market", 2, "the backend's job id of an order (Slurm)",
           "ALTER TABLE market_orders ADD COLUMN backend_job TEXT NOT NULL DEFAULT '';"},
          // SQLite chose the (state, start_ms) index for the matcher's
          // reservation scan, reading every accepted order once per pool;
          // with end_ms in the pool index it reads only that pool's.
          {"market", 3, "reservation index by pool, state and end",
           "DROP INDEX market_orders_pool;\n"
           "CREATE INDEX market_orders_pool ON market_orders (cluster_id, pool, state, end_ms);"},
          // The matcher keeps every pool's occupancy in memory (quote_memory.h):
          // each write of reservations, clusters or prices takes the next
          // change number and stamps its rows, so a process catches up with
          // another's writes by reading the rows stamped after its own number.
          {"market", 4, "change number of reservations, clusters and prices", R"sql(
CREATE TABLE market_changes (
  id BIGINT PRIMARY KEY CHECK (id = 1),
  seq BIGINT NOT NULL
);
INSERT INTO market_changes (id, seq) VALUES (1, 0);
ALTER TABLE market_orders ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX market_orders_change ON market_orders (change_seq);
ALTER TABLE market_clusters ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
)sql"}};
}

std::vector<store::Migration> Vouchers::Migrations() {
  return {{"vouchers", 1, "programmes, applications, vouchers, redemptions, related parties", R"sql(
CREATE TABLE voucher_programmes (
  id TEXT PRIMARY KEY,
  authority_id TEXT NOT NULL REFERENCES orgs(id),
  name TEXT NOT NULL,
  budget_fen BIGINT NOT NULL,
  ratio_bp BIGINT NOT NULL,
  cap_fen BIGINT NOT NULL,
  valid_from BIGINT NOT NULL,
  valid_to BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE vouchers (
  id TEXT PRIMARY KEY,
  programme_id TEXT NOT NULL REFERENCES voucher_programmes(id),
  enterprise_id TEXT NOT NULL REFERENCES orgs(id),
  amount_fen BIGINT NOT NULL,
  year BIGINT NOT NULL,
  issued_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX vouchers_enterprise ON vouchers (enterprise_id);
CREATE TABLE voucher_applications (
  id TEXT PRIMARY KEY,
  programme_id TEXT NOT NULL REFERENCES voucher_programmes(id),
  enterprise_id TEXT NOT NULL REFERENCES orgs(id),
  year BIGINT NOT NULL,
  amount_fen BIGINT NOT NULL,
  state TEXT NOT NULL,
  reason TEXT NOT NULL,
  voucher_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  decided_at BIGINT NOT NULL,
  UNIQUE (programme_id, enterprise_id, year)
);
CREATE TABLE voucher_redemptions (
  id TEXT PRIMARY KEY,
  voucher_id TEXT NOT NULL REFERENCES vouchers(id),
  bill_id TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  amount_fen BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX voucher_redemptions_voucher ON voucher_redemptions (voucher_id);
CREATE TABLE voucher_related_parties (
  enterprise_id TEXT NOT NULL REFERENCES orgs(id),
  provider_id TEXT NOT NULL REFERENCES orgs(id),
  authority_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (enterprise_id, provider_id)
);
)sql"}};
}

}  // namespace qt::compute::market
