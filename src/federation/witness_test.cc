#include "federation/witness.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "crypto/encoding.h"
#include "crypto/random.h"
#include "crypto/sha256.h"
#include "federation/cosignature.h"
#include "ledger/verify.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_database.h"

namespace qt::federation {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

using nlohmann::json;

// The classic 8-leaf tree of transparency-dev/merkle (testdata/merkle): roots
// and consistency proofs made by an implementation other than ours.
const json& Reference() {
  static const json j = [] {
    std::ifstream in(std::filesystem::path(std::getenv("QIANTANG_TESTDATA")) / "merkle" /
                     "reference_tree.json");
    return json::parse(in);
  }();
  return j;
}

std::string Root64(int size) {
  auto bytes =
      *crypto::HexDecode(Reference()["rootsBySize"][std::to_string(size)].get<std::string>());
  return crypto::Base64Encode(bytes);
}

// The reference proof lines from size1 to size2.
std::string ProofLines(int size1, int size2) {
  for (const json& c : Reference()["consistencyProofs"]) {
    if (c["size1"] == size1 && c["size2"] == size2) {
      std::string out;
      for (const json& h : c["proof"]) {
        out += crypto::Base64Encode(*crypto::HexDecode(h.get<std::string>())) + "\n";
      }
      return out;
    }
  }
  ADD_FAILURE() << "no reference proof " << size1 << " -> " << size2;
  return "";
}

struct Log {
  explicit Log(std::string o) : origin(std::move(o)) {}
  std::string origin;
  crypto::SigningKey key = crypto::GenerateSigningKey(crypto::SystemRandom::Get());
  std::string vkey() const { return ledger::FormatVerifierKey(origin, key.public_key); }
  std::string hash() const { return crypto::HexEncode(crypto::Sha256(origin)); }
  // A checkpoint of the reference tree at `size` (or with another size's root).
  std::string Checkpoint(int size, int root_of = -1) const {
    const std::string text =
        origin + "\n" + std::to_string(size) + "\n" + Root64(root_of < 0 ? size : root_of) + "\n";
    return *ledger::SignNote(text, origin, key.public_key,
                             [this](std::span<const uint8_t> m) -> Result<crypto::Signature> {
                               return crypto::Sign(key, m);
                             });
  }
};

std::string Body(uint64_t old, const std::string& proof, const std::string& checkpoint) {
  return "old " + std::to_string(old) + "\n" + proof + "\n" + checkpoint;
}

class WitnessTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    store_ = *store::OpenStore(db_.url(), {});
    auto migrations = ledger::Journal::Migrations();
    for (auto& m : Witness::Migrations()) migrations.push_back(m);
    ASSERT_THAT(store::Migrate(*store_, migrations), IsOk());
    witness_ = Open();
  }

  std::unique_ptr<Witness> Open() {
    auto w = Witness::Open(*store_, {.name = "hangzhou.qiantang/witness",
                                     .clock = &clock_,
                                     .random = &crypto::SystemRandom::Get(),
                                     .master_key = &master_,
                                     .journal = &journal_});
    EXPECT_THAT(w, IsOk()) << w.status().ToString();
    return std::move(*w);
  }

  AddCheckpointResult Add(const std::string& body) {
    auto r = witness_->AddCheckpoint(body);
    EXPECT_THAT(r, IsOk()) << r.status().ToString();
    return r.ok() ? *r : AddCheckpointResult{};
  }

  ledger::NoteVerifier WitnessKey() {
    return *ledger::ParseVerifierKey(witness_->VerifierKey(), ledger::kCosignatureEd25519);
  }

  qt::testing::TestDatabase db_{GetParam()};
  std::unique_ptr<store::Store> store_;
  ManualClock clock_{1'790'000'000'000};
  std::array<uint8_t, 32> raw_master_{7};
  crypto::MasterKey master_{raw_master_};
  ledger::Journal journal_{clock_};
  std::unique_ptr<Witness> witness_;
  Log log_{"city-a.example/ledger"};
};

