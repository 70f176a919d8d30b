// DataSpace: construction, sources, pipelines and runs. Catalog and offers
// are in catalog.cc, negotiation in contracts.cc, the channel's metering in
// usage.cc, the tables in migrations.cc.
#include "dataspace/dataspace.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "accounts/paging.h"
#include "core/csv.h"
#include "core/ids.h"
#include "core/text.h"
#include "dataspace/import_folder.h"
#include "dataspace/internal.h"
#include "dataspace/pipeline.h"
#include "store/decode.h"
#include "store/transact.h"

namespace qt::dataspace {

using accounts::OrgKind;
using accounts::Page;
using accounts::PageRequest;
using accounts::Principal;
using nlohmann::json;
using store::Row;
using store::Tx;

DataSpace::DataSpace(store::Store& store, DataSpaceOptions options)
    : store_(store), options_(std::move(options)) {}

std::string DataSpace::RunDbPath(const std::string& run_id) const {
  return options_.data_dir + "/runs/" + run_id + ".sqlite";
}

namespace {

Result<Source> SourceFromRow(const Row& r) {
  return store::Decode<Source>("ds_sources", r, [&]() -> Result<Source> {
    QT_ASSIGN_OR_RETURN(Schema fields, ParseSchema(json::parse(r.Text("fields"))));
    return Source{.id = r.Text("id"),
                  .org_id = r.Text("org_id"),
                  .name = r.Text("name"),
                  .origin = r.Text("origin"),
                  .path = r.Text("path"),
                  .bytes = r.Int("bytes"),
                  .sha256 = r.Text("sha256"),
                  .fields = std::move(fields),
                  .created_at = r.Int("created_at")};
  });
}
constexpr const char* kSourceColumns =
    "SELECT id, org_id, name, origin, path, bytes, sha256, fields, created_at FROM ds_sources";

Result<Pipeline> PipelineFromRow(const Row& r) {
  return store::Decode<Pipeline>("ds_pipelines", r, [&]() -> Pipeline {
    return Pipeline{.id = r.Text("id"),
                    .org_id = r.Text("org_id"),
                    .source_id = r.Text("source_id"),
                    .name = r.Text("name"),
                    .spec = json::parse(r.Text("spec")),
                    .created_at = r.Int("created_at")};
  });
}
constexpr const char* kPipelineColumns =
    "SELECT id, org_id, source_id, name, spec, created_at FROM ds_pipelines";

// The header and up to 1000 rows of a CSV file, to infer its schema. Errors
// call the file `name` (never its path).
Result<Schema> InferFromFile(const std::string& path, const std::string& name) {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> samples;
  bool enough = false;
  Status s = ReadCsvFile(
      path,
      [&](const CsvRow& row) -> Status {
        if (header.empty()) {
          header = row.fields;
          return OkStatus();
        }
        samples.push_back(row.fields);
        enough = samples.size() >= 1000;
        return enough ? ResourceExhausted("enough samples") : OkStatus();
      },
      name);
  if (!s.ok() && !enough) return s;
  return InferSchema(header, samples);
}

// Checks that the file's header has one column per field.
Status CheckHeader(const std::string& path, const std::string& name, const Schema& fields) {
  size_t columns = 0;
  bool read = false;
  Status s = ReadCsvFile(
      path,
      [&](const CsvRow& row) -> Status {
        columns = row.fields.size();
        read = true;
        return ResourceExhausted("header read");
      },
      name);
  if (!s.ok() && !read) return s;
  if (columns != fields.size()) {
    return InvalidArgument("fields: the file's header has " + std::to_string(columns) +
                           " columns, the declared schema " + std::to_string(fields.size()));
  }
  return OkStatus();
}

// A pipeline as stored, with the source it reads.
struct PipelineWithSource {
  Pipeline pipeline;
  Source source;
};

}  // namespace

Result<Source> DataSpace::CreateSource(const Principal& caller, const NewSource& in) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kDataHolder, "bring data sources"));
  QT_RETURN_IF_ERROR(CheckDisplayText(in.name, 200).WithContext("name"));
  if (in.csv.empty() == in.file.empty()) {
    return InvalidArgument(
        "give either csv (the file's content) or file (a path in your organisation's import "
        "folder)");
  }
  IdGenerator ids(*options_.clock, *options_.random);
  Source s{.id = ids.Next("src"), .org_id = caller.org_id, .name = in.name};
  std::string full, shown;  // where the server reads it; how errors name it
  ImportedFile imported;
  std::error_code ec;
  if (!in.csv.empty()) {
    s.origin = "upload";
    s.path = "sources/" + s.id + ".csv";
    full = options_.data_dir + "/" + s.path;
    std::filesystem::create_directories(options_.data_dir + "/sources", ec);
    std::ofstream out(full, std::ios::binary);
    out.write(in.csv.data(), static_cast<std::streamsize>(in.csv.size()));
    out.close();
    if (!out) return Internal("cannot store the upload");
    ::chmod(full.c_str(), 0600);
    shown = "upload";
    s.bytes = static_cast<int64_t>(in.csv.size());
  } else {
    // Opened once, without following links (import_folder.h); every read
    // below goes through this descriptor.
    QT_ASSIGN_OR_RETURN(imported, OpenImportFile(options_.import_dir, caller.org_id, in.file));
    s.origin = "file";
    s.path = in.file;
    full = imported.ReadPath();
    shown = in.file;
    s.bytes = imported.bytes();
  }
  auto cleanup = [&](Status st) {
    if (s.origin == "upload") std::filesystem::remove(full, ec);
    return st;
  };
  if (in.fields) {
    s.fields = *in.fields;
    if (Status st = CheckHeader(full, "source " + s.id, s.fields); !st.ok()) return cleanup(st);
  } else {
    auto inferred = InferFromFile(full, "source " + s.id);
    if (!inferred.ok()) return cleanup(inferred.status().WithContext("csv"));
    s.fields = *std::move(inferred);
  }
  auto hash = HashFile(full, shown);
  if (!hash.ok()) return cleanup(hash.status());
  s.sha256 = *hash;
  s.created_at = options_.clock->NowMillis();
  Status st = store_.Write([&](Tx& tx) -> Status {
    QT_RETURN_IF_ERROR(tx.Exec("INSERT INTO ds_sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               {s.id, s.org_id, s.name, s.origin, s.path, s.bytes, s.sha256,
                                SchemaJson(s.fields).dump(), s.created_at})
                           .status());
    return options_.journal
        ->Append(tx, {caller.org_id,
                      "dataspace.source.created",
                      s.id,
                      {{"origin", s.origin},
                       {"bytes", s.bytes},
                       {"sha256", s.sha256},
                       {"fields", static_cast<int64_t>(s.fields.size())}}})
        .status();
  });
  if (!st.ok()) return cleanup(st);
  return s;
}

