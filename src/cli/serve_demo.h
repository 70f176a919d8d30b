// The demo city, loaded by `qiantang serve --demo`.
#ifndef QIANTANG_CLI_SERVE_DEMO_H_
#define QIANTANG_CLI_SERVE_DEMO_H_

#include "cli/serve_config.h"
#include "cli/serve_services.h"

namespace qt::cli {

// Loads the demo city (organisations, compute, data space, exchange, privacy,
// citizens, finance, scenarios, policies) into a new database, the one whose
// operator ServeServices::Build just created, printing what each part loaded
// and how long it took. Every demo token is printed and kept in
// demo-tokens.txt (0600) beside the master key, so that a demo user who
// restarts can sign in again. In a database that is not new it loads nothing
// and says where the tokens are.
Status LoadDemo(const ServeConfig& config, ServeServices& s);

// Prints one line on stdout at once (harnesses read it as it comes).
void PrintLine(const std::string& line);

}  // namespace qt::cli

#endif  // QIANTANG_CLI_SERVE_DEMO_H_
