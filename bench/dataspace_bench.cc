// Data space benchmarks (docs/BENCHMARKS.md, "Trusted data space"), on a
// generated 1,000,000-row CSV of residents (name, mobile, district, age,
// income, date; 62 MB):
// - BM_CsvRead: reading and splitting the CSV (libcsv) and nothing else: the
//   baseline of the pipeline figures.
// - BM_PipelineTyped: the product written with types and no steps.
// - BM_PipelineFull: trim, NFKC normalisation, mobile and date
//   standardisation, a resident-ID-free dedupe on (name, mobile), typing,
//   quality report.
// - BM_DirectAggregate: SELECT district, COUNT(*), SUM(income) ... GROUP BY
//   district straight in SQLite on the product database: the baseline of
//   the channel figure.
// - BM_ChannelAggregate: the same query through the channel: parse, check
//   against the schema, clamped sums, discrete Laplace noise, suppression.
// - BM_ChannelService: the same again through DataSpace::Query: policy
//   evaluation, metering, a signed receipt and a ledger event (fsync).
// With QIANTANG_BENCH_1GB=1, BM_Pipeline1GB streams a 1 GB CSV (18 M rows, 1.01 GB)
// through the full pipeline and reports the process's peak memory.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "accounts/credit_code.h"
#include "core/csv.h"
#include "crypto/random.h"
#include "dataspace/channel.h"
#include "dataspace/dataspace.h"
#include "dataspace/pipeline.h"

