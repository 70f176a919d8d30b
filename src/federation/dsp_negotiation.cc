#include "federation/dsp_negotiation.h"

#include <array>
#include <cctype>

#include "federation/dsp.h"

namespace qt::federation {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 7> kStateNames = {
    "REQUESTED", "OFFERED", "ACCEPTED", "AGREED", "VERIFIED", "FINALIZED", "TERMINATED"};

json Context() { return json::array({kDspContext}); }

}  // namespace

std::string_view DspStateName(DspState s) { return kStateNames.at(static_cast<size_t>(s)); }

std::optional<DspState> ParseDspState(std::string_view name) {
  for (size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == name) return static_cast<DspState>(i);
  }
  return std::nullopt;
}

Result<DspMessage> ReadDspMessage(std::string_view text, std::string_view type) {
  if (text.size() > kMaxMessageBytes) {
    return InvalidArgument("the message is larger than " + std::to_string(kMaxMessageBytes) +
                           " bytes");
  }
  QT_RETURN_IF_ERROR(CheckJsonDepth(text));
  DspMessage m;
  m.body = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!m.body.is_object()) return InvalidArgument("the message is not a JSON object");
  const json& t = m.body.contains("@type") ? m.body["@type"] : json();
  if (!t.is_string() || t.get<std::string>() != type) {
    return InvalidArgument("expected a " + std::string(type));
  }
  m.type = std::string(type);
  QT_ASSIGN_OR_RETURN(m.consumer_pid, DspString(m, "consumerPid", kMaxPidBytes));
  const bool initial = type == "ContractRequestMessage";
  QT_ASSIGN_OR_RETURN(m.provider_pid, DspString(m, "providerPid", kMaxPidBytes, !initial));
  // Pids go into request paths: URL-safe characters only.
  for (const std::string* pid : {&m.consumer_pid, &m.provider_pid}) {
    if (!pid->empty() && !std::isalnum(static_cast<unsigned char>(pid->front()))) {
      return InvalidArgument("a pid starts with a letter or digit");
    }
    for (char c : *pid) {
      if (!std::isalnum(static_cast<unsigned char>(c)) &&
          std::string_view(":._-").find(c) == std::string_view::npos) {
        return InvalidArgument("a pid may hold letters, digits and ':._-' only");
      }
    }
  }
  return m;
}

Result<std::string> DspString(const DspMessage& m, std::string_view name, size_t max_bytes,
                              bool required) {
  const std::string key(name);
  if (!m.body.contains(key)) {
    if (required) return InvalidArgument(key + " is required");
    return std::string();
  }
  const json& v = m.body[key];
  if (!v.is_string()) return InvalidArgument(key + " is not a string");
  std::string s = v.get<std::string>();
  if (s.empty() && required) return InvalidArgument(key + " is empty");
  if (s.size() > max_bytes) {
    return InvalidArgument(key + " is longer than " + std::to_string(max_bytes) + " bytes");
  }
  return s;
}

json DspMessageJson(std::string_view type, std::string_view provider_pid,
                    std::string_view consumer_pid) {
  json m = {{"@context", Context()}, {"@type", type}, {"consumerPid", consumer_pid}};
  if (!provider_pid.empty()) m["providerPid"] = provider_pid;
  return m;
}

json NegotiationJson(std::string_view provider_pid, std::string_view consumer_pid, DspState state) {
  json m = DspMessageJson("ContractNegotiation", provider_pid, consumer_pid);
  m["state"] = DspStateName(state);
  return m;
}

namespace {

// A message of `type` that carries a code and a reason.
json WithReason(std::string_view type, std::string_view provider_pid, std::string_view consumer_pid,
                std::string_view code, std::string_view reason) {
  json m = DspMessageJson(type, provider_pid, consumer_pid);
  m["code"] = code;
  m["reason"] = json::array({reason});
  return m;
}

}  // namespace

json NegotiationErrorJson(std::string_view provider_pid, std::string_view consumer_pid,
                          std::string_view code, std::string_view reason) {
  return WithReason("ContractNegotiationError", provider_pid, consumer_pid, code, reason);
}

json TerminationJson(std::string_view provider_pid, std::string_view consumer_pid,
                     std::string_view code, std::string_view reason) {
  return WithReason("ContractNegotiationTerminationMessage", provider_pid, consumer_pid, code,
                    reason);
}

json EventJson(std::string_view provider_pid, std::string_view consumer_pid, DspState event) {
  json m = DspMessageJson("ContractNegotiationEventMessage", provider_pid, consumer_pid);
  m["eventType"] = DspStateName(event);
  return m;
}

}  // namespace qt::federation
