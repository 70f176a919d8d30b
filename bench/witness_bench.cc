// The witness's add-checkpoint rate, next to its baseline in the same run: one
// durable SQLite write transaction that reads and updates one row (the least a
// witness that persists before answering must do per request). The witness
// does that plus parsing, the log's Ed25519 signature check, a consistency
// proof and its own Ed25519 cosignature. The logs' own work (appending,
// signing, making proofs) is done outside the timed region.
//
//   build/release/bench/witness_bench --benchmark_counters_tabular=true
//
// 1,000 logs, submitted to in turn, each growing by one entry per submission
// (the public witness network sizes a witness for 4,000 logs at 10 requests/s).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "crypto/encoding.h"
#include "crypto/random.h"
#include "federation/witness.h"
#include "ledger/memory_log.h"
#include "ledger/note.h"
#include "ledger/tree.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace qt::federation {
namespace {

constexpr int kLogs = 1000;

struct BenchLog {
  std::string origin;
  crypto::SigningKey key = crypto::GenerateSigningKey(crypto::SystemRandom::Get());
  ledger::MemoryLog tree;
  uint64_t witnessed = 0;

  void Append() {
    ledger::Hash leaf{};
    const uint64_t i = tree.size();
    for (int k = 0; k < 8; ++k) leaf[k] = static_cast<uint8_t>(i >> (8 * k));
    tree.AppendLeafHash(ledger::HashLeaf(leaf));
  }
  // The next add-checkpoint body: one more entry, a proof from the witnessed size.
  std::string NextBody() {
    Append();
    const std::string text = origin + "\n" + std::to_string(tree.size()) + "\n" +
                             crypto::Base64Encode(tree.Root()) + "\n";
    std::string note =
        *ledger::SignNote(text, origin, key.public_key, [this](std::span<const uint8_t> m) {
          return Result<crypto::Signature>(crypto::Sign(key, m));
        });
    std::string proof;
    if (witnessed > 0) {
      for (const auto& h : *ledger::ConsistencyProof(tree, witnessed, tree.size())) {
        proof += crypto::Base64Encode(h) + "\n";
      }
    }
    std::string body = "old " + std::to_string(witnessed) + "\n" + proof + "\n" + note;
    witnessed = tree.size();
    return body;
  }
};

struct Setup {
  testing::TempDir dir;
  std::unique_ptr<store::Store> store;
  std::array<uint8_t, 32> raw{9};
  crypto::MasterKey master{raw};
  ledger::Journal journal{SystemClock::Get()};
  std::unique_ptr<Witness> witness;
  std::vector<std::unique_ptr<BenchLog>> logs;

  Setup() {
    store = *store::OpenStore("sqlite:" + dir.File("db"), {});
    auto migrations = ledger::Journal::Migrations();
    for (auto& m : Witness::Migrations()) migrations.push_back(m);
    (void)store::Migrate(*store, migrations);
    (void)store->Write([](store::Tx& tx) {
      return tx.ExecScript("CREATE TABLE bench_rows (id BIGINT PRIMARY KEY, v BIGINT NOT NULL);");
    });
    witness = std::move(*Witness::Open(*store, {.clock = &SystemClock::Get(),
                                                .random = &crypto::SystemRandom::Get(),
                                                .master_key = &master,
                                                .journal = &journal}));
    for (int i = 0; i < kLogs; ++i) {
      auto log = std::make_unique<BenchLog>();
      log->origin = "bench.example/log-" + std::to_string(i);
      (void)witness->AddLog("org_bench",
                            ledger::FormatVerifierKey(log->origin, log->key.public_key));
      (void)witness->AddCheckpoint(log->NextBody());
      (void)store->Write([i](store::Tx& tx) {
        return tx.Exec("INSERT INTO bench_rows (id, v) VALUES (?, 0)", {int64_t{i}}).status();
      });
      logs.push_back(std::move(log));
    }
  }
};

Setup& Shared() {
  static Setup* setup = new Setup();
  return *setup;
}

void BM_ReadAndUpdateOneRowDurably(benchmark::State& state) {
  Setup& s = Shared();
  int64_t i = 0;
  for (auto _ : state) {
    const int64_t id = i++ % kLogs;
    Status st = s.store->Write([&](store::Tx& tx) -> Status {
      QT_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT v FROM bench_rows WHERE id = ?", {id}));
      return tx.Exec("UPDATE bench_rows SET v = ? WHERE id = ?", {rows[0].Int(0) + 1, id}).status();
    });
    if (!st.ok()) state.SkipWithError(st.message().c_str());
  }
  state.counters["writes/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ReadAndUpdateOneRowDurably)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_AddCheckpoint(benchmark::State& state) {
  Setup& s = Shared();
  // Bodies made but not sent stay for the next run: each log's next body
  // assumes the ones before it were cosigned.
  static size_t next = 0;
  static std::vector<std::string> bodies;
  for (auto _ : state) {
    if (bodies.empty()) {
      state.PauseTiming();
      for (int k = 0; k < 100; ++k) bodies.push_back(s.logs[next++ % kLogs]->NextBody());
      std::reverse(bodies.begin(), bodies.end());
      state.ResumeTiming();
    }
    auto r = s.witness->AddCheckpoint(bodies.back());
    bodies.pop_back();
    if (!r.ok() || r->outcome != AddOutcome::kCosigned) {
      state.SkipWithError(r.ok() ? r->body.c_str() : r.status().message().c_str());
      break;
    }
  }
  state.counters["requests/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AddCheckpoint)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace qt::federation

BENCHMARK_MAIN();