TEST_P(WitnessTest, CosignsAnExtendingLogAndServesItToMonitors) {
  EXPECT_EQ(Add(Body(0, "", log_.Checkpoint(1))).outcome, AddOutcome::kUnknownLog);
  ASSERT_THAT(witness_->AddLog("org_op", log_.vkey()), IsOk());

  auto first = Add(Body(0, "", log_.Checkpoint(1)));
  ASSERT_EQ(first.outcome, AddOutcome::kCosigned) << first.body;
  auto cosigned = VerifyCosignatures(log_.Checkpoint(1) + first.body, {WitnessKey()});
  ASSERT_THAT(cosigned, IsOk()) << cosigned.status().ToString();
  ASSERT_EQ(cosigned->size(), 1u);
  EXPECT_EQ((*cosigned)[0].timestamp, 1'790'000'000u);

  // The client does not know the witness's size: old 0 learns it.
  auto conflict = Add(Body(0, "", log_.Checkpoint(8)));
  EXPECT_EQ(conflict.outcome, AddOutcome::kConflict);
  EXPECT_EQ(conflict.size, 1u);
  EXPECT_EQ(conflict.body, "1\n");

  EXPECT_EQ(Add(Body(1, ProofLines(1, 8), log_.Checkpoint(8))).outcome, AddOutcome::kCosigned);
  EXPECT_EQ(Add(Body(8, "", log_.Checkpoint(8))).outcome, AddOutcome::kCosigned);  // again, same

  // Monitors read the latest: the log's signature and the witness's cosignature.
  auto latest = witness_->LatestCheckpoint(log_.hash());
  ASSERT_THAT(latest, IsOk()) << latest.status().ToString();
  auto opened = ledger::OpenCheckpoint(*latest, *ledger::ParseVerifierKey(log_.vkey()));
  ASSERT_THAT(opened, IsOk()) << opened.status().ToString();
  EXPECT_EQ(opened->size, 8u);
  EXPECT_EQ(VerifyCosignatures(*latest, {WitnessKey()})->size(), 1u);
  EXPECT_THAT(witness_->LatestCheckpoint(crypto::HexEncode(crypto::Sha256("nobody"))),
              StatusIs(StatusCode::kNotFound));
}

TEST_P(WitnessTest, AnEqualSizeWithAnotherRootIsAForkKeptOnce) {
  ASSERT_THAT(witness_->AddLog("org_op", log_.vkey()), IsOk());
  ASSERT_EQ(Add(Body(0, "", log_.Checkpoint(7))).outcome, AddOutcome::kCosigned);
  const std::string fork = log_.Checkpoint(7, /*root_of=*/6);
  for (int i = 0; i < 3; ++i) {  // replays keep one piece of evidence
    auto r = Add(Body(7, "", fork));
    EXPECT_EQ(r.outcome, AddOutcome::kInconsistent);
    EXPECT_NE(r.body.find("root differs"), std::string::npos) << r.body;
  }
  auto log = *witness_->Log(log_.hash());
  EXPECT_TRUE(log.forked);
  EXPECT_EQ(log.evidence, 1);
  EXPECT_EQ(log.size, 7u);  // nothing cosigned
  auto evidence = *witness_->EvidenceFor(log_.hash());
  ASSERT_EQ(evidence.size(), 1u);
  EXPECT_TRUE(evidence[0].conclusive);
  EXPECT_EQ(evidence[0].submitted, fork);
  EXPECT_NE(evidence[0].witnessed.find(log_.origin + "\n7\n" + Root64(7)), std::string::npos);
}

TEST_P(WitnessTest, AWrongProofIsRefusedAndKeptButDoesNotFlagTheLog) {
  ASSERT_THAT(witness_->AddLog("org_op", log_.vkey()), IsOk());
  ASSERT_EQ(Add(Body(0, "", log_.Checkpoint(6))).outcome, AddOutcome::kCosigned);
  std::string proof = ProofLines(6, 8);
  proof[0] = proof[0] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Add(Body(6, proof, log_.Checkpoint(8))).outcome, AddOutcome::kInconsistent);
  EXPECT_EQ(Add(Body(6, ProofLines(6, 7), log_.Checkpoint(8))).outcome,
            AddOutcome::kInconsistent);  // a proof for another size
  EXPECT_EQ(Add(Body(6, "", log_.Checkpoint(8))).outcome, AddOutcome::kInconsistent);
  auto log = *witness_->Log(log_.hash());
  EXPECT_FALSE(log.forked);
  EXPECT_EQ(log.evidence, 1);  // one refused checkpoint, however many proofs came with it
  EXPECT_EQ(Add(Body(6, ProofLines(6, 8), log_.Checkpoint(8))).outcome, AddOutcome::kCosigned);
}

