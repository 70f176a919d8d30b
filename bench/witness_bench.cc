// The witness's add-checkpoint rate, next to its baseline in the same run: one
// durable SQLite write transaction that reads and updates one row (the least a
// witness that persists before answering must do per request). The witness
// does that plus parsing, the log's Ed25519 signature check, a consistency
// proof and its own Ed25519 cosignature. The logs' own work (appending,
// signing, making proofs) is done outside the timed region.
//
//   QIANTANG_BINARY=build/release/src/cli/qiantang build/release/bench/witness_bench
//     (with --benchmark_counters_tabular=true for a table)
//
// 1,000 logs, submitted to in turn, each growing by one entry per submission
// (the public witness network sizes a witness for 4,000 logs at 10 requests/s).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <vector>

#include "crypto/encoding.h"
#include "crypto/random.h"
#include "federation/witness.h"
#include "ledger/memory_log.h"
#include "ledger/note.h"
#include "ledger/tree.h"
#include "store/store.h"
#include "tests/support/server_process.h"
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

// The same over HTTP: a real `qiantang serve` ($QIANTANG_BINARY, the release
// binary) witnessing the 1,000 logs, posted to by 17 clients at once (a
// node's 17 peers), each with its own keep-alive connection and its own logs,
// POST /witness/add-checkpoint as C2SP tlog-witness has it. Each client makes
// its bodies before the timed loop.
constexpr int kPeers = 17;
constexpr int kRequestsPerPeer = 200;

struct HttpSetup {
  testing::TempDir dir;
  std::unique_ptr<testing::ServerProcess> server;
  std::vector<std::unique_ptr<BenchLog>> logs;
  Status status;

  HttpSetup() {
    server = std::make_unique<testing::ServerProcess>(dir.path().string());
    if (!server->Start()) {
      status = Unavailable("qiantang serve did not start");
      return;
    }
    auto client = server->Client();
    for (int i = 0; i < kLogs && status.ok(); ++i) {
      auto log = std::make_unique<BenchLog>();
      log->origin = "bench.example/log-" + std::to_string(i);
      const std::string vkey = ledger::FormatVerifierKey(log->origin, log->key.public_key);
      auto r = testing::Call(*client, "POST", "/api/v1/federation/witness/logs",
                             server->bootstrap_token(), nlohmann::json{{"vkey", vkey}}.dump());
      if (r.status != 201) status = Unavailable("adding a log: " + r.raw);
      logs.push_back(std::move(log));
    }
  }
};

// Stopped (its server with it) when the benchmark exits.
std::unique_ptr<HttpSetup> http_setup;

void BM_AddCheckpointOverHttp(benchmark::State& state) {
  if (std::getenv("QIANTANG_BINARY") == nullptr) {
    state.SkipWithError(
        "set QIANTANG_BINARY to the qiantang binary (build/release/src/cli/qiantang)");
    return;
  }
  if (state.thread_index() == 0 && http_setup == nullptr)
    http_setup = std::make_unique<HttpSetup>();
  // Google Benchmark starts every thread's loop together, after thread 0's setup.
  std::vector<std::string> bodies;
  std::unique_ptr<httplib::Client> client;
  for (auto _ : state) {
    if (client == nullptr) {
      state.PauseTiming();
      if (!http_setup->status.ok()) {
        state.SkipWithError(http_setup->status.message().c_str());
        break;
      }
      client = http_setup->server->Client();
      // Each client owns the logs of its residue modulo kPeers.
      for (int k = 0; k < kRequestsPerPeer; ++k) {
        const int log = state.thread_index() + kPeers * (k % (kLogs / kPeers));
        bodies.push_back(http_setup->logs[log]->NextBody());
      }
      std::reverse(bodies.begin(), bodies.end());
      state.ResumeTiming();
    }
    auto r = client->Post("/witness/add-checkpoint", bodies.back(), "text/plain");
    bodies.pop_back();
    if (!r || r->status != 200) {
      state.SkipWithError(r ? r->body.c_str() : "no answer");
      break;
    }
  }
  state.counters["requests/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AddCheckpointOverHttp)
    ->Threads(kPeers)
    ->Iterations(kRequestsPerPeer)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace
}  // namespace qt::federation

BENCHMARK_MAIN();
