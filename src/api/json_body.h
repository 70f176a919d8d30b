// JsonBody: reads a JSON request body field by field, with messages that name
// the field. Every request body is a JSON object; fields the route does not
// know are rejected (a misspelt optional field would otherwise pass silently).
//
// Thread-safety: not thread-safe; one per request.
//
// Example:
//   QT_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req.http.body));
//   QT_ASSIGN_OR_RETURN(std::string name, body.String("name", 200));
//   QT_ASSIGN_OR_RETURN(int64_t ttl, body.OptionalInt("ttl_seconds", 0, 0, 31'536'000));
//   QT_RETURN_IF_ERROR(body.Finish());
#ifndef QIANTANG_API_JSON_BODY_H_
#define QIANTANG_API_JSON_BODY_H_

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.h"
#include "core/status.h"

namespace qt::api {

class JsonBody {
 public:
  // kInvalidArgument if `text` is not a JSON object.
  static Result<JsonBody> Parse(std::string_view text);

  // A required string of at most max_bytes bytes.
  Result<std::string> String(const std::string& field, size_t max_bytes);
  // An optional string; `fallback` when absent.
  Result<std::string> OptionalString(const std::string& field, size_t max_bytes,
                                     std::string fallback);
  // A required integer in [min, max].
  Result<int64_t> Int(const std::string& field, int64_t min, int64_t max);
  // An optional integer in [min, max]; `fallback` when absent.
  Result<int64_t> OptionalInt(const std::string& field, int64_t fallback, int64_t min, int64_t max);
  // A required calendar day written "YYYY-MM-DD".
  Result<qt::Date> Date(const std::string& field);
  // A required string that must be one of `allowed`.
  Result<std::string> Enum(const std::string& field, const std::vector<std::string>& allowed);
  // An optional string that must be one of `allowed`; `fallback` when absent.
  Result<std::string> OptionalEnum(const std::string& field,
                                   const std::vector<std::string>& allowed, std::string fallback);

  // An optional boolean; `fallback` when absent.
  Result<bool> OptionalBool(const std::string& field, bool fallback);
  // A required array of 1..max_items objects, each read as a JsonBody whose
  // messages name it ("pools[2].chip: ..."); call Finish on each.
  Result<std::vector<JsonBody>> Objects(const std::string& field, size_t max_items);
  // A required object of 1..max_items integers in [min, max], by key.
  Result<std::map<std::string, int64_t>> IntMap(const std::string& field, int64_t min, int64_t max,
                                                size_t max_items);

  // An optional JSON value of any type, passed on whole (a policy, a
  // pipeline spec) for the domain to validate; nullopt when absent.
  std::optional<nlohmann::json> OptionalValue(const std::string& field);
  // An optional array of at most max_items strings of at most max_bytes each.
  Result<std::vector<std::string>> OptionalStrings(const std::string& field, size_t max_items,
                                                   size_t max_bytes);

  // kInvalidArgument naming the first field that no accessor asked for.
  Status Finish() const;

 private:
  explicit JsonBody(nlohmann::json j) : json_(std::move(j)) {}
  const nlohmann::json* Find(const std::string& field);
  std::string Named(const std::string& field) const { return prefix_ + field; }

  nlohmann::json json_;
  std::set<std::string> read_;
  std::string prefix_;  // "pools[2]." for an element of an array
};

}  // namespace qt::api

#endif  // QIANTANG_API_JSON_BODY_H_
