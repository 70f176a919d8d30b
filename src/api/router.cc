#include "api/router.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <limits>
#include <memory>
#include <regex>

#include "api/errors.h"
#include "crypto/encoding.h"
#include "crypto/random.h"

namespace qt::api {
namespace {

using accounts::OrgKindName;

// "/api/v1/orgs/{id}" -> "/api/v1/orgs/([^/]+)", names = {"id"}
std::string PatternToRegex(const std::string& pattern, std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '{') {
      size_t end = pattern.find('}', i);
      names.push_back(pattern.substr(i + 1, end - i - 1));
      out += "([^/]+)";
      i = end;
    } else if (std::string_view(".+*?()[]^$|\\").find(pattern[i]) != std::string_view::npos) {
      out += '\\';
      out += pattern[i];
    } else {
      out += pattern[i];
    }
  }
  return out;
}

Status CheckAccess(const Access& access, const accounts::Principal& p) {
  if (!access.kinds.empty()) {
    bool allowed = false;
    for (auto k : access.kinds) allowed = allowed || k == p.org_kind;
    if (!allowed) {
      return PermissionDenied("this route is for " + access.Describe() + "; your organisation is " +
                              std::string(OrgKindName(p.org_kind)));
    }
  }
  if (!p.Has(access.min_role)) {
    return PermissionDenied("this route needs the role " +
                            std::string(accounts::RoleName(access.min_role)) + "; you are " +
                            std::string(accounts::RoleName(p.role)));
  }
  return OkStatus();
}

}  // namespace

std::string Access::Describe() const {
  if (!requires_sign_in) return "public";
  std::string who;
  for (auto k : kinds) who += (who.empty() ? "" : ", ") + std::string(OrgKindName(k));
  if (who.empty()) who = "signed in";
  return who + " (" + std::string(accounts::RoleName(min_role)) + ")";
}

const std::string& Request::PathParam(std::string_view name) const {
  for (size_t i = 0; i < param_names.size(); ++i) {
    if (param_names[i] == name) return path_params.at(i);
  }
  static const std::string kEmpty;
  return kEmpty;
}

Result<accounts::PageRequest> Request::Page() const {
  accounts::PageRequest page;
  if (http.has_param("limit")) {
    const std::string v = http.get_param_value("limit");
    int n = 0;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || ptr != v.data() + v.size() || n < 1 ||
        n > accounts::PageRequest::kMaxLimit) {
      return InvalidArgument("limit: must be an integer between 1 and " +
                             std::to_string(accounts::PageRequest::kMaxLimit));
    }
    page.limit = n;
  }
  page.cursor = http.get_param_value("cursor");
  return page;
}

namespace {

Result<uint64_t> ParseUint(const std::string& name, const std::string& v) {
  uint64_t n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() ||
      n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return InvalidArgument(name + ": must be a non-negative integer of at most " +
                           std::to_string(std::numeric_limits<int64_t>::max()) + ", got '" +
                           v.substr(0, 32) + "'");
  }
  return n;
}

}  // namespace

Result<uint64_t> Request::QueryUint(const std::string& name,
                                    std::optional<uint64_t> fallback) const {
  if (!http.has_param(name)) {
    if (fallback) return *fallback;
    return InvalidArgument(name + ": is required");
  }
  return ParseUint(name, http.get_param_value(name));
}

std::string Request::Query(const std::string& name) const {
  return http.has_param(name) ? http.get_param_value(name) : "";
}

std::vector<std::string> Request::QueryAll(const std::string& name, size_t max) const {
  std::vector<std::string> out;
  for (size_t i = 0; i < http.get_param_value_count(name) && i < max; ++i) {
    out.push_back(http.get_param_value(name, i));
  }
  return out;
}

Result<bool> Request::QueryBool(const std::string& name, bool fallback) const {
  if (!http.has_param(name)) return fallback;
  const std::string v = http.get_param_value(name);
  if (v == "true") return true;
  if (v == "false") return false;
  return InvalidArgument(name + ": must be true or false, got '" + v.substr(0, 32) + "'");
}

Result<uint64_t> Request::PathUint(std::string_view name) const {
  return ParseUint(std::string(name), PathParam(name));
}

Response Response::Json(const nlohmann::json& j, int status) {
  return Response{status,
                  j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json",
                  {}};
}

Response Response::Text(std::string text, std::string content_type) {
  return Response{200, std::move(text), std::move(content_type), {}};
}

