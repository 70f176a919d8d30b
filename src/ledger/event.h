// Journal events and their canonical JSON encoding: the bytes of a ledger leaf.
//
// An event is {"actor", "kind", "payload", "payload_hash", "sequence",
// "subject", "time"}: who did it (an organisation id, or "system"), what kind of
// change ("org.created"), the id of the object changed, the change itself, the
// hex SHA-256 of the payload's canonical JSON, the event's index in the log,
// and when (UTC milliseconds).
//
// Canonical JSON: object keys sorted by their UTF-8 bytes, no white space,
// strings as UTF-8 with only '"', '\\' and control characters escaped, integers
// only (no floating point). docs/formats/ledger.md specifies it.
#ifndef QIANTANG_LEDGER_EVENT_H_
#define QIANTANG_LEDGER_EVENT_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/clock.h"
#include "core/status.h"

namespace qt::ledger {

// What a module records about one change.
struct NewEvent {
  std::string actor;    // the organisation that made the change, or "system"
  std::string kind;     // "<module object>.<verb>", e.g. "org.created"
  std::string subject;  // id of the object changed
  nlohmann::json payload = nlohmann::json::object();
};

// kInvalidArgument if `j` holds a floating-point number anywhere.
Result<std::string> CanonicalJson(const nlohmann::json& j);

// The leaf bytes of `e` as the event at `sequence`, made at `time`.
Result<std::string> EncodeEvent(const NewEvent& e, uint64_t sequence, UnixMillis time);

// Checks that `bytes` is a canonically encoded event at `sequence` whose
// payload_hash matches its payload; kInvalidArgument saying what is wrong.
Status CheckEncodedEvent(std::string_view bytes, uint64_t sequence);

}  // namespace qt::ledger

#endif  // QIANTANG_LEDGER_EVENT_H_
