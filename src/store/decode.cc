#include "store/decode.h"

#include <spdlog/spdlog.h>

#include <string>

namespace qt::store {

Status DamagedRow(std::string_view table, const Row& row, std::string_view why) {
  // Column 0 is the id in every table; Text() reads "" if it is not text (the
  // row's first mismatch, already being reported, is kept).
  std::string id = row.Text(0);
  if (id.empty()) id = "?";
  spdlog::error("damaged row in {} (id {}): {}", table, id, why);
  return Internal("stored " + std::string(table) + " row " + id +
                  " cannot be read; the server log names the damage");
}

}  // namespace qt::store