Result<Page<Source>> DataSpace::ListSources(const Principal& caller, const PageRequest& page) {
  QT_RETURN_IF_ERROR(accounts::CheckPage(page, "src"));
  return store::ReadValue(store_, [&](Tx& tx) -> Result<Page<Source>> {
    return accounts::QueryPage<Source>(tx,
                                       std::string(kSourceColumns) + " WHERE org_id = ? AND id > ?",
                                       {caller.org_id, page.cursor}, page, SourceFromRow);
  });
}

Result<Pipeline> DataSpace::CreatePipeline(const Principal& caller, const std::string& source_id,
                                           const std::string& name, const json& spec) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kDataHolder, "define pipelines"));
  QT_RETURN_IF_ERROR(CheckDisplayText(name, 200).WithContext("name"));
  IdGenerator ids(*options_.clock, *options_.random);
  Pipeline p{.id = ids.Next("pipe"),
             .org_id = caller.org_id,
             .source_id = source_id,
             .name = name,
             .spec = spec,
             .created_at = options_.clock->NowMillis()};
  QT_RETURN_IF_ERROR(store_.Write([&](Tx& tx) -> Status {
    QT_ASSIGN_OR_RETURN(auto rows,
                        tx.Query(std::string(kSourceColumns) + " WHERE id = ?", {source_id}));
    if (rows.empty() || rows[0].Text("org_id") != caller.org_id) {
      return NotFound("source_id: no source " + source_id + " of your organisation");
    }
    QT_ASSIGN_OR_RETURN(Source src, SourceFromRow(rows[0]));
    QT_RETURN_IF_ERROR(ParsePipeline(spec, src.fields).status().WithContext("spec"));
    QT_RETURN_IF_ERROR(tx.Exec("INSERT INTO ds_pipelines VALUES (?, ?, ?, ?, ?, ?)",
                               {p.id, p.org_id, p.source_id, p.name, spec.dump(), p.created_at})
                           .status());
    return options_.journal
        ->Append(tx, {caller.org_id,
                      "dataspace.pipeline.created",
                      p.id,
                      {{"source_id", source_id},
                       {"steps", static_cast<int64_t>(spec.value("steps", json::array()).size())}}})
        .status();
  }));
  return p;
}

Result<Page<Pipeline>> DataSpace::ListPipelines(const Principal& caller, const PageRequest& page) {
  QT_RETURN_IF_ERROR(accounts::CheckPage(page, "pipe"));
  return store::ReadValue(store_, [&](Tx& tx) -> Result<Page<Pipeline>> {
    return accounts::QueryPage<Pipeline>(
        tx, std::string(kPipelineColumns) + " WHERE org_id = ? AND id > ?",
        {caller.org_id, page.cursor}, page, PipelineFromRow);
  });
}

