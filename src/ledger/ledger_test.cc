#include "ledger/ledger.h"

#include <gtest/gtest.h>

#include "crypto/random.h"
#include "ledger/journal.h"
#include "ledger/memory_log.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_database.h"

namespace qt::ledger {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

// Every test runs on SQLite, and on PostgreSQL when QIANTANG_TEST_PG is set.
class LedgerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    store_ = *store::OpenStore(db_.url(), {});
    ASSERT_THAT(store::Migrate(*store_, Journal::Migrations()), IsOk());
    key_ = crypto::GenerateSigningKey(crypto::SystemRandom::Get());
    LedgerOptions o;
    o.clock = &clock_;
    o.key = key_.public_key;
    o.sign = [this](std::span<const uint8_t> m) -> Result<crypto::Signature> {
      return crypto::Sign(key_, m);
    };
    ledger_ = std::make_unique<Ledger>(*store_, o);
  }

  void AppendN(int n, const std::string& kind = "test.made") {
    for (int i = 0; i < n; ++i) {
      ASSERT_THAT(store_->Write([&](store::Tx& tx) {
        return journal_
            .Append(tx, {"org_x", kind, "obj_" + std::to_string(i), {{"i", i}, {"名", "杭州"}}})
            .status();
      }),
                  IsOk());
      clock_.Advance(1);
    }
  }

  uint64_t Size() {
    uint64_t size = 0;
    EXPECT_THAT(store_->Read([&](store::Tx& tx) -> Status {
      QT_ASSIGN_OR_RETURN(Head head, ReadHead(tx));
      size = head.size;
      return OkStatus();
    }),
                IsOk());
    return size;
  }

  // The audit's finding; fails the test if the audit finds nothing.
  AuditFinding AuditFinds(uint64_t index) {
    auto report = ledger_->Audit();
    EXPECT_TRUE(report.ok() && report->finding) << "the audit found nothing";
    if (!report.ok() || !report->finding) return {};
    EXPECT_EQ(report->finding->index, index) << report->finding->what;
    return *report->finding;
  }

  // Does entry `index`, as now stored, still prove into `cp`?
  bool StillProves(uint64_t index, const StoredCheckpoint& cp) {
    auto entry = ledger_->Entries(index, index + 1)->at(0);
    auto proof = *ledger_->InclusionProof(index, cp.checkpoint.size);
    return VerifyInclusion(index, cp.checkpoint.size, entry.leaf_hash, ToBytes(proof),
                           cp.checkpoint.root)
        .ok();
  }

  void Exec(const std::string& sql, store::Params p = {}) {
    ASSERT_THAT(store_->Write([&](store::Tx& tx) { return tx.Exec(sql, p).status(); }), IsOk());
  }

  qt::testing::TestDatabase db_{GetParam()};
  ManualClock clock_{1'790'000'000'000};
  std::unique_ptr<store::Store> store_;
  Journal journal_{clock_};
  crypto::SigningKey key_;
  std::unique_ptr<Ledger> ledger_;
};

INSTANTIATE_TEST_SUITE_P(Backends, LedgerTest, ::testing::ValuesIn(qt::testing::TestBackends()),
                         qt::testing::BackendName());

TEST_P(LedgerTest, StoredLogMatchesAnInMemoryTreeAndItsProofsVerify) {
  AppendN(37);
  ASSERT_EQ(Size(), 37u);
  auto entries = *ledger_->Entries(0, 37);
  MemoryLog mem;
  for (const auto& e : entries) {
    EXPECT_THAT(CheckEncodedEvent(e.event, e.index), IsOk()) << e.event;
    mem.AppendLeafHash(e.leaf_hash);
  }
  auto cp = ledger_->Publish();
  ASSERT_THAT(cp, IsOk()) << cp.status().ToString();
  EXPECT_EQ(cp->checkpoint.size, 37u);
  EXPECT_EQ(cp->checkpoint.root, mem.Root());
  for (uint64_t i = 0; i < 37; ++i) {
    auto proof = ledger_->InclusionProof(i, 37);
    ASSERT_THAT(proof, IsOk());
    EXPECT_THAT(VerifyInclusion(i, 37, entries[i].leaf_hash, ToBytes(*proof), cp->checkpoint.root),
                IsOk())
        << i;
  }
  auto ev = ledger_->ProveEvent(5);
  ASSERT_THAT(ev, IsOk());
  EXPECT_THAT(VerifyInclusion(5, ev->checkpoint.checkpoint.size, ev->entry.leaf_hash,
                              ToBytes(ev->proof), ev->checkpoint.checkpoint.root),
              IsOk());
  EXPECT_NE(entries[0].event.find("\"名\":\"杭州\""), std::string::npos) << entries[0].event;
}

