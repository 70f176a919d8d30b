#include "compute/chip.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <fstream>
#include <sstream>

namespace qt::compute {

Result<ChipCatalog> ChipCatalog::Parse(std::string_view text, std::string_view origin) {
  toml::table doc;
  try {
    doc = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    return InvalidArgument(fmt::format("{}: {}", origin, e.description()));
  }
  const toml::array* list = doc["chip"].as_array();
  if (list == nullptr || list->empty()) {
    return InvalidArgument(fmt::format("{}: no [[chip]] entries", origin));
  }
  ChipCatalog catalog;
  for (size_t i = 0; i < list->size(); ++i) {
    const toml::table* t = list->get(i)->as_table();
    auto where = [&](std::string_view field) {
      return fmt::format("{}: chip {}: {}", origin, i + 1, field);
    };
    if (t == nullptr) return InvalidArgument(where("not a table"));
    Chip c;
    auto field = [&](const char* key) {
      return t->get_as<std::string>(key) ? **t->get_as<std::string>(key) : std::string();
    };
    auto number = [&](const char* key) {
      return t->get_as<int64_t>(key) ? **t->get_as<int64_t>(key) : int64_t{0};
    };
    c.name = field("name");
    c.vendor = field("vendor");
    c.interconnect = field("interconnect");
    c.architecture = field("architecture");
    c.memory_gib = number("memory_gib");
    c.fp16_tflops = number("fp16_tflops");
    c.cores_per_socket = number("cores_per_socket");
    c.domestic = t->get_as<bool>("domestic") && **t->get_as<bool>("domestic");
    const std::string kind = t->contains("kind") ? field("kind") : "accelerator";
    if (kind == "cpu") {
      c.kind = ChipKind::kCpu;
    } else if (kind != "accelerator") {
      return InvalidArgument(where("kind must be \"accelerator\" or \"cpu\""));
    }
    if (c.name.empty()) return InvalidArgument(where("name is required"));
    if (c.vendor.empty()) return InvalidArgument(where("vendor is required"));
    if (c.cpu()) {
      if (c.architecture.empty()) return InvalidArgument(where("architecture is required"));
      if (c.cores_per_socket <= 0) {
        return InvalidArgument(where("cores_per_socket must be a positive integer"));
      }
    } else {
      if (c.memory_gib <= 0) return InvalidArgument(where("memory_gib must be a positive integer"));
      if (c.fp16_tflops <= 0) {
        return InvalidArgument(where("fp16_tflops must be a positive integer"));
      }
    }
    if (catalog.Find(c.name) >= 0) {
      return InvalidArgument(where(fmt::format("duplicate chip name {}", c.name)));
    }
    catalog.chips_.push_back(std::move(c));
  }
  if (catalog.chips_.size() > 64)
    return InvalidArgument(fmt::format("{}: more than 64 chips", origin));
  return catalog;
}

Result<ChipCatalog> ChipCatalog::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFound(fmt::format("cannot open chip catalog {}", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return Parse(ss.str(), path);
}

int ChipCatalog::Find(std::string_view name) const {
  for (size_t i = 0; i < chips_.size(); ++i) {
    if (chips_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace qt::compute
