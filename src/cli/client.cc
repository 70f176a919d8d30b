#include "cli/client.h"

#include <httplib.h>

#include <cctype>
#include <cstdlib>
#include <fstream>

namespace qt::cli {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

StatusCode CodeFromName(const std::string& name, int http_status) {
  if (std::optional<StatusCode> c = ParseStatusCode(name)) return *c;
  return http_status >= 500 ? StatusCode::kInternal : StatusCode::kInvalidArgument;
}

}  // namespace

std::string TokenFilePath() {
  std::string base = Env("XDG_CONFIG_HOME");
  if (base.empty()) base = Env("HOME") + "/.config";
  return base + "/qiantang/token";
}

ApiClient::ApiClient(const ClientOptions& options)
    : server_(options.server), token_(options.token), ca_cert_(options.ca_cert) {
  if (ca_cert_.empty()) ca_cert_ = Env("QIANTANG_CACERT");
  if (server_.empty()) server_ = Env("QIANTANG_SERVER");
  if (server_.empty()) server_ = "http://127.0.0.1:8080";
  while (!server_.empty() && server_.back() == '/') server_.pop_back();
  if (token_.empty()) token_ = Env("QIANTANG_TOKEN");
  if (token_.empty()) {
    std::ifstream in(TokenFilePath());
    in >> token_;
  }
}

Result<nlohmann::json> ApiClient::Get(const std::string& path) { return Call("GET", path, {}); }
Result<nlohmann::json> ApiClient::Post(const std::string& path, const nlohmann::json& body) {
  return Call("POST", path, body);
}
Result<nlohmann::json> ApiClient::Delete(const std::string& path) {
  return Call("DELETE", path, {});
}

Result<nlohmann::json> ApiClient::Call(const std::string& method, const std::string& path,
                                       const std::optional<nlohmann::json>& body) {
  httplib::Client http(server_);
  if (!http.is_valid()) return InvalidArgument("--server: '" + server_ + "' is not a URL");
  if (!ca_cert_.empty()) http.set_ca_cert_path(ca_cert_);
  http.set_tcp_nodelay(true);  // an https request's body is not held back by Nagle
  http.set_connection_timeout(5);
  http.set_read_timeout(900);  // a pipeline run over a large file takes minutes
  httplib::Headers headers;
  if (!token_.empty()) headers.emplace("Authorization", "Bearer " + token_);
  httplib::Result res =
      method == "GET"    ? http.Get(path, headers)
      : method == "POST" ? http.Post(path, headers, body ? body->dump() : "{}", "application/json")
                         : http.Delete(path, headers);
  if (!res) {
    return Unavailable("cannot reach the server at " + server_ + ": " +
                       httplib::to_string(res.error()));
  }
  nlohmann::json j = nlohmann::json::parse(res->body, nullptr, false);
  if (res->status >= 200 && res->status < 300) {
    if (j.is_discarded()) return nlohmann::json(res->body);  // a text answer
    return j;
  }
  // A refused token says how to give one.
  const std::string hint = res->status == 401 ? "; pass a token with --token, QIANTANG_TOKEN or "
                                                "`qiantang login`"
                                              : "";
  if (!j.is_discarded() && j.contains("error") && j["error"].is_object()) {
    return Status(
        CodeFromName(j["error"].value("code", ""), res->status),
        j["error"].value("message", "") + " (HTTP " + std::to_string(res->status) + ")" + hint);
  }
  return Status(res->status >= 500 ? StatusCode::kInternal : StatusCode::kInvalidArgument,
                "HTTP " + std::to_string(res->status));
}

std::string UrlEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace qt::cli
