// The identity module's running counts (internal.h: AddToCounters).
#include <string>

#include "identity/internal.h"

namespace qt::identity {

Status AddToCounters(store::Tx& tx, const std::map<std::string, int64_t>& deltas) {
  for (const auto& [name, delta] : deltas) {
    if (delta == 0) continue;
    QT_RETURN_IF_ERROR(tx.Exec("INSERT INTO id_counters (name, value) VALUES (?, ?)"
                               " ON CONFLICT (name) DO UPDATE SET value = id_counters.value + ?",
                               {name, delta, delta})
                           .status());
  }
  return OkStatus();
}

std::string ScanCounter(const std::string& category, int64_t scanned_at) {
  const int64_t hour = ((scanned_at / 3'600'000 + 8) % 24 + 24) % 24;  // UTC+8
  return "scan:" + category + ":" + std::to_string(hour);
}

}  // namespace qt::identity
