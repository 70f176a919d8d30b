// The configuration of `qiantang serve`, and where it comes from.
//
// Precedence, highest first: command-line flags, QIANTANG_* environment
// variables, the TOML file (--config or QIANTANG_CONFIG), the defaults below.
// A setting `max_body_bytes` is the flag --max-body-bytes, the variable
// QIANTANG_MAX_BODY_BYTES and the TOML key max_body_bytes; `qiantang serve
// --help` lists them with what they do, and ServeConfig below their defaults
// (the limits are in serve_config.cc).
// Everything is validated once, at start-up, with a message naming the setting.
#ifndef QIANTANG_CLI_SERVE_CONFIG_H_
#define QIANTANG_CLI_SERVE_CONFIG_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace qt::cli {

struct ServeConfig {
  std::string listen = "127.0.0.1:8080";
  std::string db = "sqlite:var/qiantang.db";
  std::string web_dir = "web";
  std::string traces_dir = "testdata/traces";  // job traces the console may simulate
  std::string master_key_file = "var/master.key";
  std::string data_dir;    // data space files; '' for "dataspace" beside the master key
  std::string import_dir;  // where file sources may point; '' for "import" beside the master key
  std::string certificate_format = "HZ-DR-{year}-{seq:05}";  // data property certificate numbers
  int64_t notice_days = 10;                                  // public notice of registrations
  std::string public_url;   // where certificates are verified ('' for http://<listen>)
  int64_t code_ttl_s = 60;  // lifetime of a dynamic citizen code
  int64_t threads = 16;
  int64_t max_connections = 4096;             // open HTTP connections (api/front_end.h)
  int64_t max_connections_per_address = 128;  // from one peer address (proxies exempt)
  int64_t header_timeout_s = 10;              // a request's headers must arrive within
  int64_t body_timeout_s = 30;                // and its body within, after the headers
  std::string trusted_proxies;  // CIDRs whose X-Forwarded-For is believed (api/client_address.h)
  int64_t max_body_bytes = int64_t{8} << 20;
  int64_t token_ttl_days = 90;
  std::string log_level = "info";
  int64_t checkpoint_interval_ms = 1000;
  int64_t market_tick_ms = 1000;        // how often simulated orders are advanced
  int64_t dashboard_refresh_ms = 5000;  // how often the city dashboard's figures are recomputed
  int64_t negotiation_sync_ms = 1000;   // how often contract changes peers missed are resent
  int64_t policy_sync_ms = 1000;        // how often profile changes become policy notices
  int64_t webhook_ms = 1000;            // how often notices are delivered to webhooks
  int64_t simulated_time_scale = 0;     // 0: 600 with --demo, else 1
  std::string jobs_policy = "las";      // the live clusters' scheduling policy (compute/policy.h)
  std::string slurm_conf;               // slurm.conf of the Slurm clusters' clients ('' for none)
  int64_t demo_traffic_ms = 2000;       // --demo: how often an enterprise posts a request
  // The organisation that runs this node, created with the database.
  std::string operator_name = "杭州市数据集团有限公司";
  std::string operator_credit_code = "91330100MA2KQ0001N";
  std::string ledger_origin = "hangzhou.qiantang/ledger";
  // The key name of this node's witness (federation/witness.h).
  std::string witness_name = "hangzhou.qiantang/witness";
  std::string node_name = "hangzhou.qiantang";
  std::string node_city = "杭州";
  int64_t crawl_interval_ms = 60'000;
  int64_t peer_timeout_s = 10;
  int64_t witness_quorum = 2;
  // A C2SP tlog-policy file: the witnesses this node's checkpoints are
  // submitted to, and the quorum (federation/witnessing.h).
  std::string witness_policy;
  bool demo = false;
  std::string demo_seed = "hangzhou-2026";
  int64_t demo_citizens = 100'000;   // --demo: citizens enrolled (4,830,000: the whole city)
  int64_t demo_firms = 180'000;      // --demo: tech enterprises screened by the finance station
  int64_t demo_cloud_tenants = 280;  // --demo: organisations with quotas on the government cloud
  // Hosts that webhooks (and any other URL the server calls for a member) may
  // reach over http and at internal addresses, e.g. {"127.0.0.1"}; given as a
  // comma-separated list. Empty: https to public addresses only.
  std::vector<std::string> outbound_allow_hosts;
  // TLS: the certificate chain and private key (PEM files, reloaded when
  // they change); both empty: plain HTTP. Peers pin the key (federation/node.h).
  std::string tls_cert;
  std::string tls_key;
  // Peers may be called over plain http (loopback tests only): else every
  // peer must have an https URL and a pinned TLS key.
  bool plain_http_peers = false;

  // Derived from `listen` by Resolve.
  std::string host;
  int port = 0;
};

// Settings given as text, by name (e.g. "threads" -> "8"): the flags that were
// set, and the environment.
using SettingValues = std::map<std::string, std::string>;

// Builds the configuration from its layers. `config_file` may be empty.
// `getenv` is injected for tests.
Result<ServeConfig> ResolveServeConfig(const SettingValues& flags, const std::string& config_file,
                                       const std::function<const char*(const char*)>& getenv);

// The data space's folders: as set, or "dataspace" and "import" beside the
// master key file.
std::string ResolvedDataDir(const ServeConfig& config);
std::string ResolvedImportDir(const ServeConfig& config);

// "https://" when the server speaks TLS (tls_cert), else "http://".
std::string UrlScheme(const ServeConfig& config);
// public_url without a trailing '/' ("" if not set).
std::string PublicUrl(const ServeConfig& config);

// Refuses a layout that exposes a secret. The import folder is read by every
// data holder (through file sources) and the console's folder (web_dir) is
// served over HTTP, so neither may be or hold the master key file, the SQLite
// database or the data folder, and the import folder is not served. Paths are
// compared after resolving links (weakly_canonical). invalid_argument names
// the settings and paths (an operator's message, at start-up).
Status CheckFolders(const ServeConfig& config);

}  // namespace qt::cli

#endif  // QIANTANG_CLI_SERVE_CONFIG_H_
