// ApiClient: the CLI's HTTP client for a Qiantang server.
//
// The server comes from --server, else QIANTANG_SERVER, else
// http://127.0.0.1:8080. The token from --token, else QIANTANG_TOKEN, else the
// file ~/.config/qiantang/token (written by `qiantang login`).
//
// A non-2xx answer becomes a Status with the server's code and message, so
// the CLI prints exactly what the API said.
#ifndef QIANTANG_CLI_CLIENT_H_
#define QIANTANG_CLI_CLIENT_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/status.h"

namespace qt::cli {

struct ClientOptions {
  std::string server;   // empty: the environment or the default
  std::string token;    // empty: the environment or the token file
  std::string ca_cert;  // PEM roots for an https server; empty: $QIANTANG_CACERT or the system's
};

// ~/.config/qiantang/token (or $XDG_CONFIG_HOME/qiantang/token).
std::string TokenFilePath();

// Thread-compatible: one command's client, used by one thread.
class ApiClient {
 public:
  explicit ApiClient(const ClientOptions& options);

  Result<nlohmann::json> Get(const std::string& path);
  Result<nlohmann::json> Post(const std::string& path, const nlohmann::json& body);
  Result<nlohmann::json> Delete(const std::string& path);

  const std::string& server() const { return server_; }

 private:
  Result<nlohmann::json> Call(const std::string& method, const std::string& path,
                              const std::optional<nlohmann::json>& body);

  std::string server_;
  std::string token_;
  std::string ca_cert_;
};

// Query-string escaping for values.
std::string UrlEncode(const std::string& s);

}  // namespace qt::cli

#endif  // QIANTANG_CLI_CLIENT_H_
