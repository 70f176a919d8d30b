// Job traces: loading real cluster traces, merging and compressing them.
//
// Formats, detected from the header line (docs/compute/simulator.md):
//   philly    timestamp,duration,num_gpus,gpu_time,cluster
//             Microsoft Philly per-job CSV (Pollux/Sia); tenant = cluster (VC)
//   itp       job_id,submission_time,duration,num_gpu[,...]
//             Microsoft ITP (ElasticFlow raw or elasticflow files); tenant =
//             the file's stem (one ITP file is one cluster)
//   qiantang  submit_s,tenant,cards,duration_s[,id][,chip][,elastic]
//             [,priority][,preemptible][,estimate_s]   (our own)
// Rows out of submit order are sorted (a repair reported in Trace::sorted).
// Any other defect (missing column, non-numeric, negative or zero value)
// is an invalid_argument error naming the file and line.
#ifndef QIANTANG_COMPUTE_TRACE_H_
#define QIANTANG_COMPUTE_TRACE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "compute/job.h"
#include "core/status.h"

namespace qt::compute {

struct Trace {
  std::string name;    // file stem, or names joined by "+"
  std::string format;  // philly, itp, qiantang, merged
  // Sorted by submit_ms; the first job is submitted at 0.
  std::vector<JobSpec> jobs;
  int64_t sorted = 0;  // rows that were out of submit order in the file
};

Result<Trace> LoadTrace(const std::string& path);

// Overlays traces: each starts at time 0, tenants are prefixed with the
// trace's name ("cluster04/"), ids stay unique.
Trace MergeTraces(std::vector<Trace> traces);
// Divides every submit time by `factor` (> 1 compresses arrivals; durations
// are unchanged).
void ScaleArrivals(Trace* trace, double factor);
// Keeps the first `max_jobs` jobs by submit time.
void Truncate(Trace* trace, size_t max_jobs);

}  // namespace qt::compute

#endif  // QIANTANG_COMPUTE_TRACE_H_
