#include "compute/trace.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>

#include "core/clock.h"
#include "core/csv.h"

namespace qt::compute {
namespace {

constexpr int kMaxCards = 1'000'000;
constexpr double kMaxSeconds = 10.0 * 365 * 86400;

Result<double> Number(const std::string& field, std::string_view column, bool allow_zero) {
  double v = 0;
  const char* end = field.data() + field.size();
  auto [p, ec] = std::from_chars(field.data(), end, v);
  if (ec != std::errc() || p != end || !std::isfinite(v)) {
    return InvalidArgument(fmt::format("{} \"{}\" is not a number", column, field));
  }
  if (v < 0 || (!allow_zero && v == 0)) {
    return InvalidArgument(
        fmt::format("{} must be {}, got {}", column, allow_zero ? "0 or more" : "positive", field));
  }
  if (v > kMaxSeconds) return InvalidArgument(fmt::format("{} {} is too large", column, field));
  return v;
}

Result<int> Cards(const std::string& field, std::string_view column) {
  int v = 0;
  const char* end = field.data() + field.size();
  auto [p, ec] = std::from_chars(field.data(), end, v);
  if (ec != std::errc() || p != end || v <= 0 || v > kMaxCards) {
    return InvalidArgument(fmt::format("{} \"{}\" is not a positive integer", column, field));
  }
  return v;
}

// "YYYY-MM-DD HH:MM:SS", no zone (taken as UTC), to ms since the epoch.
Result<int64_t> Timestamp(const std::string& field) {
  std::string iso = field;
  if (iso.size() == 19 && iso[10] == ' ') iso[10] = 'T';
  std::optional<int64_t> t = iso.size() == 19 ? ParseRfc3339(iso + "Z") : std::nullopt;
  if (!t) return InvalidArgument(fmt::format("timestamp \"{}\" is not YYYY-MM-DD HH:MM:SS", field));
  return *t;
}

int64_t Ms(double seconds) { return static_cast<int64_t>(std::llround(seconds * 1000.0)); }

bool ParseBool(const std::string& v, bool* out) {
  if (v == "1" || v == "true" || v == "yes") return *out = true, true;
  if (v == "0" || v == "false" || v == "no" || v.empty()) return *out = false, true;
  return false;
}

struct Columns {
  std::map<std::string, size_t> index;
  std::optional<size_t> Find(const std::string& name) const {
    auto it = index.find(name);
    if (it == index.end()) return std::nullopt;
    return it->second;
  }
};

// A trace file's header: its format, where each column is, and the
// positions of the format's required columns (in the order of kRequired).
struct Header {
  std::string format;
  Columns cols;
  std::vector<size_t> req;
  size_t width = 0;
};

Result<Header> ReadHeader(const CsvRow& row) {
  Header h;
  for (size_t i = 0; i < row.fields.size(); ++i) h.cols.index[row.fields[i]] = i;
  h.width = row.fields.size();
  std::vector<std::string> required;
  if (h.cols.Find("timestamp") && h.cols.Find("num_gpus")) {
    h.format = "philly";
    required = {"timestamp", "duration", "num_gpus", "cluster"};
  } else if (h.cols.Find("submission_time") && h.cols.Find("num_gpu")) {
    h.format = "itp";
    required = {"job_id", "submission_time", "duration", "num_gpu"};
  } else if (h.cols.Find("submit_s")) {
    h.format = "qiantang";
    required = {"submit_s", "tenant", "cards", "duration_s"};
  } else {
    return InvalidArgument(
        "unknown trace format: the header must be Philly's "
        "(timestamp,duration,num_gpus,...), "
        "ITP's (job_id,submission_time,duration,num_gpu) or Qiantang's "
        "(submit_s,tenant,cards,duration_s,...)");
  }
  for (const std::string& r : required) {
    auto i = h.cols.Find(r);
    if (!i) return InvalidArgument(fmt::format("{} trace lacks column \"{}\"", h.format, r));
    h.req.push_back(*i);
  }
  return h;
}

Result<JobSpec> PhillyJob(const Header& h, const CsvRow& row, const std::string& trace) {
  const auto& f = row.fields;
  JobSpec job;
  QT_ASSIGN_OR_RETURN(job.submit_ms, Timestamp(f[h.req[0]]));
  QT_ASSIGN_OR_RETURN(double d, Number(f[h.req[1]], "duration", false));
  job.duration_ms = Ms(d);
  QT_ASSIGN_OR_RETURN(job.cards, Cards(f[h.req[2]], "num_gpus"));
  job.tenant = f[h.req[3]];
  job.id = fmt::format("{}-{}", trace, row.line);
  return job;
}

Result<JobSpec> ItpJob(const Header& h, const CsvRow& row, const std::string& trace) {
  const auto& f = row.fields;
  JobSpec job;
  job.id = f[h.req[0]].empty() ? fmt::format("{}-{}", trace, row.line) : f[h.req[0]];
  QT_ASSIGN_OR_RETURN(double sub, Number(f[h.req[1]], "submission_time", true));
  job.submit_ms = Ms(sub);
  QT_ASSIGN_OR_RETURN(double d, Number(f[h.req[2]], "duration", false));
  job.duration_ms = Ms(d);
  QT_ASSIGN_OR_RETURN(job.cards, Cards(f[h.req[3]], "num_gpu"));
  job.tenant = trace;
  return job;
}

// Qiantang's own format: the required columns, then optional id, chip,
// elastic, preemptible (empty: true), priority and estimate_s.
Result<JobSpec> QiantangJob(const Header& h, const CsvRow& row, const std::string& trace) {
  const auto& f = row.fields;
  JobSpec job;
  QT_ASSIGN_OR_RETURN(double sub, Number(f[h.req[0]], "submit_s", true));
  job.submit_ms = Ms(sub);
  job.tenant = f[h.req[1]];
  if (job.tenant.empty()) return InvalidArgument("tenant is empty");
  QT_ASSIGN_OR_RETURN(job.cards, Cards(f[h.req[2]], "cards"));
  QT_ASSIGN_OR_RETURN(double d, Number(f[h.req[3]], "duration_s", false));
  job.duration_ms = Ms(d);
  auto opt = [&](const char* name) -> const std::string* {
    auto i = h.cols.Find(name);
    return i ? &f[*i] : nullptr;
  };
  job.id = opt("id") && !opt("id")->empty() ? *opt("id") : fmt::format("{}-{}", trace, row.line);
  if (const std::string* c = opt("chip")) {
    QT_ASSIGN_OR_RETURN(job.chip, ChipConstraint::Parse(*c));
  }
  if (const std::string* e = opt("elastic"); e && !ParseBool(*e, &job.elastic)) {
    return InvalidArgument(fmt::format("elastic \"{}\" is not true or false", *e));
  }
  if (const std::string* p = opt("preemptible")) {
    if (p->empty()) {
      job.preemptible = true;
    } else if (!ParseBool(*p, &job.preemptible)) {
      return InvalidArgument(fmt::format("preemptible \"{}\" is not true or false", *p));
    }
  }
  if (const std::string* p = opt("priority"); p && !p->empty()) {
    auto [end, ec] = std::from_chars(p->data(), p->data() + p->size(), job.priority);
    if (ec != std::errc() || end != p->data() + p->size()) {
      return InvalidArgument(fmt::format("priority \"{}\" is not an integer", *p));
    }
  }
  if (const std::string* e = opt("estimate_s"); e && !e->empty()) {
    QT_ASSIGN_OR_RETURN(double est, Number(*e, "estimate_s", false));
    job.estimate_ms = Ms(est);
  }
  return job;
}

}  // namespace

Result<Trace> LoadTrace(const std::string& path) {
  Trace trace;
  trace.name = std::filesystem::path(path).stem().string();
  std::optional<Header> header;
  Status s = ReadCsvFile(
      path,
      [&](const CsvRow& row) -> Status {
        if (!header) {
          QT_ASSIGN_OR_RETURN(header, ReadHeader(row));
          trace.format = header->format;
          return OkStatus();
        }
        if (row.fields.size() != header->width) {
          return InvalidArgument(
              fmt::format("{} fields where the header has {}", row.fields.size(), header->width));
        }
        Result<JobSpec> job = trace.format == "philly" ? PhillyJob(*header, row, trace.name)
                              : trace.format == "itp"  ? ItpJob(*header, row, trace.name)
                                                       : QiantangJob(*header, row, trace.name);
        if (!job.ok()) return job.status();
        trace.jobs.push_back(std::move(job).value());
        return OkStatus();
      },
      trace.name + ".csv");
  QT_RETURN_IF_ERROR(s);
  if (trace.format.empty()) return InvalidArgument(fmt::format("{}.csv: empty trace", trace.name));
  if (trace.jobs.empty())
    return InvalidArgument(fmt::format("{}.csv: the trace has no jobs", trace.name));
  for (size_t i = 1; i < trace.jobs.size(); ++i) {
    if (trace.jobs[i].submit_ms < trace.jobs[i - 1].submit_ms) ++trace.sorted;
  }
  std::stable_sort(trace.jobs.begin(), trace.jobs.end(),
                   [](const JobSpec& a, const JobSpec& b) { return a.submit_ms < b.submit_ms; });
  int64_t t0 = trace.jobs.front().submit_ms;
  for (JobSpec& j : trace.jobs) j.submit_ms -= t0;
  return trace;
}

Trace MergeTraces(std::vector<Trace> traces) {
  if (traces.size() == 1) return std::move(traces.front());
  Trace merged;
  merged.format = "merged";
  for (Trace& t : traces) {
    merged.name += (merged.name.empty() ? "" : "+") + t.name;
    merged.sorted += t.sorted;
    for (JobSpec& j : t.jobs) {
      if (j.tenant != t.name) j.tenant = t.name + "/" + j.tenant;
      j.id = t.name + "/" + j.id;
      merged.jobs.push_back(std::move(j));
    }
  }
  std::stable_sort(merged.jobs.begin(), merged.jobs.end(),
                   [](const JobSpec& a, const JobSpec& b) { return a.submit_ms < b.submit_ms; });
  return merged;
}

void ScaleArrivals(Trace* trace, double factor) {
  for (JobSpec& j : trace->jobs) {
    j.submit_ms = static_cast<int64_t>(std::llround(static_cast<double>(j.submit_ms) / factor));
  }
}

void Truncate(Trace* trace, size_t max_jobs) {
  if (trace->jobs.size() > max_jobs) trace->jobs.resize(max_jobs);
}

}  // namespace qt::compute
