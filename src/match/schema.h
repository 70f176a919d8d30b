// Attributes of the entities rules speak about, and entities as values of
// them. A schema is fixed before rules are compiled against it; string values
// are interned (a rule compares ids, not text).
//
// Types: number (64-bit float; counts are exact below 2^53), money (whole
// fen; in JSON as the integer "<name>_fen", in rules as yuan, see rule.h),
// string, bool, date (days since 1970-01-01; written YYYY-MM-DD), set of
// strings.
//
// Thread-safety: build a schema on one thread; after that, reading (Find,
// Intern of a known string, Entity evaluation) is safe from many threads, and
// Intern of new strings must not race with readers.
#ifndef QIANTANG_MATCH_SCHEMA_H_
#define QIANTANG_MATCH_SCHEMA_H_

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace qt::match {

enum class Type { kNumber, kMoney, kString, kBool, kDate, kSet };
std::string_view TypeName(Type t);

struct Attribute {
  std::string name;
  Type type = Type::kNumber;
  std::string description;
};

// An entity: one slot per attribute. Missing values: NaN numbers/dates/bools,
// -1 strings, empty sets.
struct Entity {
  std::string id;
  std::vector<double> numbers;   // number, money (fen), bool (0/1), date (days) attributes, by slot
  std::vector<int32_t> strings;  // interned string ids, by slot
  std::vector<std::vector<int32_t>> sets;  // sorted interned ids, by slot
};

class Schema {
 public:
  static constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();
  // The largest money amount in fen: whole fen are exact in a double below it.
  static constexpr int64_t kMaxFen = int64_t{1} << 53;

  // invalid_argument for a bad or duplicate name.
  Status Add(Attribute a);
  const std::vector<Attribute>& attributes() const { return attributes_; }
  // Index of the attribute, or nullopt.
  std::optional<int> Find(std::string_view name) const;
  // Index of the attribute whose JsonKey is `key`, or nullopt.
  std::optional<int> FindJsonKey(std::string_view key) const;
  // The slot of attribute `index` within its storage (numbers, strings or sets).
  int Slot(int index) const { return slots_[index]; }
  Type TypeOf(int index) const { return attributes_[index].type; }

  int32_t Intern(std::string_view s);
  // -1 if never interned (no entity or rule uses it).
  int32_t Lookup(std::string_view s) const;
  const std::string& Text(int32_t id) const { return strings_[id]; }

  // The key of attribute `a` in JSON: its name, or "<name>_fen" for money.
  static std::string JsonKey(const Attribute& a);
  // An entity from JSON {"key": value, ...} (keys as JsonKey): numbers,
  // money as integers of fen (at most kMaxFen either way), strings,
  // booleans, dates as "YYYY-MM-DD", sets as arrays of strings.
  // invalid_argument naming an unknown key or a value of the wrong type.
  Result<Entity> EntityFromJson(const std::string& id, const nlohmann::json& j);
  nlohmann::json EntityToJson(const Entity& e) const;
  // Money as people write it: `decimal` yuan ("4999999.99", "-3", "1.5e+07")
  // times 10^`power`, in fen. nullopt if it is not a decimal number, if it is
  // beyond kMaxFen, or, kExact, if it is not a whole number of fen; kNearest
  // rounds half away from zero.
  enum class Rounding { kExact, kNearest };
  static std::optional<int64_t> YuanToFen(std::string_view decimal, int power, Rounding rounding);
  // "YYYY-MM-DD" -> days since the epoch; nullopt if not a date.
  static std::optional<double> ParseDate(std::string_view s);
  static std::string FormatDate(double days);

 private:
  std::vector<Attribute> attributes_;
  std::vector<int> slots_;
  int numbers_ = 0, strings_count_ = 0, sets_ = 0;
  std::vector<std::string> strings_;
  std::unordered_map<std::string, int32_t> ids_;
};

}  // namespace qt::match

#endif  // QIANTANG_MATCH_SCHEMA_H_
