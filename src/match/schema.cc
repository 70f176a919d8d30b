#include "match/schema.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/clock.h"

namespace qt::match {

using nlohmann::json;

std::string_view TypeName(Type t) {
  switch (t) {
    case Type::kNumber:
      return "number";
    case Type::kString:
      return "string";
    case Type::kBool:
      return "bool";
    case Type::kDate:
      return "date";
    case Type::kSet:
      return "set";
  }
  return "?";
}

Status Schema::Add(Attribute a) {
  if (a.name.empty() || a.name.size() > 64 ||
      !std::all_of(
          a.name.begin(), a.name.end(),
          [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }) ||
      (a.name[0] >= '0' && a.name[0] <= '9')) {
    return InvalidArgument("attribute name '" + a.name + "': lower-case letters, digits and _");
  }
  if (Find(a.name)) return InvalidArgument("attribute '" + a.name + "' is declared twice");
  switch (a.type) {
    case Type::kString:
      slots_.push_back(strings_count_++);
      break;
    case Type::kSet:
      slots_.push_back(sets_++);
      break;
    default:
      slots_.push_back(numbers_++);
      break;
  }
  attributes_.push_back(std::move(a));
  return OkStatus();
}

std::optional<int> Schema::Find(std::string_view name) const {
  for (size_t i = 0; i < attributes_.size(); ++i) {
    if (attributes_[i].name == name) return static_cast<int>(i);
  }
  return std::nullopt;
}

int32_t Schema::Intern(std::string_view s) {
  auto [it, fresh] = ids_.try_emplace(std::string(s), static_cast<int32_t>(strings_.size()));
  if (fresh) strings_.emplace_back(s);
  return it->second;
}

int32_t Schema::Lookup(std::string_view s) const {
  auto it = ids_.find(std::string(s));
  return it == ids_.end() ? -1 : it->second;
}

std::optional<double> Schema::ParseDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  const std::string text(s);
  if (!ValidCivilDate(std::atoi(text.substr(0, 4).c_str()), std::atoi(text.substr(5, 2).c_str()),
                      std::atoi(text.substr(8, 2).c_str()))) {
    return std::nullopt;
  }
  auto t = ParseRfc3339(std::string(s) + "T00:00:00Z");
  if (!t) return std::nullopt;
  return static_cast<double>(*t / 86'400'000);
}

std::string Schema::FormatDate(double days) {
  return FormatRfc3339(static_cast<int64_t>(days) * 86'400'000).substr(0, 10);
}

Result<Entity> Schema::EntityFromJson(const std::string& id, const json& j) {
  if (!j.is_object()) return InvalidArgument("profile: must be an object of attributes");
  Entity e{id, std::vector<double>(numbers_, kMissing), std::vector<int32_t>(strings_count_, -1),
           std::vector<std::vector<int32_t>>(sets_)};
  for (const auto& [name, v] : j.items()) {
    auto index = Find(name);
    if (!index) return InvalidArgument(name + ": unknown attribute");
    if (v.is_null()) continue;
    const int slot = slots_[*index];
    const std::string want = std::string(TypeName(attributes_[*index].type));
    switch (attributes_[*index].type) {
      case Type::kNumber:
        if (!v.is_number()) return InvalidArgument(name + ": must be a " + want);
        e.numbers[slot] = v.get<double>();
        if (!std::isfinite(e.numbers[slot])) return InvalidArgument(name + ": must be finite");
        break;
      case Type::kBool:
        if (!v.is_boolean()) return InvalidArgument(name + ": must be a " + want);
        e.numbers[slot] = v.get<bool>() ? 1 : 0;
        break;
      case Type::kDate: {
        auto d = v.is_string() ? ParseDate(v.get<std::string>()) : std::nullopt;
        if (!d) return InvalidArgument(name + ": must be a date YYYY-MM-DD");
        e.numbers[slot] = *d;
        break;
      }
      case Type::kString:
        if (!v.is_string()) return InvalidArgument(name + ": must be a " + want);
        e.strings[slot] = Intern(v.get<std::string>());
        break;
      case Type::kSet:
        if (!v.is_array()) return InvalidArgument(name + ": must be an array of strings");
        for (const json& item : v) {
          if (!item.is_string()) return InvalidArgument(name + ": must be an array of strings");
          e.sets[slot].push_back(Intern(item.get<std::string>()));
        }
        std::sort(e.sets[slot].begin(), e.sets[slot].end());
        e.sets[slot].erase(std::unique(e.sets[slot].begin(), e.sets[slot].end()),
                           e.sets[slot].end());
        break;
    }
  }
  return e;
}

json Schema::EntityToJson(const Entity& e) const {
  json out = json::object();
  for (size_t i = 0; i < attributes_.size(); ++i) {
    const int slot = slots_[i];
    const Attribute& a = attributes_[i];
    switch (a.type) {
      case Type::kNumber: {
        const double v = e.numbers[slot];
        if (std::isnan(v)) break;
        if (v == std::floor(v) && std::abs(v) < 9e15) {
          out[a.name] = static_cast<int64_t>(v);
        } else {
          out[a.name] = v;
        }
        break;
      }
      case Type::kBool:
        if (!std::isnan(e.numbers[slot])) out[a.name] = e.numbers[slot] != 0;
        break;
      case Type::kDate:
        if (!std::isnan(e.numbers[slot])) out[a.name] = FormatDate(e.numbers[slot]);
        break;
      case Type::kString:
        if (e.strings[slot] >= 0) out[a.name] = strings_[e.strings[slot]];
        break;
      case Type::kSet: {
        std::vector<std::string> items;
        for (int32_t id : e.sets[slot]) items.push_back(strings_[id]);
        std::sort(items.begin(), items.end());
        if (!items.empty()) out[a.name] = items;
        break;
      }
    }
  }
  return out;
}

}  // namespace qt::match
