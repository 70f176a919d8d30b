#include "cli/serve_config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <vector>

#include "accounts/credit_code.h"
#include "api/client_address.h"
#include "compute/policy.h"
#include "federation/node.h"

namespace qt::cli {
namespace {

struct Setting {
  const char* name;
  const char* env;
  std::function<Status(ServeConfig&, const std::string&)> set;
};

Status ParseInt(const std::string& name, const std::string& text, int64_t min, int64_t max,
                int64_t& out) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < min || v > max) {
    return InvalidArgument(name + ": '" + text + "' is not an integer between " +
                           std::to_string(min) + " and " + std::to_string(max));
  }
  out = v;
  return OkStatus();
}

Setting IntSetting(const char* name, const char* env, int64_t ServeConfig::*field, int64_t min,
                   int64_t max) {
  return {name, env, [=](ServeConfig& c, const std::string& v) {
            return ParseInt(name, v, min, max, c.*field);
          }};
}

Setting StringSetting(const char* name, const char* env, std::string ServeConfig::*field) {
  return {name, env, [=](ServeConfig& c, const std::string& v) -> Status {
            if (v.empty()) return InvalidArgument(std::string(name) + ": must not be empty");
            c.*field = v;
            return OkStatus();
          }};
}

// A signed-note key name (a checkpoint origin, a witness name).
Setting KeyNameSetting(const char* name, const char* env, std::string ServeConfig::*field) {
  return {
      name, env, [=](ServeConfig& c, const std::string& v) -> Status {
        if (v.empty() || v.find_first_of(" +\n\t") != std::string::npos) {
          return InvalidArgument(std::string(name) + ": must be non-empty, without spaces or '+'");
        }
        c.*field = v;
        return OkStatus();
      }};
}

