// Compute market benchmarks (docs/BENCHMARKS.md, "Compute market"), on a
// SQLite file (fsync per commit, as in production):
// - BM_Match/orders:N/from_store:0: posting one request and quoting it against
//   the demo city's 17 providers (18 pools) while N accepted orders (1,000,
//   10,000, 100,000) hold reservations: the in-memory occupancy of every pool
//   (quote_memory.h), the request and quote rows and the journal.
//   Baseline BM_Match/orders:N/from_store:1: the same on the same store, with
//   each quote reading every pool's reservations in its window from the store
//   and building an Occupancy (MarketOptions::quotes_from_store, the matcher
//   before the memory); and BM_PlainInsert: the same rows (one request, 18
//   quotes, one journal-sized row) inserted in one transaction without matching.
//   The first 10,000 orders are booked from now within 30-day windows (as
//   before the memory: they fill the pools for about the first two weeks);
//   the rest in 30-day windows starting at random 30 to 30 x (N / 10,000 - 1)
//   days ahead, so that the window a request is quoted in holds the same
//   reservations at 10,000 and 100,000 orders, and only the total grows.
// - BM_Quote/orders:N/from_store:0: the quoting itself, without posting (no
//   rows written, no commit): in a read transaction, the change number checked
//   and every pool's earliest start for an 8-hour request found in the
//   memory, as Market::PostRequest does before it ranks and writes quotes.
//   Baseline BM_Quote/orders:N/from_store:1, same run: every pool's
//   reservations in the 30-day window read from the store and an Occupancy
//   built and swept per pool (the matcher before the memory).
// - BM_Settle: a running order cancelled and settled with a voucher (bill,
//   redemption, journal); baseline BM_PlainSettleInsert: a bill row and a
//   redemption row inserted in one transaction.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <random>

#include "accounts/accounts.h"
#include "bench/demo_store.h"
#include "compute/configs.h"
#include "compute/market/market.h"
#include "compute/market/occupancy.h"
#include "compute/market/quote_memory.h"
#include "compute/market/rows.h"
#include "compute/market/vouchers.h"
#include "crypto/random.h"
#include "demo/demo_compute.h"
#include "store/store.h"

namespace qt {
namespace {

using compute::market::Market;
using compute::market::Vouchers;

constexpr int64_t kDayMs = 24 * 3'600'000;

struct City : bench::DemoStore {
  compute::ChipCatalog catalog = compute::LoadChipCatalog("").value();
  std::unique_ptr<Vouchers> vouchers;
  std::unique_ptr<Market> market;
  std::unique_ptr<Market> market_from_store;  // the same store, quoting without the memory
  std::vector<accounts::Principal> enterprises;

  explicit City(int64_t orders)
      : DemoStore("market" + std::to_string(orders),
                  {Market::Migrations(), Vouchers::Migrations()}) {
    vouchers = std::make_unique<Vouchers>(*store, SystemClock::Get(), crypto::SystemRandom::Get(),
                                          journal);
    compute::market::MarketOptions options{&SystemClock::Get(), &crypto::SystemRandom::Get(),
                                           &journal, &catalog, vouchers.get()};
    market = std::make_unique<Market>(*store, options);
    options.quotes_from_store = true;
    market_from_store = std::make_unique<Market>(*store, options);
    if (!demo::LoadDemoCompute(*accounts, *market, *vouchers).ok()) std::abort();
    auto orgs = accounts->ListOrgs({"", 500});
    for (const auto& o : orgs->items) {
      if (o.kind == accounts::OrgKind::kEnterprise)
        enterprises.push_back({"", "", o.id, o.kind, accounts::Role::kAdmin});
    }
    Book(orders);
  }

  compute::market::NewRequest Request(std::mt19937& rng, int64_t hours, int64_t offset_ms = 0) {
    static const int64_t kCards[] = {8, 16, 32, 64};
    compute::market::NewRequest r;
    r.cards = kCards[rng() % 4];
    r.duration_ms = hours * 3'600'000;
    r.window_start = SystemClock::Get().NowMillis() + offset_ms;
    r.window_end = r.window_start + 30 * kDayMs;
    r.max_fen_per_card_hour = 3000;
    return r;
  }

