// What every CLI verb shares: the global options and how a result is shown.
#ifndef QIANTANG_CLI_COMMAND_H_
#define QIANTANG_CLI_COMMAND_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/client.h"
#include "core/status.h"

namespace qt::cli {

struct GlobalOptions {
  std::string server;
  std::string token;
  std::string ca_cert;
  bool json = false;
};

// The state of one CLI run: its options and the exit code its verb sets.
struct CommandContext {
  GlobalOptions options;
  int exit_code = 0;

  ApiClient Client() const { return ApiClient({options.server, options.token, options.ca_cert}); }

  // Shows `result`: with --json the JSON as is; otherwise `human` renders it.
  // A failure goes to standard error as "error: <message>" and exit code 1.
  void Emit(const Result<nlohmann::json>& result,
            const std::function<void(const nlohmann::json&)>& human);
};

// Adds a verb whose callback runs `fn` under `ctx`.
CLI::App* AddVerb(CLI::App& noun, const std::string& name, const std::string& description,
                  CommandContext& ctx, std::function<void(CommandContext&)> fn);
// Adds a collection as a noun: `parent name list` runs `list`, and so does
// `parent name` alone (as when it was a verb). Returns the `list` verb, for
// its flags; the noun, for other verbs, is its get_parent().
CLI::App* AddCollection(CLI::App& parent, const std::string& name, const std::string& description,
                        CommandContext& ctx, const std::function<void(CommandContext&)>& list);

// An instant the API sends ("2026-12-07T03:47:05.123Z", UTC) as people read
// it: in the local time zone (TZ), to the second ("2026-12-07 11:47:05");
// any other text as it is.
std::string LocalTime(const std::string& text);
// A field of an API object as text: instants in local time (LocalTime),
// other strings as they are, other values as JSON, "-" when absent or null.
std::string Str(const nlohmann::json& j, const char* key);
// Prints an object's fields one per line, "key: value" (as Str shows them;
// money as "amount: 1000.00 yuan" for "amount_fen": 100000).
void PrintFields(const nlohmann::json& j);
// Prints a list answer's "items" as a table of `keys` under `headers`, and
// the cursor of the next page if there is one.
void PrintPage(const nlohmann::json& page, const std::vector<std::string>& headers,
               const std::vector<const char*>& keys);

// Money in tables: `fen` as yuan with two decimals ("21000000.00"); --json
// keeps the API's fen.
std::string FenAsYuan(const nlohmann::json& fen);
// Adds to each of `items` a "<key>_yuan" field for each fen field `key`, for
// PrintPage to show (an absent or null field stays absent).
void AddYuan(nlohmann::json& items, const std::vector<const char*>& keys);
// Money as people type it: "1000", "1000.5" or "1000.50" yuan, in fen;
// nullopt for anything else (a sign, a third decimal, letters, more than
// 10^13 yuan).
std::optional<int64_t> ParseYuan(std::string_view text);
// A `flag` that takes yuan (ParseYuan; anything else is a usage error) and
// stores fen in `fen`.
CLI::Option* AddYuanOption(CLI::App* verb, const std::string& flag, int64_t& fen,
                           const std::string& help);

// Organisation names for tables, beside their ids: each id is looked up once
// (GET /api/v1/orgs/{id}, open to every signed-in caller); an id that cannot
// be looked up (no token, a remote organisation) shows as itself.
// Not thread-safe; one per command.
class OrgNames {
 public:
  explicit OrgNames(ApiClient client) : client_(std::move(client)) {}
  const std::string& Name(const std::string& id);
  // Adds to each of `items` a "<key>_name" field naming the organisation `key` holds.
  void Add(nlohmann::json& items, const std::vector<const char*>& keys);

