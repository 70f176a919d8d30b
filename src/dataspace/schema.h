// The shape of data in the data space: fields with a type, a sensitivity
// level, a preview mask and, for numbers, the clamping bounds the channel uses
// to bound one row's contribution to a sum (channel.h).
//
// JSON form (a source's declared schema, a pipeline's output, a product):
//   {"name": "income_fen", "type": "integer", "sensitivity": "sensitive",
//    "mask": "none", "min": 0, "max": 10000000}
//   {"name": "district", "type": "text", "domain": ["上城区", "拱墅区", ...]}
//
// Sensitivity levels, after GB/T 43697-2024's classification of personal and
// important data, from least to most protected:
//   public       may be shown as is
//   internal     shown in previews, queryable through the channel
//   sensitive    never shown raw in previews unless masked; queryable
//   identifying  identifies a person or company (name, phone, ID number):
//                never returned by the channel in any form, not even as a
//                group key or a filter; only PSI (issue 8) may use it.
//
// Thread-safety: value types.
#ifndef QIANTANG_DATASPACE_SCHEMA_H_
#define QIANTANG_DATASPACE_SCHEMA_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "dataspace/standardize.h"

namespace qt::dataspace {

enum class FieldType { kText, kInteger, kReal, kDate };
std::string_view FieldTypeName(FieldType type);  // "text", "integer", "real", "date"
std::optional<FieldType> ParseFieldType(std::string_view name);

enum class Sensitivity { kPublic, kInternal, kSensitive, kIdentifying };
std::string_view SensitivityName(Sensitivity s);
std::optional<Sensitivity> ParseSensitivity(std::string_view name);

struct Field {
  std::string name{};   // [a-z_][a-z0-9_]{0,62}: also the column name in the product database
  std::string label{};  // for people, e.g. "姓名" (may be empty)
  FieldType type = FieldType::kText;
  Sensitivity sensitivity = Sensitivity::kInternal;
  Mask mask = Mask::kNone;
  // Clamping bounds of integer fields (required for SUM and AVG in the channel).
  std::optional<int64_t> min{}, max{};
  // An integer field whose last digit is not critical: delivered copies carry
  // a per-recipient fingerprint in it (privacy/delivery.h).
  bool fingerprint = false;
  // The public domain of a text field: every value it may take, declared by
  // the holder as public knowledge (the districts of Hangzhou, the months of
  // a year); 1 to 1,000 distinct values of at most 100 bytes. Values outside
  // it are invalid (a pipeline nulls them). The channel releases a GROUP BY
  // over fields with a public domain as a noisy count for every value, so
  // which keys appear depends on noise only (channel.h).
  std::vector<std::string> domain{};
};

// The public domain of a field as group keys: a text field's declared domain,
// or every integer of a bounded integer field spanning at most 1,000 values;
// empty when the field has none.
std::vector<std::string> PublicDomain(const Field& field);

using Schema = std::vector<Field>;

// Index of the field called `name`, or nullopt.
std::optional<size_t> FindField(const Schema& schema, std::string_view name);

// At most this many fields in a schema, declared or inferred.
inline constexpr size_t kMaxFields = 500;

// True if `name` is an SQL keyword (SQLite's, PostgreSQL's reserved words, the
// channel's aggregates): such a field name is refused, declared or inferred,
// since it could not be used unquoted in a channel query.
bool IsSqlKeyword(std::string_view name);

// Parses and validates a JSON array of fields; errors name "fields[i].x"; a
// name that is an SQL keyword is refused.
Result<Schema> ParseSchema(const nlohmann::json& fields);
nlohmann::json SchemaJson(const Schema& schema);

// A value is valid for a type when: integer = optional minus and 1-18
// digits; real = a finite decimal number; date = YYYY-MM-DD; text = any UTF-8.
bool ValueFitsType(FieldType type, std::string_view value);
// ValueFitsType, and a member of the field's declared domain if it has one.
bool ValueFitsField(const Field& field, std::string_view value);

// Infers a schema from a CSV header and sample rows: the narrowest type every
// non-empty sample value fits (integer, real, date, else text); names are the
// header lower-cased with other characters turned to '_', or "c1", "c2"... for
// headers with no ASCII letter (or too long a name); labels are the header
// text. invalid_argument if two names collide, a name is an SQL keyword, the
// header is empty or has more than kMaxFields columns: the result always
// passes ParseSchema, so what is stored reads back.
Result<Schema> InferSchema(const std::vector<std::string>& header,
                           const std::vector<std::vector<std::string>>& samples);

}  // namespace qt::dataspace

#endif  // QIANTANG_DATASPACE_SCHEMA_H_
