// Ledger throughput and latency, each next to its baseline in the same run:
// raw SHA-256 of a 65-byte input (an interior node's preimage) is the unit, and
// an RFC 9162 append needs about two of them (the leaf, and on average one
// parent), so appends/s / (hashes/s / 2) is the efficiency of an append.
//
//   build/release/bench/ledger_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <openssl/sha.h>

#include <cstdlib>
#include <memory>
#include <random>

#include "ledger/journal.h"
#include "ledger/memory_log.h"
#include "ledger/merkle.h"
#include "ledger/tree.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace qt::ledger {
namespace {

// A 64-byte leaf: with the 0x00 prefix its hash input is 65 bytes, like a node's.
std::array<uint8_t, 64> Leaf(uint64_t i) {
  std::array<uint8_t, 64> leaf{};
  for (int k = 0; k < 8; ++k) leaf[k] = static_cast<uint8_t>(i >> (8 * k));
  return leaf;
}

void BM_Sha256_65Bytes(benchmark::State& state) {
  uint8_t in[65] = {1};
  uint8_t out[32];
  for (auto _ : state) {
    SHA256(in, sizeof in, out);
    in[1] = out[0];
    benchmark::DoNotOptimize(out);
  }
  state.counters["hashes/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Sha256_65Bytes);

void BM_AppendInMemory(benchmark::State& state) {
  auto log = std::make_unique<MemoryLog>();
  uint64_t i = 0;
  for (auto _ : state) {
    auto leaf = Leaf(i++);
    log->AppendLeafHash(HashLeaf(leaf));
  }
  benchmark::DoNotOptimize(log->Root());
  state.counters["appends/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AppendInMemory);

// Durable appends: Journal::AppendAll of `batch` events per write transaction
// into a SQLite file (WAL, synchronous=FULL: every commit is fsynced), or, for
// BM_AppendDurablePg, into the PostgreSQL database $QIANTANG_BENCH_PG (several
// bench processes may share it: bench/pg_bench.sh runs three).
void AppendDurable(benchmark::State& state, const std::string& url) {
  const int batch = static_cast<int>(state.range(0));
  auto opened = store::OpenStore(url, {});
  if (!opened.ok()) {
    state.SkipWithError(opened.status().ToString().c_str());
    return;
  }
  auto store = std::move(*opened);
  if (!store::Migrate(*store, Journal::Migrations()).ok()) state.SkipWithError("migrate failed");
  Journal journal(SystemClock::Get());
  std::vector<NewEvent> events(batch, NewEvent{"org_01JDX3V6Q0M4X8H2R5T7W9Y1ZA",
                                               "bench.appended",
                                               "obj_01JDX3V6Q0M4X8H2R5T7W9Y1ZA",
                                               {{"amount_fen", 123456}, {"note", "benchmark"}}});
  for (auto _ : state) {
    Status s = store->Write([&](store::Tx& tx) { return journal.AppendAll(tx, events).status(); });
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
  }
  state.counters["appends/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * batch,
                                                   benchmark::Counter::kIsRate);
}
void BM_AppendDurable(benchmark::State& state) {
  qt::testing::TempDir dir;
  AppendDurable(state, "sqlite:" + dir.File("bench.db"));
}
BENCHMARK(BM_AppendDurable)
    ->Arg(1)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_AppendDurablePg(benchmark::State& state) {
  const char* url = std::getenv("QIANTANG_BENCH_PG");
  if (url == nullptr) {
    state.SkipWithError("set QIANTANG_BENCH_PG to a PostgreSQL database URL");
    return;
  }
  AppendDurable(state, url);
}
BENCHMARK(BM_AppendDurablePg)
    ->Arg(1)
    ->Arg(100)
    ->Arg(1000)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

MemoryLog* MemoryLogOf(uint64_t n) {
  static std::map<uint64_t, std::unique_ptr<MemoryLog>> logs;
  auto& log = logs[n];
  if (!log) {
    log = std::make_unique<MemoryLog>();
    for (uint64_t i = 0; i < n; ++i) log->AppendLeafHash(HashLeaf(Leaf(i)));
  }
  return log.get();
}

void BM_InclusionProofInMemory(benchmark::State& state) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  MemoryLog* log = MemoryLogOf(n);
  std::mt19937_64 rng(1);
  for (auto _ : state) {
    auto proof = InclusionProof(*log, rng() % n, n);
    benchmark::DoNotOptimize(proof);
  }
}
BENCHMARK(BM_InclusionProofInMemory)
    ->Arg(1'000'000)
    ->Arg(10'000'000)
    ->Unit(benchmark::kMicrosecond);

void BM_ConsistencyProofInMemory(benchmark::State& state) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  MemoryLog* log = MemoryLogOf(n);
  std::mt19937_64 rng(2);
  for (auto _ : state) {
    auto proof = ConsistencyProof(*log, 1 + rng() % (n - 1), n);
    benchmark::DoNotOptimize(proof);
  }
}
BENCHMARK(BM_ConsistencyProofInMemory)
    ->Arg(1'000'000)
    ->Arg(10'000'000)
    ->Unit(benchmark::kMicrosecond);

// The stored log: 1M events journaled into SQLite once, then proofs read
// through a transaction (one batched node query per proof).
struct StoredLog {
  qt::testing::TempDir dir;
  std::unique_ptr<store::Store> store;
  uint64_t size = 0;
};
StoredLog* StoredLogOf(uint64_t n) {
  static std::map<uint64_t, std::unique_ptr<StoredLog>> logs;
  auto& log = logs[n];
  if (!log) {
    log = std::make_unique<StoredLog>();
    log->store = std::move(*store::OpenStore("sqlite:" + log->dir.File("proofs.db"), {}));
    (void)store::Migrate(*log->store, Journal::Migrations());
    Journal journal(SystemClock::Get());
    std::vector<NewEvent> events(10'000, NewEvent{"org_x", "bench.appended", "obj_y", {{"i", 1}}});
    for (uint64_t done = 0; done < n; done += events.size()) {
      (void)log->store->Write(
          [&](store::Tx& tx) { return journal.AppendAll(tx, events).status(); });
    }
    log->size = n;
  }
  return log.get();
}

void BM_InclusionProofStored(benchmark::State& state) {
  StoredLog* log = StoredLogOf(static_cast<uint64_t>(state.range(0)));
  std::mt19937_64 rng(3);
  for (auto _ : state) {
    Status s = log->store->Read([&](store::Tx& tx) -> Status {
      TxNodeReader nodes(tx);
      auto proof = InclusionProof(nodes, rng() % log->size, log->size);
      benchmark::DoNotOptimize(proof);
      return proof.status();
    });
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
  }
}
BENCHMARK(BM_InclusionProofStored)->Arg(1'000'000)->Unit(benchmark::kMicrosecond);

void BM_ConsistencyProofStored(benchmark::State& state) {
  StoredLog* log = StoredLogOf(static_cast<uint64_t>(state.range(0)));
  std::mt19937_64 rng(4);
  for (auto _ : state) {
    Status s = log->store->Read([&](store::Tx& tx) -> Status {
      TxNodeReader nodes(tx);
      auto proof = ConsistencyProof(nodes, 1 + rng() % (log->size - 1), log->size);
      benchmark::DoNotOptimize(proof);
      return proof.status();
    });
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
  }
}
BENCHMARK(BM_ConsistencyProofStored)->Arg(1'000'000)->Unit(benchmark::kMicrosecond);

void BM_VerifyInclusion(benchmark::State& state) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  MemoryLog* log = MemoryLogOf(n);
  const uint64_t index = n / 3;
  auto proof = ToBytes(*InclusionProof(*log, index, n));
  Hash leaf = HashLeaf(Leaf(index)), root = log->Root();
  for (auto _ : state) {
    Status s = VerifyInclusion(index, n, leaf, proof, root);
    if (!s.ok()) state.SkipWithError("did not verify");
  }
}
BENCHMARK(BM_VerifyInclusion)->Arg(1'000'000)->Arg(10'000'000)->Unit(benchmark::kMicrosecond);

void BM_VerifyConsistency(benchmark::State& state) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  MemoryLog* log = MemoryLogOf(n);
  const uint64_t m = n / 3;
  auto proof = ToBytes(*ConsistencyProof(*log, m, n));
  Hash root1 = *RootAt(*log, m), root2 = log->Root();
  for (auto _ : state) {
    Status s = VerifyConsistency(m, n, proof, root1, root2);
    if (!s.ok()) state.SkipWithError("did not verify");
  }
}
BENCHMARK(BM_VerifyConsistency)->Arg(1'000'000)->Arg(10'000'000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace qt::ledger

BENCHMARK_MAIN();