 private:
  ApiClient client_;
  std::map<std::string, std::string> names_;
};

// The items of a comma-separated flag value ("a,b,c"), empty ones dropped.
std::vector<std::string> SplitList(const std::string& s);

// A JSON file's content (a request body, a policy, a pipeline spec), or
// invalid_argument naming the file.
Result<nlohmann::json> ReadJsonFile(const std::string& path);
// A file's bytes, or invalid_argument naming the file.
Result<std::string> ReadTextFile(const std::string& path);

// --limit and --cursor of a paginated list verb.
struct PageFlags {
  int limit = 50;
  std::string cursor;
  std::string Query() const;  // "?limit=..&cursor=.."
};
void AddPageFlags(CLI::App* verb, PageFlags& flags);

// A `list` verb that pages through `path` and prints `keys` under `headers`.
void AddListVerb(CLI::App& noun, const std::string& description, CommandContext& ctx,
                 const std::string& path, std::vector<std::string> headers,
                 std::vector<const char*> keys);
// The same, with `decorate` adding fields to the items (names beside ids,
// yuan beside fen: OrgNames, AddYuan) before the table shows them (may be
// null), and `filters` passed on to the server.
using Decorate = std::function<void(CommandContext&, nlohmann::json& items)>;
// A filter of a list verb: `--flag VALUE` asks the server for param=VALUE.
struct ListFilter {
  std::string flag;   // "--state"
  std::string param;  // "state"
  std::string help;
};
void AddListVerb(CLI::App& noun, const std::string& description, CommandContext& ctx,
                 const std::string& path, std::vector<std::string> headers,
                 std::vector<const char*> keys, Decorate decorate,
                 std::vector<ListFilter> filters = {});

// `qiantang serve` (serve_command.cc).
void AddServeCommand(CLI::App& app, CommandContext& ctx);

// Adds the verbs of the accounts module: login, whoami, health, orgs, users, tokens.
void AddAccountsCommands(CLI::App& app, CommandContext& ctx);

// Adds `ledger ...`: checkpoints, entries and proofs from a server, offline
// `ledger verify` on files, and `ledger audit` of a database.
void AddLedgerCommands(CLI::App& app, CommandContext& ctx);

// Adds `compute ...`: chips, clusters, traces and simulations on a server.
void AddComputeCommands(CLI::App& app, CommandContext& ctx);

// Adds the trading platform's verbs under `compute` (call after AddComputeCommands).
void AddMarketCommands(CLI::App& app, CommandContext& ctx);
// `qiantang compute jobs|queue|nodes` (jobs_commands.cc): jobs on live clusters.
void AddJobsCommands(CLI::App& app, CommandContext& ctx);

// Adds `dataspace ...`: sources, pipelines, products, offers, contracts and
// channel queries, and offline verification of agreements and receipts.
void AddDataSpaceCommands(CLI::App& app, CommandContext& ctx);

// Adds `exchange ...` (registration, certificates, pledges, the market) and
// `cert verify` (offline).
void AddExchangeCommands(CLI::App& app, CommandContext& ctx);

// Adds `psi ...`: the consumer's side of ECDH-PSI over HTTP, and one-node PSI.
void AddPsiCommands(CLI::App& app, CommandContext& ctx);

// Adds `delivery ...`: request, fetch, open and trace secure deliveries.
void AddDeliveryCommands(CLI::App& app, CommandContext& ctx);

// Adds `code ...`: citizen and talent codes, terminals and offline verification.
void AddIdentityCommands(CLI::App& app, CommandContext& ctx);
// Adds `match ...`: the finance station (杭创E站), the scenario lists and
// policies that find people.
void AddMatchCommands(CLI::App& app, CommandContext& ctx);
// Adds `match policies ...`, `match inbox` and `match webhook` under `match`.
void AddPublicPolicyCommands(CLI::App& match, CommandContext& ctx);
// Adds `federation ...`: this node's witness of peer ledgers.
void AddFederationCommands(CLI::App& app, CommandContext& ctx);
// Adds `city summary`: the city dashboard's figures.
void AddCityCommands(CLI::App& app, CommandContext& ctx);
// Adds `sim`: the trace-driven scheduler simulator (runs locally).
void AddSimCommand(CLI::App& app, CommandContext& ctx);

}  // namespace qt::cli

#endif  // QIANTANG_CLI_COMMAND_H_
