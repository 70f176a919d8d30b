// Governance pipelines (数据加工, "renovation"): a declarative list of steps
// that turns a raw CSV source into a data product's table, with a quality
// report (价值验证). Streaming: memory does not grow with the file (dedupe
// keys spill to disk past two million, key_set.h).
//
// Spec (JSON; docs/dataspace/pipelines.md):
//   {"steps": [
//      {"op": "trim"},                                   every text field, or "fields": [...]
//      {"op": "normalize", "form": "NFKC"},              NFC or NFKC (full-width -> ASCII)
//      {"op": "null_values", "values": ["", "N/A", "-", "无"]},
//      {"op": "date", "field": "birth_date"},            -> YYYY-MM-DD
//      {"op": "mobile", "field": "phone"},               -> 11 digits
//      {"op": "resident_id", "field": "id_no"},          GB 11643 checksum
//      {"op": "credit_code", "field": "uscc"},           GB 32100 checksum
//      {"op": "fill", "field": "district", "value": "未知"},
//      {"op": "drop_if_null", "fields": ["id_no"]},
//      {"op": "dedupe", "fields": ["id_no"]}],           all output fields if absent
//    "output": [ {"name": "age", "from": "age", "type": "integer", "min": 0, "max": 120,
//                 "sensitivity": "internal"}, ... ]}     schema.h fields plus "from"
// Checking steps (date, mobile, resident_id, credit_code) take
// "on_invalid": "null" (default) or "drop" (the row). Values that do not fit
// their output type are invalid the same way (nulled). Empty cells are null.
//
// Thread-safety: RunPipeline is reentrant.
#ifndef QIANTANG_DATASPACE_PIPELINE_H_
#define QIANTANG_DATASPACE_PIPELINE_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "dataspace/schema.h"

namespace qt::dataspace {

struct Step {
  enum class Op {
    kTrim,
    kNormalize,
    kNullValues,
    kDate,
    kMobile,
    kResidentId,
    kCreditCode,
    kFill,
    kDropIfNull,
    kDedupe
  };
  Op op;
  std::vector<size_t> fields{};       // source field indices the step applies to
  bool compatibility = false;         // normalize: NFKC
  bool drop_invalid = false;          // checking steps: drop the row, not the value
  std::vector<std::string> values{};  // null_values; fill: values[0]
};

struct PipelineSpec {
  std::vector<Step> steps{};
  Schema output{};
  std::vector<size_t> output_from{};  // source field index of each output field
};

// Parses and validates a spec against the source's schema; errors name the
// place ("steps[2].field: no source field 'phone'").
Result<PipelineSpec> ParsePipeline(const nlohmann::json& spec, const Schema& source);

struct FieldQuality {
  std::string name{};
  int64_t nulls = 0;                                      // in the output
  int64_t invalid = 0;                                    // values a check or the type rejected
  int64_t distinct = 0;                                   // distinct non-null output values
  double completeness = 0, validity = 0, uniqueness = 0;  // 0..1
};

struct QualityReport {
  int64_t rows_in = 0;          // data rows of the source
  int64_t rows_out = 0;         // rows of the product
  int64_t malformed = 0;        // rows with the wrong number of columns
  int64_t dropped_invalid = 0;  // rows dropped by on_invalid: drop
  int64_t dropped_null = 0;     // rows dropped by drop_if_null
  int64_t duplicates = 0;       // rows dropped by dedupe
  std::vector<FieldQuality> fields{};
};
nlohmann::json QualityJson(const QualityReport& report);

struct RunOutput {
  std::string input_hash{};   // hex SHA-256 of the source file's bytes
  std::string output_hash{};  // hex SHA-256 of the product as canonical CSV (docs)
  QualityReport report;
};

// Reads the CSV at `csv_path` (its first row is a header with one column per
// source field), runs the steps and writes the product database at `db_path`
// (written to db_path + ".tmp" and renamed when complete: a failed run leaves
// nothing at db_path). Errors call the CSV `csv_name` ("source src_…",
// "source src_…:LINE: ..."), never by its path.
Result<RunOutput> RunPipeline(const PipelineSpec& spec, const Schema& source,
                              const std::string& csv_path, const std::string& db_path,
                              const std::string& csv_name = "the source");

// Hex SHA-256 of a file's bytes, streamed; errors name `name` (path if empty).
Result<std::string> HashFile(const std::string& path, const std::string& name = "");

}  // namespace qt::dataspace

#endif  // QIANTANG_DATASPACE_PIPELINE_H_
