#include "store/decode.h"

#include <spdlog/spdlog.h>

#include <string>

namespace qt::store {

Status DamagedRow(std::string_view table, const Row& row, std::string_view why) {
  // The id is read here too, so it must not disturb row.status() for callers:
  // a copy keeps the original's first mismatch.
  const Row probe = row;
  std::string id = probe.Text(0);
  if (!probe.status().ok() || id.empty()) id = "?";
  spdlog::error("damaged row in {} (id {}): {}", table, id, why);
  return Internal("stored " + std::string(table) + " row " + id +
                  " cannot be read; the server log names the damage");
}

}  // namespace qt::store
