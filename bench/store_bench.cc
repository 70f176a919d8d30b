// What reading stored columns by name costs against reading them by position:
// decoding the rows of one 20-column query, as a module's decoder does.
//
//   build/release/bench/store_bench
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "store/store.h"

namespace qt::store {
namespace {

constexpr int kColumns = 20;
constexpr int kRows = 10'000;

// A result as the backends build one: values, and the names shared by every row.
Rows Result20() {
  auto names = std::make_shared<std::vector<std::string>>();
  for (int c = 0; c < kColumns; ++c) names->push_back("column_name_" + std::to_string(c));
  Rows rows;
  for (int r = 0; r < kRows; ++r) {
    std::vector<Value> values;
    for (int c = 0; c < kColumns; ++c) {
      if (c % 2 == 0) {
        values.emplace_back(int64_t{r * c});
      } else {
        values.emplace_back(std::string("text ") + std::to_string(c));
      }
    }
    rows.emplace_back(std::move(values), names);
  }
  return rows;
}

void BM_ReadByPosition(benchmark::State& state) {
  const Rows rows = Result20();
  for (auto _ : state) {
    int64_t sum = 0;
    for (const Row& r : rows) {
      for (size_t c = 0; c < kColumns; c += 2) sum += r.Int(c) + r.Text(c + 1).size();
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_ReadByPosition)->Unit(benchmark::kMicrosecond);

void BM_ReadByName(benchmark::State& state) {
  const Rows rows = Result20();
  std::vector<std::string> names;
  for (int c = 0; c < kColumns; ++c) names.push_back("column_name_" + std::to_string(c));
  for (auto _ : state) {
    int64_t sum = 0;
    for (const Row& r : rows) {
      for (size_t c = 0; c < kColumns; c += 2) {
        sum += r.Int(names[c]) + r.Text(names[c + 1]).size();
      }
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_ReadByName)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace qt::store

BENCHMARK_MAIN();