TEST_P(WitnessTest, AWrongProofFromTheLogsOwnNodeFlagsTheLog) {
  ASSERT_THAT(witness_->AddLog("org_op", log_.vkey()), IsOk());
  ASSERT_EQ(Add(Body(0, "", log_.Checkpoint(6))).outcome, AddOutcome::kCosigned);
  std::string proof = ProofLines(6, 8);
  proof[0] = proof[0] == 'A' ? 'B' : 'A';
  // Signed by another log's node: as from anyone, not conclusive.
  auto other = *witness_->AddCheckpoint(Body(6, proof, log_.Checkpoint(8)), "other.example/log");
  EXPECT_EQ(other.outcome, AddOutcome::kInconsistent);
  EXPECT_FALSE(witness_->Log(log_.hash())->forked);
  // Signed by the log's own node: it vouched for the proof.
  auto own = *witness_->AddCheckpoint(Body(6, proof, log_.Checkpoint(7)), log_.origin);
  EXPECT_EQ(own.outcome, AddOutcome::kInconsistent);
  EXPECT_NE(own.body.find("sent by the log's own node"), std::string::npos) << own.body;
  auto log = *witness_->Log(log_.hash());
  EXPECT_TRUE(log.forked);
  auto evidence = *witness_->EvidenceFor(log_.hash());
  ASSERT_EQ(evidence.size(), 2u);
  EXPECT_EQ(evidence[0].conclusive + evidence[1].conclusive, 1);
}

TEST_P(WitnessTest, TheSpecsOtherRefusals) {
  ASSERT_THAT(witness_->AddLog("org_op", log_.vkey()), IsOk());
  // Size 0 must carry the empty root; a proof with old 0 is refused.
  EXPECT_EQ(Add(Body(0, "", log_.Checkpoint(0, 1))).outcome, AddOutcome::kInconsistent);
  EXPECT_EQ(Add(Body(0, ProofLines(1, 8), log_.Checkpoint(8))).outcome, AddOutcome::kInconsistent);
  EXPECT_EQ(Add(Body(0, "", log_.Checkpoint(0))).outcome, AddOutcome::kCosigned);

  // Signatures: another key under the log's name, or the log's key over other text.
  Log impostor{log_.origin};
  EXPECT_EQ(Add(Body(0, "", impostor.Checkpoint(8))).outcome, AddOutcome::kUnverified);
  std::string tampered = log_.Checkpoint(8);
  tampered.replace(tampered.find("\n8\n"), 3, "\n5\n");
  auto bad = Add(Body(0, "", tampered));
  EXPECT_EQ(bad.outcome, AddOutcome::kUnverified);
  EXPECT_NE(bad.body.find("invalid signature"), std::string::npos) << bad.body;

  // A forged line by the log's key after its valid one: refused, not stored or served.
  const std::string good = log_.Checkpoint(8);
  std::string forged = good.substr(good.rfind("\n\n") + 2);
  // (A character inside the signature: near the end, a flip can leave the
  // base64 non-canonical, which is a malformed note, not a forged one.)
  forged[forged.size() - 30] = forged[forged.size() - 30] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Add(Body(0, "", good + forged)).outcome, AddOutcome::kUnverified);
  // A signed size-0 checkpoint with a root that is not the empty tree's is kept as evidence.
  EXPECT_GE(witness_->Log(log_.hash())->evidence, 1);

  // Malformed bodies.
  std::string many;
  for (int i = 0; i < 64; ++i) many += Root64(1) + "\n";
  for (const std::string& body :
       {std::string("old 01\n\n") + log_.Checkpoint(8), "olds 0\n\n" + log_.Checkpoint(8),
        "old -1\n\n" + log_.Checkpoint(8), "old 0\n" + log_.Checkpoint(8),
        Body(9, "", log_.Checkpoint(8)), Body(1, many, log_.Checkpoint(8)),
        Body(1, "not base64!\n", log_.Checkpoint(8)), Body(0, "", "no note"), std::string()}) {
    EXPECT_EQ(Add(body).outcome, AddOutcome::kMalformed) << body;
  }
  EXPECT_EQ(witness_->Log(log_.hash())->size, 0u);
}

