// Three `qiantang serve` processes on one PostgreSQL database: a concurrent
// workload through all three leaves nothing duplicated or missing, one ledger
// order with no gaps, a clean audit, and proofs from every process verifying
// against the same checkpoint; kill -9 of one process loses nothing
// acknowledged. Needs QIANTANG_TEST_PG (scripts/test.sh always sets it).
//
// Each later module adds its contended operations (certificate numbers...)
// to Workload or a test of its own here; the compute market's are below.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "crypto/encoding.h"
#include "ledger/verify.h"
#include "tests/integration/test_codes.h"
#include "tests/support/hook_receiver.h"
#include "tests/support/server_process.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_database.h"

namespace qt::testing {
namespace {

constexpr int kProcesses = 3;
constexpr int kThreadsPerProcess = 2;

class MultiProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::getenv("QIANTANG_TEST_PG") == nullptr) GTEST_SKIP() << "QIANTANG_TEST_PG is not set";
    db_ = std::make_unique<TestDatabase>("postgresql");
    for (int i = 0; i < kProcesses; ++i) {
      servers_.push_back(std::make_unique<ServerProcess>(
          db_->dir().path().string(),
          std::vector<std::string>{"--checkpoint-interval-ms", "100", "--notice-days", "0",
                                   "--outbound-allow-hosts", "127.0.0.1"},
          db_->url()));
      ASSERT_TRUE(servers_.back()->Start()) << "process " << i;
      if (i == 0)
        op_ = servers_[0]->bootstrap_token();
      else
        EXPECT_TRUE(servers_[i]->bootstrap_token().empty()) << "bootstrapped twice";
    }
    ASSERT_FALSE(op_.empty());
  }

  // One worker: creates an organisation, issues and revokes a token, again
  // and again through one process, until told to stop or the process dies.
  // Returns the ids of organisations acknowledged with 201.
  std::vector<std::string> Workload(int process, int worker, int iterations,
                                    std::atomic<bool>* stop) {
    std::vector<std::string> acknowledged;
    auto client = servers_[process]->Client();
    for (int i = 0; i < iterations && !(stop && *stop); ++i) {
      const int code = 10000 * (worker + 1) + i;
      auto org = Call(*client, "POST", "/api/v1/orgs", op_,
                      OrgBody("MP " + std::to_string(code), "enterprise", code));
      if (org.status == 0) break;  // the process is gone
      EXPECT_EQ(org.status, 201) << org.raw;
      if (org.status != 201) continue;
      acknowledged.push_back(org.body["id"]);
      auto token = Call(*client, "POST", "/api/v1/tokens", op_, R"({"label": "mp"})");
      if (token.status == 0) break;
      EXPECT_EQ(token.status, 201) << token.raw;
      if (token.status != 201) continue;
      auto revoke =
          Call(*client, "DELETE", "/api/v1/tokens/" + token.body["id"].get<std::string>(), op_);
      if (revoke.status == 0) break;
      EXPECT_EQ(revoke.status, 200) << revoke.raw;
    }
    return acknowledged;
  }

  std::vector<std::string> AllOrgIds(int process) {
    auto client = servers_[process]->Client();
    std::vector<std::string> ids;
    std::string cursor;
    do {
      auto a = Call(*client, "GET",
                    "/api/v1/orgs?limit=500" + (cursor.empty() ? "" : "&cursor=" + cursor), op_);
      EXPECT_EQ(a.status, 200);
      for (const auto& o : a.body["items"]) ids.push_back(o["id"]);
      cursor = a.body["next_cursor"].is_null() ? "" : a.body["next_cursor"].get<std::string>();
    } while (!cursor.empty());
    return ids;
  }

  // Every entry 0..size-1 is present once, with its own sequence number.
  uint64_t CheckLedgerIsOneGaplessOrder(int process) {
    auto client = servers_[process]->Client();
    auto cp = Call(*client, "POST", "/api/v1/ledger/checkpoints", op_);
    EXPECT_EQ(cp.status, 201) << cp.raw;
    const uint64_t size = cp.body["size"];
    for (uint64_t start = 0; start < size; start += 1000) {
      auto e = Call(*client, "GET",
                    "/api/v1/ledger/entries?start=" + std::to_string(start) +
                        "&end=" + std::to_string(std::min(size, start + 1000)),
                    op_);
      EXPECT_EQ(e.status, 200) << e.raw;
      uint64_t expect = start;
      for (const auto& entry : e.body["entries"]) {
        EXPECT_EQ(entry["index"].get<uint64_t>(), expect);
        EXPECT_EQ(entry["event"]["sequence"].get<uint64_t>(), expect);
        ++expect;
      }
    }
    return size;
  }

  void ExpectProofsFromEveryProcessVerify(uint64_t size) {
    auto vkey = Call(*servers_[0]->Client(), "GET", "/api/v1/ledger/vkey");
    auto key = *ledger::ParseVerifierKey(vkey.body["vkey"].get<std::string>());
    std::set<std::string> checkpoints;
    for (uint64_t index : {uint64_t{0}, size / 3, size / 2, size - 1}) {
      for (int p = 0; p < kProcesses; ++p) {
        if (!servers_[p]) continue;
        auto ev = Call(*servers_[p]->Client(), "GET",
                       "/api/v1/ledger/proof/event/" + std::to_string(index), op_);
        ASSERT_EQ(ev.status, 200) << ev.raw;
        std::vector<ledger::Bytes> proof;
        for (const auto& h : ev.body["proof"])
          proof.push_back(*crypto::HexDecode(h.get<std::string>()));
        Status s = ledger::VerifyEvent(ev.body["leaf"].get<std::string>(), index, proof,
                                       ev.body["checkpoint"].get<std::string>(), key);
        EXPECT_THAT(s, IsOk()) << "process " << p << " index " << index << ": " << s.message();
        checkpoints.insert(ev.body["checkpoint"].get<std::string>());
      }
    }
    EXPECT_EQ(checkpoints.size(), 1u) << "the processes served different checkpoints";
  }

  void ExpectCleanAudit() {
    auto audit = RunCommand({QiantangBinary(), "ledger", "audit", "--db", db_->url(),
                             "--master-key-file", db_->dir().File("master.key")});
    EXPECT_EQ(audit.exit_code, 0) << audit.err;
  }

  std::unique_ptr<TestDatabase> db_;
  std::vector<std::unique_ptr<ServerProcess>> servers_;
  std::string op_;
};

