#include "api/errors.h"

#include <nlohmann/json.hpp>

namespace qt::api {

int HttpStatusOf(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kConflict:
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kPayloadTooLarge:
      return 413;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kInternal:
      return 500;
    case StatusCode::kUnavailable:
      return 503;
  }
  return 500;
}

std::string FieldOf(std::string_view message) {
  const size_t colon = message.find(": ");
  if (colon == std::string_view::npos || colon == 0 || colon > 100) return "";
  const std::string_view field = message.substr(0, colon);
  auto lower = [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; };
  auto word = [&](char c) { return lower(c) || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  if (!lower(field[0])) return "";
  for (size_t i = 1; i < field.size(); ++i) {
    const char c = field[i];
    if (word(c) || c == '.') continue;
    if (c == '[') {  // "[N]"
      size_t j = i + 1;
      while (j < field.size() && field[j] >= '0' && field[j] <= '9') ++j;
      if (j == i + 1 || j >= field.size() || field[j] != ']') return "";
      i = j;
      continue;
    }
    return "";
  }
  return std::string(field);
}

std::string ErrorBody(const Status& status) {
  nlohmann::json error = {{"code", std::string(StatusCodeName(status.code()))}};
  if (std::string field = FieldOf(status.message()); !field.empty()) error["field"] = field;
  error["message"] = status.message();
  return nlohmann::json{{"error", error}}.dump(-1, ' ', false,
                                               nlohmann::json::error_handler_t::replace);
}

}  // namespace qt::api
