#include "api/json_body.h"

#include <fmt/format.h>

namespace qt::api {
namespace {

std::string TypeName(const nlohmann::json& j) {
  if (j.is_number_integer()) return "an integer";
  if (j.is_number()) return "a number";
  return std::string("a ") + j.type_name();
}

std::string Joined(const std::vector<std::string>& v) {
  return fmt::format("{}", fmt::join(v, ", "));
}

}  // namespace

Result<JsonBody> JsonBody::Parse(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("request body is not valid JSON");
  if (!j.is_object()) return InvalidArgument("request body must be a JSON object");
  return JsonBody(std::move(j));
}

const nlohmann::json* JsonBody::Find(const std::string& field) {
  read_.insert(field);
  auto it = json_.find(field);
  if (it == json_.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<std::string> JsonBody::String(const std::string& field, size_t max_bytes) {
  const nlohmann::json* v = Find(field);
  if (v == nullptr) return InvalidArgument(field + ": is required");
  if (!v->is_string()) return InvalidArgument(field + ": must be a string, got " + TypeName(*v));
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() > max_bytes) {
    return InvalidArgument(
        fmt::format("{}: is {} bytes long, at most {} allowed", field, s.size(), max_bytes));
  }
  return s;
}

Result<std::string> JsonBody::OptionalString(const std::string& field, size_t max_bytes,
                                             std::string fallback) {
  if (Find(field) == nullptr) return fallback;
  return String(field, max_bytes);
}

Result<int64_t> JsonBody::OptionalInt(const std::string& field, int64_t fallback, int64_t min,
                                      int64_t max) {
  const nlohmann::json* v = Find(field);
  if (v == nullptr) return fallback;
  if (v->is_number_float() || !v->is_number()) {
    return InvalidArgument(field + ": must be an integer, got " + TypeName(*v));
  }
  // Unsigned values above INT64_MAX are out of range too.
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(max)) {
    return InvalidArgument(fmt::format("{}: must be between {} and {}", field, min, max));
  }
  int64_t n = v->get<int64_t>();
  if (n < min || n > max) {
    return InvalidArgument(fmt::format("{}: must be between {} and {}", field, min, max));
  }
  return n;
}

Result<std::string> JsonBody::Enum(const std::string& field,
                                   const std::vector<std::string>& allowed) {
  QT_ASSIGN_OR_RETURN(std::string s, String(field, 64));
  for (const auto& a : allowed) {
    if (a == s) return s;
  }
  return InvalidArgument(fmt::format("{}: '{}' is not one of {}", field, s, Joined(allowed)));
}

Result<std::string> JsonBody::OptionalEnum(const std::string& field,
                                           const std::vector<std::string>& allowed,
                                           std::string fallback) {
  if (Find(field) == nullptr) return fallback;
  return Enum(field, allowed);
}

Status JsonBody::Finish() const {
  for (const auto& [key, value] : json_.items()) {
    if (!read_.contains(key)) return InvalidArgument(key + ": unknown field");
  }
  return OkStatus();
}

}  // namespace qt::api