TEST_F(MultiProcessTest, ConcurrentWorkloadThroughThreeProcessesKeepsOneConsistentState) {
  constexpr int kIterations = 15;
  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::vector<std::thread> workers;
  workers.reserve(kProcesses * kThreadsPerProcess);
  for (int w = 0; w < kProcesses * kThreadsPerProcess; ++w) {
    workers.emplace_back([&, w] {
      auto ids = Workload(w % kProcesses, w, kIterations, nullptr);
      std::lock_guard lock(mu);
      acknowledged.insert(acknowledged.end(), ids.begin(), ids.end());
    });
  }
  for (auto& t : workers) t.join();
  const size_t workers_total = kProcesses * kThreadsPerProcess;
  ASSERT_EQ(acknowledged.size(), workers_total * kIterations);

  for (int p = 0; p < kProcesses; ++p) {
    auto ids = AllOrgIds(p);
    EXPECT_EQ(ids.size(), 1 + acknowledged.size()) << "process " << p;
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size()) << "duplicates";
    for (const auto& id : acknowledged) EXPECT_TRUE(std::count(ids.begin(), ids.end(), id)) << id;
  }
  // The citizen code issuer key and bootstrap: 4 events; each iteration: org,
  // user and token created, token issued, token revoked.
  const uint64_t size = CheckLedgerIsOneGaplessOrder(1);
  EXPECT_EQ(size, 4 + 5 * acknowledged.size());
  ExpectProofsFromEveryProcessVerify(size);
  ExpectCleanAudit();
}

