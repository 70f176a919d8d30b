// qiantang: the server (`qiantang serve`) and the CLI for its API
// (`qiantang <noun> <verb>`), in one binary.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>

#include "cli/command.h"

int main(int argc, char** argv) {
  // A write to a connection the other side closed is an error to report (the
  // server's clients, its peers, the CLI's server), never a reason to die:
  // OpenSSL writes to sockets without MSG_NOSIGNAL.
  signal(SIGPIPE, SIG_IGN);
  CLI::App app("Qiantang (钱塘): the platform of a city data group", "qiantang");
  app.require_subcommand(1);
  qt::cli::CommandContext ctx;
  app.add_option("--server", ctx.options.server,
                 "Server URL (default: $QIANTANG_SERVER or http://127.0.0.1:8080)")
      ->configurable(false);
  app.add_option("--token", ctx.options.token,
                 "API token (default: $QIANTANG_TOKEN or ~/.config/qiantang/token)");
  app.add_option("--cacert", ctx.options.ca_cert,
                 "PEM certificates to trust for an https server (default: $QIANTANG_CACERT, "
                 "else the system's)");
  app.add_flag("--json", ctx.options.json, "Print the API's JSON instead of a table");
  app.fallthrough();

  qt::cli::AddServeCommand(app, ctx);
  qt::cli::AddAccountsCommands(app, ctx);
  qt::cli::AddLedgerCommands(app, ctx);
  qt::cli::AddComputeCommands(app, ctx);
  qt::cli::AddMarketCommands(app, ctx);
  qt::cli::AddJobsCommands(app, ctx);
  qt::cli::AddDataSpaceCommands(app, ctx);
  qt::cli::AddExchangeCommands(app, ctx);
  qt::cli::AddPsiCommands(app, ctx);
  qt::cli::AddDeliveryCommands(app, ctx);
  qt::cli::AddIdentityCommands(app, ctx);
  qt::cli::AddMatchCommands(app, ctx);
  qt::cli::AddFederationCommands(app, ctx);
  qt::cli::AddCityCommands(app, ctx);
  qt::cli::AddSimCommand(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return ctx.exit_code;
}
