// Compute configuration: the files of configs/ compiled into the binary (so
// the CLI and the server work from any directory) and loaders that take a
// file path or the name of a built-in file.
#ifndef QIANTANG_COMPUTE_CONFIGS_H_
#define QIANTANG_COMPUTE_CONFIGS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compute/chip.h"
#include "compute/cluster.h"
#include "core/status.h"

namespace qt::compute {

// configs/chips.toml.
std::string_view BuiltinChipCatalog();
// configs/clusters/NAME.toml, or nullopt.
std::optional<std::string_view> BuiltinCluster(std::string_view name);
std::vector<std::string_view> BuiltinClusterNames();

// The catalog in file `path`, or the built-in one when `path` is empty.
Result<ChipCatalog> LoadChipCatalog(const std::string& path);
// The cluster in file `path_or_name` if it exists, else the built-in
// cluster of that name; not_found naming both otherwise.
Result<Cluster> LoadCluster(const std::string& path_or_name, const ChipCatalog& catalog);

}  // namespace qt::compute

#endif  // QIANTANG_COMPUTE_CONFIGS_H_