namespace qt::dataspace {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int64_t kRows = 1'000'000;

fs::path Dir() {
  static fs::path dir = [] {
    fs::path d =
        fs::temp_directory_path() / ("qiantang-dataspace-bench-" + std::to_string(getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

std::string WriteCsv(const std::string& name, int64_t rows) {
  std::string path = (Dir() / name).string();
  std::ofstream out(path);
  const char* districts[] = {"上城区", "拱墅区", "西湖区", "滨江区", "萧山区", "余杭区", "临平区",
                             "钱塘区", "富阳区", "临安区", "桐庐县", "淳安县", "建德市"};
  crypto::DeterministicRandom random("dataspace_bench");
  out << "name,mobile,district,age,income,joined\n";
  for (int64_t i = 0; i < rows; ++i) {
    uint64_t r = random.Uniform(uint64_t{1} << 40);
    out << "居民" << i << ",138 " << 1000'0000 + (i % 9000'0000) << "," << districts[r % 13] << ","
        << 18 + (r >> 8) % 70 << "," << (r >> 16) % 50'000 << ",20" << 10 + (r >> 24) % 16 << "/"
        << 1 + (r >> 28) % 12 << "/" << 1 + (r >> 32) % 28 << "\n";
  }
  return path;
}

const std::string& Csv() {
  static std::string path = WriteCsv("residents.csv", kRows);
  return path;
}

Schema Source() {
  return *ParseSchema(json::parse(R"([{"name": "name"}, {"name": "mobile"}, {"name": "district"},
      {"name": "age"}, {"name": "income"}, {"name": "joined"}])"));
}

json Output() {
  return json::parse(R"([
    {"name": "name", "sensitivity": "identifying", "mask": "name"},
    {"name": "mobile", "sensitivity": "identifying", "mask": "mobile"},
    {"name": "district"},
    {"name": "age", "type": "integer", "min": 0, "max": 120},
    {"name": "income", "type": "integer", "min": 0, "max": 50000, "sensitivity": "sensitive"},
    {"name": "joined", "type": "date"}])");
}

json FullSpec() {
  json spec = json::parse(R"({"steps": [{"op": "trim"}, {"op": "normalize", "form": "NFKC"},
      {"op": "mobile", "field": "mobile"}, {"op": "date", "field": "joined"},
      {"op": "dedupe", "fields": ["name", "mobile"]}]})");
  spec["output"] = Output();
  return spec;
}

void Rows(benchmark::State& state, int64_t rows) {
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_CsvRead(benchmark::State& state) {
  const std::string& csv = Csv();
  for (auto _ : state) {
    int64_t n = 0;
    Status s = ReadCsvFile(csv, [&](const CsvRow& r) -> Status {
      n += static_cast<int64_t>(r.fields.size());
      return OkStatus();
    });
    benchmark::DoNotOptimize(n);
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
  }
  Rows(state, kRows);
}
BENCHMARK(BM_CsvRead)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

void RunSpec(benchmark::State& state, const json& spec_json, const std::string& csv, int64_t rows) {
  auto spec = ParsePipeline(spec_json, Source());
  for (auto _ : state) {
    auto out = RunPipeline(*spec, Source(), csv, (Dir() / "product.sqlite").string());
    if (!out.ok()) state.SkipWithError(out.status().ToString().c_str());
  }
  Rows(state, rows);
}

void BM_PipelineTyped(benchmark::State& state) {
  RunSpec(state, {{"output", Output()}}, Csv(), kRows);
}
BENCHMARK(BM_PipelineTyped)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

void BM_PipelineFull(benchmark::State& state) { RunSpec(state, FullSpec(), Csv(), kRows); }
BENCHMARK(BM_PipelineFull)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

void BM_Pipeline1GB(benchmark::State& state) {
  constexpr int64_t kBigRows = 18'000'000;
  std::string csv = WriteCsv("big.csv", kBigRows);
  state.counters["csv_mb"] = static_cast<double>(fs::file_size(csv)) / 1e6;
  RunSpec(state, FullSpec(), csv, kBigRows);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["peak_rss_mb"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
  fs::remove(csv);
}

const std::string kQuery = "SELECT district, COUNT(*), SUM(income) FROM data GROUP BY district";

// The product database of the full pipeline, built once.
const std::string& ProductPath() {
  static std::string path = [] {
    auto spec = ParsePipeline(FullSpec(), Source());
    std::string p = (Dir() / "query.sqlite").string();
    if (!RunPipeline(*spec, Source(), Csv(), p).ok()) std::abort();
    return p;
  }();
  return path;
}

void BM_DirectAggregate(benchmark::State& state) {
  auto db = ProductDb::OpenReadOnly(ProductPath());
  for (auto _ : state) {
    auto rows = db->Query("SELECT district, COUNT(*), SUM(income) FROM data GROUP BY district");
    benchmark::DoNotOptimize(rows);
  }
  Rows(state, kRows);
}
BENCHMARK(BM_DirectAggregate)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ChannelAggregate(benchmark::State& state) {
  Schema schema = *ParseSchema(Output());
  auto db = ProductDb::OpenReadOnly(ProductPath());
  for (auto _ : state) {
    auto q = ParseChannelSql(kQuery);
    if (!CheckAgainstSchema(*q, schema).ok()) state.SkipWithError("refused");
    auto answer = RunAggregate(*db, schema, *q, 10, 1000, crypto::SystemRandom::Get());
    benchmark::DoNotOptimize(answer);
  }
  Rows(state, kRows);
}
BENCHMARK(BM_ChannelAggregate)->Unit(benchmark::kMillisecond)->UseRealTime();

// A data space on a SQLite store whose one finalized contract's product is
// the 1M-row database.
struct Space {
  std::unique_ptr<store::Store> store;
  ledger::Journal journal{SystemClock::Get()};
  std::array<uint8_t, 32> raw{};
  crypto::MasterKey key{raw};
  std::unique_ptr<accounts::Accounts> accounts;
  std::unique_ptr<DataSpace> space;
  accounts::Principal consumer;
  std::string contract;

  Space() {
    fs::path dir = Dir() / "space";
    store = std::move(*store::OpenStore("sqlite:" + (dir / "q.db").string(), {}));
    auto migrations = ledger::Journal::Migrations();
    for (auto list : {accounts::Accounts::Migrations(), DataSpace::Migrations()}) {
      for (auto& m : list) migrations.push_back(m);
    }
    if (!store::Migrate(*store, migrations).ok()) std::abort();
    auto& random = crypto::SystemRandom::Get();
    accounts = std::make_unique<accounts::Accounts>(
        *store, accounts::AccountsOptions{&SystemClock::Get(), &random, &key, &journal});
    auto code = [](char c) {
      std::string first17 = std::string("91330106MA2H0000") + c;
      return first17 + accounts::CreditCodeCheckCharacter(first17);
    };
    auto boot = accounts->Bootstrap({"运营方", accounts::OrgKind::kOperator, code('1')});
    auto op = *accounts->Authenticate((*boot)->admin_token.secret);
    auto org = [&](accounts::OrgKind kind, char c) {
      auto r = accounts->CreateOrg(op, {std::string("Org ") + c, kind, code(c)});
      return *accounts->Authenticate(r->admin_token.secret);
    };
    auto holder = org(accounts::OrgKind::kDataHolder, 'H');
    // The holder's own import folder (import_folder.h).
    fs::create_directories(dir / "import" / holder.org_id);
    fs::copy_file(Csv(), dir / "import" / holder.org_id / "residents.csv",
                  fs::copy_options::overwrite_existing);
    consumer = org(accounts::OrgKind::kEnterprise, 'E');
    space = std::make_unique<DataSpace>(
        *store, DataSpaceOptions{&SystemClock::Get(), &random, &journal, accounts.get(),
                                 (dir / "data").string(), (dir / "import").string()});
    auto src = space->CreateSource(
        holder, {.name = "residents", .file = "residents.csv", .fields = Source()});
    auto pipe = space->CreatePipeline(holder, src->id, "full", FullSpec());
    auto run = space->RunPipeline(holder, pipe->id);
    auto product = space->CreateProduct(holder, {.run_id = run->id, .title = "residents"});
    json policy = json::parse(R"({"permission": [{"action": "aggregate_query", "constraint": [
        {"leftOperand": "epsilon", "operator": "lteq", "rightOperand": 10.0},
        {"leftOperand": "groupSize", "operator": "gteq", "rightOperand": 10}]}]})");
    auto offer = space->CreateOffer(holder, {.product_id = product->id,
                                             .title = "o",
                                             .policy = policy,
                                             .visible_to = {},
                                             .negotiable_by = {}});
    auto c = space->RequestContract(consumer, offer->id, std::nullopt);
    contract = c->id;
    (void)space->OfferContract(holder, contract, std::nullopt);
    (void)space->AcceptContract(consumer, contract);
    (void)space->AgreeContract(holder, contract);
    (void)space->VerifyContract(consumer, contract);
    if (!space->FinalizeContract(holder, contract).ok()) std::abort();
  }
};

void BM_ChannelService(benchmark::State& state) {
  static Space space;
  for (auto _ : state) {
    // Each use spends 0.001 of the budget of 10.
    auto r = space.space->Query(space.consumer, space.contract,
                                {.sql = kQuery, .purpose = "bench", .epsilon_milli = 3});
    if (!r.ok()) state.SkipWithError(r.status().ToString().c_str());
  }
  Rows(state, kRows);
}
BENCHMARK(BM_ChannelService)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(20);

}  // namespace
}  // namespace qt::dataspace

int main(int argc, char** argv) {
  if (const char* big = std::getenv("QIANTANG_BENCH_1GB"); big && std::string(big) == "1") {
    benchmark::RegisterBenchmark("BM_Pipeline1GB", qt::dataspace::BM_Pipeline1GB)
        ->Unit(benchmark::kSecond)
        ->UseRealTime()
        ->Iterations(1);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::filesystem::remove_all(qt::dataspace::Dir());
  return 0;
}
