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
    case Type::kMoney:
      return "money";
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

std::string Schema::JsonKey(const Attribute& a) {
  return a.type == Type::kMoney ? a.name + "_fen" : a.name;
}

std::optional<int> Schema::FindJsonKey(std::string_view key) const {
  for (size_t i = 0; i < attributes_.size(); ++i) {
    if (JsonKey(attributes_[i]) == key) return static_cast<int>(i);
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

std::optional<int64_t> Schema::YuanToFen(std::string_view decimal, int power, Rounding rounding) {
  std::string_view s = decimal;
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) s.remove_prefix(1);
  // The digits, how many of them follow the point, and the exponent.
  std::string digits;
  int fraction = 0;
  bool point = false;
  size_t i = 0;
  for (; i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'); ++i) {
    if (s[i] == '.') {
      if (point) return std::nullopt;
      point = true;
    } else {
      digits += s[i];
      fraction += point ? 1 : 0;
    }
  }
  if (digits.empty()) return std::nullopt;
  int exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    const std::string rest(s.substr(i + 1));
    char* stop = nullptr;
    const long e = std::strtol(rest.c_str(), &stop, 10);
    if (rest.empty() || stop != rest.c_str() + rest.size() || e < -400 || e > 400)
      return std::nullopt;
    exponent = static_cast<int>(e);
    i = s.size();
  }
  if (i != s.size()) return std::nullopt;
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  // fen = digits x 10^shift
  const int shift = exponent - fraction + power + 2;
  std::string whole = digits;
  bool up = false;
  if (shift >= 0) {
    if (!whole.empty()) whole.append(static_cast<size_t>(shift), '0');
  } else {
    const size_t cut = static_cast<size_t>(-shift);
    const std::string dropped = cut >= whole.size() ? std::string(cut - whole.size(), '0') + whole
                                                    : whole.substr(whole.size() - cut);
    whole = cut >= whole.size() ? "" : whole.substr(0, whole.size() - cut);
    if (dropped.find_first_not_of('0') != std::string::npos) {
      if (rounding == Rounding::kExact) return std::nullopt;
      up = dropped[0] >= '5';
    }
  }
  if (whole.size() > 16) return std::nullopt;
  int64_t fen = 0;
  for (char c : whole) fen = fen * 10 + (c - '0');
  fen += up ? 1 : 0;
  if (fen > kMaxFen) return std::nullopt;
  return negative ? -fen : fen;
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
    auto index = FindJsonKey(name);
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
      case Type::kMoney: {
        const bool whole = v.is_number_integer();
        const int64_t fen =
            whole ? (v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX ? kMaxFen + 1
                                                                             : v.get<int64_t>())
                  : 0;
        if (!whole || fen > kMaxFen || fen < -kMaxFen) {
          return InvalidArgument(name + ": must be a whole number of fen (at most 2^53)");
        }
        e.numbers[slot] = static_cast<double>(fen);
        break;
      }
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
      case Type::kMoney:
        if (!std::isnan(e.numbers[slot])) out[JsonKey(a)] = static_cast<int64_t>(e.numbers[slot]);
        break;
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