TEST_P(WitnessTest, ConcurrentSubmissionsCannotRollTheWitnessBack) {
  ASSERT_THAT(witness_->AddLog("org_op", log_.vkey()), IsOk());
  ASSERT_EQ(Add(Body(0, "", log_.Checkpoint(1))).outcome, AddOutcome::kCosigned);
  std::atomic<int> cosigned = 0, conflicts = 0;
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      // Half go 1 -> 8, half try to stay at 1 (old 1, size 1).
      auto r = witness_->AddCheckpoint(i % 2 == 0 ? Body(1, ProofLines(1, 8), log_.Checkpoint(8))
                                                  : Body(1, "", log_.Checkpoint(1)));
      if (r.ok() && r->outcome == AddOutcome::kCosigned) ++cosigned;
      if (r.ok() && r->outcome == AddOutcome::kConflict) ++conflicts;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(cosigned + conflicts, 8);
  EXPECT_GE(cosigned, 1);
  // Once 8 was cosigned nothing smaller can be: the stored size is 8.
  EXPECT_EQ(witness_->Log(log_.hash())->size, 8u);
}

TEST_P(WitnessTest, KeyAndSizesSurviveARestartAndARemovedLogIsNotForgotten) {
  ASSERT_THAT(witness_->AddLog("org_op", log_.vkey()), IsOk());
  ASSERT_EQ(Add(Body(0, "", log_.Checkpoint(6))).outcome, AddOutcome::kCosigned);
  const std::string vkey = witness_->VerifierKey();
  witness_ = Open();
  EXPECT_EQ(witness_->VerifierKey(), vkey);
  EXPECT_EQ(Add(Body(0, "", log_.Checkpoint(8))).size, 6u);

  ASSERT_THAT(witness_->RemoveLog("org_op", log_.hash()), IsOk());
  EXPECT_THAT(witness_->RemoveLog("org_op", log_.hash()), StatusIs(StatusCode::kNotFound));
  EXPECT_EQ(Add(Body(6, ProofLines(6, 8), log_.Checkpoint(8))).outcome, AddOutcome::kUnknownLog);
  ASSERT_THAT(witness_->AddLog("org_op", log_.vkey()), IsOk());
  // Re-added: still at 6, so a client cannot start it over from 0.
  EXPECT_EQ(Add(Body(0, "", log_.Checkpoint(1))).outcome, AddOutcome::kConflict);
  EXPECT_EQ(Add(Body(6, ProofLines(6, 8), log_.Checkpoint(8))).outcome, AddOutcome::kCosigned);

  // Another key for a witnessed origin is refused; a bad vkey too.
  Log other{log_.origin};
  EXPECT_THAT(witness_->AddLog("org_op", other.vkey()), StatusIs(StatusCode::kConflict));
  EXPECT_THAT(witness_->AddLog("org_op", "nobody+00000000+AAAA"),
              StatusIs(StatusCode::kInvalidArgument));
  auto logs = *witness_->Logs("", 10);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].origin_hash, log_.hash());
}

INSTANTIATE_TEST_SUITE_P(Backends, WitnessTest, ::testing::ValuesIn(qt::testing::TestBackends()),
                         qt::testing::BackendName());

}  // namespace
}  // namespace qt::federation