const std::vector<Setting>& Settings() {
  static const std::vector<Setting> kSettings = {
      StringSetting("listen", "QIANTANG_LISTEN", &ServeConfig::listen),
      StringSetting("db", "QIANTANG_DB", &ServeConfig::db),
      {"web_dir", "QIANTANG_WEB_DIR",
       [](ServeConfig& c, const std::string& v) {
         c.web_dir = v;  // empty: no console
         return OkStatus();
       }},
      {"traces_dir", "QIANTANG_TRACES_DIR",
       [](ServeConfig& c, const std::string& v) {
         c.traces_dir = v;  // empty: no traces
         return OkStatus();
       }},
      {"slurm_conf", "QIANTANG_SLURM_CONF",
       [](ServeConfig& c, const std::string& v) {
         c.slurm_conf = v;  // empty: no Slurm
         return OkStatus();
       }},
      StringSetting("data_dir", "QIANTANG_DATA_DIR", &ServeConfig::data_dir),
      StringSetting("import_dir", "QIANTANG_IMPORT_DIR", &ServeConfig::import_dir),
      StringSetting("certificate_format", "QIANTANG_CERTIFICATE_FORMAT",
                    &ServeConfig::certificate_format),
      StringSetting("public_url", "QIANTANG_PUBLIC_URL", &ServeConfig::public_url),
      IntSetting("notice_days", "QIANTANG_NOTICE_DAYS", &ServeConfig::notice_days, 0, 365),
      IntSetting("code_ttl_s", "QIANTANG_CODE_TTL_S", &ServeConfig::code_ttl_s, 10, 3600),
      IntSetting("demo_citizens", "QIANTANG_DEMO_CITIZENS", &ServeConfig::demo_citizens, 0,
                 10'000'000),
      IntSetting("demo_firms", "QIANTANG_DEMO_FIRMS", &ServeConfig::demo_firms, 0, 1'000'000),
      IntSetting("demo_cloud_tenants", "QIANTANG_DEMO_CLOUD_TENANTS",
                 &ServeConfig::demo_cloud_tenants, 0, 10'000),
      StringSetting("master_key_file", "QIANTANG_MASTER_KEY_FILE", &ServeConfig::master_key_file),
      IntSetting("threads", "QIANTANG_THREADS", &ServeConfig::threads, 1, 1024),
      IntSetting("max_connections", "QIANTANG_MAX_CONNECTIONS", &ServeConfig::max_connections, 16,
                 1'000'000),
      IntSetting("max_connections_per_address", "QIANTANG_MAX_CONNECTIONS_PER_ADDRESS",
                 &ServeConfig::max_connections_per_address, 1, 1'000'000),
      IntSetting("header_timeout_s", "QIANTANG_HEADER_TIMEOUT_S", &ServeConfig::header_timeout_s, 1,
                 3600),
      IntSetting("body_timeout_s", "QIANTANG_BODY_TIMEOUT_S", &ServeConfig::body_timeout_s, 1,
                 3600),
      {"trusted_proxies", "QIANTANG_TRUSTED_PROXIES",
       [](ServeConfig& c, const std::string& v) -> Status {
         QT_RETURN_IF_ERROR(api::TrustedProxies::Parse(v).status());
         c.trusted_proxies = v;  // empty: none
         return OkStatus();
       }},
      IntSetting("max_body_bytes", "QIANTANG_MAX_BODY_BYTES", &ServeConfig::max_body_bytes, 1024,
                 int64_t{1} << 30),
      IntSetting("checkpoint_interval_ms", "QIANTANG_CHECKPOINT_INTERVAL_MS",
                 &ServeConfig::checkpoint_interval_ms, 10, 3'600'000),
      IntSetting("market_tick_ms", "QIANTANG_MARKET_TICK_MS", &ServeConfig::market_tick_ms, 10,
                 3'600'000),
      IntSetting("dashboard_refresh_ms", "QIANTANG_DASHBOARD_REFRESH_MS",
                 &ServeConfig::dashboard_refresh_ms, 100, 3'600'000),
      IntSetting("negotiation_sync_ms", "QIANTANG_NEGOTIATION_SYNC_MS",
                 &ServeConfig::negotiation_sync_ms, 10, 3'600'000),
      IntSetting("policy_sync_ms", "QIANTANG_POLICY_SYNC_MS", &ServeConfig::policy_sync_ms, 10,
                 3'600'000),
      IntSetting("webhook_ms", "QIANTANG_WEBHOOK_MS", &ServeConfig::webhook_ms, 10, 3'600'000),
      StringSetting("operator_name", "QIANTANG_OPERATOR_NAME", &ServeConfig::operator_name),
      {"operator_credit_code", "QIANTANG_OPERATOR_CREDIT_CODE",
       [](ServeConfig& c, const std::string& v) -> Status {
         QT_RETURN_IF_ERROR(accounts::ValidateCreditCode(v).WithContext("operator_credit_code"));
         c.operator_credit_code = v;
         return OkStatus();
       }},
      IntSetting("demo_traffic_ms", "QIANTANG_DEMO_TRAFFIC_MS", &ServeConfig::demo_traffic_ms, 10,
                 3'600'000),
      IntSetting("simulated_time_scale", "QIANTANG_SIMULATED_TIME_SCALE",
                 &ServeConfig::simulated_time_scale, 1, 1'000'000),
      {"jobs_policy", "QIANTANG_JOBS_POLICY",
       [](ServeConfig& c, const std::string& v) -> Status {
         QT_RETURN_IF_ERROR(compute::MakePolicy(v).status().WithContext("jobs_policy"));
         c.jobs_policy = v;
         return OkStatus();
       }},
      KeyNameSetting("ledger_origin", "QIANTANG_LEDGER_ORIGIN", &ServeConfig::ledger_origin),
      KeyNameSetting("witness_name", "QIANTANG_WITNESS_NAME", &ServeConfig::witness_name),
      {"node_name", "QIANTANG_NODE_NAME",
       [](ServeConfig& c, const std::string& v) -> Status {
         QT_RETURN_IF_ERROR(federation::ValidateNodeName(v));
         c.node_name = v;
         return OkStatus();
       }},
      {"node_city", "QIANTANG_NODE_CITY",
       [](ServeConfig& c, const std::string& v) -> Status {
         if (v.empty() || v.size() > 40 || v.find('\n') != std::string::npos) {
           return InvalidArgument("1 to 40 bytes on one line");
         }
         c.node_city = v;
         return OkStatus();
       }},
      IntSetting("crawl_interval_ms", "QIANTANG_CRAWL_INTERVAL_MS", &ServeConfig::crawl_interval_ms,
                 100, 86'400'000),
      IntSetting("peer_timeout_s", "QIANTANG_PEER_TIMEOUT_S", &ServeConfig::peer_timeout_s, 1, 300),
      IntSetting("witness_quorum", "QIANTANG_WITNESS_QUORUM", &ServeConfig::witness_quorum, 1, 32),
      {"witness_policy", "QIANTANG_WITNESS_POLICY",
       [](ServeConfig& c, const std::string& v) -> Status {
         c.witness_policy = v;
         return OkStatus();
       }},
      IntSetting("token_ttl_days", "QIANTANG_TOKEN_TTL_DAYS", &ServeConfig::token_ttl_days, 1,
                 3660),
      {"log_level", "QIANTANG_LOG_LEVEL",
       [](ServeConfig& c, const std::string& v) -> Status {
         for (const char* l : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
           if (v == l) {
             c.log_level = v;
             return OkStatus();
           }
         }
         return InvalidArgument("log_level: '" + v +
                                "' is not one of trace, debug, info, warn, error, critical, off");
       }},
      {"demo", "QIANTANG_DEMO",
       [](ServeConfig& c, const std::string& v) -> Status {
         if (v == "true" || v == "1") {
           c.demo = true;
         } else if (v == "false" || v == "0") {
           c.demo = false;
         } else {
           return InvalidArgument("demo: '" + v + "' is not true or false");
         }
         return OkStatus();
       }},
      StringSetting("demo_seed", "QIANTANG_DEMO_SEED", &ServeConfig::demo_seed),
      StringSetting("tls_cert", "QIANTANG_TLS_CERT", &ServeConfig::tls_cert),
      StringSetting("tls_key", "QIANTANG_TLS_KEY", &ServeConfig::tls_key),
      {"plain_http_peers", "QIANTANG_PLAIN_HTTP_PEERS",
       [](ServeConfig& c, const std::string& v) -> Status {
         if (v != "true" && v != "1" && v != "false" && v != "0") {
           return InvalidArgument("plain_http_peers: '" + v + "' is not true or false");
         }
         c.plain_http_peers = v == "true" || v == "1";
         return OkStatus();
       }},
      {"outbound_allow_hosts", "QIANTANG_OUTBOUND_ALLOW_HOSTS",
       [](ServeConfig& c, const std::string& v) -> Status {
         c.outbound_allow_hosts.clear();
         if (v.empty()) return OkStatus();  // none
         for (size_t start = 0; start <= v.size();) {
           const size_t end = std::min(v.find(',', start), v.size());
           const std::string host = v.substr(start, end - start);
           if (host.empty() || host.find_first_of(" \t/@") != std::string::npos) {
             return InvalidArgument("outbound_allow_hosts: '" + v +
                                    "' is not a comma-separated list of hosts");
           }
           c.outbound_allow_hosts.push_back(host);
           start = end + 1;
         }
         return OkStatus();
       }},
  };
  return kSettings;
}

Result<SettingValues> ReadTomlFile(const std::string& path) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return InvalidArgument("config file " + path + ":" + std::to_string(e.source().begin.line) +
                           ": " + std::string(e.description()));
  }
  SettingValues out;
  for (const auto& [key, node] : table) {
    std::string name(key.str());
    bool known = false;
    for (const Setting& s : Settings()) known = known || name == s.name;
    if (!known) return InvalidArgument("config file " + path + ": unknown setting '" + name + "'");
    if (const auto* v = node.as_string()) {
      out[name] = v->get();
    } else if (const auto* i = node.as_integer()) {
      out[name] = std::to_string(i->get());
    } else if (const auto* b = node.as_boolean()) {
      out[name] = b->get() ? "true" : "false";
    } else {
      return InvalidArgument("config file " + path + ": '" + name +
                             "' must be a string, an integer or a boolean");
    }
  }
  return out;
}

