// Router: how every API route is declared and served.
//
// A route is a method, a path pattern with {named} segments, an Access rule
// saying who may call it, and a handler that returns Result<Response>. The
// router does the rest, the same way for every route: a request id (the
// X-Request-Id header, echoed or generated), authentication from
// "Authorization: Bearer <token>", the access check (401 / 403), error bodies
// (api/errors.h), an access log line, and metrics per route:
//   qiantang_http_requests_total{route,method,code}
//   qiantang_http_request_seconds{route,method}
//
// Thread-safety: register routes before the server starts; serving is
// concurrent.
//
// Example:
//   router.Handle("GET", "/api/v1/orgs/{id}", Access::SignedIn(),
//                 [&](const Request& req) -> Result<Response> {
//                   QT_ASSIGN_OR_RETURN(Org org, accounts.GetOrg(req.PathParam("id")));
//                   return Response::Json(OrgJson(org));
//                 });
#ifndef QIANTANG_API_ROUTER_H_
#define QIANTANG_API_ROUTER_H_

#include <httplib.h>

#include <array>
#include <functional>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "accounts/accounts.h"
#include "core/metrics.h"
#include "core/status.h"

namespace qt::api {

// Who may call a route.
struct Access {
  bool requires_sign_in = true;
  std::vector<accounts::OrgKind> kinds;  // empty: organisations of every kind
  accounts::Role min_role = accounts::Role::kViewer;

  static Access Public() { return {false, {}, accounts::Role::kViewer}; }
  static Access SignedIn(accounts::Role min_role = accounts::Role::kViewer) {
    return {true, {}, min_role};
  }
  static Access Kinds(std::initializer_list<accounts::OrgKind> kinds,
                      accounts::Role min_role = accounts::Role::kViewer) {
    return {true, kinds, min_role};
  }
  // "public", "signed in (viewer)", "operator (admin)"
  std::string Describe() const;
};

struct Request {
  const httplib::Request& http;
  std::string request_id;
  std::optional<accounts::Principal> principal;  // set on every route that requires sign-in
  std::vector<std::string> path_params;          // in pattern order
  std::vector<std::string> param_names;

  // REQUIRES: the route requires sign-in.
  const accounts::Principal& caller() const { return *principal; }
  // REQUIRES: `name` is a {segment} of the route's pattern.
  const std::string& PathParam(std::string_view name) const;
  // The page asked for by ?limit=&cursor= (limit defaults to 50).
  Result<accounts::PageRequest> Page() const;
  // A query parameter as given; "" if absent.
  std::string Query(const std::string& name) const;
  // Every value of a repeated query parameter (?tag=a&tag=b), the first `max`.
  std::vector<std::string> QueryAll(const std::string& name, size_t max) const;
  // Whether the query names it at all (?state= is present, and empty).
  bool HasQuery(const std::string& name) const { return http.has_param(name); }
  // A non-negative integer query parameter (at most INT64_MAX, as every
  // stored number is); `fallback` if absent, or kInvalidArgument naming it if
  // absent and `fallback` is empty.
  Result<uint64_t> QueryUint(const std::string& name,
                             std::optional<uint64_t> fallback = std::nullopt) const;
  // A boolean query parameter: "true" or "false", anything else is
  // kInvalidArgument naming it; `fallback` if absent.
  Result<bool> QueryBool(const std::string& name, bool fallback) const;
  // A non-negative integer path segment (at most INT64_MAX).
  Result<uint64_t> PathUint(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // more response headers (Link)

  static Response Json(const nlohmann::json& j, int status = 200);
  static Response Text(std::string text, std::string content_type = "text/plain; charset=utf-8");
};

using Handler = std::function<Result<Response>(const Request&)>;

struct RouteInfo {
  std::string method;
  std::string pattern;
  Access access;
};

class Router {
 public:
  Router(httplib::Server& server, accounts::Accounts& accounts, MetricsRegistry& metrics);

  void Handle(const std::string& method, const std::string& pattern, Access access,
              Handler handler);

  const std::vector<RouteInfo>& routes() const { return routes_; }

 private:
  struct RouteMetrics {
    Histogram* latency;
    std::array<Counter*, 6> by_class;  // 1xx..5xx, index = status / 100
  };

  void Serve(const RouteInfo& route, const std::vector<std::string>& names, RouteMetrics& metrics,
             const Handler& handler, const httplib::Request& http, httplib::Response& res);

  httplib::Server& server_;
  accounts::Accounts& accounts_;
  MetricsRegistry& metrics_;
  std::vector<RouteInfo> routes_;
};

// Reads or makes a request id: the client's X-Request-Id if it is 1..64
// characters of [A-Za-z0-9._-], else a fresh random one.
std::string RequestIdFor(const httplib::Request& http);

// The token of the request's "Authorization: Bearer <token>" header (the
// scheme in any case, as RFC 7235 has it), or nullopt without one.
std::optional<std::string> BearerToken(const httplib::Request& http);

}  // namespace qt::api

#endif  // QIANTANG_API_ROUTER_H_
