// Citizen code benchmarks (docs/BENCHMARKS.md, "Citizen and talent codes"):
// - BM_VerifyCode/EdDSA, /ES256: one core's offline verification of a
//   citizen code at a bus gate — prefix, base45, bounded inflate, COSE,
//   signature, CWT, decryption of the bus category's claims, revocation check.
//   Baseline BM_RawEd25519Verify: crypto_sign_verify_detached alone on a
//   message of the same size as the code's Sig_structure (aim: >= 80 %).
// - BM_IssueCode: one core issuing a code with all 18 categories' claims
//   (seal per category, sign, deflate, base45).
// - BM_IssueCity (QIANTANG_BENCH_CITY=1): codes for all 4,830,000 citizens of
//   the seed on every core; wall time and peak RSS.
#include <benchmark/benchmark.h>
#include <sodium.h>
#include <sys/resource.h>

#include <atomic>
#include <thread>

#include "crypto/encoding.h"
#include "crypto/random.h"
#include "identity/base45.h"
#include "identity/credential.h"
#include "identity/verifier.h"

namespace qt::identity {
namespace {

constexpr int64_t kNow = 1'790'000'000;  // seconds

struct World {
  explicit World(CoseAlg alg) : random("identity-bench") {
    key = *GenerateIssuerKey(alg, random);
    for (const Category& c : AllCategories()) random.Fill(keys[c.number]);
    list.keys.push_back({.kid = crypto::HexEncode(key.kid),
                         .key = {key.alg, key.public_key},
                         .not_before = 0,
                         .retired_at = 0,
                         .not_after = 0});
  }
  // A citizen's claims in every category, as the service fills them.
  CodeContent Content(int64_t i, char kind) {
    CodeContent c{.kind = kind,
                  .code_id = Bytes(16),
                  .serial = kind == 's' ? "HZC-" + std::to_string(10'000'000 + i) : "",
                  .issued_at = kNow,
                  .expires_at = kNow + (kind == 's' ? 365 * 86'400 : 60),
                  .epoch = 1,
                  .claims = {}};
    random.Fill(c.code_id);
    for (const Category& cat : AllCategories()) {
      nlohmann::json claims = nlohmann::json::object();
      for (std::string_view claim : cat.claims) {
        if (claim == "concession")
          claims["concession"] = i % 5 ? "none" : "elderly";
        else if (claim == "name")
          claims["name"] = "王建国";
        else if (claim == "pseudonym")
          claims["pseudonym"] = "0123456789abcdef";
        else if (claim == "adult" || claim == "senior")
          claims[std::string(claim)] = i % 3 == 0;
        else if (claim == "district")
          claims["district"] = "西湖区";
        else if (i % 20 == 0)
          claims[std::string(claim)] = claim == "talent" ? "C" : "2028-12-31";
      }
      c.claims[cat.number] = claims;
    }
    return c;
  }
  std::string Issue(int64_t i, char kind, Random& r) {
    auto cwt = SealCode(
        Content(i, kind), [&](int n) { return &keys[n]; }, r);
    return *EncodeCredential(*cwt, key);
  }
  crypto::DeterministicRandom random;
  IssuerKey key;
  std::map<int, CategoryKey> keys;
  TrustList list;
};

void BM_VerifyCode(benchmark::State& state) {
  World w(static_cast<CoseAlg>(state.range(0)));
  const std::string code = w.Issue(1, 's', w.random);
  Verifier bus(*FindCategory("bus"));
  bus.SetTrustList(w.list);
  bus.SetCategoryKeys({{1, w.keys[1]}});
  for (int i = 0; i < 1000; ++i)
    bus.revocations().serials.insert("HZC-" + std::to_string(20'000'000 + i));
  for (auto _ : state) {
    auto r = bus.Verify(code, (kNow + 10) * 1000);
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
    benchmark::DoNotOptimize(r);
  }
  state.counters["verifications/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["code_chars"] = static_cast<double>(code.size());
}
BENCHMARK(BM_VerifyCode)
    ->Arg(static_cast<int>(CoseAlg::kEdDSA))
    ->Arg(static_cast<int>(CoseAlg::kES256));

void BM_RawEd25519Verify(benchmark::State& state) {
  World w(CoseAlg::kEdDSA);
  const std::string code = w.Issue(1, 's', w.random);
  // The message the code's signature covers (its Sig_structure), and the signature.
  const CoseSign1 s = *ParseCoseSign1(*Inflate(*Base45Decode(code.substr(kPrefix.size()))));
  const Bytes message = SigStructure(s);
  const Bytes& sig = s.signature;
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto_sign_verify_detached(sig.data(), message.data(), message.size(),
                                                         w.key.public_key.data()));
  }
  state.counters["verifications/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["message_bytes"] = static_cast<double>(message.size());
}
BENCHMARK(BM_RawEd25519Verify);

void BM_IssueCode(benchmark::State& state) {
  World w(CoseAlg::kEdDSA);
  int64_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(w.Issue(i++, 'd', w.random));
  state.counters["codes/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_IssueCode);

void BM_IssueCity(benchmark::State& state) {
  if (std::getenv("QIANTANG_BENCH_CITY") == nullptr) {
    state.SkipWithError("set QIANTANG_BENCH_CITY=1 to issue 4,830,000 codes");
    return;
  }
  constexpr int64_t kCitizens = 4'830'000;
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  World w(CoseAlg::kEdDSA);
  std::atomic<int64_t> chars{0};
  for (auto _ : state) {
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        crypto::SystemRandom& r = crypto::SystemRandom::Get();
        World local(CoseAlg::kEdDSA);
        local.key = w.key;
        local.keys = w.keys;
        int64_t mine = 0;
        for (int64_t i = t; i < kCitizens; i += threads)
          mine += static_cast<int64_t>(local.Issue(i, 'd', r).size());
        chars += mine;
      });
    }
    for (auto& p : pool) p.join();
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["codes"] = static_cast<double>(kCitizens);
  state.counters["threads"] = threads;
  state.counters["codes/s"] =
      benchmark::Counter(static_cast<double>(kCitizens), benchmark::Counter::kIsRate);
  state.counters["avg_chars"] = static_cast<double>(chars.load()) / kCitizens;
  state.counters["peak_rss_mb"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
}
BENCHMARK(BM_IssueCity)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

}  // namespace
}  // namespace qt::identity

BENCHMARK_MAIN();
