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
    c.name = t->get_as<std::string>("name") ? **t->get_as<std::string>("name") : "";
    c.vendor = t->get_as<std::string>("vendor") ? **t->get_as<std::string>("vendor") : "";
    c.interconnect =
        t->get_as<std::string>("interconnect") ? **t->get_as<std::string>("interconnect") : "";
    c.memory_gib = t->get_as<int64_t>("memory_gib") ? **t->get_as<int64_t>("memory_gib") : 0;
    c.fp16_tflops = t->get_as<int64_t>("fp16_tflops") ? **t->get_as<int64_t>("fp16_tflops") : 0;
    if (c.name.empty()) return InvalidArgument(where("name is required"));
    if (c.vendor.empty()) return InvalidArgument(where("vendor is required"));
    if (c.memory_gib <= 0) return InvalidArgument(where("memory_gib must be a positive integer"));
    if (c.fp16_tflops <= 0) return InvalidArgument(where("fp16_tflops must be a positive integer"));
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
