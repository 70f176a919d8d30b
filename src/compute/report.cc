#include "compute/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

namespace qt::compute {
namespace {

constexpr const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c",
                                   "#9467bd", "#ff7f0e", "#8c564b"};
constexpr int kWidth = 760, kHeight = 360, kLeft = 60, kRight = 90, kTop = 30, kBottom = 45;

double Round(double v, int digits) {
  double f = std::pow(10.0, digits);
  return std::round(v * f) / f;
}

std::string XmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A line chart: x in [0, x_max], y in [0, y_max]; one polyline per series.
struct Series {
  std::string label;
  std::vector<std::pair<double, double>> points;
};

std::string LineChart(const std::string& title, const std::string& x_label,
                      const std::string& y_label, double x_max, double y_max, bool log_x,
                      const std::vector<Series>& series) {
  const double pw = kWidth - kLeft - kRight, ph = kHeight - kTop - kBottom;
  double x_min = log_x ? 1.0 : 0.0;
  auto sx = [&](double x) {
    if (log_x) {
      x = std::max(x, 1.0);
      return kLeft + pw * std::log10(x) / std::max(std::log10(x_max), 1e-9);
    }
    return kLeft + pw * (x - x_min) / std::max(x_max - x_min, 1e-9);
  };
  auto sy = [&](double y) { return kTop + ph - ph * y / std::max(y_max, 1e-9); };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" "
      "fill=\"white\"/>\n"
      "<text x=\"{}\" y=\"18\" font-size=\"14\">{}</text>\n",
      kWidth, kHeight, kWidth, kHeight, kLeft, XmlEscape(title));
  svg += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>\n", kLeft,
                     kTop + ph, kLeft + pw, kTop + ph);
  svg += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>\n", kLeft,
                     kTop, kLeft, kTop + ph);
  for (int i = 0; i <= 4; ++i) {
    double y = y_max * i / 4;
    svg += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", kLeft - 5,
                       sy(y) + 4, Round(y, 2));
    double x = log_x ? std::pow(10.0, std::log10(std::max(x_max, 10.0)) * i / 4) : x_max * i / 4;
    svg +=
        fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", sx(x),
                    kTop + ph + 15, x >= 100 ? fmt::format("{:.0f}", x) : fmt::format("{:.2g}", x));
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", kLeft + pw / 2,
                     kHeight - 8, XmlEscape(x_label));
  svg += fmt::format(
      "<text x=\"14\" y=\"{}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {})\">{}</text>\n",
      kTop + ph / 2, kTop + ph / 2, XmlEscape(y_label));
  for (size_t i = 0; i < series.size(); ++i) {
    const char* color = kColors[i % std::size(kColors)];
    std::string pts;
    for (const auto& [x, y] : series[i].points) pts += fmt::format("{:.1f},{:.1f} ", sx(x), sy(y));
    svg += fmt::format(
        "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" points=\"{}\"/>\n", color, pts);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"{}\">{}</text>\n", kLeft + pw + 10,
                       kTop + 14 + 14 * static_cast<int>(i), color, XmlEscape(series[i].label));
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace

nlohmann::json SummaryJson(const SimResult& r) {
  return {{"policy", r.policy},
          {"trace", r.trace},
          {"cluster", r.cluster},
          {"cards", r.cards},
          {"jobs", r.jobs},
          {"rejected", r.rejected.size()},
          {"sorted_rows", r.sorted_rows},
          {"avg_jct_s", Round(r.avg_jct_s, 1)},
          {"p50_jct_s", Round(r.p50_jct_s, 1)},
          {"p99_jct_s", Round(r.p99_jct_s, 1)},
          {"avg_queue_s", Round(r.avg_queue_s, 1)},
          {"p50_queue_s", Round(r.p50_queue_s, 1)},
          {"p99_queue_s", Round(r.p99_queue_s, 1)},
          {"utilization", Round(r.utilization, 4)},
          {"makespan_s", Round(r.makespan_s, 1)},
          {"avg_fragmentation", Round(r.avg_fragmentation, 4)},
          {"jain_fairness", Round(r.jain_fairness, 4)},
          {"preemptions", r.preemptions},
          {"avg_leaves_multi_node", Round(r.avg_leaves_multi_node, 3)},
          {"decisions", r.decisions},
          {"decision_p50_us", Round(r.decision_p50_us, 2)},
          {"decision_p99_us", Round(r.decision_p99_us, 2)},
          {"wall_s", Round(r.wall_s, 3)}};
}

