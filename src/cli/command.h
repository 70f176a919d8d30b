// What every CLI verb shares: the global options and how a result is shown.
#ifndef QIANTANG_CLI_COMMAND_H_
#define QIANTANG_CLI_COMMAND_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/client.h"
#include "core/status.h"

namespace qt::cli {

struct GlobalOptions {
  std::string server;
  std::string token;
  bool json = false;
};

// The state of one CLI run: its options and the exit code its verb sets.
struct CommandContext {
  GlobalOptions options;
  int exit_code = 0;

  ApiClient Client() const { return ApiClient({options.server, options.token}); }

  // Shows `result`: with --json the JSON as is; otherwise `human` renders it.
  // A failure goes to standard error as "error: <message>" and exit code 1.
  void Emit(const Result<nlohmann::json>& result,
            const std::function<void(const nlohmann::json&)>& human);
};

// Adds a verb whose callback runs `fn` under `ctx`.
CLI::App* AddVerb(CLI::App& noun, const std::string& name, const std::string& description,
                  CommandContext& ctx, std::function<void(CommandContext&)> fn);

// Adds the verbs of the accounts module: login, whoami, health, orgs, users, tokens.
void AddAccountsCommands(CLI::App& app, CommandContext& ctx);

// Adds `ledger ...`: checkpoints, entries and proofs from a server, offline
// `ledger verify` on files, and `ledger audit` of a database.
void AddLedgerCommands(CLI::App& app, CommandContext& ctx);

// Adds `compute ...`: chips, clusters, traces and simulations on a server.
void AddComputeCommands(CLI::App& app, CommandContext& ctx);

// Adds `sim`: the trace-driven scheduler simulator (runs locally).
void AddSimCommand(CLI::App& app, CommandContext& ctx);

}  // namespace qt::cli

#endif  // QIANTANG_CLI_COMMAND_H_
