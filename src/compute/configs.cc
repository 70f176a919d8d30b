#include "compute/configs.h"

#include <fmt/format.h>

#include <filesystem>

namespace qt::compute {

Result<ChipCatalog> LoadChipCatalog(const std::string& path) {
  if (path.empty()) return ChipCatalog::Parse(BuiltinChipCatalog(), "built-in chips.toml");
  return ChipCatalog::Load(path);
}

Result<Cluster> LoadCluster(const std::string& path_or_name, const ChipCatalog& catalog) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(path_or_name, ec))
    return Cluster::Load(path_or_name, catalog);
  if (auto text = BuiltinCluster(path_or_name)) {
    return Cluster::Parse(*text, fmt::format("built-in {}.toml", path_or_name), catalog);
  }
  return NotFound(
      fmt::format("no cluster file {} and no built-in cluster of that name (built-in: {})",
                  path_or_name, fmt::join(BuiltinClusterNames(), ", ")));
}

}  // namespace qt::compute
