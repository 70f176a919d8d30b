#include "ledger/event.h"

#include "crypto/encoding.h"
#include "crypto/sha256.h"

namespace qt::ledger {
namespace {

bool HasFloat(const nlohmann::json& j) {
  if (j.is_number_float()) return true;
  if (j.is_structured()) {
    for (const auto& v : j) {
      if (HasFloat(v)) return true;
    }
  }
  return false;
}

}  // namespace

Result<std::string> CanonicalJson(const nlohmann::json& j) {
  if (HasFloat(j)) return InvalidArgument("canonical JSON holds integers only, not floating point");
  // nlohmann::json objects are std::map: keys come out sorted by bytes.
  return j.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::strict);
}

Result<std::string> EncodeEvent(const NewEvent& e, uint64_t sequence, UnixMillis time) {
  QT_ASSIGN_OR_RETURN(std::string payload, CanonicalJson(e.payload));
  nlohmann::json j = {
      {"actor", e.actor},     {"kind", e.kind},
      {"payload", e.payload}, {"payload_hash", crypto::HexEncode(crypto::Sha256(payload))},
      {"sequence", sequence}, {"subject", e.subject},
      {"time", time}};
  return CanonicalJson(j);
}

Status CheckEncodedEvent(std::string_view bytes, uint64_t sequence) {
  nlohmann::json j = nlohmann::json::parse(bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgument("the event is not a JSON object");
  auto canonical = CanonicalJson(j);
  if (!canonical.ok() || *canonical != bytes)
    return InvalidArgument("the event is not canonical JSON");
  for (const char* key : {"actor", "kind", "payload_hash", "subject"}) {
    if (!j.contains(key) || !j[key].is_string()) {
      return InvalidArgument(std::string("the event has no string field '") + key + "'");
    }
  }
  if (!j.contains("time") || !j["time"].is_number_integer() || !j.contains("payload") ||
      j.size() != 7) {
    return InvalidArgument("the event does not have exactly the seven fields of an event");
  }
  if (!j.contains("sequence") || !j["sequence"].is_number_unsigned() ||
      j["sequence"].get<uint64_t>() != sequence) {
    return InvalidArgument("the event's sequence is not its index " + std::to_string(sequence));
  }
  QT_ASSIGN_OR_RETURN(std::string payload, CanonicalJson(j["payload"]));
  if (crypto::HexEncode(crypto::Sha256(payload)) != j["payload_hash"].get<std::string>()) {
    return InvalidArgument("the event's payload_hash does not match its payload");
  }
  return OkStatus();
}

}  // namespace qt::ledger
