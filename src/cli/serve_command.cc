// `qiantang serve`: its flags are the settings of serve_config.h.
#include <cstdlib>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/serve.h"
#include "cli/serve_config.h"

namespace qt::cli {
namespace {

// A setting of serve_config.h as a flag.
struct Flag {
  const char* flag;
  const char* name;
  const char* help;
};

}  // namespace

void AddServeCommand(CLI::App& app, CommandContext& ctx) {
  CLI::App* serve = app.add_subcommand("serve", "Run the server");
  // Kept alive by the callbacks that fill and read them.
  struct Given {
    std::string config_file;
    SettingValues flags;
  };
  auto given = std::make_shared<Given>();
  serve->add_option("--config", given->config_file,
                    "TOML configuration file (or $QIANTANG_CONFIG)");
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
      {"--demo-cloud-tenants", "demo_cloud_tenants",
       "Organisations with quotas and jobs on the demo's government cloud"},
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
      {"--negotiation-sync-ms", "negotiation_sync_ms",
       "How often contract changes that peers missed are sent again"},
      {"--policy-sync-ms", "policy_sync_ms", "How often profile changes become policy notices"},
      {"--webhook-ms", "webhook_ms", "How often policy notices are delivered to webhooks"},
      {"--operator-name", "operator_name",
       "Name of the organisation running this node (used when the database is created)"},
      {"--operator-credit-code", "operator_credit_code",
       "Its unified social credit code (used when the database is created)"},
      {"--demo-traffic-ms", "demo_traffic_ms",
       "With --demo: how often an enterprise posts a request"},
      {"--outbound-allow-hosts", "outbound_allow_hosts",
       "Comma-separated hosts webhooks may reach over http and at internal addresses"},
      {"--tls-cert", "tls_cert",
       "PEM certificate chain: serve HTTPS (reloaded when the file changes)"},
      {"--tls-key", "tls_key", "PEM private key of --tls-cert"},
      {"--jobs-policy", "jobs_policy",
       "Scheduling policy of jobs on live clusters: fifo, backfill, sjf, las or drf"},
      {"--simulated-time-scale", "simulated_time_scale",
       "Simulated clusters run jobs this many times faster than real time (demo: 600)"},
  };
  for (const Flag& f : kFlags) {
    serve->add_option_function<std::string>(
        f.flag, [given, name = f.name](const std::string& v) { given->flags[name] = v; }, f.help);
  }
  serve->add_flag_function(
      "--demo", [given](int64_t) { given->flags["demo"] = "true"; },
      "Load the demo city into a new database");
  serve->add_flag_function(
      "--plain-http-peers", [given](int64_t) { given->flags["plain_http_peers"] = "true"; },
      "Let peer nodes be called over plain http (loopback tests; else https with a pinned key)");
  serve->callback([given, &ctx] {
    if (given->config_file.empty() && std::getenv("QIANTANG_CONFIG")) {
      given->config_file = std::getenv("QIANTANG_CONFIG");
    }
    auto config = ResolveServeConfig(given->flags, given->config_file, std::getenv);
    if (!config.ok()) {
      std::cerr << "qiantang serve: " << config.status().message() << std::endl;
      ctx.exit_code = 2;
      return;
    }
    ctx.exit_code = RunServe(*config);
  });
}

}  // namespace qt::cli
