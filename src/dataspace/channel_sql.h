// The SQL the virtual channel accepts (docs/dataspace/channel.md): one
// SELECT of aggregates over the product's table, with a WHERE filter and
// GROUP BY.
//
//   query     := SELECT item {, item} FROM name [WHERE cond] [GROUP BY name {, name}] [;]
//   item      := COUNT(*) | COUNT(name) | SUM(name) | AVG(name) | name   [AS name]
//                (a bare name must be a GROUP BY field)
//   cond      := term {OR term};  term := factor {AND factor}
//   factor    := NOT factor | ( cond ) | name op literal | name BETWEEN literal AND literal
//              | name [NOT] IN ( literal {, literal} ) | name IS [NOT] NULL
//   op        := = | != | <> | < | <= | > | >=
//   literal   := number | 'text' ('' inside for a quote)
// Keywords are case-insensitive. Everything else is refused with a reason:
// SELECT *, DISTINCT, ORDER BY, LIMIT, OFFSET, UNION, HAVING, JOIN,
// subqueries, functions other than COUNT/SUM/AVG, comments, several
// statements.
//
// Thread-safety: pure functions.
#ifndef QIANTANG_DATASPACE_CHANNEL_SQL_H_
#define QIANTANG_DATASPACE_CHANNEL_SQL_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace qt::dataspace {

struct Literal {
  bool is_number = false;
  std::string text{};  // the number as written, or the string's value
};

struct Condition {
  enum class Kind { kAnd, kOr, kNot, kCompare, kBetween, kIn, kNotIn, kIsNull, kIsNotNull };
  Kind kind;
  std::string field{};                // leaves
  std::string op{};                   // kCompare: "=", "!=", "<", "<=", ">", ">="
  std::vector<Literal> values{};      // kCompare 1, kBetween 2, kIn 1+
  std::vector<Condition> children{};  // kAnd, kOr 2+; kNot 1
};

struct SelectItem {
  enum class Kind { kGroupField, kCount, kCountField, kSum, kAvg };
  Kind kind;
  std::string field{};  // empty for COUNT(*)
  std::string label{};  // AS name, or "count", "sum_income", the field's name
};

struct AggregateQuery {
  std::vector<SelectItem> select{};
  std::string table{};
  std::optional<Condition> where{};
  std::vector<std::string> group_by{};
};

// invalid_argument with the reason, e.g. "ORDER BY is not in the channel's
// subset: answers are aggregates, not rows".
Result<AggregateQuery> ParseChannelSql(std::string_view sql);

// Every field the query touches, in order of first mention, without repeats.
std::vector<std::string> FieldsUsed(const AggregateQuery& q);

}  // namespace qt::dataspace

#endif  // QIANTANG_DATASPACE_CHANNEL_SQL_H_
