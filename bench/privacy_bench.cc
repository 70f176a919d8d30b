// Privacy computing benchmarks (docs/BENCHMARKS.md, "Privacy computing"):
// - BM_HashToPointAndMultiply / BM_Multiply: one core's rate of the two
//   operations ECDH-PSI is made of — the baseline of bench/psi_bench.sh's
//   efficiency figure (the two-process PSI of 2^20 x 2^20).
// - BM_PsiInProcess: both parties in one process, 2^16 x 2^16, all cores.
// - BM_SealDelivery / BM_OpenDelivery: delivery encryption and decryption of
//   a 64 MiB CSV; baseline BM_RawSecretstream: crypto_secretstream alone on
//   the same bytes and chunk size.
// - BM_FingerprintSurvival: a 10,000-row product delivered to 20 recipients;
//   each copy reordered, cut to 10 % of its rows, one column dropped and
//   re-saved, then traced: the share traced to the right recipient, and
//   wrongly (should be 0).
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <sstream>

#include "crypto/random.h"
#include "crypto/recipient_box.h"
#include "privacy/delivery.h"
#include "privacy/psi.h"

namespace qt::privacy {
namespace {

void BM_HashToPointAndMultiply(benchmark::State& state) {
  Scalar k = RandomScalar();
  int64_t i = 0;
  for (auto _ : state) {
    Point h = HashToPoint("bench-session", std::to_string(13900000000 + i++));
    benchmark::DoNotOptimize(Multiply(k, h));
  }
  state.counters["ops/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HashToPointAndMultiply);

void BM_Multiply(benchmark::State& state) {
  Scalar k = RandomScalar();
  Point p = HashToPoint("bench-session", "13900000000");
  for (auto _ : state) {
    p = *Multiply(k, p);
    benchmark::DoNotOptimize(p);
  }
  state.counters["ops/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Multiply);

void BM_PsiInProcess(benchmark::State& state) {
  const int n = 1 << 16;
  std::vector<std::string> a, b;
  for (int i = 0; i < n; ++i) {
    a.push_back(std::to_string(13900000000 + i));
    b.push_back(std::to_string(13900000000 + n / 2 + i));
  }
  for (auto _ : state) {
    auto r = RunPsiLocally("bench", a, b, PsiOutput::kIntersection);
    if (r.intersection_size != n / 2) state.SkipWithError("wrong intersection");
  }
  state.counters["items/s"] =
      benchmark::Counter(2.0 * n, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_PsiInProcess)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

std::string& Payload() {
  static std::string s = [] {
    std::string out;
    crypto::DeterministicRandom random("payload");
    while (out.size() < (64u << 20)) {
      out += "P" + std::to_string(random.Uniform(1'000'000'000)) + ",CT,西湖区," +
             std::to_string(random.Uniform(100)) + "," + std::to_string(random.Uniform(1'000'000)) +
             "\n";
    }
    return out;
  }();
  return s;
}

crypto::SigningKey& Recipient() {
  static crypto::SigningKey k = [] {
    crypto::DeterministicRandom random("recipient");
    return crypto::GenerateSigningKey(random);
  }();
  return k;
}

std::string& Sealed() {
  static std::string s =
      *SealDelivery({"ctr", "dlv", "org", "hash"}, Recipient().public_key, Payload());
  return s;
}

void Bytes(benchmark::State& state, size_t n) {
  state.counters["MB/s"] = benchmark::Counter(static_cast<double>(n) / 1e6,
                                              benchmark::Counter::kIsIterationInvariantRate);
}

void BM_RawSecretstream(benchmark::State& state) {
  const std::string& p = Payload();
  std::vector<uint8_t> key(crypto_secretstream_xchacha20poly1305_KEYBYTES);
  crypto_secretstream_xchacha20poly1305_keygen(key.data());
  std::vector<uint8_t> out(64 * 1024 + crypto_secretstream_xchacha20poly1305_ABYTES);
  for (auto _ : state) {
    crypto_secretstream_xchacha20poly1305_state st;
    uint8_t header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
    crypto_secretstream_xchacha20poly1305_init_push(&st, header, key.data());
    for (size_t off = 0; off < p.size(); off += 64 * 1024) {
      size_t n = std::min<size_t>(64 * 1024, p.size() - off);
      unsigned long long clen;
      crypto_secretstream_xchacha20poly1305_push(&st, out.data(), &clen,
                                                 reinterpret_cast<const uint8_t*>(p.data()) + off,
                                                 n, nullptr, 0, 0);
    }
    benchmark::DoNotOptimize(out.data());
  }
  Bytes(state, p.size());
}
BENCHMARK(BM_RawSecretstream)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_SealDelivery(benchmark::State& state) {
  const std::string& p = Payload();
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        SealDelivery({"ctr", "dlv", "org", "hash"}, Recipient().public_key, p));
  }
  Bytes(state, p.size());
}
BENCHMARK(BM_SealDelivery)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_OpenDelivery(benchmark::State& state) {
  const std::string& sealed = Sealed();
  for (auto _ : state) {
    // The content hash in this header is a placeholder, so the open ends at the hash check.
    auto r = OpenDelivery(
        sealed, [](std::span<const uint8_t> k) { return crypto::OpenSealed(Recipient(), k); });
    benchmark::DoNotOptimize(r);
  }
  Bytes(state, Payload().size());
}
BENCHMARK(BM_OpenDelivery)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_FingerprintSurvival(benchmark::State& state) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("qiantang-fp-bench-" + std::to_string(getpid()));
  fs::create_directories(dir);
  auto schema = *dataspace::ParseSchema(nlohmann::json::parse(R"([
      {"name": "patient", "sensitivity": "identifying"}, {"name": "exam"},
      {"name": "age", "type": "integer", "min": 0, "max": 120, "fingerprint": true},
      {"name": "fee_fen", "type": "integer", "min": 0, "max": 100000000, "fingerprint": true}])"));
  std::string path = (dir / "p.sqlite").string();
  {
    auto db = dataspace::ProductDb::Create(path, schema);
    for (int i = 0; i < 10'000; ++i) {
      (void)db->Insert({"P" + std::to_string(i), i % 3 ? "CT" : "MR", std::to_string(i % 100),
                        std::to_string(10'000 + i * 7)});
    }
    (void)db->Finish();
  }
  std::vector<Candidate> candidates(20);
  for (size_t i = 0; i < candidates.size(); ++i) {
    candidates[i].delivery_id = "d" + std::to_string(i);
    candidates[i].recipient_id = "r" + std::to_string(i);
    randombytes_buf(candidates[i].key.data(), candidates[i].key.size());
  }
  int right = 0, wrong = 0, total = 0;
  std::mt19937 rng(42);
  for (auto _ : state) {
    auto db = dataspace::ProductDb::OpenReadOnly(path);
    for (const Candidate& c : candidates) {
      std::string copy =
          *ExportFingerprinted(*db, schema, {"patient", "exam", "age", "fee_fen"}, c.key);
      std::vector<std::string> lines;
      std::istringstream in(copy);
      std::string line;
      std::getline(in, line);
      while (std::getline(in, line)) lines.push_back(line);
      std::shuffle(lines.begin(), lines.end(), rng);
      lines.resize(lines.size() / 10);
      std::string leak = "\"patient\",\"exam\",\"age\"\r\n";  // fee dropped, all quoted
      for (const auto& l : lines) {
        std::string a = l.substr(0, l.rfind(','));
        std::string quoted;
        size_t start = 0;
        for (size_t e; (e = a.find(',', start)) != std::string::npos; start = e + 1) {
          quoted += "\"" + a.substr(start, e - start) + "\",";
        }
        leak += quoted + "\"" + a.substr(start) + "\"\r\n";
      }
      auto t = TraceLeak(leak, *db, schema, candidates);
      ++total;
      if (t.ok() && t->traced) (t->recipient_id == c.recipient_id ? right : wrong)++;
    }
  }
  state.counters["traced_right"] = static_cast<double>(right) / total;
  state.counters["traced_wrong"] = static_cast<double>(wrong) / total;
  fs::remove_all(dir);
}
BENCHMARK(BM_FingerprintSurvival)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace qt::privacy

BENCHMARK_MAIN();