std::optional<std::string> BearerToken(const httplib::Request& http) {
  const std::string auth = http.get_header_value("Authorization");
  constexpr std::string_view kScheme = "bearer ";
  if (auth.size() < kScheme.size()) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(auth[i])) != kScheme[i]) return std::nullopt;
  }
  return auth.substr(kScheme.size());
}

std::string RequestIdFor(const httplib::Request& http) {
  std::string given = http.get_header_value("X-Request-Id");
  bool ok = !given.empty() && given.size() <= 64;
  for (char c : given)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-');
  if (ok) return given;
  std::array<uint8_t, 9> raw;
  crypto::SystemRandom::Get().Fill(raw);
  return crypto::Base64UrlEncode(raw);
}

Router::Router(httplib::Server& server, accounts::Accounts& accounts, MetricsRegistry& metrics)
    : server_(server), accounts_(accounts), metrics_(metrics) {}

void Router::Handle(const std::string& method, const std::string& pattern, Access access,
                    Handler handler) {
  routes_.push_back({method, pattern, std::move(access)});
  std::vector<std::string> names;
  std::string regex = PatternToRegex(pattern, names);

  auto m = std::make_shared<RouteMetrics>();
  m->latency =
      &metrics_.GetHistogram("qiantang_http_request_seconds", "HTTP request latency in seconds",
                             {{"route", pattern}, {"method", method}});
  for (int c = 1; c <= 5; ++c) {
    m->by_class[c] = &metrics_.GetCounter(
        "qiantang_http_requests_total", "HTTP requests",
        {{"route", pattern}, {"method", method}, {"code", std::to_string(c) + "xx"}});
  }
  RouteInfo info = routes_.back();
  auto fn = [this, info, names, m, handler = std::move(handler)](const httplib::Request& req,
                                                                 httplib::Response& res) {
    Serve(info, names, *m, handler, req, res);
  };
  if (method == "GET") {
    server_.Get(regex, fn);
  } else if (method == "POST") {
    server_.Post(regex, fn);
  } else if (method == "PUT") {
    server_.Put(regex, fn);
  } else if (method == "PATCH") {
    server_.Patch(regex, fn);
  } else if (method == "DELETE") {
    server_.Delete(regex, fn);
  }
}

void Router::Serve(const RouteInfo& route, const std::vector<std::string>& names,
                   RouteMetrics& metrics, const Handler& handler, const httplib::Request& http,
                   httplib::Response& res) {
  const auto start = std::chrono::steady_clock::now();
  Request req{http, RequestIdFor(http), std::nullopt, {}, names};
  for (size_t i = 1; i < http.matches.size(); ++i) req.path_params.push_back(http.matches[i].str());

  Result<Response> result = [&]() -> Result<Response> {
    if (route.access.requires_sign_in) {
      const std::optional<std::string> token = BearerToken(http);
      if (!token) {
        return Unauthenticated("sign in: send the header 'Authorization: Bearer <token>'");
      }
      QT_ASSIGN_OR_RETURN(req.principal, accounts_.Authenticate(*token));
      QT_RETURN_IF_ERROR(CheckAccess(route.access, *req.principal));
    }
    return handler(req);
  }();

  if (result.ok()) {
    res.status = result->status;
    for (const auto& [name, value] : result->headers) res.set_header(name, value);
    res.set_content(result->body, result->content_type);
  } else {
    res.status = HttpStatusOf(result.status().code());
    // An internal error's message may hold what only the server should know
    // (file paths, SQL): it goes to the log, the client gets the request id.
    res.set_content(result.status().code() == StatusCode::kInternal
                        ? ErrorBody(Internal("internal error; the server log has the details of "
                                             "request " +
                                             req.request_id))
                        : ErrorBody(result.status()),
                    "application/json");
    if (res.status == 401) res.set_header("WWW-Authenticate", "Bearer");
  }
  res.set_header("X-Request-Id", req.request_id);
  // Answers are per caller and change with every write: no cache keeps them.
  res.set_header("Cache-Control", "no-store");

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics.latency->Observe(seconds);
  metrics.by_class[std::clamp(res.status / 100, 1, 5)]->Increment();
  if (res.status >= 500) {
    spdlog::error("{} {} {} {} {:.2f}ms {}", req.request_id, http.method, http.path, res.status,
                  seconds * 1e3, result.status().message());
  } else {
    spdlog::info("{} {} {} {} {:.2f}ms", req.request_id, http.method, http.path, res.status,
                 seconds * 1e3);
  }
}

}  // namespace qt::api
