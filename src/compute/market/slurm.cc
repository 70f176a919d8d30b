#include "compute/market/slurm.h"

#include <fmt/format.h>

#include <sstream>

#include "core/clock.h"
#include "core/subprocess.h"

namespace qt::compute::market {
namespace {

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

// Slurm prints times as "YYYY-MM-DDTHH:MM:SS" in the client's zone; we run
// the clients with TZ=UTC.
int64_t SlurmTime(const std::string& t) {
  auto ms = ParseRfc3339(t + "Z");
  return ms ? *ms : 0;
}

SlurmJob::Phase PhaseOf(const std::string& state) {
  if (state == "PENDING" || state == "CONFIGURING" || state == "REQUEUED")
    return SlurmJob::Phase::kQueued;
  if (state == "RUNNING" || state == "COMPLETING" || state == "SUSPENDED")
    return SlurmJob::Phase::kRunning;
  if (state == "COMPLETED") return SlurmJob::Phase::kCompleted;
  return SlurmJob::Phase::kFailed;  // CANCELLED, FAILED, TIMEOUT, NODE_FAIL, PREEMPTED,
                                    // OUT_OF_MEMORY...
}

}  // namespace

SlurmClient::SlurmClient(std::string slurm_conf) {
  env_.push_back("TZ=UTC");
  if (!slurm_conf.empty()) env_.push_back("SLURM_CONF=" + slurm_conf);
}

Result<std::string> SlurmClient::Run(const std::vector<std::string>& argv) {
  QT_ASSIGN_OR_RETURN(ProcessResult r, RunProcess(argv, env_));
  if (r.exit_code != 0) {
    return Unavailable(fmt::format("{} failed ({}): {}", argv[0], r.exit_code, Trim(r.err)));
  }
  return r.out;
}

Result<std::string> SlurmClient::Submit(const std::string& name, int nodes, int gpus_per_node,
                                        int64_t run_ms, int64_t time_limit_ms) {
  int64_t seconds = std::max<int64_t>(1, (run_ms + 999) / 1000);
  int64_t minutes = std::max<int64_t>(1, (time_limit_ms + 59'999) / 60'000);
  QT_ASSIGN_OR_RETURN(
      std::string out,
      Run({"sbatch", "--parsable", "--job-name=" + name, "--nodes=" + std::to_string(nodes),
           "--gres=gpu:" + std::to_string(gpus_per_node), "--time=" + std::to_string(minutes),
           "--output=/dev/null", "--chdir=/tmp", "--wrap=sleep " + std::to_string(seconds)}));
  std::string id = Trim(out);
  id = id.substr(0, id.find(';'));  // "id;cluster" on multi-cluster setups
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
    return Unavailable("sbatch printed no job id: " + out);
  }
  return id;
}

Result<SlurmJob> SlurmClient::Query(const std::string& job_id) {
  SlurmJob job;
  // Live jobs first.
  auto live = RunProcess({"squeue", "-h", "-j", job_id, "-o", "%T|%S"}, env_);
  if (live.ok() && live->exit_code == 0 && !Trim(live->out).empty()) {
    std::string line = Trim(live->out);
    job.state = line.substr(0, line.find('|'));
    job.start_ms = SlurmTime(line.substr(line.find('|') + 1));
    job.phase = PhaseOf(job.state);
    if (job.phase == SlurmJob::Phase::kQueued || job.phase == SlurmJob::Phase::kRunning) return job;
  }
  // Then Slurm's job completion records.
  QT_ASSIGN_OR_RETURN(std::string out, Run({"sacct", "--completion", "-n", "-P", "-j", job_id, "-o",
                                            "JobID,State,Start,End"}));
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> f;
    std::stringstream fields(line);
    std::string x;
    while (std::getline(fields, x, '|')) f.push_back(x);
    if (f.size() < 4 || f[0] != job_id) continue;
    job.state = f[1].substr(0, f[1].find(' '));  // "CANCELLED by 0"
    job.phase = PhaseOf(job.state);
    job.start_ms = SlurmTime(f[2]);
    job.end_ms = SlurmTime(f[3]);
    return job;
  }
  return NotFound("slurm job " + job_id + " is unknown to squeue and sacct");
}

Status SlurmClient::Cancel(const std::string& job_id) { return Run({"scancel", job_id}).status(); }

}  // namespace qt::compute::market
