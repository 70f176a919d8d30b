#include "dataspace/schema.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "core/text.h"

namespace qt::dataspace {
namespace {

using nlohmann::json;

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  if (!(std::islower(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  for (char c : name) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '_'))
      return false;
  }
  return true;
}

Result<std::vector<std::string>> ParseDomain(const json& j, FieldType type, const std::string& at) {
  if (type != FieldType::kText) return InvalidArgument(at + ": only text fields declare a domain");
  if (!j.is_array() || j.empty() || j.size() > 1000) {
    return InvalidArgument(at + ": must be an array of 1 to 1000 values");
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const json& v : j) {
    if (!v.is_string()) return InvalidArgument(at + ": values must be strings");
    const std::string& text = v.get_ref<const std::string&>();
    QT_RETURN_IF_ERROR(CheckDisplayText(text, 100).WithContext(at));
    if (!seen.insert(text).second) return InvalidArgument(at + ": '" + text + "' appears twice");
    out.push_back(text);
  }
  return out;
}

}  // namespace

std::vector<std::string> PublicDomain(const Field& field) {
  if (!field.domain.empty()) return field.domain;
  std::vector<std::string> out;
  if (field.type == FieldType::kInteger && field.min && *field.max - *field.min < 1000) {
    for (int64_t v = *field.min; v <= *field.max; ++v) out.push_back(std::to_string(v));
  }
  return out;
}

bool ValueFitsField(const Field& field, std::string_view value) {
  if (!ValueFitsType(field.type, value)) return false;
  return field.domain.empty() ||
         std::find(field.domain.begin(), field.domain.end(), value) != field.domain.end();
}

bool IsSqlKeyword(std::string_view name) {
  // SQLite's keywords (the product databases), PostgreSQL's reserved words,
  // and the channel's aggregates.
  static const std::set<std::string, std::less<>> kKeywords = [] {
    std::set<std::string, std::less<>> out;
    std::istringstream words(
        "abort action add after all alter always analyse analyze and any array as asc asymmetric "
        "attach autoincrement avg before begin between both by cascade case cast check collate "
        "column commit conflict constraint count create cross current current_date current_role "
        "current_time current_timestamp current_user database default deferrable deferred delete "
        "desc detach distinct do drop each else end escape except exclude exclusive exists "
        "explain fail false fetch filter first following for foreign from full generated glob "
        "grant group groups having if ignore immediate in index indexed initially inner insert "
        "instead intersect into is isnull join key last lateral leading left like limit localtime "
        "localtimestamp match materialized max min natural no not nothing notnull null nulls of "
        "offset on only or order others outer over partition placing plan pragma preceding "
        "primary query raise range recursive references regexp reindex release rename replace "
        "restrict returning right rollback row rowid rows savepoint select session_user set some "
        "sum symmetric table temp temporary then ties to trailing transaction trigger true "
        "unbounded union unique update user using vacuum values variadic view virtual when where "
        "window with without");
    for (std::string w; words >> w;) out.insert(w);
    return out;
  }();
  return kKeywords.contains(name);
}

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kText:
      return "text";
    case FieldType::kInteger:
      return "integer";
    case FieldType::kReal:
      return "real";
    case FieldType::kDate:
      return "date";
  }
  return "text";
}

std::optional<FieldType> ParseFieldType(std::string_view name) {
  for (FieldType t : {FieldType::kText, FieldType::kInteger, FieldType::kReal, FieldType::kDate}) {
    if (FieldTypeName(t) == name) return t;
  }
  return std::nullopt;
}

std::string_view SensitivityName(Sensitivity s) {
  switch (s) {
    case Sensitivity::kPublic:
      return "public";
    case Sensitivity::kInternal:
      return "internal";
    case Sensitivity::kSensitive:
      return "sensitive";
    case Sensitivity::kIdentifying:
      return "identifying";
  }
  return "identifying";
}

std::optional<Sensitivity> ParseSensitivity(std::string_view name) {
  for (Sensitivity s : {Sensitivity::kPublic, Sensitivity::kInternal, Sensitivity::kSensitive,
                        Sensitivity::kIdentifying}) {
    if (SensitivityName(s) == name) return s;
  }
  return std::nullopt;
}

