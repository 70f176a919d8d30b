#include "cli/psi_io.h"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "cli/command.h"
#include "core/csv.h"

namespace qt::cli {

using nlohmann::json;

Result<std::vector<std::string>> ReadPsiItems(const std::string& path, const std::string& column) {
  std::vector<std::string> items;
  int index = -1;
  Status s = ReadCsvFile(path, [&](const CsvRow& row) -> Status {
    if (index < 0) {
      index = 0;
      if (!column.empty()) {
        auto it = std::find(row.fields.begin(), row.fields.end(), column);
        if (it == row.fields.end()) return InvalidArgument("--input-column: no column " + column);
        index = static_cast<int>(it - row.fields.begin());
      }
      return OkStatus();
    }
    if (static_cast<size_t>(index) < row.fields.size()) items.push_back(row.fields[index]);
    return OkStatus();
  });
  QT_RETURN_IF_ERROR(s);
  return items;
}

void PrintPsiAnswer(const json& answer) {
  std::cout << fmt::format("PSI {}: {} of your {} items are among the other side's {}\n",
                           Str(answer, "session_id"), Str(answer, "intersection_size"),
                           Str(answer, "client_size"), Str(answer, "server_size"));
  if (answer.contains("intersection")) {
    for (const auto& item : answer["intersection"]) std::cout << item.get<std::string>() << "\n";
  }
}

}  // namespace qt::cli
