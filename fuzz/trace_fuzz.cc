// Fuzzes job trace loading (compute/trace.h): the input is written to a file
// (LoadTrace reads files; the header line picks philly, itp or qiantang) and
// loaded; a trace that loads is merged, compressed and truncated, and its jobs
// are well formed (sorted, positive cards, no negative durations).
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "compute/trace.h"

namespace {

const std::string& TracePath() {
  static const std::string* path = [] {
    const char* base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
    return new std::string(std::string(base) + "/qiantang-trace-fuzz-" + std::to_string(getpid()) +
                           ".csv");
  }();
  return *path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  {
    std::ofstream out(TracePath(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  auto trace = qt::compute::LoadTrace(TracePath());
  std::filesystem::remove(TracePath());
  if (!trace.ok()) return 0;
  for (size_t i = 0; i < trace->jobs.size(); ++i) {
    const auto& job = trace->jobs[i];
    if (i > 0 && job.submit_ms < trace->jobs[i - 1].submit_ms) std::abort();
    if (job.cards <= 0 || job.duration_ms < 0) std::abort();
  }
  qt::compute::Trace copy = *trace;
  qt::compute::Trace merged = qt::compute::MergeTraces({*trace, copy});
  if (merged.jobs.size() != 2 * trace->jobs.size()) std::abort();
  qt::compute::ScaleArrivals(&merged, 40);
  qt::compute::Truncate(&merged, 10);
  return 0;
}