std::string UtilizationSvg(const std::vector<SimResult>& results) {
  std::vector<Series> series;
  double x_max = 1;
  for (const SimResult& r : results) {
    Series s{r.policy, {}};
    // At most ~600 points per line.
    size_t every = std::max<size_t>(1, r.samples.size() / 600);
    for (size_t i = 0; i < r.samples.size(); i += every) {
      double hours = static_cast<double>(r.samples[i].t_ms) / 3.6e6;
      s.points.emplace_back(hours, r.samples[i].utilization);
      x_max = std::max(x_max, hours);
    }
    series.push_back(std::move(s));
  }
  std::string title = results.empty() ? ""
                                      : fmt::format("Card utilisation: {} on {}", results[0].trace,
                                                    results[0].cluster);
  return LineChart(title, "time (hours)", "utilisation", x_max, 1.0, false, series);
}

std::string JctCdfSvg(const std::vector<SimResult>& results) {
  std::vector<Series> series;
  double x_max = 10;
  for (const SimResult& r : results) {
    std::vector<double> jct;
    for (const JobResult& j : r.job_results)
      jct.push_back(static_cast<double>(j.finish_ms - j.submit_ms) / 1000.0);
    std::sort(jct.begin(), jct.end());
    Series s{r.policy, {}};
    size_t every = std::max<size_t>(1, jct.size() / 400);
    for (size_t i = 0; i < jct.size(); i += every) {
      s.points.emplace_back(jct[i], static_cast<double>(i + 1) / static_cast<double>(jct.size()));
    }
    if (!jct.empty()) {
      s.points.emplace_back(jct.back(), 1.0);
      x_max = std::max(x_max, jct.back());
    }
    series.push_back(std::move(s));
  }
  std::string title =
      results.empty() ? "" : fmt::format("JCT CDF: {} on {}", results[0].trace, results[0].cluster);
  return LineChart(title, "job completion time (s, log scale)", "fraction of jobs", x_max, 1.0,
                   true, series);
}

Status WriteReports(const std::vector<SimResult>& results, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Unavailable(fmt::format("cannot create {}: {}", dir, ec.message()));
  auto write = [&](const std::string& name, const std::string& text) -> Status {
    std::string path = (std::filesystem::path(dir) / name).string();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return Unavailable(fmt::format("cannot write {}", path));
    return OkStatus();
  };
  nlohmann::json summary = nlohmann::json::array();
  for (const SimResult& r : results) summary.push_back(SummaryJson(r));
  QT_RETURN_IF_ERROR(write("summary.json", summary.dump(2) + "\n"));

  std::string jobs =
      "policy,id,tenant,cards,submit_s,start_s,finish_s,jct_s,queue_s,run_s,preemptions,leaves\n";
  std::string metrics = "policy,t_s,utilization,pending,running,fragmented_cards\n";
  for (const SimResult& r : results) {
    for (const JobResult& j : r.job_results) {
      double jct = static_cast<double>(j.finish_ms - j.submit_ms) / 1000.0;
      double run = static_cast<double>(j.run_ms) / 1000.0;
      jobs += fmt::format("{},{},{},{},{:.3f},{:.3f},{:.3f},{:.3f},{:.3f},{:.3f},{},{}\n", r.policy,
                          j.id, j.tenant, j.cards, j.submit_ms / 1000.0, j.first_start_ms / 1000.0,
                          j.finish_ms / 1000.0, jct, std::max(0.0, jct - run), run, j.preemptions,
                          j.leaves);
    }
    for (const Sample& s : r.samples) {
      metrics += fmt::format("{},{:.0f},{:.4f},{},{},{}\n", r.policy, s.t_ms / 1000.0,
                             s.utilization, s.pending, s.running, s.fragmented_cards);
    }
  }
  QT_RETURN_IF_ERROR(write("jobs.csv", jobs));
  QT_RETURN_IF_ERROR(write("metrics.csv", metrics));
  QT_RETURN_IF_ERROR(write("utilization.svg", UtilizationSvg(results)));
  if (results.size() > 1) QT_RETURN_IF_ERROR(write("jct_cdf.svg", JctCdfSvg(results)));
  return OkStatus();
}

}  // namespace qt::compute
