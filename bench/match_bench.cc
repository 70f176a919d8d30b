// Matching engine benchmarks (docs/BENCHMARKS.md, "Matching services"), on
// the demo generator's 180,000 tech firms and 500 finance products:
// - BM_FullScreening: every product's rule against every firm through the
//   two-way index, on 2 threads. Baseline BM_NestedLoop: every pair
//   evaluated, on the same 2 threads. Aim: under 1 s.
// - BM_IncrementalRematch: one firm's profile changes: the rules it now
//   satisfies (percolator), the difference from before, and the index
//   update. Baseline BM_RematchAllRules: the changed firm against all 500
//   rules without the index. Aim: under 1 ms.
// - BM_Bm25Query: median and p99 latency of 1,000 queries over 100,000
//   Chinese documents (title + body). Baseline BM_Fts5Query: SQLite FTS5's
//   bm25() over the same documents, pre-segmented by the same segmenter, the
//   same queries as OR of their words, top 10.
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "demo/tech_firms.h"
#include "match/enterprise.h"
#include "match/index.h"
#include "match/text_index.h"

namespace qt::match {
namespace {

constexpr int kFirms = 180'000;
constexpr int kProducts = 500;

struct City {
  City() {
    (void)AddEnterpriseAttributes(schema);
    for (const auto& f : demo::GenerateTechFirms(kFirms, "bench"))
      entities.push_back(*schema.EntityFromJson(f.name, f.profile));
    for (const auto& p : demo::GenerateFinanceProducts(kProducts, 49, "bench"))
      rules.push_back(*Rule::Compile(p.rule, schema));
    today = *Schema::ParseDate("2026-11-26");
  }
  Schema schema;
  std::vector<Entity> entities;
  std::vector<Rule> rules;
  double today = 0;
};

City& TheCity() {
  static City city;
  return city;
}

void BM_FullScreening(benchmark::State& state) {
  City& c = TheCity();
  MatchIndex index(c.schema);
  index.SetEntities(c.entities);
  for (size_t r = 0; r < c.rules.size(); ++r) index.AddRule(static_cast<int>(r), c.rules[r]);
  size_t pairs = 0;
  for (auto _ : state) {
    auto out = index.Screen(c.today, 2);
    pairs = 0;
    for (const auto& [rule, firms] : out) pairs += firms.size();
  }
  state.counters["eligible_pairs"] = static_cast<double>(pairs);
  state.counters["unindexed_rules"] = static_cast<double>(index.unindexed_rules());
}
BENCHMARK(BM_FullScreening)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

void BM_NestedLoop(benchmark::State& state) {
  City& c = TheCity();
  size_t pairs = 0;
  for (auto _ : state) {
    std::atomic<size_t> total{0};
    auto worker = [&](size_t from) {
      size_t n = 0;
      for (size_t r = from; r < c.rules.size(); r += 2) {
        for (const Entity& e : c.entities) n += c.rules[r].Matches(e, c.today);
      }
      total += n;
    };
    std::thread other(worker, 1);
    worker(0);
    other.join();
    pairs = total;
  }
  state.counters["eligible_pairs"] = static_cast<double>(pairs);
}
BENCHMARK(BM_NestedLoop)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

void BM_IncrementalRematch(benchmark::State& state) {
  City& c = TheCity();
  MatchIndex index(c.schema);
  std::vector<Entity> entities = c.entities;
  index.SetEntities(entities);
  for (size_t r = 0; r < c.rules.size(); ++r) index.AddRule(static_cast<int>(r), c.rules[r]);
  std::vector<Entity> changed(entities.begin(), entities.begin() + 2000);
  const int revenue = c.schema.Slot(*c.schema.Find("revenue"));
  for (Entity& e : changed) e.numbers[revenue] = e.numbers[revenue] * 3 + 5e6;
  // What the service keeps: each firm's eligible products before the change.
  std::vector<std::vector<int>> before;
  for (size_t k = 0; k < changed.size(); ++k)
    before.push_back(index.RulesFor(entities[k], c.today));
  size_t i = 0, newly = 0;
  for (auto _ : state) {
    const int p = static_cast<int>(i % changed.size());
    std::vector<int> after = index.RulesFor(changed[p], c.today);
    std::vector<int> added;
    std::set_difference(after.begin(), after.end(), before[p].begin(), before[p].end(),
                        std::back_inserter(added));
    index.UpdateEntity(p, changed[p]);
    newly += added.size();
    benchmark::DoNotOptimize(added);
    ++i;
    if (i % changed.size() == 0) {  // back to the stored profiles, untimed
      state.PauseTiming();
      for (size_t k = 0; k < changed.size(); ++k)
        index.UpdateEntity(static_cast<int>(k), entities[k]);
      state.ResumeTiming();
    }
  }
  state.counters["newly_eligible_per_change"] =
      static_cast<double>(newly) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_IncrementalRematch)->Unit(benchmark::kMicrosecond);

void BM_RematchAllRules(benchmark::State& state) {
  City& c = TheCity();
  size_t i = 0;
  for (auto _ : state) {
    const Entity& e = c.entities[i++ % c.entities.size()];
    std::vector<int> out;
    for (size_t r = 0; r < c.rules.size(); ++r) {
      if (c.rules[r].Matches(e, c.today)) out.push_back(static_cast<int>(r));
    }
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_RematchAllRules)->Unit(benchmark::kMicrosecond);

// Synthetic Chinese documents: scenario demands and capabilities.
const char* kDomains[] = {"智慧交通", "自动驾驶", "医疗影像",   "工业互联网", "数字孪生",
                          "低空经济", "人工智能", "大模型",     "算力调度",   "芯片设计",
                          "机器人",   "储能",     "新能源汽车", "生物医药",   "智慧养老",
                          "城市治理", "数据要素", "区块链",     "物联网",     "视觉识别",
                          "智能制造", "智慧农业", "环境监测",   "无人机",     "智慧园区",
                          "金融科技", "在线教育", "智慧医疗",   "供应链",     "元宇宙"};
const char* kVerbs[] = {"建设", "开展", "提供", "研发", "部署", "测试",
                        "应用", "打造", "征集", "升级", "优化", "接入"};
const char* kNouns[] = {"平台", "系统", "场景", "解决方案", "服务", "设备", "数据",
                        "模型", "算法", "园区", "医院",     "学校", "社区", "工厂",
                        "港口", "道路", "仓库", "电网",     "地铁", "景区"};
const char* kMods[] = {"基于",   "面向",   "全市",   "城区", "多源", "实时",
                       "高精度", "低成本", "一体化", "智能", "绿色", "安全"};

std::string Phrase(std::mt19937& g) {
  return std::string(kMods[g() % 12]) + kDomains[g() % 30] + kNouns[g() % 20] + kVerbs[g() % 12] +
         kNouns[g() % 20];
}

struct Corpus {
  Corpus() {
    std::vector<std::string> terms(std::begin(kDomains), std::end(kDomains));
    segmenter = std::move(*Segmenter::Create(terms));
    std::mt19937 g(3);
    for (int d = 0; d < 100'000; ++d) {
      std::string title = Phrase(g);
      std::string body;
      for (int k = 0, n = 3 + static_cast<int>(g() % 5); k < n; ++k) body += Phrase(g) + "，";
      docs.push_back({{title, body}, {}});
    }
    for (int q = 0; q < 1000; ++q)
      queries.push_back(std::string(kDomains[g() % 30]) + kNouns[g() % 20] + kVerbs[g() % 12]);
  }
  std::unique_ptr<Segmenter> segmenter;
  std::vector<TextDocument> docs;
  std::vector<std::string> queries;
};

Corpus& TheCorpus() {
  static Corpus corpus;
  return corpus;
}

void Percentiles(benchmark::State& state, std::vector<double>& us) {
  std::sort(us.begin(), us.end());
  state.counters["median_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[us.size() * 99 / 100];
}

void BM_Bm25Query(benchmark::State& state) {
  Corpus& c = TheCorpus();
  TextIndex index(*c.segmenter, {2.0, 1.0});
  for (const auto& d : c.docs) (void)index.Add(d);
  std::vector<double> us;
  for (auto _ : state) {
    for (const std::string& q : c.queries) {
      auto t0 = std::chrono::steady_clock::now();
      auto hits = index.Search(q, {}, 10);
      us.push_back(
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
      benchmark::DoNotOptimize(hits);
    }
  }
  Percentiles(state, us);
}
BENCHMARK(BM_Bm25Query)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_Fts5Query(benchmark::State& state) {
  Corpus& c = TheCorpus();
  sqlite3* db = nullptr;
  sqlite3_open(":memory:", &db);
  sqlite3_exec(db, "CREATE VIRTUAL TABLE docs USING fts5(title, body)", nullptr, nullptr, nullptr);
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO docs (title, body) VALUES (?, ?)", -1, &insert, nullptr);
  auto joined = [&](const std::string& text) {
    std::string out;
    for (const std::string& t : c.segmenter->Segment(text)) out += t + " ";
    return out;
  };
  for (const auto& d : c.docs) {
    const std::string title = joined(d.fields[0]), body = joined(d.fields[1]);
    sqlite3_bind_text(insert, 1, title.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 2, body.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(insert);
    sqlite3_reset(insert);
  }
  sqlite3_finalize(insert);
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_stmt* query = nullptr;
  sqlite3_prepare_v2(
      db,
      "SELECT rowid, bm25(docs, 2.0, 1.0) AS s FROM docs WHERE docs MATCH ? ORDER BY s LIMIT 10",
      -1, &query, nullptr);
  std::vector<double> us;
  for (auto _ : state) {
    for (const std::string& q : c.queries) {
      std::string match;
      for (const std::string& t : c.segmenter->Segment(q))
        match += (match.empty() ? "\"" : " OR \"") + t + "\"";
      auto t0 = std::chrono::steady_clock::now();
      sqlite3_bind_text(query, 1, match.c_str(), -1, SQLITE_TRANSIENT);
      int rows = 0;
      while (sqlite3_step(query) == SQLITE_ROW) ++rows;
      sqlite3_reset(query);
      us.push_back(
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
      benchmark::DoNotOptimize(rows);
    }
  }
  sqlite3_finalize(query);
  sqlite3_close(db);
  Percentiles(state, us);
}
BENCHMARK(BM_Fts5Query)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace qt::match

BENCHMARK_MAIN();
