#include "compute/market/market.h"

#include <gtest/gtest.h>

#include <random>
#include <thread>
#include <tuple>

#include "accounts/credit_code.h"
#include "compute/configs.h"
#include "compute/market/vouchers.h"
#include "tests/support/service_test.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_database.h"

namespace qt::compute::market {
namespace {

using ::qt::testing::IsOk;
using ::qt::testing::StatusIs;

using accounts::OrgKind;
using accounts::Principal;

std::string Code(const std::string& first16, char c17) {
  std::string first17 = first16 + c17;
  return first17 + accounts::CreditCodeCheckCharacter(first17);
}

constexpr int64_t kHour = 3'600'000;

// Every test runs on SQLite, and on PostgreSQL when QIANTANG_TEST_PG is set.
class MarketTest : public qt::testing::ServiceTest {
 protected:
  MarketTest() : ServiceTest("2026-09-21T14:13:20Z", "market_test") {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(Open({Market::Migrations(), Vouchers::Migrations()}));
    provider_ = Org("Org P", OrgKind::kComputeProvider, 'P');
    provider2_ = Org("Org Q", OrgKind::kComputeProvider, 'Q');
    enterprise_ = Org("Org E", OrgKind::kEnterprise, 'E');
    outsider_ = OrgWithCode(OrgKind::kEnterprise, "91310106MA2H0000", 'T');  // of Shanghai
    authority_ = OrgWithCode(OrgKind::kAuthority, "11330100MA2H0000", 'A');
    vouchers_ = std::make_unique<Vouchers>(*store_, clock_, random_, journal_);
    market_ = std::make_unique<Market>(
        *store_,
        MarketOptions{&clock_, &random_, &journal_, &catalog_, vouchers_.get(), 15 * 60'000, 1});
  }

  // An organisation whose credit code starts with `code16` (ServiceTest::Org's
  // are all of one district of Hangzhou), as its admin.
  Principal OrgWithCode(OrgKind kind, const std::string& code16, char c) {
    auto r = accounts_->CreateOrg(op_, {std::string("Org ") + c, kind, Code(code16, c)});
    EXPECT_THAT(r, IsOk()) << r.status().ToString();
    return *accounts_->Authenticate(r->admin_token.secret);
  }

  NewCluster Cluster(const std::string& name, const std::string& chip, int nodes, int64_t price) {
    NewCluster c;
    c.name = name;
    c.region = "钱塘区";
    c.pools = {{{nodes, 8, 128, 2048, 32, 8}, name + "-pool", chip}};
    c.fen_per_card_hour[chip] = price;
    return c;
  }

  NewRequest Request(int64_t cards, int64_t hours, int64_t max_price = 100'000) {
    NewRequest r;
    r.cards = cards;
    r.duration_ms = hours * kHour;
    r.window_start = clock_.NowMillis();
    r.window_end = clock_.NowMillis() + 48 * kHour;
    r.max_fen_per_card_hour = max_price;
    return r;
  }

  // Another Market on the same store, as another server process would have:
  // its own quoting memory (or none, reading the store on each quote).
  std::unique_ptr<Market> AnotherMarket(bool quotes_from_store = false) {
    MarketOptions o{&clock_, &random_, &journal_, &catalog_, vouchers_.get(), 15 * 60'000, 1};
    o.quotes_from_store = quotes_from_store;
    return std::make_unique<Market>(*store_, o);
  }

  ChipCatalog catalog_ = LoadChipCatalog("").value();
  std::unique_ptr<Vouchers> vouchers_;
  std::unique_ptr<Market> market_;
  Principal provider_, provider2_, enterprise_, outsider_, authority_;
};

INSTANTIATE_TEST_SUITE_P(Backends, MarketTest, ::testing::ValuesIn(qt::testing::TestBackends()),
                         qt::testing::BackendName());

TEST_P(MarketTest, ProvidersRegisterClustersAndCapacityIsPooled) {
  auto a = market_->RegisterCluster(provider_, Cluster("a100s", "A100", 10, 1500));
  ASSERT_THAT(a, IsOk()) << a.status().ToString();
  EXPECT_EQ(a->cards, 80);
  EXPECT_EQ(a->tflops, 80 * 312);
  ASSERT_THAT(market_->RegisterCluster(provider2_, Cluster("npus", "Ascend910B", 5, 900)), IsOk());
  auto cap = market_->PooledCapacity();
  ASSERT_THAT(cap, IsOk());
  EXPECT_EQ(cap->cards, 120);
  EXPECT_EQ(cap->tflops, 80 * 312 + 40 * 320);
  EXPECT_EQ(cap->by_chip.size(), 2u);
  EXPECT_EQ(cap->by_provider.size(), 2u);
  EXPECT_THAT(market_->RegisterCluster(provider_, Cluster("a100s", "A100", 1, 1)),
              StatusIs(StatusCode::kConflict));
  EXPECT_THAT(market_->RegisterCluster(enterprise_, Cluster("x", "A100", 1, 1)),
              StatusIs(StatusCode::kPermissionDenied));
  NewCluster bad = Cluster("bad", "B300", 1, 1);
  EXPECT_EQ(market_->RegisterCluster(provider_, bad).status().message(),
            "pools[0].chip: unknown chip \"B300\"");
  bad = Cluster("bad", "A100", 1, 0);
  EXPECT_EQ(market_->RegisterCluster(provider_, bad).status().message(),
            "prices.A100: must be between 1 and 100000000 fen per card-hour");
  bad = Cluster("bad", "A100", 0, 5);
  EXPECT_EQ(market_->RegisterCluster(provider_, bad).status().message(),
            "pools[0].nodes: must be between 1 and 100000");
  EXPECT_EQ(market_->ListClusters()->size(), 2u);
}

TEST_P(MarketTest, QuotesAreRankedAndAcceptingBooksCapacityOnce) {
  auto cheap = market_->RegisterCluster(provider_, Cluster("cheap", "A100", 2, 1000));  // 16 cards
  auto dear = market_->RegisterCluster(provider2_, Cluster("dear", "H800", 4, 5000));   // 32 cards
  ASSERT_TRUE(cheap.ok() && dear.ok());
  auto r1 = market_->PostRequest(enterprise_, Request(16, 10));
  ASSERT_THAT(r1, IsOk()) << r1.status().ToString();
  ASSERT_EQ(r1->quotes.size(), 2u);
  const Quote& best = r1->quotes[0];
  EXPECT_EQ(best.cluster_id, cheap->id);
  EXPECT_EQ(best.amount_fen, 16 * 10 * 1000);
  EXPECT_EQ(best.rank, 1);
  EXPECT_EQ(best.start_ms, clock_.NowMillis());
  auto order = market_->AcceptQuote(enterprise_, best.id);
  ASSERT_THAT(order, IsOk()) << order.status().ToString();
  EXPECT_EQ(order->state, OrderState::kAccepted);
  EXPECT_THAT(market_->AcceptQuote(enterprise_, best.id),
              StatusIs(StatusCode::kFailedPrecondition));

  // The same 16 cards cannot be booked twice: a second request gets the cheap
  // pool only after the first order ends, and an old quote for them fails.
  auto r2 = market_->PostRequest(enterprise_, Request(16, 10));
  ASSERT_THAT(r2, IsOk());
  const Quote* later = nullptr;
  for (const Quote& q : r2->quotes) {
    if (q.cluster_id == cheap->id) later = &q;
  }
  ASSERT_NE(later, nullptr);
  EXPECT_EQ(later->start_ms, order->end_ms);
  EXPECT_EQ(r2->quotes[0].cluster_id, cheap->id);  // still cheapest, though later

  auto r3 = market_->PostRequest(enterprise_, Request(8, 10));
  auto r4 = market_->PostRequest(enterprise_, Request(16, 10));
  ASSERT_TRUE(r3.ok() && r4.ok());
  // Both quotes were made for [end of order 1, +10 h) on the cheap pool.
  ASSERT_THAT(market_->AcceptQuote(enterprise_, r3->quotes[0].id), IsOk());
  auto clash = market_->AcceptQuote(enterprise_, r4->quotes[0].id);
  EXPECT_THAT(clash, StatusIs(StatusCode::kConflict)) << clash.status().ToString();
}

TEST_P(MarketTest, ConcurrentAcceptsNeverDoubleBook) {
  ASSERT_THAT(market_->RegisterCluster(provider_, Cluster("one", "A100", 1, 1000)),
              IsOk());  // 8 cards
  std::vector<std::string> quotes;
  for (int i = 0; i < 6; ++i) {
    auto r = market_->PostRequest(enterprise_, Request(8, 2));
    ASSERT_THAT(r, IsOk());
    quotes.push_back(r->quotes.at(0).id);  // all for the same window
  }
  std::atomic<int> ok{0}, conflicts{0};
  std::vector<std::thread> threads;
  threads.reserve(quotes.size());
  for (const std::string& q : quotes) {
    threads.emplace_back([&, q] {
      auto o = market_->AcceptQuote(enterprise_, q);
      if (o.ok()) ++ok;
      if (o.status().code() == StatusCode::kConflict) ++conflicts;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(conflicts.load(), 5);
}

// What a request was quoted, without the ids.
using QuoteKey = std::tuple<std::string, std::string, int64_t, int64_t, int64_t, int64_t>;
std::vector<QuoteKey> Keys(const std::vector<Quote>& quotes) {
  std::vector<QuoteKey> out;
  out.reserve(quotes.size());
  for (const Quote& q : quotes) {
    out.emplace_back(q.cluster_id, q.pool, q.start_ms, q.end_ms, q.amount_fen, q.rank);
  }
  return out;
}

// The memory kept current write by write (this process's own, and another's
// caught up through change numbers) quotes exactly what reading the store
// from scratch quotes, after every step of random accepts, cancellations,
// starts, completions, withdrawals and price changes made through either of
// two Markets.
TEST_P(MarketTest, InMemoryQuotesAgreeWithTheStoreOnRandomAcceptsAndCancels) {
  auto a = market_->RegisterCluster(provider_, Cluster("a", "A100", 2, 1000));   // 16 cards
  auto b = market_->RegisterCluster(provider2_, Cluster("b", "A100", 3, 1200));  // 24 cards
  auto h = market_->RegisterCluster(provider_, Cluster("h", "H800", 1, 900));    // 8 cards
  ASSERT_TRUE(a.ok() && b.ok() && h.ok());
  std::unique_ptr<Market> other = AnotherMarket();
  std::unique_ptr<Market> reference = AnotherMarket(/*quotes_from_store=*/true);
  Market* markets[] = {market_.get(), other.get()};
  std::mt19937 rng(7);
  std::vector<std::string> orders;
  auto request = [&] {
    NewRequest r = Request(8 * (1 + static_cast<int64_t>(rng() % 2)), 1 + rng() % 8);
    r.window_start = clock_.NowMillis() + static_cast<int64_t>(rng() % 4) * kHour;
    return r;
  };
  int accepted = 0, released = 0;
  for (int step = 0; step < 120; ++step) {
    Market& m = *markets[rng() % 2];
    const int op = static_cast<int>(rng() % 10);
    if (op < 5) {
      auto posted = m.PostRequest(enterprise_, request());
      ASSERT_THAT(posted, IsOk()) << posted.status().ToString();
      if (!posted->quotes.empty()) {
        const Quote& q = posted->quotes[rng() % posted->quotes.size()];
        auto o = markets[rng() % 2]->AcceptQuote(enterprise_, q.id);
        ASSERT_THAT(o, IsOk()) << o.status().ToString();
        orders.push_back(o->id);
        ++accepted;
      }
    } else if (op < 7 && !orders.empty()) {
      const std::string id = orders[rng() % orders.size()];
      auto c = m.CancelOrder(enterprise_, id, "random");
      if (c.ok()) ++released;
      ASSERT_TRUE(c.ok() || c.status().code() == StatusCode::kFailedPrecondition)
          << c.status().ToString();
    } else if (op < 9) {
      clock_.Advance(static_cast<int64_t>(rng() % 4) * kHour);
      ASSERT_THAT(m.Advance(), IsOk());
    } else if (rng() % 2 == 0) {
      ASSERT_THAT(m.SetAvailable(provider2_, b->id, rng() % 3 != 0), IsOk());
    } else {
      ASSERT_THAT(m.SetPrices(provider_, a->id, {{"A100", 800 + 100 * (rng() % 5)}}), IsOk());
    }
    // The same request, quoted four ways.
    const NewRequest probe = request();
    auto want = reference->PostRequest(enterprise_, probe);
    ASSERT_THAT(want, IsOk());
    std::unique_ptr<Market> fresh = AnotherMarket();  // loads from scratch
    for (Market* quoting : {market_.get(), other.get(), fresh.get()}) {
      auto got = quoting->PostRequest(enterprise_, probe);
      ASSERT_THAT(got, IsOk());
      ASSERT_EQ(Keys(got->quotes), Keys(want->quotes)) << "step " << step;
    }
  }
  // The sequence did what it is meant to test.
  EXPECT_GT(accepted, 20);
  EXPECT_GT(released, 5);
}

// Another process's acceptance (or cancellation, or withdrawal) is seen by
// this process's next quote, though it had quoted (and loaded) before.
TEST_P(MarketTest, ASecondMarketSeesTheFirstsChangesOnItsNextQuote) {
  auto c = market_->RegisterCluster(provider_, Cluster("one", "A100", 1, 1000));  // 8 cards
  ASSERT_THAT(c, IsOk());
  std::unique_ptr<Market> other = AnotherMarket();
  auto before = other->PostRequest(enterprise_, Request(8, 2));
  ASSERT_THAT(before, IsOk());
  ASSERT_EQ(before->quotes.size(), 1u);
  EXPECT_EQ(before->quotes[0].start_ms, clock_.NowMillis());

  auto r = market_->PostRequest(enterprise_, Request(8, 2));
  auto o = market_->AcceptQuote(enterprise_, r->quotes.at(0).id);
  ASSERT_THAT(o, IsOk());
  auto after = other->PostRequest(enterprise_, Request(8, 2));
  ASSERT_THAT(after, IsOk());
  ASSERT_EQ(after->quotes.size(), 1u);
  EXPECT_EQ(after->quotes[0].start_ms, o->end_ms);  // not double-booked from a stale memory

  ASSERT_THAT(market_->CancelOrder(enterprise_, o->id, "changed my mind"), IsOk());
  auto freed = other->PostRequest(enterprise_, Request(8, 2));
  ASSERT_EQ(freed->quotes.size(), 1u);
  EXPECT_EQ(freed->quotes[0].start_ms, clock_.NowMillis());

  ASSERT_THAT(market_->SetAvailable(provider_, c->id, false), IsOk());
  EXPECT_TRUE(other->PostRequest(enterprise_, Request(8, 2))->quotes.empty());
  ASSERT_THAT(market_->SetAvailable(provider_, c->id, true), IsOk());
  ASSERT_THAT(market_->SetPrices(provider_, c->id, {{"A100", 2000}}), IsOk());
  auto repriced = other->PostRequest(enterprise_, Request(8, 2));
  ASSERT_EQ(repriced->quotes.size(), 1u);
  EXPECT_EQ(repriced->quotes[0].fen_per_card_hour, 2000);

  // The other process's order completing (run by the first) frees the pool.
  auto r2 = other->PostRequest(enterprise_, Request(8, 2));
  ASSERT_THAT(other->AcceptQuote(enterprise_, r2->quotes.at(0).id), IsOk());
  EXPECT_EQ(market_->PostRequest(enterprise_, Request(8, 2))->quotes.at(0).start_ms,
            clock_.NowMillis() + 2 * kHour);
  ASSERT_EQ(*market_->Advance(), 1);  // starts
  clock_.Advance(2 * kHour);
  ASSERT_EQ(*market_->Advance(), 1);  // completes
  EXPECT_EQ(other->PostRequest(enterprise_, Request(8, 2))->quotes.at(0).start_ms,
            clock_.NowMillis());
}

// Two processes accepting quotes for the same cards at once: each re-checks
// the store in its write transaction, so exactly one order holds them.
TEST_P(MarketTest, TwoMarketsAcceptingConcurrentlyNeverOverbook) {
  ASSERT_THAT(market_->RegisterCluster(provider_, Cluster("one", "A100", 1, 1000)), IsOk());
  std::unique_ptr<Market> other = AnotherMarket();
  Market* markets[] = {market_.get(), other.get()};
  for (int round = 0; round < 4; ++round) {
    // Each quotes the same free slot (both memories know of every earlier order).
    std::vector<std::pair<Market*, std::string>> quotes;
    int64_t start = -1;
    for (int i = 0; i < 6; ++i) {
      Market* m = markets[i % 2];
      auto r = m->PostRequest(enterprise_, Request(8, 2));
      ASSERT_THAT(r, IsOk());
      ASSERT_EQ(r->quotes.size(), 1u);
      if (start < 0) start = r->quotes[0].start_ms;
      ASSERT_EQ(r->quotes[0].start_ms, start);
      quotes.emplace_back(m, r->quotes[0].id);
    }
    EXPECT_EQ(start, clock_.NowMillis() + round * 2 * kHour);
    std::atomic<int> ok{0}, conflicts{0};
    std::vector<std::thread> threads;
    threads.reserve(quotes.size());
    for (const auto& [m, q] : quotes) {
      threads.emplace_back([&, m = m, q = q] {
        auto o = m->AcceptQuote(enterprise_, q);
        if (o.ok()) ++ok;
        if (o.status().code() == StatusCode::kConflict) ++conflicts;
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), 1) << "round " << round;
    EXPECT_EQ(conflicts.load(), 5) << "round " << round;
  }
  // What the store holds: four 2-hour orders, one after another.
  auto orders = market_->ListOrders(enterprise_, {"", 100});
  ASSERT_EQ(orders->items.size(), 4u);
  std::vector<int64_t> starts;
  for (const Order& o : orders->items) starts.push_back(o.start_ms);
  std::sort(starts.begin(), starts.end());
  for (size_t i = 0; i < starts.size(); ++i) {
    EXPECT_EQ(starts[i], clock_.NowMillis() + static_cast<int64_t>(i) * 2 * kHour);
  }
}

// A damaged order row (here its cards, which only SQLite lets hold text) is
// logged and passed over by the quoting memory, so the other pools are still
// quoted; acceptance reads the store and refuses its pool rather than overbook.
TEST_P(MarketTest, ADamagedReservationIsPassedOverInQuotesAndRefusedOnAcceptance) {
  if (GetParam() != "sqlite") GTEST_SKIP() << "PostgreSQL types its columns";
  auto one = market_->RegisterCluster(provider_, Cluster("one", "A100", 1, 1000));
  ASSERT_THAT(market_->RegisterCluster(provider2_, Cluster("two", "A100", 1, 1200)), IsOk());
  auto r = market_->PostRequest(enterprise_, Request(8, 2));
  auto o = market_->AcceptQuote(enterprise_, r->quotes.at(0).id);
  ASSERT_THAT(o, IsOk());
  ASSERT_EQ(o->cluster_id, one->id);
  ASSERT_THAT(store_->Write([&](store::Tx& tx) {
    return tx.Exec("UPDATE market_orders SET cards = 'garbage' WHERE id = ?", {o->id}).status();
  }),
              IsOk());
  std::unique_ptr<Market> fresh = AnotherMarket();
  auto posted = fresh->PostRequest(enterprise_, Request(8, 2));
  ASSERT_THAT(posted, IsOk()) << posted.status().ToString();
  ASSERT_EQ(posted->quotes.size(), 2u);
  for (const Quote& q : posted->quotes) {
    if (q.cluster_id == one->id) {
      EXPECT_THAT(fresh->AcceptQuote(enterprise_, q.id), StatusIs(StatusCode::kInternal));
    } else {
      EXPECT_THAT(fresh->AcceptQuote(enterprise_, q.id), IsOk());
    }
  }
}

TEST_P(MarketTest, BadRequestsChangeNothing) {
  ASSERT_THAT(market_->RegisterCluster(provider_, Cluster("c", "A100", 1, 1000)), IsOk());
  NewRequest r = Request(8, 1);
  r.chip = "vendor";
  EXPECT_THAT(market_->PostRequest(enterprise_, r), StatusIs(StatusCode::kInvalidArgument));
  r = Request(0, 1);
  EXPECT_EQ(market_->PostRequest(enterprise_, r).status().message(),
            "cards: must be between 1 and 100000");
  r = Request(8, 1);
  r.window_end = clock_.NowMillis() - 1;
  EXPECT_EQ(market_->PostRequest(enterprise_, r).status().message(),
            "window_end: the window has already ended");
  r = Request(8, 100);
  EXPECT_EQ(market_->PostRequest(enterprise_, r).status().message(),
            "window_end: the window is shorter than the duration");
  r = Request(8, 1, 0);
  EXPECT_THAT(market_->PostRequest(enterprise_, r), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(market_->PostRequest(provider_, Request(8, 1)),
              StatusIs(StatusCode::kPermissionDenied));
  // A request nobody can serve is fine: it has no quotes.
  auto none = market_->PostRequest(enterprise_, Request(64, 1));
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->quotes.empty());
  // An expired quote cannot be accepted.
  auto q = market_->PostRequest(enterprise_, Request(8, 1));
  clock_.Advance(16 * 60'000);
  EXPECT_EQ(market_->AcceptQuote(enterprise_, q->quotes[0].id).status().message(),
            "quote: expired; ask for new quotes");
  EXPECT_THAT(market_->AcceptQuote(outsider_, q->quotes[0].id),
              StatusIs(StatusCode::kPermissionDenied));
}

TEST_P(MarketTest, SimulatedBackendRunsMetersAndBillsWithVouchers) {
  auto c = market_->RegisterCluster(provider_, Cluster("c", "A100", 2, 1000));
  ASSERT_THAT(c, IsOk());
  auto prog = vouchers_->CreateProgramme(
      authority_, {"2026 算力券", 10'000'000, 3000, 50'000, clock_.NowMillis(),
                   clock_.NowMillis() + 365 * 24 * kHour});
  ASSERT_THAT(prog, IsOk()) << prog.status().ToString();
  auto app = vouchers_->Apply(enterprise_, prog->id, 40'000);
  ASSERT_THAT(app, IsOk()) << app.status().ToString();
  EXPECT_THAT(vouchers_->Apply(enterprise_, prog->id, 1), StatusIs(StatusCode::kConflict));
  EXPECT_THAT(vouchers_->Apply(outsider_, prog->id, 1), StatusIs(StatusCode::kFailedPrecondition));
  auto decided = vouchers_->Decide(authority_, app->id, true, 0, "");
  ASSERT_THAT(decided, IsOk()) << decided.status().ToString();
  EXPECT_EQ(decided->state, "approved");

  // 8 cards x 10 h x 1000 fen = 80,000 fen; the voucher pays 30 % = 24,000.
  auto r = market_->PostRequest(enterprise_, Request(8, 10));
  auto o = market_->AcceptQuote(enterprise_, r->quotes.at(0).id);
  ASSERT_THAT(o, IsOk());
  EXPECT_EQ(*market_->Advance(), 1);  // starts
  clock_.Advance(10 * kHour);
  EXPECT_EQ(*market_->Advance(), 1);  // completes
  auto bills = market_->ListBills(enterprise_, {"", 10});
  ASSERT_THAT(bills, IsOk());
  ASSERT_EQ(bills->items.size(), 1u);
  const Bill& b = bills->items[0];
  EXPECT_EQ(b.usage_card_ms, 8 * 10 * kHour);
  EXPECT_EQ(b.gross_fen, 80'000);
  EXPECT_EQ(b.voucher_fen, 24'000);
  EXPECT_EQ(b.payable_fen, 56'000);
  ASSERT_EQ(b.lines.size(), 2u);

  // The second bill gets only what remains of the voucher (16,000).
  auto r2 = market_->PostRequest(enterprise_, Request(8, 10));
  ASSERT_THAT(market_->AcceptQuote(enterprise_, r2->quotes.at(0).id), IsOk());
  market_->Advance().value();
  clock_.Advance(10 * kHour);
  market_->Advance().value();
  bills = market_->ListBills(enterprise_, {"", 10});
  ASSERT_EQ(bills->items.size(), 2u);
  EXPECT_EQ(bills->items[1].voucher_fen, 16'000);
  auto v = vouchers_->ListVouchers(enterprise_);
  ASSERT_EQ(v->size(), 1u);
  EXPECT_EQ((*v)[0].redeemed_fen, 40'000);
  auto rep = vouchers_->Report(authority_, prog->id);
  ASSERT_THAT(rep, IsOk());
  EXPECT_EQ(rep->programme.issued_fen, 40'000);
  EXPECT_EQ(rep->programme.redeemed_fen, 40'000);
  ASSERT_EQ(rep->by_provider.size(), 1u);
  EXPECT_EQ(rep->by_provider[0].redeemed_fen, 40'000);
  auto stats = market_->TradeStats();
  ASSERT_EQ(stats->size(), 1u);
  EXPECT_EQ((*stats)[0].amount_fen, 160'000);
}

TEST_P(MarketTest, ConcurrentSettlementsNeverSpendAVoucherTwice) {
  ASSERT_THAT(market_->RegisterCluster(provider_, Cluster("c", "A100", 8, 1000)),
              IsOk());  // 64 cards
  auto prog = vouchers_->CreateProgramme(
      authority_,
      {"p", 1'000'000, 10'000, 30'000, clock_.NowMillis(), clock_.NowMillis() + 100 * kHour});
  auto app = vouchers_->Apply(enterprise_, prog->id, 30'000);
  ASSERT_THAT(vouchers_->Decide(authority_, app->id, true, 0, ""), IsOk());
  // Eight 8-card one-hour orders: 8,000 fen each, fully subsidised (100 %)
  // until the 30,000-fen voucher runs out.
  std::vector<std::string> orders;
  for (int i = 0; i < 8; ++i) {
    auto r = market_->PostRequest(enterprise_, Request(8, 1));
    auto o = market_->AcceptQuote(enterprise_, r->quotes.at(0).id);
    ASSERT_THAT(o, IsOk()) << o.status().ToString();
    orders.push_back(o->id);
  }
  ASSERT_EQ(*market_->Advance(), 8);
  clock_.Advance(30 * 60'000);
  // Cancel all eight at once from several threads: each is billed for 30 min.
  std::vector<std::thread> threads;
  threads.reserve(orders.size());
  for (const std::string& id : orders) {
    threads.emplace_back(
        [&, id] { EXPECT_THAT(market_->CancelOrder(enterprise_, id, "done early"), IsOk()); });
  }
  for (auto& t : threads) t.join();
  auto bills = market_->ListBills(enterprise_, {"", 100});
  ASSERT_EQ(bills->items.size(), 8u);
  int64_t subsidy = 0;
  for (const Bill& b : bills->items) {
    EXPECT_EQ(b.gross_fen, 4'000);
    subsidy += b.voucher_fen;
  }
  EXPECT_EQ(subsidy, 30'000);
}

TEST_P(MarketTest, RelatedPartiesAndBudgetLimitVouchers) {
  auto prog = vouchers_->CreateProgramme(authority_, {"p", 50'000, 3000, 40'000, clock_.NowMillis(),
                                                      clock_.NowMillis() + 100 * kHour});
  ASSERT_THAT(prog, IsOk());
  auto other = Org("Org F", OrgKind::kEnterprise, 'F');
  auto a1 = vouchers_->Apply(enterprise_, prog->id, 40'000);
  auto a2 = vouchers_->Apply(other, prog->id, 40'000);
  ASSERT_THAT(vouchers_->Decide(authority_, a1->id, true, 0, ""), IsOk());
  EXPECT_EQ(vouchers_->Decide(authority_, a2->id, true, 0, "").status().message(),
            "budget: only 10000 fen of the budget remain");
  EXPECT_THAT(vouchers_->Decide(authority_, a2->id, false, 0, ""),
              StatusIs(StatusCode::kInvalidArgument));
  auto rejected = vouchers_->Decide(authority_, a2->id, false, 0, "budget exhausted");
  ASSERT_THAT(rejected, IsOk());
  EXPECT_EQ(rejected->state, "rejected");
  EXPECT_THAT(vouchers_->Decide(authority_, a2->id, true, 0, ""),
              StatusIs(StatusCode::kFailedPrecondition));

  ASSERT_THAT(vouchers_->AddRelatedParty(authority_, enterprise_.org_id, provider_.org_id), IsOk());
  ASSERT_THAT(market_->RegisterCluster(provider_, Cluster("c", "A100", 1, 1000)), IsOk());
  auto r = market_->PostRequest(enterprise_, Request(8, 1));
  ASSERT_THAT(market_->AcceptQuote(enterprise_, r->quotes.at(0).id), IsOk());
  market_->Advance().value();
  clock_.Advance(kHour);
  market_->Advance().value();
  auto bills = market_->ListBills(enterprise_, {"", 10});
  ASSERT_EQ(bills->items.size(), 1u);
  EXPECT_EQ(bills->items[0].voucher_fen, 0);  // the provider is a related party
}

TEST_P(MarketTest, AnUnavailableClusterFailsItsOrdersAndBillsUsage) {
  auto c = market_->RegisterCluster(provider_, Cluster("c", "A100", 1, 1000));
  auto r = market_->PostRequest(enterprise_, Request(8, 10));
  auto o = market_->AcceptQuote(enterprise_, r->quotes.at(0).id);
  market_->Advance().value();
  clock_.Advance(2 * kHour);
  ASSERT_THAT(market_->SetAvailable(provider_, c->id, false), IsOk());
  EXPECT_THAT(market_->SetAvailable(provider2_, c->id, true),
              StatusIs(StatusCode::kPermissionDenied));
  EXPECT_EQ(*market_->Advance(), 1);
  auto orders = market_->ListOrders(enterprise_, {"", 10});
  ASSERT_EQ(orders->items.size(), 1u);
  EXPECT_EQ(orders->items[0].state, OrderState::kFailed);
  EXPECT_EQ(orders->items[0].reason, "the provider's cluster became unavailable");
  auto bills = market_->ListBills(enterprise_, {"", 10});
  ASSERT_EQ(bills->items.size(), 1u);
  EXPECT_EQ(bills->items[0].gross_fen, 8 * 2 * 1000);
  // Others' orders are not visible.
  EXPECT_TRUE(market_->ListOrders(outsider_, {"", 10})->items.empty());
}

}  // namespace
}  // namespace qt::compute::market

namespace qt::compute::market {
namespace {

TEST_P(MarketTest, ExpiredVouchersDoNothing) {
  ASSERT_THAT(market_->RegisterCluster(provider_, Cluster("c", "A100", 1, 1000)), IsOk());
  auto prog = vouchers_->CreateProgramme(
      authority_,
      {"short", 1'000'000, 5000, 100'000, clock_.NowMillis(), clock_.NowMillis() + 2 * kHour});
  auto app = vouchers_->Apply(enterprise_, prog->id, 100'000);
  ASSERT_THAT(vouchers_->Decide(authority_, app->id, true, 0, ""), IsOk());
  auto r = market_->PostRequest(enterprise_, Request(8, 3));
  ASSERT_THAT(market_->AcceptQuote(enterprise_, r->quotes.at(0).id), IsOk());
  market_->Advance().value();
  clock_.Advance(3 * kHour);  // the voucher expired an hour before the bill
  ASSERT_EQ(*market_->Advance(), 1);
  auto bills = market_->ListBills(enterprise_, {"", 10});
  ASSERT_EQ(bills->items.size(), 1u);
  EXPECT_EQ(bills->items[0].gross_fen, 8 * 3 * 1000);
  EXPECT_EQ(bills->items[0].voucher_fen, 0);
  EXPECT_THAT(vouchers_->Apply(enterprise_, prog->id, 1),
              StatusIs(StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace qt::compute::market
