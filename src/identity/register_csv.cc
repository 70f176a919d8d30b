#include "identity/register_csv.h"

#include "core/csv.h"

namespace qt::identity {

Result<nlohmann::json> CitizensFromCsv(std::istream& in, const std::string& name) {
  nlohmann::json rows = nlohmann::json::array();
  bool header = true;
  QT_RETURN_IF_ERROR(ReadCsv(in, name, [&](const CsvRow& row) -> Status {
    const auto& cells = row.fields;
    if (header) {
      header = false;
      if (cells.size() < 3 || cells[0] != "name" || cells[1] != "resident_id" ||
          cells[2] != "district") {
        return InvalidArgument("the header must be name,resident_id,district[,concession]");
      }
      return OkStatus();
    }
    if (cells.size() < 3) return InvalidArgument("too few cells");
    nlohmann::json r = {{"name", cells[0]}, {"resident_id", cells[1]}, {"district", cells[2]}};
    if (cells.size() > 3 && !cells[3].empty()) r["concession"] = cells[3];
    rows.push_back(std::move(r));
    return OkStatus();
  }));
  if (header) return InvalidArgument(name + ": empty; the header is name,resident_id,district");
  return rows;
}

}  // namespace qt::identity
