#include "dataspace/answer_json.h"

#include "dataspace/policy.h"

namespace qt::dataspace {

using nlohmann::json;

json UsageJson(const Usage& u) {
  return {{"id", u.id},
          {"contract_id", u.contract_id},
          {"action", u.action},
          {"purpose", u.purpose},
          {"epsilon", static_cast<double>(u.epsilon_milli) / 1000.0},
          {"delta", static_cast<double>(u.delta_pico) * 1e-12},
          {"receipt", u.receipt},
          {"signature", u.signature},
          {"created_at", FormatRfc3339(u.created_at)}};
}

json QueryResultJson(const QueryResult& q) {
  return {{"columns", q.answer.columns},
          {"rows", q.answer.rows},
          {"keys", KeyReleaseName(q.answer.keys)},
          {"threshold", q.answer.threshold},
          {"epsilon", static_cast<double>(q.answer.epsilon_milli) / 1000.0},
          {"delta", static_cast<double>(q.answer.delta_pico) * 1e-12},
          {"epsilon_left", static_cast<double>(q.epsilon_left_milli) / 1000.0},
          {"uses_left", q.uses_left ? json(*q.uses_left) : json(nullptr)},
          {"usage", UsageJson(q.usage)}};
}

json ChannelRequestJson(const ChannelRequest& r) {
  return {{"sql", r.sql},
          {"purpose", r.purpose},
          {"region", r.region},
          {"epsilon", static_cast<double>(r.epsilon_milli) / 1000.0}};
}

Result<ChannelRequest> ChannelRequestFromJson(const json& j) {
  if (!j.is_object()) return InvalidArgument("the request must be a JSON object");
  ChannelRequest r;
  auto text = [&](const char* key, size_t max, bool required, std::string& out) -> Status {
    if (!j.contains(key)) {
      return required ? InvalidArgument(std::string(key) + ": required") : OkStatus();
    }
    if (!j[key].is_string() || j[key].get<std::string>().size() > max) {
      return InvalidArgument(std::string(key) + ": a string of at most " + std::to_string(max) +
                             " bytes");
    }
    out = j[key].get<std::string>();
    return OkStatus();
  };
  QT_RETURN_IF_ERROR(text("sql", 10'000, true, r.sql));
  QT_RETURN_IF_ERROR(text("purpose", 100, true, r.purpose));
  QT_RETURN_IF_ERROR(text("region", 100, false, r.region));
  if (j.contains("epsilon")) {
    QT_ASSIGN_OR_RETURN(r.epsilon_milli, EpsilonMillis(j["epsilon"], "epsilon"));
  }
  for (const auto& [key, value] : j.items()) {
    if (key != "sql" && key != "purpose" && key != "region" && key != "epsilon") {
      return InvalidArgument(key + ": unknown field");
    }
  }
  return r;
}

}  // namespace qt::dataspace
