// Simulation reports: the summary JSON, per-job and time-series CSV, and SVG
// plots (utilisation over time; JCT CDF per policy). Formats in
// docs/compute/simulator.md.
#ifndef QIANTANG_COMPUTE_REPORT_H_
#define QIANTANG_COMPUTE_REPORT_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compute/simulator.h"
#include "core/status.h"

namespace qt::compute {

// One object per result: policy, jobs, avg/p50/p99 JCT and queueing, utilisation, ...
nlohmann::json SummaryJson(const SimResult& result);

std::string UtilizationSvg(const std::vector<SimResult>& results);
std::string JctCdfSvg(const std::vector<SimResult>& results);

// Writes DIR/summary.json, DIR/jobs.csv, DIR/metrics.csv, DIR/utilization.svg
// and, for several results, DIR/jct_cdf.svg. Creates DIR if needed.
Status WriteReports(const std::vector<SimResult>& results, const std::string& dir);

}  // namespace qt::compute

#endif  // QIANTANG_COMPUTE_REPORT_H_