Status ResolveListen(ServeConfig& c) {
  size_t colon = c.listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return InvalidArgument("listen: '" + c.listen + "' is not HOST:PORT (e.g. 127.0.0.1:8080)");
  }
  c.host = c.listen.substr(0, colon);
  if (c.host.size() > 2 && c.host.front() == '[' && c.host.back() == ']') {
    c.host = c.host.substr(1, c.host.size() - 2);
  }
  int64_t port = 0;
  QT_RETURN_IF_ERROR(ParseInt("listen port", c.listen.substr(colon + 1), 0, 65535, port));
  c.port = static_cast<int>(port);
  return OkStatus();
}

}  // namespace

Result<ServeConfig> ResolveServeConfig(const SettingValues& flags, const std::string& config_file,
                                       const std::function<const char*(const char*)>& getenv) {
  ServeConfig c;
  SettingValues layers;
  if (!config_file.empty()) {
    QT_ASSIGN_OR_RETURN(layers, ReadTomlFile(config_file));
  }
  for (const Setting& s : Settings()) {
    if (const char* v = getenv(s.env)) layers[s.name] = v;
  }
  for (const auto& [k, v] : flags) layers[k] = v;
  for (const Setting& s : Settings()) {
    auto it = layers.find(s.name);
    if (it != layers.end()) QT_RETURN_IF_ERROR(s.set(c, it->second));
  }
  QT_RETURN_IF_ERROR(ResolveListen(c));
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    return InvalidArgument("tls_cert and tls_key: give both (TLS) or neither (plain HTTP)");
  }
  if (!c.tls_cert.empty() && c.public_url.starts_with("http://")) {
    return InvalidArgument("public_url: '" + c.public_url +
                           "' is plain http, but the server speaks TLS (tls_cert): use https://");
  }
  return c;
}

