// Policies-find-people benchmarks (docs/BENCHMARKS.md, "Matching services"),
// on a SQLite file (fsync per commit, as in production) holding the demo's
// 180,000 tech firms and 100,000 citizens:
// - BM_PublishPolicy: an authority publishes an enterprise policy; every
//   eligible firm is found through the index and gets an explained notice
//   (written in the same call). Counter: notices per publication.
// - BM_SyncAfterProfileChange: one firm saves its profile (untimed), then the
//   sync follows the change, finds the policies in force it satisfies
//   (percolator) and writes what is new. Baseline BM_RescanEveryPolicy: what a
//   system without the index does on a change — every policy in force
//   evaluated against every firm (compiled rules, in memory, no store).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>

#include "accounts/accounts.h"
#include "bench/demo_store.h"
#include "crypto/random.h"
#include "demo/acting.h"
#include "demo/demo_identity.h"
#include "demo/demo_match.h"
#include "demo/demo_public_policies.h"
#include "demo/tech_firms.h"
#include "identity/identity.h"
#include "match/enterprise.h"
#include "match/finance.h"
#include "match/migrations.h"
#include "match/public_policies.h"
#include "match/rule.h"
#include "store/store.h"

namespace qt {
namespace {

using nlohmann::json;

using bench::Check;

struct City : bench::DemoStore {
  std::unique_ptr<identity::Identity> identity;
  std::unique_ptr<match::Finance> finance;
  std::unique_ptr<match::PublicPolicies> policies;
  accounts::Principal bureau, firm;
  std::string firm_name;
  json firm_profile;

  City() : DemoStore("policies", {identity::Identity::Migrations(), match::Migrations()}) {
    Random& random = crypto::SystemRandom::Get();
    identity = std::make_unique<identity::Identity>(
        *store, identity::IdentityOptions{.clock = &SystemClock::Get(),
                                          .random = &random,
                                          .journal = &journal,
                                          .accounts = accounts.get(),
                                          .master_key = &key});
    Check(identity->Init(), "identity");
    Check(demo::LoadDemoIdentity(*accounts, *identity, "bench", 100'000).status(), "citizens");
    finance = std::make_unique<match::Finance>(
        *store, match::FinanceOptions{&SystemClock::Get(), &random, &journal});
    Check(demo::LoadDemoMatch(*accounts, op, *finance, "bench", 180'000).status(), "firms");
    policies = std::make_unique<match::PublicPolicies>(
        *store, match::PublicPoliciesOptions{.clock = &SystemClock::Get(),
                                             .random = &random,
                                             .journal = &journal,
                                             .identity = identity.get(),
                                             .master_key = &key});
    auto loaded = demo::LoadDemoPolicies(*accounts, *policies);
    Check(loaded.status(), "policies");
    std::fprintf(stderr, "setup: %lld policies noticed %lld firms and people\n",
                 static_cast<long long>(loaded->policies), static_cast<long long>(loaded->notices));
    auto orgs = *demo::AllOrgs(*accounts);
    for (const auto& o : orgs) {
      if (o.name == "杭州市经济和信息化局") bureau = demo::ActAs(o);
      if (o.name == "杭州深度求索人工智能有限公司") firm = demo::ActAs(o);
    }
    auto own = finance->OwnEnterprise(firm);
    Check(own.status(), "the demo firm");
    firm_name = own->name;
    firm_profile = own->profile;
  }
};

City& TheCity() {
  static City city;
  return city;
}

void BM_PublishPolicy(benchmark::State& state) {
  City& c = TheCity();
  int64_t notices = 0, n = 0;
  for (auto _ : state) {
    auto p = c.policies->Publish(c.bureau, {.audience = match::PolicyAudience::kEnterprise,
                                            .title = "研发投入奖励 " + std::to_string(n++),
                                            .summary = "",
                                            .benefit = "最高 50 万元",
                                            .rule = "rd_ratio >= 0.05 and staff >= 20",
                                            .valid_from = *Date::Parse("2026-01-01"),
                                            .valid_until = *Date::Parse("2099-12-31")});
    Check(p.status(), "publish");
    notices = p->notified;
  }
  state.counters["notices"] = static_cast<double>(notices);
}
BENCHMARK(BM_PublishPolicy)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

void BM_SyncAfterProfileChange(benchmark::State& state) {
  City& c = TheCity();
  int64_t n = 0;
  for (auto _ : state) {
    state.PauseTiming();
    json profile = c.firm_profile;
    profile["staff"] = 160 + (n++ % 50);
    Check(c.finance->SaveOwnProfile(c.firm, c.firm_name, profile).status(), "save");
    state.ResumeTiming();
    auto r = c.policies->Sync();
    Check(r.status(), "sync");
    if (r->enterprises_changed != 1) std::abort();
  }
}
BENCHMARK(BM_SyncAfterProfileChange)->Unit(benchmark::kMicrosecond)->UseRealTime()->Iterations(200);

void BM_RescanEveryPolicy(benchmark::State& state) {
  match::Schema schema;
  Check(match::AddEnterpriseAttributes(schema), "schema");
  std::vector<match::Entity> firms;
  for (const demo::TechFirm& f : demo::GenerateTechFirms(180'000, "bench")) {
    firms.push_back(*schema.EntityFromJson(f.name, f.profile));
  }
  // The demo's five enterprise policies and the ones BM_PublishPolicy adds.
  std::vector<match::Rule> rules;
  for (const char* text : {"qualifications has \"高新技术企业\" and revenue >= 500万",
                           "qualifications has \"专精特新\" and staff <= 1000",
                           "rd_ratio >= 0.08 and revenue between 1000万 and 4亿",
                           "district = \"滨江区\" and years_since(founded) <= 3 and staff <= 50",
                           "need_types has \"贷\" and credit_rating in [\"AAA\", \"AA\", \"A\"] "
                           "and years_since(founded) <= 5",
                           "rd_ratio >= 0.05 and staff >= 20", "rd_ratio >= 0.05 and staff >= 20",
                           "rd_ratio >= 0.05 and staff >= 20"}) {
    rules.push_back(*match::Rule::Compile(text, schema));
  }
  const double today = *match::Schema::ParseDate("2026-11-26");
  int64_t eligible = 0;
  for (auto _ : state) {
    eligible = 0;
    for (const match::Rule& r : rules) {
      for (const match::Entity& e : firms) eligible += r.Matches(e, today);
    }
    benchmark::DoNotOptimize(eligible);
  }
  state.counters["eligible_pairs"] = static_cast<double>(eligible);
}
BENCHMARK(BM_RescanEveryPolicy)->Unit(benchmark::kMicrosecond)->UseRealTime()->Iterations(20);

}  // namespace
}  // namespace qt

BENCHMARK_MAIN();