TEST_P(LedgerTest, AFailedTransactionAppendsNothing) {
  AppendN(3);
  Status s = store_->Write([&](store::Tx& tx) -> Status {
    QT_RETURN_IF_ERROR(journal_.Append(tx, {"org_x", "test.made", "obj", {}}).status());
    return InvalidArgument("the change itself failed");
  });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(Size(), 3u);
  AppendN(1);
  auto report = *ledger_->Audit();
  EXPECT_FALSE(report.finding) << report.finding->what;
  EXPECT_EQ(report.size, 4u);
}

TEST_P(LedgerTest, CheckpointsAreSignedConsistentAndPublishedOncePerSize) {
  EXPECT_THAT(ledger_->Publish(), StatusIs(StatusCode::kFailedPrecondition));
  AppendN(5);
  auto a = *ledger_->Publish();
  auto again = *ledger_->Publish();
  EXPECT_EQ(a.note, again.note);
  auto v = *ParseVerifierKey(ledger_->VerifierKey());
  ASSERT_THAT(OpenNote(a.note, {v}), IsOk());
  AppendN(12);
  auto b = *ledger_->Publish();
  EXPECT_EQ(b.checkpoint.size, 17u);
  auto proof = *ledger_->ConsistencyProof(5, 17);
  EXPECT_THAT(VerifyConsistency(5, 17, ToBytes(proof), a.checkpoint.root, b.checkpoint.root),
              IsOk());
  EXPECT_EQ(ledger_->Checkpoints(0, 10)->size(), 2u);
  EXPECT_EQ(ledger_->CheckpointAt(5)->note, a.note);
  EXPECT_EQ(ledger_->LatestCheckpoint()->note, b.note);
  auto report = *ledger_->Audit();
  EXPECT_FALSE(report.finding);
  EXPECT_EQ(report.checkpoints_checked, 2u);
}

