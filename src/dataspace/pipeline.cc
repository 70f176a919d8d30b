#include "dataspace/pipeline.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "accounts/credit_code.h"
#include "core/csv.h"
#include "crypto/encoding.h"
#include "crypto/sha256.h"
#include "dataspace/key_set.h"
#include "dataspace/product_db.h"

namespace qt::dataspace {
namespace {

using nlohmann::json;
using Op = Step::Op;

const std::map<std::string, Op, std::less<>> kOps = {{"trim", Op::kTrim},
                                                     {"normalize", Op::kNormalize},
                                                     {"null_values", Op::kNullValues},
                                                     {"date", Op::kDate},
                                                     {"mobile", Op::kMobile},
                                                     {"resident_id", Op::kResidentId},
                                                     {"credit_code", Op::kCreditCode},
                                                     {"fill", Op::kFill},
                                                     {"drop_if_null", Op::kDropIfNull},
                                                     {"dedupe", Op::kDedupe}};

bool IsCheck(Op op) {
  return op == Op::kDate || op == Op::kMobile || op == Op::kResidentId || op == Op::kCreditCode;
}

Result<size_t> SourceField(const Schema& source, const json& name, const std::string& at) {
  if (!name.is_string()) return InvalidArgument(at + ": must be a field name");
  auto i = FindField(source, name.get<std::string>());
  if (!i) return InvalidArgument(at + ": no source field '" + name.get<std::string>() + "'");
  return *i;
}

Result<Step> ParseStep(const json& j, const Schema& source, const std::string& at) {
  if (!j.is_object() || !j.contains("op") || !j["op"].is_string()) {
    return InvalidArgument(at + ".op: is required");
  }
  auto op = kOps.find(j["op"].get<std::string>());
  if (op == kOps.end()) {
    return InvalidArgument(at + ".op: unknown operation '" + j["op"].get<std::string>() + "'");
  }
  Step step{.op = op->second};
  std::set<std::string> allowed = {"op"};
  bool single = IsCheck(step.op) || step.op == Op::kFill;
  if (single) {
    allowed.insert("field");
    if (!j.contains("field")) return InvalidArgument(at + ".field: is required");
    QT_ASSIGN_OR_RETURN(size_t f, SourceField(source, j["field"], at + ".field"));
    step.fields.push_back(f);
  } else {
    allowed.insert("fields");
    if (j.contains("fields")) {
      if (!j["fields"].is_array() || j["fields"].empty()) {
        return InvalidArgument(at + ".fields: must be a non-empty array of field names");
      }
      for (size_t k = 0; k < j["fields"].size(); ++k) {
        QT_ASSIGN_OR_RETURN(size_t f, SourceField(source, j["fields"][k],
                                                  at + ".fields[" + std::to_string(k) + "]"));
        step.fields.push_back(f);
      }
    } else if (step.op == Op::kDropIfNull) {
      return InvalidArgument(at + ".fields: is required");
    }
  }
  if (IsCheck(step.op)) {
    allowed.insert("on_invalid");
    const json on_invalid = j.value("on_invalid", json("null"));
    const std::string how = on_invalid.is_string() ? on_invalid.get<std::string>() : "";
    if (how != "null" && how != "drop") {
      return InvalidArgument(at + ".on_invalid: must be null or drop");
    }
    step.drop_invalid = how == "drop";
  }
  if (step.op == Op::kNormalize) {
    allowed.insert("form");
    const json form_json = j.value("form", json("NFC"));
    const std::string form = form_json.is_string() ? form_json.get<std::string>() : "";
    if (form != "NFC" && form != "NFKC") return InvalidArgument(at + ".form: must be NFC or NFKC");
    step.compatibility = form == "NFKC";
  }
  if (step.op == Op::kNullValues) {
    allowed.insert("values");
    if (!j.contains("values") || !j["values"].is_array() || j["values"].size() > 100) {
      return InvalidArgument(at + ".values: must be an array of at most 100 strings");
    }
    for (const json& v : j["values"]) {
      if (!v.is_string()) return InvalidArgument(at + ".values: must hold strings");
      step.values.push_back(v);
    }
  }
  if (step.op == Op::kFill) {
    allowed.insert("value");
    if (!j.contains("value") || !j["value"].is_string()) {
      return InvalidArgument(at + ".value: must be a string");
    }
    step.values.push_back(j["value"]);
  }
  for (const auto& [key, _] : j.items()) {
    if (!allowed.contains(key)) {
      return InvalidArgument(at + "." + key + ": not a setting of '" + op->first + "'");
    }
  }
  if (step.fields.empty() && step.op != Op::kDedupe) {
    for (size_t i = 0; i < source.size(); ++i) step.fields.push_back(i);
  }
  return step;
}

// The product's canonical rendering of one stored cell (ProductDb::Query's).
std::string Canonical(FieldType type, const std::string& v) {
  if (type == FieldType::kInteger) return std::to_string(std::stoll(v));
  if (type == FieldType::kReal) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", std::stod(v));
    return buf;
  }
  return v;
}

// Exact distinct values per field, counted by SQLite on read-only
// connections, the fields shared out over the machine's cores.
Result<std::vector<int64_t>> DistinctCounts(const std::string& path, const Schema& fields) {
  std::vector<int64_t> out(fields.size(), 0);
  const size_t workers = std::clamp<size_t>(std::thread::hardware_concurrency(), 1,
                                            std::max<size_t>(1, fields.size()));
  std::vector<Status> status(workers);
  std::vector<std::thread> threads;
  for (size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      auto db = ProductDb::OpenReadOnly(path);
      if (!db.ok()) {
        status[w] = db.status();
        return;
      }
      for (size_t i = w; i < fields.size(); i += workers) {
        auto d =
            db->Query("SELECT COUNT(DISTINCT " + QuoteIdentifier(fields[i].name) + ") FROM data");
        if (!d.ok()) {
          status[w] = d.status();
          return;
        }
        out[i] = std::stoll(*(*d)[0][0]);
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const Status& st : status) QT_RETURN_IF_ERROR(st);
  return out;
}

}  // namespace

Result<PipelineSpec> ParsePipeline(const json& spec, const Schema& source) {
  if (!spec.is_object()) return InvalidArgument("pipeline: must be a JSON object");
  for (const auto& [key, _] : spec.items()) {
    if (key != "steps" && key != "output") return InvalidArgument(key + ": unknown field");
  }
  PipelineSpec out;
  const json steps = spec.value("steps", json::array());
  if (!steps.is_array() || steps.size() > 200) {
    return InvalidArgument("steps: must be an array of at most 200 steps");
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    QT_ASSIGN_OR_RETURN(Step s, ParseStep(steps[i], source, "steps[" + std::to_string(i) + "]"));
    out.steps.push_back(std::move(s));
  }
  if (!spec.contains("output")) {
    out.output = source;
    for (size_t i = 0; i < source.size(); ++i) out.output_from.push_back(i);
  } else {
    json fields = spec["output"];
    if (!fields.is_array()) return InvalidArgument("output: must be an array of fields");
    for (size_t i = 0; i < fields.size(); ++i) {
      std::string at = "output[" + std::to_string(i) + "]";
      if (!fields[i].is_object()) return InvalidArgument(at + ": must be an object");
      json from = fields[i].contains("from") ? fields[i]["from"] : fields[i].value("name", json());
      QT_ASSIGN_OR_RETURN(size_t f, SourceField(source, from, at + ".from"));
      out.output_from.push_back(f);
      fields[i].erase("from");
    }
    auto schema = ParseSchema(fields);
    if (!schema.ok()) {
      std::string msg = schema.status().message();
      if (msg.starts_with("fields")) msg = "output" + msg.substr(6);
      return InvalidArgument(msg);
    }
    out.output = *std::move(schema);
  }
  for (Step& s : out.steps) {
    if (s.op == Op::kDedupe && s.fields.empty()) s.fields = out.output_from;
  }
  return out;
}

json QualityJson(const QualityReport& r) {
  json fields = json::array();
  for (const FieldQuality& f : r.fields) {
    fields.push_back({{"name", f.name},
                      {"nulls", f.nulls},
                      {"invalid", f.invalid},
                      {"distinct", f.distinct},
                      {"completeness", f.completeness},
                      {"validity", f.validity},
                      {"uniqueness", f.uniqueness}});
  }
  return {{"rows_in", r.rows_in},
          {"rows_out", r.rows_out},
          {"malformed", r.malformed},
          {"dropped_invalid", r.dropped_invalid},
          {"dropped_null", r.dropped_null},
          {"duplicates", r.duplicates},
          {"fields", fields}};
}

Result<std::string> HashFile(const std::string& path, const std::string& name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(name + ": the file is missing");
  crypto::Sha256Hasher h;
  std::vector<char> buf(1 << 16);
  while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
    h.Update(std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
  }
  return crypto::HexEncode(h.Finish());
}

Result<RunOutput> RunPipeline(const PipelineSpec& spec, const Schema& source,
                              const std::string& csv_path, const std::string& db_path,
                              const std::string& csv_name) {
  RunOutput out;
  const std::string& shown = csv_name;
  QT_ASSIGN_OR_RETURN(out.input_hash, HashFile(csv_path, shown));
  std::ifstream csv_in(csv_path, std::ios::binary);
  if (!csv_in) return NotFound(shown + ": the file is missing");
  const std::string tmp = db_path + ".tmp";
  QT_ASSIGN_OR_RETURN(ProductDb db, ProductDb::Create(tmp, spec.output));

  QualityReport& rep = out.report;
  std::vector<int64_t> invalid_src(source.size(), 0), invalid_out(spec.output.size(), 0);
  std::vector<int64_t> nulls(spec.output.size(), 0);
  std::vector<KeySet> seen;  // one per dedupe step
  for (const Step& s : spec.steps) {
    if (s.op == Op::kDedupe) seen.emplace_back(tmp + ".keys" + std::to_string(seen.size()));
  }
  crypto::Sha256Hasher output_hash;
  std::string line, key;
  for (size_t i = 0; i < spec.output.size(); ++i) {
    if (i) line += ',';
    AppendCsvCell(line, spec.output[i].name);
  }
  line += '\n';
  output_hash.Update(line);

  bool header = true;
  std::vector<Cell> row(source.size()), cells(spec.output.size());
  Status read = ReadCsv(csv_in, shown, [&](const CsvRow& r) -> Status {
    if (header) {
      header = false;
      if (r.fields.size() != source.size()) {
        return InvalidArgument("the header has " + std::to_string(r.fields.size()) +
                               " columns, the source schema " + std::to_string(source.size()));
      }
      return OkStatus();
    }
    ++rep.rows_in;
    if (r.fields.size() != source.size()) {
      ++rep.malformed;
      return OkStatus();
    }
    for (size_t i = 0; i < source.size(); ++i) {
      row[i] = r.fields[i].empty() ? Cell() : Cell(r.fields[i]);
    }
    size_t dedupe = 0;
    for (const Step& s : spec.steps) {
      if (s.op == Op::kDedupe) {
        key.clear();
        for (size_t f : s.fields) {
          if (row[f]) {
            key += 'v' + std::to_string(row[f]->size()) + ':' + *row[f];
          } else {
            key += 'n';
          }
        }
        QT_ASSIGN_OR_RETURN(bool fresh, seen[dedupe++].Insert(key));
        if (!fresh) {
          ++rep.duplicates;
          return OkStatus();
        }
        continue;
      }
      for (size_t f : s.fields) {
        Cell& c = row[f];
        switch (s.op) {
          case Op::kTrim:
            if (c) c = TrimSpace(*c);
            if (c && c->empty()) c.reset();
            break;
          case Op::kNormalize:
            if (c) {
              auto n = NormalizeUnicode(*c, s.compatibility);
              if (n.ok()) {
                c = *std::move(n);
              } else {
                ++invalid_src[f];
                c.reset();
              }
            }
            break;
          case Op::kNullValues:
            if (c && std::find(s.values.begin(), s.values.end(), *c) != s.values.end()) c.reset();
            break;
          case Op::kFill:
            if (!c) c = s.values[0];
            break;
          case Op::kDropIfNull:
            if (!c) {
              ++rep.dropped_null;
              return OkStatus();
            }
            break;
          case Op::kDate:
          case Op::kMobile:
          case Op::kResidentId:
          case Op::kCreditCode: {
            if (!c) break;
            std::optional<std::string> fixed;
            if (s.op == Op::kDate) fixed = StandardizeDate(*c);
            if (s.op == Op::kMobile) fixed = StandardizeMobile(*c);
            if (s.op == Op::kResidentId && ValidateResidentId(*c).ok()) {
              fixed = *c;
              fixed->back() = static_cast<char>(std::toupper(fixed->back()));
            }
            if (s.op == Op::kCreditCode && accounts::ValidateCreditCode(*c).ok()) fixed = *c;
            if (fixed) {
              c = std::move(fixed);
            } else if (s.drop_invalid) {
              ++invalid_src[f];
              ++rep.dropped_invalid;
              return OkStatus();
            } else {
              ++invalid_src[f];
              c.reset();
            }
            break;
          }
          case Op::kDedupe:
            break;
        }
      }
    }
    line.clear();
    for (size_t i = 0; i < spec.output.size(); ++i) {
      const Cell& c = row[spec.output_from[i]];
      if (c && !ValueFitsField(spec.output[i], *c)) {
        ++invalid_out[i];
        cells[i].reset();
      } else {
        cells[i] = c;
      }
      if (i) line += ',';
      if (cells[i]) {
        AppendCsvCell(line, Canonical(spec.output[i].type, *cells[i]));
      } else {
        ++nulls[i];
      }
    }
    line += '\n';
    output_hash.Update(line);
    ++rep.rows_out;
    return db.Insert(cells);
  });
  if (!read.ok()) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    // ReadCsv names the file first ("PATH:LINE: ..."): never a server path.
    if (read.message().starts_with(csv_path)) {
      return Status(read.code(), csv_name + read.message().substr(csv_path.size()));
    }
    return read;
  }
  if (header) return InvalidArgument(csv_name + ": the file is empty (no header row)");
  QT_RETURN_IF_ERROR(db.Finish());

  QT_ASSIGN_OR_RETURN(std::vector<int64_t> distinct, DistinctCounts(tmp, spec.output));
  for (size_t i = 0; i < spec.output.size(); ++i) {
    FieldQuality q{.name = spec.output[i].name, .nulls = nulls[i]};
    q.invalid = invalid_out[i] + invalid_src[spec.output_from[i]];
    q.distinct = distinct[i];
    int64_t present = rep.rows_out - q.nulls;
    q.completeness = rep.rows_out ? static_cast<double>(present) / rep.rows_out : 0;
    q.validity = present + q.invalid ? static_cast<double>(present) / (present + q.invalid) : 1;
    q.uniqueness = present ? static_cast<double>(q.distinct) / present : 0;
    rep.fields.push_back(std::move(q));
  }
  out.output_hash = crypto::HexEncode(output_hash.Finish());
  std::error_code ec;
  std::filesystem::rename(tmp, db_path, ec);
  if (ec) return Internal("cannot move the product into place: " + ec.message());
  return out;
}

}  // namespace qt::dataspace
