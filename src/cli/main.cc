// qiantang: the server (`qiantang serve`) and the CLI for its API
// (`qiantang <noun> <verb>`), in one binary.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>

#include "cli/command.h"
#include "cli/serve.h"
#include "cli/serve_config.h"

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

  // serve
  CLI::App* serve = app.add_subcommand("serve", "Run the server");
  std::string config_file;
  serve->add_option("--config", config_file, "TOML configuration file (or $QIANTANG_CONFIG)");
  struct Flag {
    const char* flag;
    const char* name;
    const char* help;
  };
  const Flag kFlags[] = {
      {"--listen", "listen", "HOST:PORT to listen on (port 0: any free port)"},
      {"--db", "db", "Database URL: sqlite:PATH"},
      {"--web-dir", "web_dir", "Folder of the web console ('' for none)"},
      {"--traces-dir", "traces_dir", "Folder of job traces the console may simulate"},
      {"--master-key-file", "master_key_file", "File with the 32-byte master key in hex"},
      {"--data-dir", "data_dir", "Folder of data space sources and product databases"},
      {"--import-dir", "import_dir", "Folder that file sources of the data space may point into"},
      {"--certificate-format", "certificate_format",
       "Data property certificate numbers, e.g. HZ-DR-{year}-{seq:05}"},
      {"--notice-days", "notice_days", "Days of public notice before a certificate is issued"},
      {"--code-ttl-s", "code_ttl_s", "Seconds a dynamic citizen code stays valid"},
      {"--demo-citizens", "demo_citizens", "Citizens the demo enrols (4830000: the whole city)"},
      {"--demo-firms", "demo_firms", "Tech enterprises the demo's finance station screened"},
      {"--public-url", "public_url",
       "Base URL of this node: certificates' QR codes, and where peer nodes call it"},
      {"--threads", "threads", "HTTP worker threads"},
      {"--max-connections", "max_connections", "Open HTTP connections at most (beyond: 503)"},
      {"--max-connections-per-address", "max_connections_per_address",
       "Open HTTP connections from one address at most (beyond: 503)"},
      {"--header-timeout-s", "header_timeout_s", "Seconds a request's headers may take (then 408)"},
      {"--body-timeout-s", "body_timeout_s", "Seconds a request's body may take (then 408)"},
      {"--trusted-proxies", "trusted_proxies",
       "CIDRs of reverse proxies whose X-Forwarded-For names the client"},
      {"--max-body-bytes", "max_body_bytes", "Largest request body accepted"},
      {"--token-ttl-days", "token_ttl_days", "Default token lifetime in days"},
      {"--log-level", "log_level", "trace, debug, info, warn, error, critical or off"},
      {"--demo-seed", "demo_seed", "Seed of the demo city's content"},
      {"--checkpoint-interval-ms", "checkpoint_interval_ms",
       "How often a ledger checkpoint is signed"},
      {"--ledger-origin", "ledger_origin", "Origin line (and key name) of ledger checkpoints"},
      {"--witness-name", "witness_name", "Key name of this node's witness cosignatures"},
      {"--witness-policy", "witness_policy",
       "C2SP tlog-policy: the witnesses to submit checkpoints to, and the quorum (default: the "
       "active peers' witnesses)"},
      {"--node-name", "node_name", "This node's name among federated cities (its key's name)"},
      {"--node-city", "node_city", "This node's city, as peers show it"},
      {"--crawl-interval-ms", "crawl_interval_ms", "How often peers' DSP catalogs are crawled"},
      {"--peer-timeout-s", "peer_timeout_s", "How long a call to a peer node may take"},
      {"--witness-quorum", "witness_quorum",
       "Without --witness-policy: how many peers' witnesses make a checkpoint witnessed"},
      {"--market-tick-ms", "market_tick_ms", "How often compute orders advance"},
      {"--dashboard-refresh-ms", "dashboard_refresh_ms",
       "How often the city dashboard's figures are recomputed"},
      {"--slurm-conf", "slurm_conf", "slurm.conf for dispatching orders of Slurm clusters"},
      {"--demo-traffic-ms", "demo_traffic_ms",
       "With --demo: how often an enterprise posts a request"},
      {"--outbound-allow-hosts", "outbound_allow_hosts",
       "Comma-separated hosts webhooks may reach over http and at internal addresses"},
      {"--tls-cert", "tls_cert",
       "PEM certificate chain: serve HTTPS (reloaded when the file changes)"},
      {"--tls-key", "tls_key", "PEM private key of --tls-cert"},
      {"--simulated-time-scale", "simulated_time_scale",
       "Simulated clusters run jobs this many times faster than real time (demo: 600)"},
  };
  qt::cli::SettingValues flags;
  for (const Flag& f : kFlags) {
    serve->add_option_function<std::string>(
        f.flag, [&flags, name = f.name](const std::string& v) { flags[name] = v; }, f.help);
  }
  serve->add_flag_function(
      "--demo", [&flags](int64_t) { flags["demo"] = "true"; },
      "Load the demo city into a new database");
  serve->add_flag_function(
      "--plain-http-peers", [&flags](int64_t) { flags["plain_http_peers"] = "true"; },
      "Let peer nodes be called over plain http (loopback tests; else https with a pinned key)");
  serve->callback([&] {
    if (config_file.empty() && std::getenv("QIANTANG_CONFIG")) {
      config_file = std::getenv("QIANTANG_CONFIG");
    }
    auto config = qt::cli::ResolveServeConfig(flags, config_file, std::getenv);
    if (!config.ok()) {
      std::cerr << "qiantang serve: " << config.status().message() << std::endl;
      ctx.exit_code = 2;
      return;
    }
    ctx.exit_code = qt::cli::RunServe(*config);
  });

  qt::cli::AddAccountsCommands(app, ctx);
  qt::cli::AddLedgerCommands(app, ctx);
  qt::cli::AddComputeCommands(app, ctx);
  qt::cli::AddMarketCommands(app, ctx);
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