TEST_P(LedgerTest, BadRangesAreRefused) {
  AppendN(4);
  EXPECT_THAT(ledger_->Entries(2, 2), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ledger_->Entries(0, 5), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ledger_->Entries(0, 2000), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ledger_->InclusionProof(4, 4), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ledger_->InclusionProof(0, 5), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ledger_->ConsistencyProof(0, 4), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ledger_->ConsistencyProof(3, 2), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ledger_->ConsistencyProof(2, 9), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ledger_->ProveEvent(99), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(ledger_->ProveEvent(1),
              StatusIs(StatusCode::kFailedPrecondition));  // no checkpoint yet
}

TEST_P(LedgerTest, EventsAboutASubjectAreIndexedAsJournaledAndBackfilledForOlderEntries) {
  AppendN(6);  // subjects obj_0..obj_5
  AppendN(3);  // obj_0..obj_2 again
  using V = std::vector<uint64_t>;
  constexpr std::optional<uint64_t> kAll;
  // The page's indexes, then its next_before (UINT64_MAX for none).
  auto page = [&](Ledger& l, const std::string& subject, std::optional<uint64_t> before,
                  int limit) {
    V out;
    auto events = l.EventsAbout(subject, before, limit);
    EXPECT_THAT(events, IsOk()) << events.status().ToString();
    if (events.ok()) {
      for (const Entry& e : events->entries) out.push_back(e.index);
      out.push_back(events->next_before.value_or(UINT64_MAX));
    }
    return out;
  };
  constexpr uint64_t kEnd = UINT64_MAX;
  EXPECT_EQ(page(*ledger_, "obj_1", kAll, 10), (V{7, 1, kEnd}));
  EXPECT_EQ(page(*ledger_, "obj_1", 7, 10), (V{1, kEnd}));
  EXPECT_EQ(page(*ledger_, "obj_0", kAll, 1), (V{6, 6}));  // more below 6
  EXPECT_EQ(page(*ledger_, "obj_0", 6, 1), (V{0, kEnd}));  // the last page says so
  EXPECT_EQ(page(*ledger_, "obj_0", 0, 10), V{kEnd});      // nothing is below index 0
  EXPECT_EQ(page(*ledger_, "obj_1", 2, 2), (V{1, kEnd}));  // a full page with nothing older
  EXPECT_EQ(page(*ledger_, "obj_5", kAll, 10), (V{5, kEnd}));
  EXPECT_EQ(page(*ledger_, "nobody", kAll, 10), V{kEnd});

  // A database from before the index: its entries are indexed on first use.
  Exec("DELETE FROM ledger_subjects");
  Exec("UPDATE ledger_subjects_backfill SET done_seq = 0, until_seq = 9");
  AppendN(1);  // journaled after the migration: indexed as it is appended
  LedgerOptions o;
  o.clock = &clock_;
  o.key = key_.public_key;
  Ledger reopened(*store_, o);
  EXPECT_EQ(page(reopened, "obj_0", kAll, 10), (V{9, 6, 0, kEnd}));
  EXPECT_EQ(page(reopened, "obj_2", kAll, 10), (V{8, 2, kEnd}));

  EXPECT_THAT(ledger_->EventsAbout("", kAll, 10), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ledger_->EventsAbout("x", kAll, 0), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ledger_->EventsAbout("x", kAll, 1001), StatusIs(StatusCode::kInvalidArgument));
}

TEST_P(LedgerTest, AuditNamesTheIndexOfAnEditedEvent) {
  AppendN(40);
  auto cp = *ledger_->Publish();
  Exec(
      "UPDATE ledger_entries SET event = REPLACE(event, '\"obj_23\"', '\"obj_99\"') WHERE seq = "
      "23");
  AuditFinds(23);
  // The served leaf hash is recomputed from the edited event: its proof fails.
  EXPECT_FALSE(StillProves(23, cp));
}

TEST_P(LedgerTest, AuditNamesTheIndexOfAnEditedPayload) {
  AppendN(10);
  Exec("UPDATE ledger_entries SET event = REPLACE(event, '{\"i\":7,', '{\"i\":8,') WHERE seq = 7");
  EXPECT_NE(AuditFinds(7).what.find("payload_hash"), std::string::npos);
}

TEST_P(LedgerTest, AuditNamesTheIndexWhereAnEditedNodeIsCompleted) {
  AppendN(40);
  auto cp = *ledger_->Publish();
  // Node 2/3 covers leaves 12..15: it is completed by leaf 15.
  Exec("UPDATE ledger_nodes SET hash = ? WHERE level = 2 AND idx = 3", {store::Bytes(32, 0xab)});
  AuditFinds(15);
  // Proofs through that node (it is the sibling of node 2/2, leaves 8..11) no longer verify.
  EXPECT_TRUE(StillProves(0, cp));
  EXPECT_FALSE(StillProves(8, cp));
}

TEST_P(LedgerTest, AuditNamesAnEditedLeafHash) {
  AppendN(9);
  Exec("UPDATE ledger_nodes SET hash = ? WHERE level = 0 AND idx = 4", {store::Bytes(32, 0x01)});
  AuditFinds(4);
}

TEST_P(LedgerTest, AForkedCheckpointIsNotConsistentWithTheRealOne) {
  AppendN(8);
  auto real = *ledger_->Publish();
  // A second log that shares the first 5 events and then differs.
  auto entries = *ledger_->Entries(0, 5);
  MemoryLog fork;
  for (const auto& e : entries) fork.AppendLeafHash(e.leaf_hash);
  for (int i = 0; i < 5; ++i) {
    Hash h{};
    h[0] = static_cast<uint8_t>(i);
    fork.AppendLeafHash(h);
  }
  // The fork at size 10 is not an extension of the real log at size 8, whatever proof is offered.
  auto proof = *ConsistencyProof(fork, 8, 10);
  EXPECT_FALSE(VerifyConsistency(8, 10, ToBytes(proof), real.checkpoint.root, fork.Root()).ok());
}

}  // namespace
}  // namespace qt::ledger