// The market's contended operations through all three processes at once:
// competing acceptances of the same capacity (one wins), and concurrent
// settlements spending one voucher (never more than it holds).
TEST_F(MultiProcessTest, MarketNeverDoubleBooksOrSpendsAVoucherTwiceAcrossProcesses) {
  auto client = servers_[0]->Client();
  auto org = [&](const std::string& name, const std::string& kind, int n) {
    return NewOrgToken(*client, op_, name, kind, n);
  };
  std::string provider = org("MP 算力", "compute_provider", 901);
  std::string enterprise = org("MP 企业", "enterprise", 902);
  std::string authority = org("MP 经信局", "authority", 903);
  ASSERT_EQ(
      Call(*client, "POST", "/api/v1/compute/provider-clusters", provider,
           R"({"name": "one", "region": "r", "pools": [{"name": "p", "chip": "A100", "nodes": 1}],
                     "fen_per_card_hour": {"A100": 1000}})")
          .status,
      201);
  auto quote = [&](const std::string& body) {
    auto r = Call(*client, "POST", "/api/v1/compute/requests", enterprise, body);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body["quotes"][0]["id"].get<std::string>();
  };
  // Six quotes for the same 8 cards in the same hour, accepted at once through three processes.
  const std::string later =
      R"(, "window_start": "2099-01-01T00:00:00Z", "window_end": "2099-01-02T00:00:00Z"})";
  std::vector<std::string> quotes;
  quotes.reserve(6);
  for (int i = 0; i < 6; ++i) {
    quotes.push_back(
        quote(R"({"cards": 8, "duration_s": 3600, "max_fen_per_card_hour": 1000)" + later));
  }
  std::atomic<int> won{0}, lost{0};
  std::vector<std::thread> threads;
  threads.reserve(6);
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      auto c = servers_[i % kProcesses]->Client();
      auto a = Call(*c, "POST", "/api/v1/compute/quotes/" + quotes[i] + "/accept", enterprise);
      if (a.status == 201) ++won;
      if (a.status == 409) ++lost;
    });
  }
  for (auto& t : threads) t.join();
  threads.clear();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(lost.load(), 5);

  // A 500,000-fen voucher at 100 %, and eight running orders cancelled at
  // once through three processes: the subsidies sum to the voucher exactly.
  ASSERT_EQ(
      Call(*client, "POST", "/api/v1/compute/provider-clusters", provider,
           R"({"name": "big", "region": "r", "pools": [{"name": "p", "chip": "H800", "nodes": 8}],
                     "fen_per_card_hour": {"H800": 100000000}})")
          .status,
      201);
  auto prog = Call(
      *client, "POST", "/api/v1/compute/voucher-programmes", authority,
      R"({"name": "p", "budget_fen": 1000000, "ratio_bp": 10000, "cap_fen_per_enterprise_year": 500000,
                       "valid_to": "2099-01-01T00:00:00Z"})");
  ASSERT_EQ(prog.status, 201) << prog.raw;
  auto app = Call(
      *client, "POST",
      "/api/v1/compute/voucher-programmes/" + prog.body["id"].get<std::string>() + "/applications",
      enterprise, R"({"amount_fen": 500000})");
  ASSERT_EQ(app.status, 201) << app.raw;
  ASSERT_EQ(Call(*client, "POST",
                 "/api/v1/compute/voucher-applications/" + app.body["id"].get<std::string>() +
                     "/decision",
                 authority, R"({"decision": "approve"})")
                .status,
            200);
  std::vector<std::string> orders;
  for (int i = 0; i < 8; ++i) {
    auto q = quote(
        R"({"cards": 8, "chip": "chip:H800", "duration_s": 3600, "max_fen_per_card_hour": 100000000})");
    auto o = Call(*client, "POST", "/api/v1/compute/quotes/" + q + "/accept", enterprise);
    ASSERT_EQ(o.status, 201) << o.raw;
    orders.push_back(o.body["id"]);
  }
  for (int i = 0; i < 100; ++i) {
    auto page = Call(*client, "GET", "/api/v1/compute/orders?limit=500", enterprise);
    int running = 0;
    for (const auto& o : page.body["items"]) running += o["state"] == "running";
    if (running == 8) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto c = servers_[i % kProcesses]->Client();
      auto a = Call(*c, "POST", "/api/v1/compute/orders/" + orders[i] + "/cancel", enterprise,
                    R"({"reason": "mp"})");
      EXPECT_EQ(a.status, 200) << a.raw;
    });
  }
  for (auto& t : threads) t.join();
  auto bills = Call(*client, "GET", "/api/v1/compute/bills?limit=500", enterprise);
  ASSERT_EQ(bills.body["items"].size(), 8u) << bills.raw;
  int64_t gross = 0, subsidy = 0;
  for (const auto& b : bills.body["items"]) {
    gross += b["gross_fen"].get<int64_t>();
    subsidy += b["voucher_fen"].get<int64_t>();
  }
  ASSERT_GT(gross, 500000);  // more was billed than the voucher holds
  EXPECT_EQ(subsidy, 500000);
  client.reset();
  CheckLedgerIsOneGaplessOrder(2);
  ExpectCleanAudit();
}

