#include "dataspace/channel.h"

#include <cmath>

#include "dataspace/noise.h"

namespace qt::dataspace {
namespace {

using nlohmann::json;
using Kind = SelectItem::Kind;

struct Compiled {
  std::string sql;
  std::vector<ProductDb::Param> params;
  // Columns of the SQL result: the group keys, the row count, then per
  // aggregate its one or two measured columns.
  size_t keys = 0;
};

std::string Clamped(const Field& f) {
  return "MAX(" + std::to_string(*f.min) + ", MIN(" + std::to_string(*f.max) + ", " +
         QuoteIdentifier(f.name) + "))";
}

Result<ProductDb::Param> Bind(const Field& f, const Literal& v) {
  if (!v.is_number) return ProductDb::Param(v.text);
  if (f.type == FieldType::kText || f.type == FieldType::kDate) {
    return InvalidArgument("'" + f.name + "' holds text: compare it with 'quoted' values");
  }
  if (v.text.find('.') == std::string::npos) {
    try {
      return ProductDb::Param(int64_t{std::stoll(v.text)});
    } catch (const std::exception&) {
      return InvalidArgument("the number " + v.text + " is out of range");
    }
  }
  return ProductDb::Param(std::stod(v.text));
}

Status CompileCondition(const Condition& c, const Schema& schema, std::string& sql,
                        std::vector<ProductDb::Param>& params) {
  using CK = Condition::Kind;
  if (c.kind == CK::kAnd || c.kind == CK::kOr) {
    sql += "(";
    for (size_t i = 0; i < c.children.size(); ++i) {
      if (i) sql += c.kind == CK::kAnd ? " AND " : " OR ";
      QT_RETURN_IF_ERROR(CompileCondition(c.children[i], schema, sql, params));
    }
    sql += ")";
    return OkStatus();
  }
  if (c.kind == CK::kNot) {
    sql += "(NOT ";
    QT_RETURN_IF_ERROR(CompileCondition(c.children[0], schema, sql, params));
    sql += ")";
    return OkStatus();
  }
  const Field& f = schema[*FindField(schema, c.field)];
  std::string col = QuoteIdentifier(f.name);
  for (const Literal& v : c.values) {
    QT_ASSIGN_OR_RETURN(ProductDb::Param p, Bind(f, v));
    params.push_back(std::move(p));
  }
  switch (c.kind) {
    case CK::kCompare:
      sql += "(" + col + " " + c.op + " ?)";
      break;
    case CK::kBetween:
      sql += "(" + col + " BETWEEN ? AND ?)";
      break;
    case CK::kIn:
    case CK::kNotIn: {
      sql += "(" + col + (c.kind == CK::kNotIn ? " NOT IN (" : " IN (");
      for (size_t i = 0; i < c.values.size(); ++i) sql += i ? ", ?" : "?";
      sql += "))";
      break;
    }
    case CK::kIsNull:
      sql += "(" + col + " IS NULL)";
      break;
    case CK::kIsNotNull:
      sql += "(" + col + " IS NOT NULL)";
      break;
    default:
      break;
  }
  return OkStatus();
}

Result<Compiled> Compile(const AggregateQuery& q, const Schema& schema) {
  Compiled out;
  std::string cols;
  for (const auto& g : q.group_by) cols += QuoteIdentifier(g) + ", ";
  out.keys = q.group_by.size();
  cols += "COUNT(*)";
  for (const SelectItem& s : q.select) {
    switch (s.kind) {
      case Kind::kGroupField:
      case Kind::kCount:
        break;
      case Kind::kCountField:
        cols += ", COUNT(" + QuoteIdentifier(s.field) + ")";
        break;
      case Kind::kSum:
        cols += ", SUM(" + Clamped(schema[*FindField(schema, s.field)]) + ")";
        break;
      case Kind::kAvg:
        cols += ", SUM(" + Clamped(schema[*FindField(schema, s.field)]) + "), COUNT(" +
                QuoteIdentifier(s.field) + ")";
        break;
    }
  }
  out.sql = "SELECT " + cols + " FROM data";
  if (q.where) {
    out.sql += " WHERE ";
    QT_RETURN_IF_ERROR(CompileCondition(*q.where, schema, out.sql, out.params));
  }
  if (!q.group_by.empty()) {
    out.sql += " GROUP BY ";
    for (size_t i = 0; i < q.group_by.size(); ++i) {
      out.sql += (i ? ", " : "") + QuoteIdentifier(q.group_by[i]);
    }
  }
  return out;
}

int64_t ClampSensitivity(const Field& f) {
  return std::max(std::llabs(*f.min), std::llabs(*f.max));
}

int64_t AsInt(const Cell& c) { return c ? std::stoll(*c) : 0; }

}  // namespace

Status CheckAgainstSchema(const AggregateQuery& q, const Schema& schema) {
  for (const std::string& name : FieldsUsed(q)) {
    auto i = FindField(schema, name);
    if (!i) return InvalidArgument("the product has no field '" + name + "'");
    if (schema[*i].sensitivity == Sensitivity::kIdentifying) {
      return PermissionDenied("field '" + name +
                              "' is identifying: it never leaves the data space, not even as a "
                              "filter or a group");
    }
  }
  for (const SelectItem& s : q.select) {
    if (s.kind != Kind::kSum && s.kind != Kind::kAvg) continue;
    const Field& f = schema[*FindField(schema, s.field)];
    if (f.type != FieldType::kInteger || !f.min) {
      return InvalidArgument("SUM and AVG need an integer field with declared bounds; '" + f.name +
                             "' has none");
    }
  }
  if (q.group_by.size() > 4) return InvalidArgument("GROUP BY takes at most 4 fields");
  return OkStatus();
}

Result<std::vector<std::vector<Cell>>> RunExact(ProductDb& db, const Schema& schema,
                                                const AggregateQuery& q) {
  QT_ASSIGN_OR_RETURN(Compiled c, Compile(q, schema));
  return db.Query(c.sql, c.params);
}

Result<ChannelAnswer> RunAggregate(ProductDb& db, const Schema& schema, const AggregateQuery& q,
                                   int64_t min_group_size, int64_t epsilon_milli, Random& random) {
  ChannelAnswer answer;
  answer.measurements = 1;  // the row count
  for (const SelectItem& s : q.select) {
    if (s.kind == Kind::kCountField || s.kind == Kind::kSum) answer.measurements += 1;
    if (s.kind == Kind::kAvg) answer.measurements += 2;
  }
  const int64_t eps = epsilon_milli / answer.measurements;
  if (eps < 1) {
    return InvalidArgument("epsilon " + json(epsilon_milli / 1000.0).dump() + " is too small for " +
                           std::to_string(answer.measurements) + " measurements");
  }
  answer.epsilon_milli = epsilon_milli;
  QT_ASSIGN_OR_RETURN(Compiled c, Compile(q, schema));
  QT_ASSIGN_OR_RETURN(auto rows, db.Query(c.sql, c.params));
  for (const SelectItem& s : q.select) answer.columns.push_back(s.label);

  for (const auto& row : rows) {
    // Without GROUP BY an empty selection is one group of 0 rows: suppressed
    // like any small group, so "nothing matched" and "few matched" look alike.
    const int64_t count = AsInt(row[c.keys]);
    ++answer.groups;
    const int64_t noisy_count = count + LaplaceNoise(random, 1, eps);
    if (count < min_group_size || noisy_count < min_group_size) {
      ++answer.suppressed;
      continue;
    }
    json out = json::array();
    size_t col = c.keys + 1;
    for (const SelectItem& s : q.select) {
      switch (s.kind) {
        case Kind::kGroupField: {
          size_t k = std::find(q.group_by.begin(), q.group_by.end(), s.field) - q.group_by.begin();
          out.push_back(row[k] ? json(*row[k]) : json(nullptr));
          break;
        }
        case Kind::kCount:
          out.push_back(std::max<int64_t>(0, noisy_count));
          break;
        case Kind::kCountField:
          out.push_back(std::max<int64_t>(0, AsInt(row[col++]) + LaplaceNoise(random, 1, eps)));
          break;
        case Kind::kSum: {
          const Field& f = schema[*FindField(schema, s.field)];
          out.push_back(AsInt(row[col++]) + LaplaceNoise(random, ClampSensitivity(f), eps));
          break;
        }
        case Kind::kAvg: {
          const Field& f = schema[*FindField(schema, s.field)];
          int64_t sum = AsInt(row[col++]) + LaplaceNoise(random, ClampSensitivity(f), eps);
          int64_t n = std::max<int64_t>(1, AsInt(row[col++]) + LaplaceNoise(random, 1, eps));
          double avg = std::clamp(static_cast<double>(sum) / static_cast<double>(n),
                                  static_cast<double>(*f.min), static_cast<double>(*f.max));
          out.push_back(std::round(avg * 100.0) / 100.0);
          break;
        }
      }
    }
    answer.rows.push_back(std::move(out));
  }
  return answer;
}

}  // namespace qt::dataspace
