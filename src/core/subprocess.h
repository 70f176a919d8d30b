// Running another program and collecting its output (posix_spawnp: safe in
// a multi-threaded server, searches PATH).
//
//   QT_ASSIGN_OR_RETURN(ProcessResult r, RunProcess({"sbatch", "--parsable", ...},
//                                                   {"SLURM_CONF=/etc/slurm/slurm.conf"}));
//   if (r.exit_code != 0) return Unavailable(r.err);
#ifndef QIANTANG_CORE_SUBPROCESS_H_
#define QIANTANG_CORE_SUBPROCESS_H_

#include <string>
#include <vector>

#include "core/status.h"

namespace qt {

struct ProcessResult {
  int exit_code = 0;  // 128 + signal if it was killed
  std::string out;
  std::string err;
};

// Runs argv[0] (looked up in PATH) with the environment plus `extra_env`
// ("NAME=value", overriding), and waits for it. unavailable if it cannot be
// started at all.
Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& extra_env = {});

}  // namespace qt

#endif  // QIANTANG_CORE_SUBPROCESS_H_