std::optional<size_t> FindField(const Schema& schema, std::string_view name) {
  for (size_t i = 0; i < schema.size(); ++i) {
    if (schema[i].name == name) return i;
  }
  return std::nullopt;
}

Result<Schema> ParseSchema(const json& fields) {
  if (!fields.is_array() || fields.empty() || fields.size() > kMaxFields) {
    return InvalidArgument("fields: must be an array of 1 to " + std::to_string(kMaxFields) +
                           " fields");
  }
  Schema schema;
  std::set<std::string> names;
  for (size_t i = 0; i < fields.size(); ++i) {
    const json& f = fields[i];
    std::string at = "fields[" + std::to_string(i) + "]";
    if (!f.is_object()) return InvalidArgument(at + ": must be an object");
    for (const auto& [key, _] : f.items()) {
      static const std::set<std::string> kKnown = {
          "name", "label", "type", "sensitivity", "mask", "min", "max", "fingerprint", "domain"};
      if (!kKnown.contains(key)) return InvalidArgument(at + "." + key + ": unknown field");
    }
    Field field;
    if (!f.contains("name") || !f["name"].is_string() || !ValidName(f["name"].get<std::string>())) {
      return InvalidArgument(at + ".name: must be 1-63 of a-z, 0-9, _ starting with a letter or _");
    }
    field.name = f["name"];
    if (IsSqlKeyword(field.name)) {
      return InvalidArgument(at + ".name: '" + field.name +
                             "' is an SQL keyword; choose another name (e.g. " + field.name +
                             "_value)");
    }
    if (!names.insert(field.name).second) {
      return InvalidArgument(at + ".name: '" + field.name + "' appears twice");
    }
    if (f.contains("label")) {
      if (!f["label"].is_string()) return InvalidArgument(at + ".label: must be a string");
      field.label = f["label"];
      QT_RETURN_IF_ERROR(CheckDisplayText(field.label, 100).WithContext(at + ".label"));
    }
    auto text_of = [&](const char* key, std::string fallback) -> Result<std::string> {
      if (!f.contains(key)) return fallback;
      if (!f[key].is_string()) return InvalidArgument(at + "." + key + ": must be a string");
      return f[key].get<std::string>();
    };
    QT_ASSIGN_OR_RETURN(std::string type, text_of("type", "text"));
    auto t = ParseFieldType(type);
    if (!t) return InvalidArgument(at + ".type: must be text, integer, real or date");
    field.type = *t;
    QT_ASSIGN_OR_RETURN(std::string sens, text_of("sensitivity", "internal"));
    auto s = ParseSensitivity(sens);
    if (!s) {
      return InvalidArgument(at +
                             ".sensitivity: must be public, internal, sensitive or identifying");
    }
    field.sensitivity = *s;
    QT_ASSIGN_OR_RETURN(std::string mask, text_of("mask", "none"));
    auto m = ParseMask(mask);
    if (!m) {
      return InvalidArgument(
          at + ".mask: must be none, name, mobile, resident_id, credit_code or redact");
    }
    field.mask = *m;
    for (const char* key : {"min", "max"}) {
      if (!f.contains(key)) continue;
      if (field.type != FieldType::kInteger) {
        return InvalidArgument(at + "." + key + ": only integer fields have bounds");
      }
      if (!f[key].is_number_integer() || std::llabs(f[key].get<int64_t>()) > (int64_t{1} << 40)) {
        return InvalidArgument(at + "." + key + ": must be an integer of at most 2^40 in size");
      }
      (std::string_view(key) == "min" ? field.min : field.max) = f[key].get<int64_t>();
    }
    if (f.contains("fingerprint")) {
      if (!f["fingerprint"].is_boolean())
        return InvalidArgument(at + ".fingerprint: must be true or false");
      field.fingerprint = f["fingerprint"];
      if (field.fingerprint && field.type != FieldType::kInteger) {
        return InvalidArgument(at + ".fingerprint: only integer fields carry fingerprints");
      }
    }
    if (f.contains("domain")) {
      QT_ASSIGN_OR_RETURN(field.domain, ParseDomain(f["domain"], field.type, at + ".domain"));
    }
    if (field.min.has_value() != field.max.has_value() || (field.min && *field.min > *field.max)) {
      return InvalidArgument(at + ": min and max go together, with min <= max");
    }
    schema.push_back(std::move(field));
  }
  return schema;
}

