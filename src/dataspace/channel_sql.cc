#include "dataspace/channel_sql.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "core/text.h"

namespace qt::dataspace {
namespace {

struct Token {
  enum class Type { kWord, kNumber, kString, kSymbol, kEnd };
  Type type;
  std::string text;  // words upper-cased in `upper`, as written in `text`
  std::string upper;
  size_t pos;
};

// `t` is the symbol `s` (a string '(' or ';' is text, not syntax).
bool IsSymbol(const Token& t, std::string_view s) {
  return t.type == Token::Type::kSymbol && t.text == s;
}

constexpr size_t kMaxSqlBytes = 10'000;
constexpr int kMaxDepth = 32;

Result<std::vector<Token>> Tokenize(std::string_view sql) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    size_t start = i;
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      while (i < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_'))
        ++i;
      std::string w(sql.substr(start, i - start)), up = w;
      for (char& ch : up) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      out.push_back({Token::Type::kWord, w, up, start});
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '-' && i + 1 < sql.size() &&
                std::isdigit(static_cast<unsigned char>(sql[i + 1])))) {
      ++i;
      bool dot = false;
      while (i < sql.size() &&
             (std::isdigit(static_cast<unsigned char>(sql[i])) || (sql[i] == '.' && !dot))) {
        dot = dot || sql[i] == '.';
        ++i;
      }
      if (i - start > 40)
        return InvalidArgument("a number at " + std::to_string(start) + " is too long");
      out.push_back({Token::Type::kNumber, std::string(sql.substr(start, i - start)), "", start});
    } else if (c == '\'') {
      std::string value;
      ++i;
      while (true) {
        if (i >= sql.size())
          return InvalidArgument("a text literal at " + std::to_string(start) + " is not closed");
        if (sql[i] == '\'') {
          if (i + 1 < sql.size() && sql[i + 1] == '\'') {
            value += '\'';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        value += sql[i++];
      }
      out.push_back({Token::Type::kString, value, "", start});
    } else if (sql.substr(i, 2) == "--" || sql.substr(i, 2) == "/*") {
      return InvalidArgument("comments are not in the channel's subset");
    } else {
      static const std::vector<std::string> kSymbols = {"<=", ">=", "!=", "<>", "(", ")", ",",
                                                        "*",  "=",  "<",  ">",  ";", "."};
      bool found = false;
      for (const auto& s : kSymbols) {
        if (sql.substr(i, s.size()) == s) {
          out.push_back({Token::Type::kSymbol, s, s, i});
          i += s.size();
          found = true;
          break;
        }
      }
      if (!found) {
        size_t next = i;  // the whole character, not one byte of it
        if (!DecodeUtf8(sql, &next)) next = i + 1;
        return InvalidArgument("unexpected character '" + std::string(sql.substr(i, next - i)) +
                               "' at " + std::to_string(i));
      }
    }
  }
  out.push_back({Token::Type::kEnd, "", "", sql.size()});
  return out;
}

// Words that name something outside the subset, with the reason.
const std::map<std::string, std::string>& Refused() {
  static const std::map<std::string, std::string> kRefused = {
      {"ORDER", "ORDER BY is not in the channel's subset: answers are aggregates, not rows"},
      {"LIMIT", "LIMIT is not in the channel's subset: answers are aggregates, not rows"},
      {"OFFSET", "OFFSET is not in the channel's subset: answers are aggregates, not rows"},
      {"UNION", "UNION is not in the channel's subset: one aggregate query at a time"},
      {"INTERSECT", "INTERSECT is not in the channel's subset"},
      {"EXCEPT", "EXCEPT is not in the channel's subset"},
      {"HAVING",
       "HAVING is not in the channel's subset: small groups are suppressed by the contract"},
      {"JOIN", "JOIN is not in the channel's subset: one product per query"},
      {"DISTINCT", "DISTINCT is not in the channel's subset"},
      {"LIKE", "LIKE is not in the channel's subset: compare whole values"},
      {"GLOB", "GLOB is not in the channel's subset"},
      {"CASE", "CASE is not in the channel's subset"},
      {"WITH", "WITH is not in the channel's subset"},
      {"MIN", "MIN is not in the channel's subset: an extreme value is one row's value"},
      {"MAX", "MAX is not in the channel's subset: an extreme value is one row's value"},
  };
  return kRefused;
}

bool IsKeyword(const std::string& up) {
  static const std::vector<std::string> kKeywords = {
      "SELECT", "FROM", "WHERE", "GROUP", "BY",      "AS",    "AND", "OR",
      "NOT",    "IN",   "IS",    "NULL",  "BETWEEN", "COUNT", "SUM", "AVG"};
  return std::find(kKeywords.begin(), kKeywords.end(), up) != kKeywords.end() ||
         Refused().contains(up);
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  Result<AggregateQuery> Query() {
    AggregateQuery q;
    QT_RETURN_IF_ERROR(Expect("SELECT"));
    do {
      QT_ASSIGN_OR_RETURN(SelectItem item, Item());
      q.select.push_back(std::move(item));
    } while (Accept(","));
    QT_RETURN_IF_ERROR(Expect("FROM"));
    QT_ASSIGN_OR_RETURN(q.table, Name("a table name"));
    if (Accept(".")) return InvalidArgument("qualified names are not in the channel's subset");
    if (Accept("WHERE")) {
      QT_ASSIGN_OR_RETURN(Condition c, Or(0));
      q.where = std::move(c);
    }
    if (Accept("GROUP")) {
      QT_RETURN_IF_ERROR(Expect("BY"));
      do {
        QT_ASSIGN_OR_RETURN(std::string g, Name("a field to group by"));
        q.group_by.push_back(std::move(g));
      } while (Accept(","));
    }
    Accept(";");
    if (Peek().type != Token::Type::kEnd) return Unexpected("the end of the query");
    for (const SelectItem& s : q.select) {
      if (s.kind == SelectItem::Kind::kGroupField &&
          std::find(q.group_by.begin(), q.group_by.end(), s.field) == q.group_by.end()) {
        return InvalidArgument("'" + s.field +
                               "' is selected without an aggregate and is not in GROUP BY: the "
                               "channel does not return rows");
      }
    }
    bool any_aggregate = std::any_of(q.select.begin(), q.select.end(), [](const SelectItem& s) {
      return s.kind != SelectItem::Kind::kGroupField;
    });
    if (!any_aggregate) return InvalidArgument("the query selects no aggregate (COUNT, SUM, AVG)");
    return q;
  }

 private:
  const Token& Peek() const { return t_[i_]; }

  Status Refuse(const Token& tok) {
    auto r = Refused().find(tok.upper);
    if (r != Refused().end()) return InvalidArgument(r->second);
    if (tok.upper == "SELECT") {
      return InvalidArgument("subqueries are not in the channel's subset");
    }
    return OkStatus();
  }

  Status Unexpected(const std::string& wanted) {
    const Token& tok = Peek();
    QT_RETURN_IF_ERROR(Refuse(tok));
    if (tok.type == Token::Type::kEnd) return InvalidArgument("expected " + wanted + " at the end");
    return InvalidArgument("expected " + wanted + " at " + std::to_string(tok.pos) + ", found '" +
                           tok.text + "'");
  }

  bool Accept(std::string_view word) {
    if (Peek().upper == word && Peek().type != Token::Type::kString) {
      ++i_;
      return true;
    }
    return false;
  }

  Status Expect(std::string_view word) {
    if (Accept(word)) return OkStatus();
    return Unexpected("'" + std::string(word) + "'");
  }

  Result<std::string> Name(const std::string& what) {
    const Token& tok = Peek();
    if (tok.type != Token::Type::kWord || IsKeyword(tok.upper)) return Unexpected(what);
    if (IsSymbol(t_[i_ + 1], "(")) {
      return InvalidArgument("function " + tok.upper +
                             " is not in the channel's subset (COUNT, SUM, AVG)");
    }
    ++i_;
    return tok.text;
  }

  Result<SelectItem> Item() {
    SelectItem item;
    const Token& tok = Peek();
    if (IsSymbol(tok, "*"))
      return InvalidArgument("SELECT * returns rows: the channel answers only aggregates");
    QT_RETURN_IF_ERROR(Refuse(tok));
    if (tok.upper == "COUNT" || tok.upper == "SUM" || tok.upper == "AVG") {
      std::string fn = tok.upper;
      ++i_;
      QT_RETURN_IF_ERROR(Expect("("));
      QT_RETURN_IF_ERROR(Refuse(Peek()));
      if (fn == "COUNT" && Accept("*")) {
        item.kind = SelectItem::Kind::kCount;
        item.label = "count";
      } else {
        QT_ASSIGN_OR_RETURN(item.field, Name("a field name"));
        item.kind = fn == "COUNT" ? SelectItem::Kind::kCountField
                    : fn == "SUM" ? SelectItem::Kind::kSum
                                  : SelectItem::Kind::kAvg;
        std::string lower = fn;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        item.label = lower + "_" + item.field;
      }
      QT_RETURN_IF_ERROR(Expect(")"));
    } else {
      item.kind = SelectItem::Kind::kGroupField;
      QT_ASSIGN_OR_RETURN(item.field, Name("COUNT, SUM, AVG or a GROUP BY field"));
      item.label = item.field;
    }
    if (Accept("AS")) {
      QT_ASSIGN_OR_RETURN(item.label, Name("a column label"));
    }
    return item;
  }

  Result<Literal> Lit() {
    const Token& tok = Peek();
    if (tok.type == Token::Type::kNumber) {
      ++i_;
      return Literal{true, tok.text};
    }
    if (tok.type == Token::Type::kString) {
      if (tok.text.size() > 1000)
        return InvalidArgument("a text literal is longer than 1000 bytes");
      ++i_;
      return Literal{false, tok.text};
    }
    if (IsSymbol(tok, "(") && t_[i_ + 1].upper == "SELECT") {
      return InvalidArgument("subqueries are not in the channel's subset");
    }
    return Unexpected("a number or 'text'");
  }

  Result<Condition> Or(int depth) {
    if (depth > kMaxDepth) return InvalidArgument("the WHERE clause is nested too deeply");
    QT_ASSIGN_OR_RETURN(Condition first, And(depth));
    if (Peek().upper != "OR") return first;
    Condition c{.kind = Condition::Kind::kOr};
    c.children.push_back(std::move(first));
    while (Accept("OR")) {
      QT_ASSIGN_OR_RETURN(Condition next, And(depth));
      c.children.push_back(std::move(next));
    }
    return c;
  }

  Result<Condition> And(int depth) {
    QT_ASSIGN_OR_RETURN(Condition first, Factor(depth));
    if (Peek().upper != "AND") return first;
    Condition c{.kind = Condition::Kind::kAnd};
    c.children.push_back(std::move(first));
    while (Accept("AND")) {
      QT_ASSIGN_OR_RETURN(Condition next, Factor(depth));
      c.children.push_back(std::move(next));
    }
    return c;
  }

  Result<Condition> Factor(int depth) {
    if (depth > kMaxDepth) return InvalidArgument("the WHERE clause is nested too deeply");
    if (Accept("NOT")) {
      QT_ASSIGN_OR_RETURN(Condition inner, Factor(depth + 1));
      Condition c{.kind = Condition::Kind::kNot};
      c.children.push_back(std::move(inner));
      return c;
    }
    if (IsSymbol(Peek(), "(")) {
      if (t_[i_ + 1].upper == "SELECT") {
        return InvalidArgument("subqueries are not in the channel's subset");
      }
      ++i_;
      QT_ASSIGN_OR_RETURN(Condition inner, Or(depth + 1));
      QT_RETURN_IF_ERROR(Expect(")"));
      return inner;
    }
    Condition c;
    QT_ASSIGN_OR_RETURN(c.field, Name("a field name"));
    if (Accept("IS")) {
      c.kind = Accept("NOT") ? Condition::Kind::kIsNotNull : Condition::Kind::kIsNull;
      QT_RETURN_IF_ERROR(Expect("NULL"));
      return c;
    }
    if (Accept("BETWEEN")) {
      c.kind = Condition::Kind::kBetween;
      QT_ASSIGN_OR_RETURN(Literal lo, Lit());
      QT_RETURN_IF_ERROR(Expect("AND"));
      QT_ASSIGN_OR_RETURN(Literal hi, Lit());
      c.values = {lo, hi};
      return c;
    }
    bool negated = Accept("NOT");
    if (Accept("IN")) {
      c.kind = negated ? Condition::Kind::kNotIn : Condition::Kind::kIn;
      QT_RETURN_IF_ERROR(Expect("("));
      do {
        QT_ASSIGN_OR_RETURN(Literal v, Lit());
        c.values.push_back(std::move(v));
        if (c.values.size() > 1000) return InvalidArgument("an IN list has more than 1000 values");
      } while (Accept(","));
      QT_RETURN_IF_ERROR(Expect(")"));
      return c;
    }
    if (negated) return Unexpected("IN");
    const Token& op = Peek();
    static const std::vector<std::string> kOps = {"=", "!=", "<>", "<", "<=", ">", ">="};
    if (op.type != Token::Type::kSymbol ||
        std::find(kOps.begin(), kOps.end(), op.text) == kOps.end()) {
      return Unexpected("a comparison (=, !=, <, <=, >, >=, BETWEEN, IN, IS NULL)");
    }
    ++i_;
    c.kind = Condition::Kind::kCompare;
    c.op = op.text == "<>" ? "!=" : op.text;
    QT_ASSIGN_OR_RETURN(Literal v, Lit());
    c.values.push_back(std::move(v));
    return c;
  }

  std::vector<Token> t_;
  size_t i_ = 0;
};

void CollectFields(const Condition& c, std::vector<std::string>& out) {
  if (!c.field.empty() && std::find(out.begin(), out.end(), c.field) == out.end()) {
    out.push_back(c.field);
  }
  for (const Condition& child : c.children) CollectFields(child, out);
}

}  // namespace

Result<AggregateQuery> ParseChannelSql(std::string_view sql) {
  if (sql.size() > kMaxSqlBytes) return InvalidArgument("the query is longer than 10000 bytes");
  QT_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(sql));
  // A second statement is refused before anything else.
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    if (IsSymbol(tokens[i], ";") && tokens[i + 1].type != Token::Type::kEnd) {
      return InvalidArgument("one statement per query");
    }
  }
  return Parser(std::move(tokens)).Query();
}

std::vector<std::string> FieldsUsed(const AggregateQuery& q) {
  std::vector<std::string> out;
  auto add = [&](const std::string& f) {
    if (!f.empty() && std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
  };
  for (const SelectItem& s : q.select) add(s.field);
  if (q.where) CollectFields(*q.where, out);
  for (const auto& g : q.group_by) add(g);
  return out;
}

}  // namespace qt::dataspace