TEST_F(MultiProcessTest, AChannelBudgetIsNeverOverspentAcrossProcesses) {
  auto client = servers_[0]->Client();
  auto org = [&](const std::string& name, const std::string& kind, int n) {
    return NewOrgToken(*client, op_, name, kind, n);
  };
  std::string holder = org("MP 数据", "data_holder", 911);
  std::string consumer = org("MP 研究", "enterprise", 912);
  std::string csv = "district,age\n";
  for (int i = 0; i < 300; ++i)
    csv += (i % 2 ? "西湖区," : "上城区,") + std::to_string(20 + i % 40) + "\n";
  auto src = Call(*client, "POST", "/api/v1/dataspace/sources", holder,
                  nlohmann::json{{"name", "s"}, {"csv", csv}}.dump());
  ASSERT_EQ(src.status, 201) << src.raw;
  auto pipe = Call(*client, "POST", "/api/v1/dataspace/pipelines", holder,
                   nlohmann::json{{"name", "p"}, {"source_id", src.body["id"]}}.dump());
  ASSERT_EQ(pipe.status, 201) << pipe.raw;
  auto run =
      Call(*client, "POST",
           "/api/v1/dataspace/pipelines/" + pipe.body["id"].get<std::string>() + "/runs", holder);
  ASSERT_EQ(run.status, 201) << run.raw;
  auto product = Call(*client, "POST", "/api/v1/dataspace/products", holder,
                      nlohmann::json{{"run_id", run.body["id"]}, {"title", "t"}}.dump());
  ASSERT_EQ(product.status, 201) << product.raw;
  auto offer = Call(*client, "POST", "/api/v1/dataspace/offers", holder,
                    nlohmann::json{{"product_id", product.body["id"]},
                                   {"title", "o"},
                                   {"policy", nlohmann::json::parse(R"({"permission": [{
                                      "action": "aggregate_query", "constraint": [
                                      {"leftOperand": "epsilon", "operator": "lteq", "rightOperand": 1.0},
                                      {"leftOperand": "groupSize", "operator": "gteq", "rightOperand": 5}]}]})")}}
                        .dump());
  ASSERT_EQ(offer.status, 201) << offer.raw;
  auto c = Call(*client, "POST",
                "/api/v1/dataspace/offers/" + offer.body["id"].get<std::string>() + "/contracts",
                consumer);
  ASSERT_EQ(c.status, 201) << c.raw;
  const std::string base = "/api/v1/dataspace/contracts/" + c.body["id"].get<std::string>();
  for (auto [verb, token] : {std::pair{"offer", holder},
                             {"accept", consumer},
                             {"agree", holder},
                             {"verify", consumer},
                             {"finalize", holder}}) {
    ASSERT_EQ(Call(*client, "POST", base + "/" + verb, token).status, 200) << verb;
  }
  // Twelve queries of 0.25 at once through three processes, then more until
  // the budget of 1.0 is refused: exactly four are ever answered.
  const std::string ask =
      R"({"sql": "SELECT district, COUNT(*) FROM data GROUP BY district", "purpose": "mp", "epsilon": 0.25})";
  std::atomic<int> answered{0};
  std::vector<std::thread> threads;
  threads.reserve(12);
  for (int i = 0; i < 12; ++i) {
    threads.emplace_back([&, i] {
      auto cl = servers_[i % kProcesses]->Client();
      auto a = Call(*cl, "POST", base + "/queries", consumer, ask);
      EXPECT_TRUE(a.status == 200 || a.status == 403 || a.status == 409) << a.raw;
      if (a.status == 200) ++answered;
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 8; ++i) {
    auto a = Call(*client, "POST", base + "/queries", consumer, ask);
    if (a.status == 200) ++answered;
    if (a.status == 403) break;
  }
  EXPECT_EQ(answered.load(), 4);
  auto contract = Call(*client, "GET", base, consumer);
  EXPECT_EQ(contract.body["uses"], 4);
  EXPECT_EQ(contract.body["epsilon_spent"], 1.0);
  client.reset();
  CheckLedgerIsOneGaplessOrder(2);
  ExpectCleanAudit();
}

TEST_F(MultiProcessTest, CertificateNumbersHaveNoGapsOrRepeatsAcrossProcesses) {
  auto client = servers_[0]->Client();
  std::string holder = NewOrgToken(*client, op_, "MP 数据持有方", "data_holder", 921);
  std::string registry = NewOrgToken(*client, op_, "MP 登记中心", "authority", 922);
  const std::string registry_id =
      Call(*client, "GET", "/api/v1/whoami", registry).body["org"]["id"];
  ASSERT_EQ(Call(*client, "POST", "/api/v1/exchange/reviewers", op_,
                 nlohmann::json{{"org_id", registry_id}}.dump())
                .status,
            201);
  // Nine registrable products (different data, so different snapshots).
  constexpr int kCertificates = 9;
  std::vector<std::string> applications;
  for (int i = 0; i < kCertificates; ++i) {
    std::string csv = "x\n" + std::to_string(i) + "\n";
    auto src = Call(*client, "POST", "/api/v1/dataspace/sources", holder,
                    nlohmann::json{{"name", "s"}, {"csv", csv}}.dump());
    auto pipe = Call(*client, "POST", "/api/v1/dataspace/pipelines", holder,
                     nlohmann::json{{"name", "p"}, {"source_id", src.body["id"]}}.dump());
    auto run =
        Call(*client, "POST",
             "/api/v1/dataspace/pipelines/" + pipe.body["id"].get<std::string>() + "/runs", holder);
    auto product = Call(*client, "POST", "/api/v1/dataspace/products", holder,
                        nlohmann::json{{"run_id", run.body["id"]}, {"title", "t"}}.dump());
    ASSERT_EQ(product.status, 201) << product.raw;
    auto app = Call(*client, "POST", "/api/v1/exchange/applications", holder,
                    nlohmann::json{{"rights", {"resource_holding"}},
                                   {"data_name", "d"},
                                   {"description", "d"},
                                   {"data_type", "dataset"},
                                   {"source_kind", "generated"},
                                   {"format", "CSV"},
                                   {"scale", "1"},
                                   {"update_cycle", "once"},
                                   {"product_id", product.body["id"]}}
                        .dump());
    ASSERT_EQ(app.status, 201) << app.raw;
    std::string id = app.body["id"];
    for (const char* action : {"accept", "formal_pass", "substantive_pass"}) {
      ASSERT_EQ(Call(*client, "POST", "/api/v1/exchange/applications/" + id + "/review", registry,
                     nlohmann::json{{"action", action}}.dump())
                    .status,
                200);
    }
    applications.push_back(id);
  }
  // All nine issued at once through three processes: the registry's numbers
  // come out 1..9, each once.
  std::mutex mu;
  std::set<std::string> numbers;
  std::vector<std::thread> threads;
  threads.reserve(kCertificates);
  for (int i = 0; i < kCertificates; ++i) {
    threads.emplace_back([&, i] {
      auto c = servers_[i % kProcesses]->Client();
      auto a = Call(*c, "POST", "/api/v1/exchange/applications/" + applications[i] + "/review",
                    registry, R"({"action": "issue"})");
      EXPECT_EQ(a.status, 200) << a.raw;
      std::lock_guard lock(mu);
      if (a.status == 200) numbers.insert(a.body["certificate_number"].get<std::string>());
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(numbers.size(), static_cast<size_t>(kCertificates));
  std::set<std::string> seqs;
  for (const auto& n : numbers) seqs.insert(n.substr(n.size() - 5));
  std::set<std::string> want;
  for (int i = 1; i <= kCertificates; ++i) want.insert("0000" + std::to_string(i));
  EXPECT_EQ(seqs, want);
  EXPECT_EQ(Call(*client, "GET", "/api/v1/exchange/stats").body["certificates"], kCertificates);
  client.reset();
}

TEST_F(MultiProcessTest, StaticCardSerialsHaveNoGapsOrRepeatsAcrossProcesses) {
  auto client = servers_[0]->Client();
  std::string bureau = NewOrgToken(*client, op_, "MP 数据资源管理局", "authority", 931);
  std::vector<std::string> citizens;
  for (const char* id : {"11010519491231002X", "330106199003074517"}) {
    auto c =
        Call(*client, "POST", "/api/v1/identity/citizens", bureau,
             nlohmann::json{{"name", "市民"}, {"resident_id", id}, {"district", "西湖区"}}.dump());
    ASSERT_EQ(c.status, 201) << c.raw;
    citizens.push_back(c.body["citizen"]["id"]);
  }
  constexpr int kCards = 12;
  std::mutex mu;
  std::set<std::string> serials;
  std::vector<std::thread> threads;
  threads.reserve(kCards);
  for (int i = 0; i < kCards; ++i) {
    threads.emplace_back([&, i] {
      auto c = servers_[i % kProcesses]->Client();
      auto a =
          Call(*c, "POST", "/api/v1/identity/citizens/" + citizens[i % 2] + "/static-code", bureau);
      EXPECT_EQ(a.status, 201) << a.raw;
      std::lock_guard lock(mu);
      if (a.status == 201) serials.insert(a.body["serial"].get<std::string>());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> want;
  for (int i = 1; i <= kCards; ++i) want.insert(fmt::format("HZC-{:08d}", i));
  EXPECT_EQ(serials, want);
  client.reset();
}

// Every process syncs policy notices every second: a firm made eligible
// through any of them is noticed once, and its webhook gets one delivery.
TEST_F(MultiProcessTest, PolicyNoticesAndWebhookDeliveriesAreNotRepeatedAcrossProcesses) {
  auto client = servers_[0]->Client();
  HookReceiver receiver;
  std::string bureau = NewOrgToken(*client, op_, "MP 经济和信息化局", "authority", 941);
  constexpr int kFirms = 6;
  std::vector<std::string> firms;
  for (int i = 0; i < kFirms; ++i) {
    firms.push_back(
        NewOrgToken(*client, op_, "MP 科技企业 " + std::to_string(i), "enterprise", 950 + i));
    auto hook = Call(*client, "POST", "/api/v1/match/webhook", firms.back(),
                     nlohmann::json{{"url", receiver.url()}}.dump());
    ASSERT_EQ(hook.status, 200) << hook.raw;
  }
  auto policy = Call(*client, "POST", "/api/v1/match/policies", bureau,
                     nlohmann::json{{"audience", "enterprise"},
                                    {"title", "研发投入补助"},
                                    {"benefit", "最高 200 万元"},
                                    {"rule", "rd_ratio >= 0.1"},
                                    {"valid_from", "2026-01-01"},
                                    {"valid_until", "2099-12-31"}}
                         .dump());
  ASSERT_EQ(policy.status, 201) << policy.raw;
  // Each firm saves an eligible profile twice, through two different processes, all at once.
  std::vector<std::thread> threads;
  threads.reserve(kFirms);
  for (int i = 0; i < kFirms; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < 2; ++k) {
        auto c = servers_[(i + k) % kProcesses]->Client();
        auto saved =
            Call(*c, "POST", "/api/v1/match/finance/profile", firms[i],
                 nlohmann::json{
                     {"name", "MP 科技企业 " + std::to_string(i)},
                     {"profile", {{"credit_code", CodeFor(950 + i)}, {"rd_ratio", 0.2 + 0.1 * k}}}}
                     .dump());
        EXPECT_EQ(saved.status, 200) << saved.raw;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int wait = 0; wait < 100 && receiver.received().size() < kFirms; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(
      std::chrono::milliseconds(3000));  // every process has synced again since
  std::set<std::string> delivered;
  for (const auto& d : receiver.received())
    delivered.insert(nlohmann::json::parse(d.body)["notice"]["id"]);
  EXPECT_EQ(receiver.received().size(), static_cast<size_t>(kFirms));
  EXPECT_EQ(delivered.size(), static_cast<size_t>(kFirms));
  for (int i = 0; i < kFirms; ++i) {
    auto inbox = Call(*servers_[i % kProcesses]->Client(), "GET", "/api/v1/match/inbox", firms[i]);
    EXPECT_EQ(inbox.body["items"].size(), 1u) << inbox.raw;
  }
  EXPECT_EQ(
      Call(*client, "GET", "/api/v1/match/policies/" + policy.body["id"].get<std::string>(), "")
          .body["notified"],
      kFirms);
  client.reset();
}

// Live jobs: one process at a time runs a cluster (the holder of its lease);
// the others forward their changes to it. A job submitted through any process
// is placed once; when the leader is killed (kill -9) another takes the
// cluster over within seconds, and when a leader stalls past its lease
// (SIGSTOP) and wakes up, it writes nothing stale: every job is started once
// and completed once, and no node ever holds more cards than it has.
TEST_F(MultiProcessTest, LiveJobsRunInOneProcessAtATimeAndMoveOnWhenItDies) {
  // The same database, with job hours of 2 s of wall time and a fast tick.
  for (auto& s : servers_) ASSERT_EQ(s->Stop(), 0);
  for (auto& s : servers_) {
    s = std::make_unique<ServerProcess>(
        db_->dir().path().string(),
        std::vector<std::string>{"--simulated-time-scale", "1800", "--market-tick-ms", "50",
                                 "--jobs-policy", "fifo", "--outbound-allow-hosts", "127.0.0.1"},
        db_->url());
    ASSERT_TRUE(s->Start());
  }
  auto client = servers_[0]->Client();
  const std::string provider = NewOrgToken(*client, op_, "MP 液冷", "compute_provider", 921);
  const std::string tenant = NewOrgToken(*client, op_, "MP 训练", "enterprise", 922);
  auto cluster = Call(*client, "POST", "/api/v1/compute/provider-clusters", provider,
                      R"({"name": "mp-h800", "region": "r",
                          "pools": [{"name": "h800", "chip": "H800", "nodes": 4, "nodes_per_leaf": 2}],
                          "fen_per_card_hour": {"H800": 2800}})");
  ASSERT_EQ(cluster.status, 201) << cluster.raw;
  const std::string cluster_id = cluster.body["id"];
  const std::string job = nlohmann::json{
      {"cluster_id", cluster_id},
      {"cards", 8},
      {"chip", "chip:H800"},
      {"duration_s",
       3 * 3600}}.dump();
  std::mutex mu;
  std::vector<std::string> ids;
  auto submit = [&](int process) {
    auto c = servers_[process]->Client();
    auto r = Call(*c, "POST", "/api/v1/compute/jobs", tenant, job);
    EXPECT_EQ(r.status, 201) << "process " << process << ": " << r.raw;
    if (r.status != 201) return false;
    std::lock_guard lock(mu);
    ids.push_back(r.body["id"]);
    return true;
  };
  // The first job makes process 0 the cluster's leader; then all three
  // submit at once, the other two through the leader.
  ASSERT_TRUE(submit(0));
  std::vector<std::thread> threads;
  threads.reserve(kProcesses);
  for (int p = 0; p < kProcesses; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < 3; ++i) submit(p);
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(ids.size(), 10u);  // each runs 6 s of wall time, four at once

  // No node holds more cards than it has, whichever process is asked.
  auto check_nodes = [&](int process, bool full) {
    auto nodes = Call(*servers_[process]->Client(), "GET",
                      "/api/v1/compute/provider-clusters/" + cluster_id + "/nodes", provider);
    ASSERT_EQ(nodes.status, 200) << nodes.raw;
    int64_t busy = 0;
    for (const auto& n : nodes.body["items"]) {
      int64_t held = 0;
      for (const auto& j : n["jobs"]) held += j["cards"].get<int64_t>();
      EXPECT_EQ(held, n["cards"].get<int64_t>() - n["free"].get<int64_t>()) << n.dump();
      EXPECT_LE(held, 8) << n.dump();
      busy += held;
    }
    if (full) {
      EXPECT_EQ(busy, 32) << "process " << process;  // four jobs run, six wait
    }
  };
  for (int p = 0; p < kProcesses; ++p) check_nodes(p, true);

  // The leader dies; a submission through another process waits for its
  // lease to expire, takes the cluster over and is placed.
  servers_[0]->Kill();
  const auto killed = std::chrono::steady_clock::now();
  ASSERT_TRUE(submit(1));
  const auto took_over = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - killed)
                             .count();
  EXPECT_LT(took_over, 10'000) << "the takeover took " << took_over << " ms";
  std::printf("takeover after kill -9: %lld ms\n", static_cast<long long>(took_over));

  // A leader that stalls past its lease (SIGSTOP) is replaced; when it wakes
  // up it must not write anything stale. Whichever of 1 and 2 took over,
  // stopping 2 makes 1 the leader, then stopping 1 makes 2 the leader.
  for (const auto& [stalled, other] : {std::pair{2, 1}, std::pair{1, 2}}) {
    ASSERT_EQ(::kill(servers_[stalled]->pid(), SIGSTOP), 0);
    EXPECT_TRUE(submit(other));
    ASSERT_EQ(::kill(servers_[stalled]->pid(), SIGCONT), 0);
  }
  ASSERT_TRUE(submit(1));  // forwarded to process 2
  for (int p : {1, 2}) check_nodes(p, false);

  // Every job completes, started once and completed once.
  auto reader = servers_[2]->Client();
  for (int round = 0; round < 600; ++round) {
    auto running = Call(*reader, "GET",
                        "/api/v1/compute/jobs?cluster_id=" + cluster_id + "&limit=500", tenant);
    ASSERT_EQ(running.status, 200) << running.raw;
    int done = 0;
    for (const auto& j : running.body["items"]) done += j["state"] == "completed";
    if (done == static_cast<int>(ids.size())) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (const std::string& id : ids) {
    auto j = Call(*reader, "GET", "/api/v1/compute/jobs/" + id, tenant);
    EXPECT_EQ(j.body["state"], "completed") << j.raw;
    auto events = Call(*reader, "GET", "/api/v1/ledger/events?subject=" + id, op_);
    ASSERT_EQ(events.status, 200) << events.raw;
    std::map<std::string, int> kinds;
    for (const auto& e : events.body["items"]) ++kinds[e["event"]["kind"].get<std::string>()];
    EXPECT_EQ(kinds["compute.job.queued"], 1) << id << " " << events.raw;
    EXPECT_EQ(kinds["compute.job.started"], 1) << id << " " << events.raw;
    EXPECT_EQ(kinds["compute.job.completed"], 1) << id << " " << events.raw;
  }
  const uint64_t size = CheckLedgerIsOneGaplessOrder(2);
  servers_[0] = std::move(servers_[2]);  // the killed one goes; the checks ask servers_[0] first
  ExpectProofsFromEveryProcessVerify(size);
  ExpectCleanAudit();
}

TEST_F(MultiProcessTest, KillingOneProcessMidWorkloadLosesNothingAcknowledged) {
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::atomic<int> progress{0};
  std::vector<std::thread> workers;
  workers.reserve(kProcesses * kThreadsPerProcess);
  for (int w = 0; w < kProcesses * kThreadsPerProcess; ++w) {
    workers.emplace_back([&, w] {
      auto ids = Workload(w % kProcesses, w, 1000, &stop);
      progress += static_cast<int>(ids.size());
      std::lock_guard lock(mu);
      acknowledged.insert(acknowledged.end(), ids.begin(), ids.end());
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  servers_[1]->Kill();  // its workers stop; the others go on
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  stop = true;
  for (auto& t : workers) t.join();
  servers_[1].reset();
  ASSERT_GT(acknowledged.size(), 10u);

  auto ids = AllOrgIds(0);
  std::set<std::string> present(ids.begin(), ids.end());
  EXPECT_EQ(present.size(), ids.size());
  for (const auto& id : acknowledged)
    EXPECT_TRUE(present.contains(id)) << id << " was acknowledged but is lost";
  const uint64_t size = CheckLedgerIsOneGaplessOrder(2);
  ExpectProofsFromEveryProcessVerify(size);
  ExpectCleanAudit();
}

}  // namespace
}  // namespace qt::testing
