#include "api/json_body.h"

#include <fmt/format.h>

namespace qt::api {
namespace {

std::string TypeName(const nlohmann::json& j) {
  if (j.is_number_integer()) return "an integer";
  if (j.is_number()) return "a number";
  return std::string("a ") + j.type_name();
}

std::string Joined(const std::vector<std::string>& v) {
  return fmt::format("{}", fmt::join(v, ", "));
}

}  // namespace

namespace {

// A SAX pass that finds a key given twice in one object: parsers disagree on
// which one wins, so a proxy or a signature check could read a different value
// from the one acted on. (A parse callback could do this in the same pass, but
// nlohmann's callback parser is quadratic in an array's length.)
class DuplicateKeyFinder : public nlohmann::json_sax<nlohmann::json> {
 public:
  std::string duplicate;  // the first key given twice, if any

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override {
    open_.emplace_back();
    return true;
  }
  bool key(string_t& k) override {
    if (!open_.empty() && !open_.back().insert(k).second && duplicate.empty()) duplicate = k;
    return true;
  }
  bool end_object() override {
    if (!open_.empty()) open_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  std::vector<std::set<std::string>> open_;  // the keys of each open object
};

}  // namespace

Result<JsonBody> JsonBody::Parse(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("request body is not valid JSON");
  DuplicateKeyFinder finder;
  nlohmann::json::sax_parse(text, &finder);
  if (!finder.duplicate.empty()) {
    return InvalidArgument("request body holds the key '" + finder.duplicate.substr(0, 64) +
                           "' twice");
  }
  if (!j.is_object()) return InvalidArgument("request body must be a JSON object");
  return JsonBody(std::move(j));
}

const nlohmann::json* JsonBody::Find(const std::string& field) {
  read_.insert(field);
  auto it = json_.find(field);
  if (it == json_.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<qt::Date> JsonBody::Date(const std::string& field) {
  QT_ASSIGN_OR_RETURN(std::string text, String(field, 10));
  std::optional<qt::Date> day = qt::Date::Parse(text);
  if (!day) return InvalidArgument(Named(field) + ": must be a day written YYYY-MM-DD");
  return *day;
}

Result<std::string> JsonBody::String(const std::string& field, size_t max_bytes) {
  const nlohmann::json* v = Find(field);
  if (v == nullptr) return InvalidArgument(Named(field) + ": is required");
  if (!v->is_string())
    return InvalidArgument(Named(field) + ": must be a string, got " + TypeName(*v));
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() > max_bytes) {
    return InvalidArgument(
        fmt::format("{}: is {} bytes long, at most {} allowed", Named(field), s.size(), max_bytes));
  }
  return s;
}

std::optional<nlohmann::json> JsonBody::OptionalValue(const std::string& field) {
  const nlohmann::json* v = Find(field);
  if (v == nullptr) return std::nullopt;
  return *v;
}

Result<std::vector<std::string>> JsonBody::OptionalStrings(const std::string& field,
                                                           size_t max_items, size_t max_bytes) {
  const nlohmann::json* v = Find(field);
  std::vector<std::string> out;
  if (v == nullptr) return out;
  if (!v->is_array() || v->size() > max_items) {
    return InvalidArgument(
        fmt::format("{}: must be an array of at most {} strings", Named(field), max_items));
  }
  for (const auto& item : *v) {
    if (!item.is_string() || item.get_ref<const std::string&>().size() > max_bytes) {
      return InvalidArgument(
          fmt::format("{}: must hold strings of at most {} bytes", Named(field), max_bytes));
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<std::string> JsonBody::OptionalString(const std::string& field, size_t max_bytes,
                                             std::string fallback) {
  if (Find(field) == nullptr) return fallback;
  return String(field, max_bytes);
}

Result<int64_t> JsonBody::OptionalInt(const std::string& field, int64_t fallback, int64_t min,
                                      int64_t max) {
  const nlohmann::json* v = Find(field);
  if (v == nullptr) return fallback;
  if (v->is_number_float() || !v->is_number()) {
    return InvalidArgument(Named(field) + ": must be an integer, got " + TypeName(*v));
  }
  // Unsigned values above INT64_MAX are out of range too.
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(max)) {
    return InvalidArgument(fmt::format("{}: must be between {} and {}", Named(field), min, max));
  }
  int64_t n = v->get<int64_t>();
  if (n < min || n > max) {
    return InvalidArgument(fmt::format("{}: must be between {} and {}", Named(field), min, max));
  }
  return n;
}

Result<int64_t> JsonBody::Int(const std::string& field, int64_t min, int64_t max) {
  if (Find(field) == nullptr) return InvalidArgument(Named(field) + ": is required");
  return OptionalInt(field, min, min, max);
}

Result<std::string> JsonBody::Enum(const std::string& field,
                                   const std::vector<std::string>& allowed) {
  QT_ASSIGN_OR_RETURN(std::string s, String(field, 64));
  for (const auto& a : allowed) {
    if (a == s) return s;
  }
  return InvalidArgument(
      fmt::format("{}: '{}' is not one of {}", Named(field), s, Joined(allowed)));
}

Result<std::string> JsonBody::OptionalEnum(const std::string& field,
                                           const std::vector<std::string>& allowed,
                                           std::string fallback) {
  if (Find(field) == nullptr) return fallback;
  return Enum(field, allowed);
}

Result<bool> JsonBody::OptionalBool(const std::string& field, bool fallback) {
  const nlohmann::json* v = Find(field);
  if (v == nullptr) return fallback;
  if (!v->is_boolean())
    return InvalidArgument(Named(field) + ": must be true or false, got " + TypeName(*v));
  return v->get<bool>();
}

Result<std::vector<JsonBody>> JsonBody::Objects(const std::string& field, size_t max_items) {
  const nlohmann::json* v = Find(field);
  if (v == nullptr) return InvalidArgument(Named(field) + ": is required");
  if (!v->is_array())
    return InvalidArgument(Named(field) + ": must be an array, got " + TypeName(*v));
  if (v->empty() || v->size() > max_items) {
    return InvalidArgument(fmt::format("{}: must hold 1 to {} items", Named(field), max_items));
  }
  std::vector<JsonBody> out;
  for (size_t i = 0; i < v->size(); ++i) {
    const nlohmann::json& item = (*v)[i];
    std::string name = fmt::format("{}[{}]", Named(field), i);
    if (!item.is_object())
      return InvalidArgument(name + ": must be an object, got " + TypeName(item));
    JsonBody b(item);
    b.prefix_ = name + ".";
    out.push_back(std::move(b));
  }
  return out;
}

Result<std::map<std::string, int64_t>> JsonBody::IntMap(const std::string& field, int64_t min,
                                                        int64_t max, size_t max_items) {
  const nlohmann::json* v = Find(field);
  if (v == nullptr) return InvalidArgument(Named(field) + ": is required");
  if (!v->is_object())
    return InvalidArgument(Named(field) + ": must be an object, got " + TypeName(*v));
  if (v->empty() || v->size() > max_items) {
    return InvalidArgument(fmt::format("{}: must hold 1 to {} entries", Named(field), max_items));
  }
  std::map<std::string, int64_t> out;
  for (const auto& [key, value] : v->items()) {
    std::string name = Named(field) + "." + key;
    if (value.is_number_float() || !value.is_number() ||
        (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(max)) ||
        value.get<int64_t>() < min || value.get<int64_t>() > max) {
      return InvalidArgument(
          fmt::format("{}: must be an integer between {} and {}", name, min, max));
    }
    out[key] = value.get<int64_t>();
  }
  return out;
}

Status JsonBody::Finish() const {
  for (const auto& [key, value] : json_.items()) {
    if (!read_.contains(key)) return InvalidArgument(prefix_ + key + ": unknown field");
  }
  return OkStatus();
}

}  // namespace qt::api
