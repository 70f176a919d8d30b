#include "cli/channel_answer.h"

#include <fmt/format.h>

#include <iostream>

#include "cli/command.h"
#include "cli/table.h"

namespace qt::cli {

using nlohmann::json;

void PrintChannelAnswer(const json& j) {
  std::vector<std::string> headers;
  for (const auto& col : j["columns"]) headers.push_back(col);
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : j["rows"]) {
    std::vector<std::string> r;
    for (const auto& cell : row) {
      r.push_back(cell.is_string() ? cell.get<std::string>() : cell.dump());
    }
    rows.push_back(std::move(r));
  }
  PrintTable(std::cout, headers, rows);
  std::cout << fmt::format(
      "groups shown whose noisy count reached {} ({}); epsilon {} and delta {} "
      "spent, epsilon {} left; uses left {}\n",
      Str(j, "threshold"), Str(j, "keys"), Str(j, "epsilon"), Str(j, "delta"),
      Str(j, "epsilon_left"), Str(j, "uses_left"));
  std::cout << "receipt " << Str(j["usage"], "id") << " signed by the provider";
  if (j.contains("node")) std::cout << " on node " << Str(j, "node");
  std::cout << "\n";
}

}  // namespace qt::cli
