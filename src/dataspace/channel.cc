#include "dataspace/channel.h"

#include <charconv>
#include <cmath>
#include <set>
#include <unordered_map>

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

// A measured integer; SQLite gives integers for COUNT and for SUM over the
// clamped integers, so anything else is 0 rather than an error that would
// depend on the data.
int64_t AsInt(const Cell& c) {
  if (!c) return 0;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(c->data(), c->data() + c->size(), v);
  if (ec == std::errc() && ptr == c->data() + c->size()) return v;
  return static_cast<int64_t>(std::llround(std::strtod(c->c_str(), nullptr)));
}

// The joined key of a group, for looking cells up.
std::string JoinKey(const std::vector<const std::string*>& parts) {
  std::string out;
  for (const std::string* p : parts) out += *p + '\x1f';
  return out;
}

}  // namespace

std::string_view KeyReleaseName(KeyRelease k) {
  switch (k) {
    case KeyRelease::kNone:
      return "none";
    case KeyRelease::kPublicDomain:
      return "public_domain";
    case KeyRelease::kPartitionSelection:
      return "partition_selection";
  }
  return "none";
}

KeyRelease KeyReleaseOf(const AggregateQuery& q, const Schema& schema) {
  if (q.group_by.empty()) return KeyRelease::kNone;
  size_t cells = 1;
  for (const std::string& g : q.group_by) {
    const size_t n = PublicDomain(schema[*FindField(schema, g)]).size();
    if (n == 0 || cells * n > kMaxDomainCells) return KeyRelease::kPartitionSelection;
    cells *= n;
  }
  return KeyRelease::kPublicDomain;
}

int64_t PartitionThreshold(int64_t epsilon_milli, int64_t delta_pico) {
  // The count's noise X is discrete Laplace with P(X = x) proportional to
  // p^|x|, p = exp(-epsilon); for m >= 1, P(X >= m) = p^m / (1 + p). A group
  // of one row is released when 1 + X >= T, so T - 1 is the least m with
  // p^m / (1 + p) <= delta.
  const double eps = static_cast<double>(epsilon_milli) / 1000.0;
  const double delta = static_cast<double>(delta_pico) * 1e-12;
  const double p = std::exp(-eps);
  auto tail = [&](int64_t m) { return std::exp(-eps * static_cast<double>(m)) / (1.0 + p); };
  int64_t m = std::max<int64_t>(
      1, static_cast<int64_t>(std::ceil(std::log(1.0 / (delta * (1.0 + p))) / eps)));
  while (tail(m) > delta) ++m;  // floating point: never below the bound
  return m + 1;
}

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
  answer.keys = KeyReleaseOf(q, schema);
  answer.threshold = std::max<int64_t>(1, min_group_size);
  if (answer.keys == KeyRelease::kPartitionSelection) {
    answer.delta_pico = kDeltaPerQueryPico;
    answer.threshold = std::max(answer.threshold, PartitionThreshold(eps, kDeltaPerQueryPico));
  }
  QT_ASSIGN_OR_RETURN(Compiled c, Compile(q, schema));
  QT_ASSIGN_OR_RETURN(auto rows, db.Query(c.sql, c.params));
  for (const SelectItem& s : q.select) answer.columns.push_back(s.label);

  // Measures one group (`row` null: a cell of the public domain with no
  // rows) and releases it if its noisy count reaches the threshold.
  const std::vector<Cell> kEmpty(c.keys + 1 + answer.measurements);
  auto measure = [&](const std::vector<Cell>& row, const std::vector<const std::string*>& key) {
    const int64_t noisy_count = AsInt(row[c.keys]) + LaplaceNoise(random, 1, eps);
    if (noisy_count < answer.threshold) return;
    json out = json::array();
    size_t col = c.keys + 1;
    for (const SelectItem& s : q.select) {
      switch (s.kind) {
        case Kind::kGroupField: {
          size_t k = std::find(q.group_by.begin(), q.group_by.end(), s.field) - q.group_by.begin();
          out.push_back(key[k] ? json(*key[k]) : json(nullptr));
          break;
        }
        case Kind::kCount:
          out.push_back(noisy_count);
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
  };

  switch (answer.keys) {
    case KeyRelease::kNone:
      // An aggregate without GROUP BY is one row, even over no rows.
      measure(rows.empty() ? kEmpty : rows[0], {});
      break;
    case KeyRelease::kPartitionSelection:
      for (const auto& row : rows) {
        std::vector<const std::string*> key;
        for (size_t k = 0; k < c.keys; ++k) key.push_back(row[k] ? &*row[k] : nullptr);
        measure(row, key);
      }
      break;
    case KeyRelease::kPublicDomain: {
      std::vector<std::vector<std::string>> domains;
      std::vector<std::set<std::string_view>> members;
      for (const std::string& g : q.group_by) {
        domains.push_back(PublicDomain(schema[*FindField(schema, g)]));
        members.emplace_back(domains.back().begin(), domains.back().end());
      }
      std::unordered_map<std::string, size_t> present;  // joined key -> row
      for (size_t i = 0; i < rows.size(); ++i) {
        std::vector<const std::string*> key;
        bool in_domain = true;
        for (size_t k = 0; k < c.keys && in_domain; ++k) {
          in_domain = rows[i][k] && members[k].contains(*rows[i][k]);
          if (in_domain) key.push_back(&*rows[i][k]);
        }
        if (in_domain) present.emplace(JoinKey(key), i);
      }
      std::vector<size_t> digit(c.keys, 0);  // the cell, as indices into the domains
      while (true) {
        std::vector<const std::string*> key;
        for (size_t k = 0; k < c.keys; ++k) key.push_back(&domains[k][digit[k]]);
        auto it = present.find(JoinKey(key));
        measure(it == present.end() ? kEmpty : rows[it->second], key);
        size_t k = c.keys;
        while (k > 0 && ++digit[k - 1] == domains[k - 1].size()) digit[--k] = 0;
        if (k == 0) break;
      }
      break;
    }
  }
  return answer;
}

}  // namespace qt::dataspace
