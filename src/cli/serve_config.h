// The configuration of `qiantang serve`, and where it comes from.
//
// Precedence, highest first: command-line flags, QIANTANG_* environment
// variables, the TOML file (--config or QIANTANG_CONFIG), the defaults below.
// Everything is validated once, at start-up, with a message naming the setting.
//
// | setting          | flag               | environment               | default                |
// |------------------|--------------------|---------------------------|------------------------|
// | listen           | --listen           | QIANTANG_LISTEN           | 127.0.0.1:8080         |
// | db               | --db               | QIANTANG_DB               | sqlite:var/qiantang.db |
// | web_dir          | --web-dir          | QIANTANG_WEB_DIR          | web                    |
// | traces_dir       | --traces-dir       | QIANTANG_TRACES_DIR       | testdata/traces        |
// | master_key_file  | --master-key-file  | QIANTANG_MASTER_KEY_FILE  | var/master.key         |
// | data_dir         | --data-dir         | QIANTANG_DATA_DIR         | dataspace/ beside the
// master key | | import_dir       | --import-dir       | QIANTANG_IMPORT_DIR       | import/ beside
// the master key    | | certificate_format | --certificate-format | QIANTANG_CERTIFICATE_FORMAT |
// HZ-DR-{year}-{seq:05} | | notice_days      | --notice-days      | QIANTANG_NOTICE_DAYS      | 10
// | | public_url       | --public-url       | QIANTANG_PUBLIC_URL       | http://<listen>        |
// | code_ttl_s       | --code-ttl-s       | QIANTANG_CODE_TTL_S       | 60                     |
// | threads          | --threads          | QIANTANG_THREADS          | 16                     |
// | max_connections  | --max-connections  | QIANTANG_MAX_CONNECTIONS  | 4096 (then 503)        |
// | max_connections_per_address | --max-connections-per-address | (QIANTANG_ + upper) | 128 |
// | header_timeout_s | --header-timeout-s | QIANTANG_HEADER_TIMEOUT_S | 10 (then 408)          |
// | body_timeout_s   | --body-timeout-s   | QIANTANG_BODY_TIMEOUT_S   | 30 (then 408)          |
// | trusted_proxies  | --trusted-proxies  | QIANTANG_TRUSTED_PROXIES  | '' (none)              |
// | max_body_bytes   | --max-body-bytes   | QIANTANG_MAX_BODY_BYTES   | 8388608                |
// | token_ttl_days   | --token-ttl-days   | QIANTANG_TOKEN_TTL_DAYS   | 90                     |
// | log_level        | --log-level        | QIANTANG_LOG_LEVEL        | info                   |
// | checkpoint_interval_ms | --checkpoint-interval-ms | QIANTANG_CHECKPOINT_INTERVAL_MS | 1000 |
// | ledger_origin    | --ledger-origin    | QIANTANG_LEDGER_ORIGIN    | hangzhou.qiantang/ledger |
// | witness_name     | --witness-name     | QIANTANG_WITNESS_NAME     | hangzhou.qiantang/witness |
// | witness_policy   | --witness-policy   | QIANTANG_WITNESS_POLICY   | '' (ledger not submitted) |
// | node_name        | --node-name        | QIANTANG_NODE_NAME        | hangzhou.qiantang      |
// | node_city        | --node-city        | QIANTANG_NODE_CITY        | 杭州                   |
// | crawl_interval_ms | --crawl-interval-ms | QIANTANG_CRAWL_INTERVAL_MS | 60000 (peers' catalogs)
// | | market_tick_ms   | --market-tick-ms   | QIANTANG_MARKET_TICK_MS   | 1000                   |
// | dashboard_refresh_ms | --dashboard-refresh-ms | QIANTANG_DASHBOARD_REFRESH_MS | 5000 (city
// figures) | | simulated_time_scale | --simulated-time-scale | QIANTANG_SIMULATED_TIME_SCALE | 1
// (demo: 600) | | slurm_conf       | --slurm-conf       | QIANTANG_SLURM_CONF       | '' (no Slurm)
// | | demo_traffic_ms  | --demo-traffic-ms  | QIANTANG_DEMO_TRAFFIC_MS  | 2000                   |
// | demo             | --demo             | QIANTANG_DEMO             | false                  |
// | demo_seed        | --demo-seed        | QIANTANG_DEMO_SEED        | hangzhou-2026          |
// | demo_citizens    | --demo-citizens    | QIANTANG_DEMO_CITIZENS    | 100000                 |
// | outbound_allow_hosts | --outbound-allow-hosts | QIANTANG_OUTBOUND_ALLOW_HOSTS | '' (none)  |
// | demo_firms       | --demo-firms       | QIANTANG_DEMO_FIRMS       | 180000                 |
// | tls_cert         | --tls-cert         | QIANTANG_TLS_CERT         | '' (plain HTTP)        |
// | tls_key          | --tls-key          | QIANTANG_TLS_KEY          | '' (plain HTTP)        |
// | plain_http_peers | --plain-http-peers | QIANTANG_PLAIN_HTTP_PEERS | false (peers need TLS) |
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
  int64_t simulated_time_scale = 0;     // 0: 600 with --demo, else 1
  std::string slurm_conf;               // slurm.conf of the Slurm clusters' clients ('' for none)
  int64_t demo_traffic_ms = 2000;       // --demo: how often an enterprise posts a request
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
  int64_t demo_citizens = 100'000;  // --demo: citizens enrolled (4,830,000: the whole city)
  int64_t demo_firms = 180'000;     // --demo: tech enterprises screened by the finance station
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

// Refuses a layout that exposes a secret. The import folder is read by every
// data holder (through file sources) and the console's folder (web_dir) is
// served over HTTP, so neither may be or hold the master key file, the SQLite
// database or the data folder, and the import folder is not served. Paths are
// compared after resolving links (weakly_canonical). invalid_argument names
// the settings and paths (an operator's message, at start-up).
Status CheckFolders(const ServeConfig& config);

}  // namespace qt::cli

#endif  // QIANTANG_CLI_SERVE_CONFIG_H_