json SchemaJson(const Schema& schema) {
  json out = json::array();
  for (const Field& f : schema) {
    json j = {{"name", f.name},
              {"type", FieldTypeName(f.type)},
              {"sensitivity", SensitivityName(f.sensitivity)},
              {"mask", MaskName(f.mask)}};
    if (!f.label.empty()) j["label"] = f.label;
    if (f.min) j["min"] = *f.min, j["max"] = *f.max;
    if (f.fingerprint) j["fingerprint"] = true;
    if (!f.domain.empty()) j["domain"] = f.domain;
    out.push_back(std::move(j));
  }
  return out;
}

bool ValueFitsType(FieldType type, std::string_view v) {
  switch (type) {
    case FieldType::kText:
      return true;
    case FieldType::kInteger: {
      std::string_view digits = v.starts_with('-') ? v.substr(1) : v;
      if (digits.empty() || digits.size() > 18) return false;
      for (char c : digits) {
        if (c < '0' || c > '9') return false;
      }
      return true;
    }
    case FieldType::kReal: {
      if (v.empty() || v.size() > 40) return false;
      std::string s(v);
      char* end = nullptr;
      double d = std::strtod(s.c_str(), &end);
      return end == s.c_str() + s.size() && std::isfinite(d) &&
             s.find_first_of("xXpPnN") == std::string::npos;  // no hex, inf or nan
    }
    case FieldType::kDate:
      return v.size() == 10 && StandardizeDate(v) == std::string(v);
  }
  return false;
}

Result<Schema> InferSchema(const std::vector<std::string>& header,
                           const std::vector<std::vector<std::string>>& samples) {
  if (header.empty()) return InvalidArgument("the CSV file has no header row");
  // The limits ParseSchema enforces hold for inferred schemas too (a stored
  // schema is parsed again on every read).
  if (header.size() > kMaxFields) {
    return InvalidArgument("header: " + std::to_string(header.size()) +
                           " columns; a source has at most " + std::to_string(kMaxFields) +
                           " (declare fields for fewer)");
  }
  Schema schema;
  std::set<std::string> names;
  for (size_t i = 0; i < header.size(); ++i) {
    Field f;
    f.label = header[i];
    bool letter = false;
    for (char c : header[i]) {
      unsigned char u = static_cast<unsigned char>(c);
      if (u >= 0x80) continue;
      letter = letter || std::isalpha(u);
      f.name += std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '_';
    }
    if (!std::isalpha(static_cast<unsigned char>(f.name[0]))) f.name = "_" + f.name;
    if (!letter || f.name.size() > 63) f.name = "c" + std::to_string(i + 1);
    if (IsSqlKeyword(f.name)) {
      return InvalidArgument("header: column " + std::to_string(i + 1) + " is named '" + f.name +
                             "', an SQL keyword; rename the column or declare the fields");
    }
    if (!names.insert(f.name).second) {
      return InvalidArgument("header: column " + std::to_string(i + 1) + " ('" + header[i] +
                             "') has the same name as an earlier one: " + f.name);
    }
    if (!CheckDisplayText(f.label, 100).ok()) f.label.clear();
    for (FieldType t : {FieldType::kInteger, FieldType::kReal, FieldType::kDate}) {
      bool fits = true, any = false;
      for (const auto& row : samples) {
        if (i >= row.size() || row[i].empty()) continue;
        any = true;
        fits = fits && ValueFitsType(t, row[i]);
      }
      if (any && fits) {
        f.type = t;
        break;
      }
    }
    schema.push_back(std::move(f));
  }
  // What is stored must read back: the inferred schema passes the same checks
  // as a declared one (names, labels, limits).
  QT_RETURN_IF_ERROR(ParseSchema(SchemaJson(schema)).status().WithContext("inferred schema"));
  return schema;
}

}  // namespace qt::dataspace