  // `n` accepted orders holding reservations across the pools, each for one
  // of the quotes of a random request.
  void Book(int64_t n) {
    std::mt19937 rng(1);
    // Where orders after the 10,000th start: 30 days ahead and on.
    const int64_t later_days = std::max<int64_t>(1, 30 * (n / 10'000) - 60);
    int64_t accepted = 0;
    while (accepted < n) {
      auto& who = enterprises[rng() % enterprises.size()];
      const int64_t offset =
          accepted < 10'000 ? 0 : (30 + static_cast<int64_t>(rng() % later_days)) * kDayMs;
      auto posted =
          market->PostRequest(who, Request(rng, 1 + static_cast<int64_t>(rng() % 48), offset));
      if (!posted.ok()) {
        std::fprintf(stderr, "setup: %s\n", posted.status().ToString().c_str());
        std::abort();
      }
      if (posted->quotes.empty()) continue;
      const auto& q = posted->quotes[rng() % posted->quotes.size()];
      auto o = market->AcceptQuote(who, q.id);
      if (o.ok()) ++accepted;
      if (!o.ok() && o.status().code() != StatusCode::kConflict) {
        std::fprintf(stderr, "setup: %s\n", o.status().ToString().c_str());
        std::abort();
      }
    }
  }
};

// The city with `orders` accepted orders, built on first use and kept for
// the run.
City& TheCity(int64_t orders = 10'000) {
  static std::map<int64_t, std::unique_ptr<City>> cities;
  std::unique_ptr<City>& city = cities[orders];
  if (city == nullptr) city = std::make_unique<City>(orders);
  return *city;
}

void BM_Match(benchmark::State& state) {
  City& c = TheCity(state.range(0));
  Market& market = state.range(1) != 0 ? *c.market_from_store : *c.market;
  std::mt19937 rng(2);
  size_t quotes = 0;
  for (auto _ : state) {
    auto posted =
        market.PostRequest(c.enterprises[rng() % c.enterprises.size()], c.Request(rng, 8));
    if (!posted.ok()) {
      state.SkipWithError(posted.status().message().c_str());
      break;
    }
    quotes += posted->quotes.size();
  }
  state.counters["quotes_per_request"] =
      static_cast<double>(quotes) / static_cast<double>(state.iterations());
  state.counters["requests_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
// Each size of city, quoted from memory and from the store side by side.
void OrdersAndPath(benchmark::internal::Benchmark* b) {
  b->ArgNames({"orders", "from_store"});
  for (int64_t orders : {1'000, 10'000, 100'000}) {
    for (int64_t from_store : {0, 1}) b->Args({orders, from_store});
  }
}
BENCHMARK(BM_Match)->Apply(OrdersAndPath)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Quote(benchmark::State& state) {
  City& c = TheCity(state.range(0));
  const bool from_store = state.range(1) != 0;
  std::unique_ptr<compute::market::QuoteMemory> memory;
  if (!from_store) {
    bench::Check(c.store->Read([&](store::Tx& tx) -> Status {
      QT_ASSIGN_OR_RETURN(memory, compute::market::QuoteMemory::Load(tx));
      return OkStatus();
    }),
                 "load the quoting memory");
  }
  std::mt19937 rng(2);
  size_t quotes = 0;
  for (auto _ : state) {
    const compute::market::NewRequest r = c.Request(rng, 8);
    const int64_t from = SystemClock::Get().NowMillis();
    Status s = c.store->Read([&](store::Tx& tx) -> Status {
      auto fits = [&](const compute::market::ClusterOffer& cluster,
                      const compute::market::PoolSpec& p) {
        return p.cards() >= r.cards && cluster.fen_per_card_hour.at(p.chip) <= 3000;
      };
      if (from_store) {
        QT_ASSIGN_OR_RETURN(auto clusters,
                            compute::market::LoadClusters(tx, "WHERE available = 1", {}));
        for (const auto& cluster : clusters) {
          for (const auto& p : cluster.pools) {
            if (!fits(cluster, p)) continue;
            QT_ASSIGN_OR_RETURN(
                auto rs, compute::market::Reservations(tx, cluster.id, p.name, from, r.window_end));
            quotes += compute::market::Occupancy(rs).EarliestStart(
                          p.cards(), r.cards, from, r.duration_ms, r.window_end) >= 0;
          }
        }
        return OkStatus();
      }
      QT_RETURN_IF_ERROR(memory->CatchUp(tx));
      for (const auto& [id, cluster] : memory->clusters()) {
        if (!cluster.available) continue;
        for (const auto& p : cluster.pools) {
          if (!fits(cluster, p)) continue;
          quotes += memory->EarliestStart(id, p.name, p.cards(), r.cards, from, r.duration_ms,
                                          r.window_end) >= 0;
        }
      }
      return OkStatus();
    });
    if (!s.ok()) {
      state.SkipWithError(s.message().c_str());
      break;
    }
  }
  state.counters["quotes_per_request"] =
      static_cast<double>(quotes) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_Quote)->Apply(OrdersAndPath)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_PlainInsert(benchmark::State& state) {
  City& c = TheCity(10'000);
  static int64_t n = 0;  // ids stay unique across the runs Google Benchmark makes
  for (auto _ : state) {
    Status s = c.store->Write([&](store::Tx& tx) -> Status {
      std::string id = "crq_plain" + std::to_string(n++);
      QT_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO market_requests VALUES (?, ?, 8, 'any', 1, 1, 1, 2, 1, 'open', 1)",
                  {id, c.enterprises[0].org_id})
              .status());
      for (int q = 0; q < 18; ++q) {
        QT_RETURN_IF_ERROR(tx.Exec("INSERT INTO market_quotes VALUES (?, ?, (SELECT id FROM "
                                   "market_clusters LIMIT 1), "
                                   "'p', 'pool', 'A100', 1, 1, 1, 2, 1, ?, 1)",
                                   {id + "-" + std::to_string(q), id, int64_t{q}})
                               .status());
      }
      return c.journal.Append(tx, {"bench", "bench.plain", id, {{"n", n}}}).status();
    });
    if (!s.ok()) state.SkipWithError(s.message().c_str());
  }
  state.counters["requests_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PlainInsert)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Settle(benchmark::State& state) {
  City& c = TheCity(10'000);
  // Running orders to settle, each for an enterprise holding a voucher.
  static std::vector<std::pair<accounts::Principal, std::string>> running;
  if (running.empty()) {
    std::mt19937 rng(3);
    auto orgs = c.accounts->ListOrgs({"", 500});
    auto authority = [&] {
      for (const auto& o : orgs->items) {
        if (o.kind == accounts::OrgKind::kAuthority)
          return accounts::Principal{"", "", o.id, o.kind, accounts::Role::kAdmin};
      }
      std::abort();
    }();
    auto prog = c.vouchers->CreateProgramme(
        authority, {"bench", 1'000'000'000'000, 3000, 1'000'000'000, SystemClock::Get().NowMillis(),
                    SystemClock::Get().NowMillis() + 3'600'000'000LL});
    for (auto& e : c.enterprises) {
      auto a = c.vouchers->Apply(e, prog->id, 1'000'000'000);
      if (a.ok()) (void)c.vouchers->Decide(authority, a->id, true, 0, "");
    }
    // A pool of its own, so each 8-card order starts now (and bills enough
    // for the vouchers to pay part of it).
    accounts::Principal provider;
    for (const auto& o : orgs->items) {
      if (o.kind == accounts::OrgKind::kComputeProvider)
        provider = {"", "", o.id, o.kind, accounts::Role::kAdmin};
    }
    compute::market::NewCluster bench;
    bench.name = "settle-bench";
    bench.region = "bench";
    bench.pools = {{{2000, 8, 128, 2048, 32, 8}, "settle", "A100"}};
    bench.fen_per_card_hour["A100"] = 100'000'000;
    if (!c.market->RegisterCluster(provider, bench).ok()) std::abort();
    while (running.size() < 1000) {
      auto& who = c.enterprises[rng() % c.enterprises.size()];
      auto r = c.Request(rng, 1);
      r.cards = 8;
      r.chip = "chip:A100";
      r.max_fen_per_card_hour = 100'000'000;
      auto posted = c.market->PostRequest(who, r);
      if (!posted.ok()) std::abort();
      std::string quote;
      for (const auto& q : posted->quotes) {
        if (q.pool == "settle") quote = q.id;
      }
      auto o = c.market->AcceptQuote(who, quote);
      if (!o.ok()) std::abort();
      running.emplace_back(who, o->id);
    }
    (void)c.market->Advance();
  }
  size_t next = 0;
  for (auto _ : state) {
    if (next == running.size()) {
      state.SkipWithError("ran out of running orders");
      break;
    }
    auto& [who, id] = running[next++];
    auto o = c.market->CancelOrder(who, id, "bench");
    if (!o.ok()) state.SkipWithError(o.status().message().c_str());
  }
  running.erase(running.begin(), running.begin() + static_cast<long>(next));
  state.counters["settlements_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Settle)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1000);

void BM_PlainSettleInsert(benchmark::State& state) {
  City& c = TheCity(10'000);
  // The bill's and the redemption's rows, in tables of the same columns
  // without the constraints and lookups settlement does.
  if (!c.store
           ->Write([](store::Tx& tx) {
             return tx.ExecScript(
                 "CREATE TABLE IF NOT EXISTS plain_bills (id TEXT PRIMARY KEY, order_id TEXT, "
                 "enterprise_id TEXT, "
                 "provider_id TEXT, usage_card_ms BIGINT, gross_fen BIGINT, voucher_fen BIGINT, "
                 "payable_fen BIGINT, "
                 "lines TEXT, created_at BIGINT);"
                 "CREATE TABLE IF NOT EXISTS plain_redemptions (id TEXT PRIMARY KEY, voucher_id "
                 "TEXT, bill_id TEXT, "
                 "provider_id TEXT, amount_fen BIGINT, created_at BIGINT);");
           })
           .ok()) {
    state.SkipWithError("cannot create the plain tables");
  }
  static int64_t n = 0;
  for (auto _ : state) {
    Status s = c.store->Write([&](store::Tx& tx) -> Status {
      std::string id = "cbl_plain" + std::to_string(n++);
      QT_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO plain_bills VALUES (?, 'cor_x', 'e', 'p', 1, 1000, 300, 700, "
                  "'[{\"description\":\"x\",\"amount_fen\":1000}]', 1)",
                  {id})
              .status());
      return tx.Exec("INSERT INTO plain_redemptions VALUES (?, 'vch_x', ?, 'p', 300, 1)", {id, id})
          .status();
    });
    if (!s.ok()) state.SkipWithError(s.message().c_str());
  }
  state.counters["settlements_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PlainSettleInsert)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1000);

}  // namespace
}  // namespace qt

BENCHMARK_MAIN();