namespace {

namespace fs = std::filesystem;

fs::path Canonical(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(path, ec), ec);
  return ec ? fs::absolute(path).lexically_normal() : p;
}

// `inner` is `outer` or lies inside it.
bool Within(const fs::path& inner, const fs::path& outer) {
  auto [o, i] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return o == outer.end() || (std::next(o) == outer.end() && o->empty());
}

}  // namespace

std::string ResolvedDataDir(const ServeConfig& config) {
  if (!config.data_dir.empty()) return config.data_dir;
  return (fs::path(config.master_key_file).parent_path() / "dataspace").string();
}

std::string ResolvedImportDir(const ServeConfig& config) {
  if (!config.import_dir.empty()) return config.import_dir;
  return (fs::path(config.master_key_file).parent_path() / "import").string();
}

std::string UrlScheme(const ServeConfig& config) {
  return config.tls_cert.empty() ? "http://" : "https://";
}

std::string PublicUrl(const ServeConfig& config) {
  std::string url = config.public_url;
  while (url.ends_with('/')) url.pop_back();
  return url;
}

Status CheckFolders(const ServeConfig& config) {
  struct Named {
    const char* what;
    std::string path;
  };
  std::vector<Named> secrets = {{"the master key file (master_key_file)", config.master_key_file},
                                {"the data folder (data_dir)", ResolvedDataDir(config)}};
  constexpr std::string_view kSqlite = "sqlite:";
  if (config.db.starts_with(kSqlite)) {
    secrets.push_back({"the database (db)", config.db.substr(kSqlite.size())});
  }
  std::vector<Named> exposed = {{"import_dir", ResolvedImportDir(config)}};
  if (!config.web_dir.empty()) exposed.push_back({"web_dir", config.web_dir});
  for (const Named& e : exposed) {
    const fs::path folder = Canonical(e.path);
    for (const Named& s : secrets) {
      if (Within(Canonical(s.path), folder)) {
        return InvalidArgument(std::string(e.what) + ": " + folder.string() + " holds " + s.what +
                               " (" + s.path + "); keep secrets out of a folder others can read");
      }
    }
  }
  if (!config.web_dir.empty()) {
    const fs::path import = Canonical(ResolvedImportDir(config)), web = Canonical(config.web_dir);
    if (Within(import, web) || Within(web, import)) {
      return InvalidArgument("import_dir: " + import.string() +
                             " and the console's folder (web_dir) overlap: holders' files would"
                             " be served over HTTP");
    }
  }
  return OkStatus();
}

}  // namespace qt::cli