Result<Run> DataSpace::RunPipeline(const Principal& caller, const std::string& pipeline_id) {
  QT_RETURN_IF_ERROR(caller.RequireMemberOf(OrgKind::kDataHolder, "run pipelines"));
  QT_ASSIGN_OR_RETURN(
      const PipelineWithSource stored,
      store::ReadValue(store_, [&](Tx& tx) -> Result<PipelineWithSource> {
        QT_ASSIGN_OR_RETURN(
            auto rows, tx.Query(std::string(kPipelineColumns) + " WHERE id = ?", {pipeline_id}));
        if (rows.empty() || rows[0].Text("org_id") != caller.org_id) {
          return NotFound("no pipeline " + pipeline_id + " of your organisation");
        }
        PipelineWithSource out;
        QT_ASSIGN_OR_RETURN(out.pipeline, PipelineFromRow(rows[0]));
        QT_ASSIGN_OR_RETURN(auto srows, tx.Query(std::string(kSourceColumns) + " WHERE id = ?",
                                                 {out.pipeline.source_id}));
        QT_ASSIGN_OR_RETURN(out.source, SourceFromRow(srows.at(0)));
        return out;
      }));
  const Pipeline& p = stored.pipeline;
  const Source& src = stored.source;
  QT_ASSIGN_OR_RETURN(PipelineSpec spec, ParsePipeline(p.spec, src.fields));
  // What is stored must read back: the output schema passes the reader's checks.
  QT_RETURN_IF_ERROR(ParseSchema(SchemaJson(spec.output)).status().WithContext("output"));
  IdGenerator ids(*options_.clock, *options_.random);
  Run run{.id = ids.Next("run"),
          .pipeline_id = p.id,
          .org_id = caller.org_id,
          .fields = spec.output,
          .started_at = options_.clock->NowMillis()};
  std::string csv = options_.data_dir + "/" + src.path;
  ImportedFile imported;
  if (src.origin == "file") {
    // Opened again as at registration: a name swapped for a link meanwhile is refused.
    QT_ASSIGN_OR_RETURN(imported, OpenImportFile(options_.import_dir, src.org_id, src.path));
    csv = imported.ReadPath();
  }
  std::string db = RunDbPath(run.id);
  QT_ASSIGN_OR_RETURN(RunOutput out,
                      dataspace::RunPipeline(spec, src.fields, csv, db, "source " + src.id));
  run.rows_in = out.report.rows_in;
  run.rows_out = out.report.rows_out;
  run.input_hash = out.input_hash;
  run.output_hash = out.output_hash;
  run.report = QualityJson(out.report);
  run.finished_at = options_.clock->NowMillis();
  Result<uint64_t> seq = store::WriteValue(store_, [&](Tx& tx) -> Result<uint64_t> {
    // Ratios go on the ledger in basis points: events hold no floating point.
    json fields = json::array();
    for (const FieldQuality& q : out.report.fields) {
      fields.push_back({{"name", q.name},
                        {"completeness_bp", std::llround(q.completeness * 10'000)},
                        {"validity_bp", std::llround(q.validity * 10'000)},
                        {"uniqueness_bp", std::llround(q.uniqueness * 10'000)}});
    }
    QT_ASSIGN_OR_RETURN(const uint64_t ledger_seq,
                        options_.journal->Append(tx, {caller.org_id,
                                                      "dataspace.pipeline.run",
                                                      run.id,
                                                      {{"pipeline_id", p.id},
                                                       {"input_sha256", run.input_hash},
                                                       {"output_sha256", run.output_hash},
                                                       {"rows_in", run.rows_in},
                                                       {"rows_out", run.rows_out},
                                                       {"duplicates", out.report.duplicates},
                                                       {"malformed", out.report.malformed},
                                                       {"fields", fields}}}));
    QT_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO ds_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                {run.id, run.pipeline_id, run.org_id, run.rows_in, run.rows_out, run.input_hash,
                 run.output_hash, run.report.dump(), SchemaJson(run.fields).dump(), run.started_at,
                 run.finished_at, static_cast<int64_t>(ledger_seq)})
            .status());
    return ledger_seq;
  });
  if (!seq.ok()) {
    std::error_code ec;
    std::filesystem::remove(db, ec);
    return seq.status();
  }
  run.ledger_seq = *seq;
  return run;
}

Result<Page<Run>> DataSpace::ListRuns(const Principal& caller, const std::string& pipeline_id,
                                      const PageRequest& page) {
  QT_RETURN_IF_ERROR(accounts::CheckPage(page, "run"));
  return store::ReadValue(store_, [&](Tx& tx) -> Result<Page<Run>> {
    return accounts::QueryPage<Run>(
        tx, std::string(internal::kRunColumns) + " WHERE pipeline_id = ? AND org_id = ? AND id > ?",
        {pipeline_id, caller.org_id, page.cursor}, page, internal::RunFromRow);
  });
}

}  // namespace qt::dataspace
