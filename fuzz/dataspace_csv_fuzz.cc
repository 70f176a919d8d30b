// Fuzzes data space CSV ingest (core/csv.h, dataspace/schema.h,
// dataspace/pipeline.h) as an uploaded source goes through it: the CSV is
// read with line numbers, a schema is inferred from the header and sample
// rows, and a governance pipeline (trim, NFKC, null values, dedupe, every
// field kept) turns it into a product database. Checked: an inferred schema
// is one ParseSchema accepts (the limits hold on every path that creates a
// schema), every sample value fits its inferred type, and the pipeline
// accounts for every row.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/csv.h"
#include "dataspace/pipeline.h"
#include "dataspace/schema.h"

namespace {

using nlohmann::json;
namespace ds = qt::dataspace;

const std::filesystem::path& Dir() {
  static const auto* dir = [] {
    const char* base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
    auto* d = new std::filesystem::path(std::filesystem::path(base) /
                                        ("qiantang-csv-fuzz-" + std::to_string(getpid())));
    std::filesystem::create_directories(*d);
    std::atexit([] {  // libFuzzer ends with exit()
      std::error_code ec;
      std::filesystem::remove_all(Dir(), ec);
    });
    return d;
  }();
  return *dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string csv(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> samples;
  std::istringstream in(csv);
  qt::Status read = qt::ReadCsv(in, "upload", [&](const qt::CsvRow& row) -> qt::Status {
    if (row.line <= 0) std::abort();
    if (header.empty()) {
      header = row.fields;
    } else if (samples.size() < 1000) {
      samples.push_back(row.fields);
    }
    return qt::OkStatus();
  });
  if (!read.ok() || header.empty()) return 0;
  auto schema = ds::InferSchema(header, samples);
  if (!schema.ok()) return 0;
  if (schema->size() != header.size()) std::abort();
  auto reparsed = ds::ParseSchema(ds::SchemaJson(*schema));
  if (!reparsed.ok()) {
    std::fprintf(stderr, "inferred schema refused by ParseSchema: %s\n",
                 reparsed.status().ToString().c_str());
    std::abort();
  }
  for (const auto& row : samples) {
    if (row.size() != schema->size()) continue;
    for (size_t i = 0; i < row.size(); ++i) {
      if (!row[i].empty() && !ds::ValueFitsType((*schema)[i].type, row[i])) std::abort();
    }
  }

  json output = ds::SchemaJson(*schema);
  for (json& f : output) f["from"] = f["name"];
  json spec = {{"steps",
                {{{"op", "trim"}},
                 {{"op", "normalize"}, {"form", "NFKC"}},
                 {{"op", "null_values"}, {"values", {"", "N/A", "-", "无"}}},
                 {{"op", "dedupe"}}}},
               {"output", output}};
  auto pipeline = ds::ParsePipeline(spec, *schema);
  if (!pipeline.ok()) {
    std::fprintf(stderr, "pipeline over an inferred schema refused: %s\n",
                 pipeline.status().ToString().c_str());
    std::abort();
  }
  const std::string csv_path = (Dir() / "source.csv").string();
  const std::string db_path = (Dir() / "product.db").string();
  {
    std::ofstream out(csv_path, std::ios::binary | std::ios::trunc);
    out << csv;
  }
  auto run = ds::RunPipeline(*pipeline, *schema, csv_path, db_path);
  if (run.ok()) {
    const ds::QualityReport& r = run->report;
    if (r.rows_out + r.malformed + r.dropped_invalid + r.dropped_null + r.duplicates != r.rows_in) {
      std::fprintf(stderr, "rows in %lld, out %lld, malformed %lld, dropped %lld+%lld, dup %lld\n",
                   static_cast<long long>(r.rows_in), static_cast<long long>(r.rows_out),
                   static_cast<long long>(r.malformed), static_cast<long long>(r.dropped_invalid),
                   static_cast<long long>(r.dropped_null), static_cast<long long>(r.duplicates));
      std::abort();
    }
  }
  std::error_code ec;
  std::filesystem::remove(csv_path, ec);
  std::filesystem::remove(db_path, ec);
  return 0;
}
