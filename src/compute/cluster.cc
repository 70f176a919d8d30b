#include "compute/cluster.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <fstream>
#include <sstream>

namespace qt::compute {
namespace {

constexpr int64_t kMaxNodes = 1'000'000;

std::string StringField(const toml::table& t, std::string_view key) {
  auto v = t.get_as<std::string>(key);
  return v ? **v : std::string();
}

Result<int> IntField(const toml::table& t, std::string_view key, int64_t max,
                     const std::string& where) {
  auto v = t.get_as<int64_t>(key);
  if (v == nullptr) return InvalidArgument(fmt::format("{}: {} is required", where, key));
  int64_t n = **v;
  if (n <= 0 || n > max) {
    return InvalidArgument(fmt::format("{}: {} must be between 1 and {}", where, key, max));
  }
  return static_cast<int>(n);
}

}  // namespace

Status Cluster::AddPool(Pool p) {
  if (pools_.size() >= kMaxPools) {
    return InvalidArgument(fmt::format("more than {} pools", kMaxPools));
  }
  for (const Pool& q : pools_) {
    if (q.name == p.name) return InvalidArgument(fmt::format("duplicate pool name {}", p.name));
  }
  if (static_cast<int64_t>(nodes_.size()) + p.nodes > kMaxNodes) {
    return InvalidArgument(fmt::format("more than {} nodes", kMaxNodes));
  }
  p.first_node = static_cast<int>(nodes_.size());
  p.first_leaf = leaf_count_;
  p.first_pod = pod_count_;
  p.leaf_count = (p.nodes + p.nodes_per_leaf - 1) / p.nodes_per_leaf;
  p.pod_count = (p.leaf_count + p.leaves_per_pod - 1) / p.leaves_per_pod;
  int pool_index = static_cast<int>(pools_.size());
  for (int l = 0; l < p.leaf_count; ++l) {
    int first = p.first_node + l * p.nodes_per_leaf;
    int last = std::min(first + p.nodes_per_leaf, p.first_node + p.nodes);
    leaf_nodes_.emplace_back(first, last);
  }
  for (int d = 0; d < p.pod_count; ++d) {
    int first = p.first_leaf + d * p.leaves_per_pod;
    int last = std::min(first + p.leaves_per_pod, p.first_leaf + p.leaf_count);
    pod_leaves_.emplace_back(first, last);
  }
  for (int i = 0; i < p.nodes; ++i) {
    int leaf = p.first_leaf + i / p.nodes_per_leaf;
    int pod = p.first_pod + (i / p.nodes_per_leaf) / p.leaves_per_pod;
    nodes_.push_back(Node{pool_index, leaf, pod});
  }
  leaf_count_ += p.leaf_count;
  pod_count_ += p.pod_count;
  total_cards_ += p.cards();
  pools_.push_back(std::move(p));
  return OkStatus();
}

Result<Cluster> Cluster::Parse(std::string_view text, std::string_view origin,
                               const ChipCatalog& catalog) {
  toml::table doc;
  try {
    doc = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    return InvalidArgument(fmt::format("{}: {}", origin, e.description()));
  }
  Cluster c;
  c.catalog_ = catalog;
  c.name_ = doc["name"].value_or(std::string());
  if (c.name_.empty()) return InvalidArgument(fmt::format("{}: name is required", origin));
  const toml::array* list = doc["pool"].as_array();
  if (list == nullptr || list->empty()) {
    return InvalidArgument(fmt::format("{}: no [[pool]] entries", origin));
  }
  for (size_t i = 0; i < list->size(); ++i) {
    std::string where = fmt::format("{}: pool {}", origin, i + 1);
    const toml::table* t = list->get(i)->as_table();
    if (t == nullptr) return InvalidArgument(where + ": not a table");
    Pool p;
    p.name = StringField(*t, "name");
    p.provider = StringField(*t, "provider");
    p.region = StringField(*t, "region");
    if (p.name.empty()) return InvalidArgument(where + ": name is required");
    std::string chip = StringField(*t, "chip");
    p.chip = catalog.Find(chip);
    if (p.chip < 0) {
      return InvalidArgument(
          fmt::format("{}: chip \"{}\" is not in the chip catalog", where, chip));
    }
    QT_ASSIGN_OR_RETURN(p.nodes, IntField(*t, "nodes", kMaxNodes, where));
    // A CPU kind's unit is a core: up to 4,096 a node, where a node has at most 64 cards.
    const int max_per_node = catalog.at(p.chip).cpu() ? 4096 : 64;
    QT_ASSIGN_OR_RETURN(p.cards_per_node, IntField(*t, "cards_per_node", max_per_node, where));
    QT_ASSIGN_OR_RETURN(p.cpu_cores_per_node, IntField(*t, "cpu_cores_per_node", 4096, where));
    QT_ASSIGN_OR_RETURN(p.memory_gib_per_node, IntField(*t, "memory_gib_per_node", 1 << 20, where));
    QT_ASSIGN_OR_RETURN(p.nodes_per_leaf, IntField(*t, "nodes_per_leaf", 4096, where));
    QT_ASSIGN_OR_RETURN(p.leaves_per_pod, IntField(*t, "leaves_per_pod", 4096, where));
    Status s = c.AddPool(std::move(p));
    if (!s.ok()) return InvalidArgument(fmt::format("{}: {}", where, s.message()));
  }
  return c;
}

Result<Cluster> Cluster::Load(const std::string& path, const ChipCatalog& catalog) {
  std::ifstream in(path);
  if (!in) return NotFound(fmt::format("cannot open cluster file {}", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return Parse(ss.str(), path, catalog);
}

Result<Cluster> Cluster::Homogeneous(int64_t cards, std::string_view chip,
                                     const ChipCatalog& catalog) {
  if (cards <= 0 || cards % 8 != 0 || cards > kMaxNodes * 8) {
    return InvalidArgument(fmt::format("cards must be a positive multiple of 8, got {}", cards));
  }
  Cluster c;
  c.catalog_ = catalog;
  c.name_ = fmt::format("{}x{}", cards, chip);
  Pool p;
  p.name = c.name_;
  p.chip = catalog.Find(chip);
  if (p.chip < 0)
    return InvalidArgument(fmt::format("chip \"{}\" is not in the chip catalog", chip));
  p.nodes = static_cast<int>(cards / 8);
  p.cards_per_node = 8;
  p.cpu_cores_per_node = 96;
  p.memory_gib_per_node = 1024;
  p.nodes_per_leaf = 32;
  p.leaves_per_pod = 8;
  QT_RETURN_IF_ERROR(c.AddPool(std::move(p)));
  return c;
}

Result<Cluster> Cluster::FromPools(std::string name, const ChipCatalog& catalog,
                                   std::vector<Pool> pools) {
  if (pools.empty()) return InvalidArgument("a cluster needs at least one pool");
  Cluster c;
  c.catalog_ = catalog;
  c.name_ = std::move(name);
  for (Pool& p : pools) {
    if (p.chip < 0 || p.chip >= static_cast<int>(catalog.chips().size())) {
      return InvalidArgument(fmt::format("pool {}: chip not in the catalog", p.name));
    }
    if (p.nodes <= 0 || p.nodes > kMaxNodes || p.cards_per_node <= 0 || p.nodes_per_leaf <= 0 ||
        p.leaves_per_pod <= 0 || p.cpu_cores_per_node <= 0 || p.memory_gib_per_node <= 0) {
      return InvalidArgument(fmt::format("pool {}: every shape field must be positive", p.name));
    }
    QT_RETURN_IF_ERROR(c.AddPool(std::move(p)));
  }
  return c;
}

int64_t Cluster::total_tflops() const {
  int64_t sum = 0;
  for (const Pool& p : pools_) sum += p.cards() * catalog_.at(p.chip).fp16_tflops;
  return sum;
}

}  // namespace qt::compute
