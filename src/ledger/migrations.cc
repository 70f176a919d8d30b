// The ledger's tables, as numbered migrations (store/store.h): the Merkle
// log's entries, nodes and head, its signed checkpoints (journal.h says how an
// append writes them), and the index of events by subject. Later migrations
// change the schema; none is ever edited.
#include "ledger/journal.h"

namespace qt::ledger {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE ledger_entries (
  seq BIGINT PRIMARY KEY,
  event TEXT NOT NULL
);
CREATE TABLE ledger_nodes (
  level BIGINT NOT NULL,
  idx BIGINT NOT NULL,
  hash BYTEA NOT NULL,
  PRIMARY KEY (level, idx)
);
CREATE TABLE ledger_head (
  id BIGINT PRIMARY KEY CHECK (id = 1),
  size BIGINT NOT NULL,
  frontier BYTEA NOT NULL
);
CREATE TABLE ledger_checkpoints (
  size BIGINT PRIMARY KEY,
  root BYTEA NOT NULL,
  published_at BIGINT NOT NULL,
  note TEXT NOT NULL
);
)sql";

// Events by subject, for Ledger::EventsAbout. The entries journaled before
// this migration are indexed later, by Ledger::IndexSubjects, up to `until_seq`.
constexpr const char* kSubjects = R"sql(
CREATE TABLE ledger_subjects (
  subject TEXT NOT NULL,
  seq BIGINT NOT NULL,
  PRIMARY KEY (subject, seq)
);
CREATE TABLE ledger_subjects_backfill (
  id BIGINT PRIMARY KEY CHECK (id = 1),
  done_seq BIGINT NOT NULL,
  until_seq BIGINT NOT NULL
);
INSERT INTO ledger_subjects_backfill (id, done_seq, until_seq)
  SELECT 1, 0, COUNT(*) FROM ledger_entries;
)sql";

}  // namespace

std::vector<store::Migration> Journal::Migrations() {
  return {{"ledger", 1, "entries, nodes, head and checkpoints", kSchema},
          {"ledger", 2, "events by subject", kSubjects}};
}

}  // namespace qt::ledger
