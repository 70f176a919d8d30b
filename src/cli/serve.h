// `qiantang serve`: opens the database, migrates it, bootstraps the operator,
// optionally loads the demo city, and serves HTTP until SIGINT or SIGTERM.
//
// Standard output carries the lines a person or a test harness reads:
//   bootstrap operator token (shown once): qt_...
//   demo token operator 杭州市数据集团有限公司: qt_...
//   listening on http://127.0.0.1:8080
// Logs go to standard error.
#ifndef QIANTANG_CLI_SERVE_H_
#define QIANTANG_CLI_SERVE_H_

#include "cli/serve_config.h"

namespace qt::cli {

// Returns the process exit code.
int RunServe(const ServeConfig& config);

}  // namespace qt::cli

#endif  // QIANTANG_CLI_SERVE_H_
