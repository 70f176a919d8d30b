#include "match/rule.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "core/text.h"

namespace qt::match {

nlohmann::json ClauseResultJson(const ClauseResult& c) {
  auto number = [](double v) {
    return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v);
  };
  return {{"clause", c.text},
          {"passed", c.passed},
          {"actual", c.actual},
          {"gap", number(c.gap)},
          {"attribute", c.attribute},
          {"op", c.op},
          {"years_since", c.years_since},
          {"operands", c.operands},
          {"value", number(c.value)}};
}

nlohmann::json ExplanationJson(const Explanation& e) {
  nlohmann::json out = nlohmann::json::array();
  for (const ClauseResult& c : e.clauses) out.push_back(ClauseResultJson(c));
  return out;
}
namespace {

struct Token {
  enum Kind { kEnd, kWord, kNumber, kString, kDate, kSymbol } kind = kEnd;
  std::string text;  // word, symbol, string contents, date text, a number's digits
  double number = 0;
  int power = 0;              // a number's 万 (4) or 亿 (8)
  size_t begin = 0, end = 0;  // byte offsets in the rule text
};

bool IsWordStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsWordChar(char c) { return IsWordStart(c) || (c >= '0' && c <= '9'); }

std::string FormatNumber(double v) {
  std::ostringstream out;
  out.precision(15);
  out << v;
  return out.str();
}

}  // namespace

class RuleParser {
 public:
  RuleParser(std::string_view text, Schema& schema, Rule& rule)
      : text_(text), schema_(schema), rule_(rule) {}

  Status Parse() {
    QT_RETURN_IF_ERROR(Tokenize());
    QT_ASSIGN_OR_RETURN(rule_.root_, ParseOr());
    if (tokens_[pos_].kind != Token::kEnd)
      return Error(tokens_[pos_], "expected 'and', 'or' or the end");
    return OkStatus();
  }

 private:
  // 1-based character column of byte offset `at`.
  size_t Column(size_t at) const {
    size_t col = 1;
    for (size_t i = 0; i < at && i < text_.size(); ++i) {
      if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++col;
    }
    return col;
  }
  Status Error(const Token& t, const std::string& what) const {
    return InvalidArgument(
        "rule:" + std::to_string(Column(t.begin)) + ": " + what +
        (t.kind == Token::kEnd
             ? " (at the end)"
             : ", found '" + std::string(text_.substr(t.begin, t.end - t.begin)) + "'"));
  }

  Status Tokenize() {
    size_t i = 0;
    while (true) {
      while (i < text_.size() &&
             (text_[i] == ' ' || text_[i] == '\t' || text_[i] == '\n' || text_[i] == '\r'))
        ++i;
      Token t;
      t.begin = i;
      if (i >= text_.size()) {
        t.kind = Token::kEnd;
        t.end = i;
        tokens_.push_back(t);
        return OkStatus();
      }
      const char c = text_[i];
      if (IsWordStart(c)) {
        while (i < text_.size() && IsWordChar(text_[i])) ++i;
        t.kind = Token::kWord;
        t.text = std::string(text_.substr(t.begin, i - t.begin));
      } else if ((c >= '0' && c <= '9') ||
                 (c == '-' && i + 1 < text_.size() && text_[i + 1] >= '0' && text_[i + 1] <= '9')) {
        size_t j = i + (c == '-' ? 1 : 0);
        while (j < text_.size() && ((text_[j] >= '0' && text_[j] <= '9') || text_[j] == '.')) ++j;
        // A date: YYYY-MM-DD.
        if (c != '-' && j - i == 4 && j + 6 <= text_.size() && text_[j] == '-' &&
            text_[j + 3] == '-') {
          std::string date(text_.substr(i, 10));
          if (!Schema::ParseDate(date)) {
            t.kind = Token::kDate;
            t.end = i + 10;
            return Error(t, "not a valid date");
          }
          t.kind = Token::kDate;
          t.text = date;
          t.number = *Schema::ParseDate(date);
          i += 10;
        } else {
          const std::string digits(text_.substr(i, j - i));
          char* stop = nullptr;
          t.number = std::strtod(digits.c_str(), &stop);
          if (stop != digits.c_str() + digits.size()) {
            t.kind = Token::kNumber;
            t.end = j;
            return Error(t, "not a number");
          }
          i = j;
          t.text = digits;
          if (text_.substr(i, 3) == "万") {
            t.number *= 1e4;
            t.power = 4;
            i += 3;
          } else if (text_.substr(i, 3) == "亿") {
            t.number *= 1e8;
            t.power = 8;
            i += 3;
          }
          t.kind = Token::kNumber;
        }
      } else if (c == '"') {
        size_t j = i + 1;
        while (j < text_.size() && text_[j] != '"') ++j;
        if (j >= text_.size()) {
          t.kind = Token::kString;
          t.end = text_.size();
          return Error(t, "a string is not closed");
        }
        t.kind = Token::kString;
        t.text = std::string(text_.substr(i + 1, j - i - 1));
        i = j + 1;
      } else {
        static constexpr std::string_view kTwo[] = {"!=", "<=", ">="};
        t.kind = Token::kSymbol;
        if (i + 1 < text_.size() &&
            std::find(std::begin(kTwo), std::end(kTwo), text_.substr(i, 2)) != std::end(kTwo)) {
          t.text = std::string(text_.substr(i, 2));
          i += 2;
        } else if (std::string_view("=<>()[],").find(c) != std::string_view::npos) {
          t.text = std::string(1, c);
          ++i;
        } else {
          // The whole character, not one byte of it (a malformed one: a byte).
          size_t next = i;
          t.end = DecodeUtf8(text_, &next) ? next : i + 1;
          return Error(t, "unexpected character");
        }
      }
      t.end = i;
      tokens_.push_back(std::move(t));
    }
  }

  const Token& Peek() const { return tokens_[pos_]; }
  bool IsWord(const Token& t, std::string_view w) const {
    return t.kind == Token::kWord && t.text == w;
  }
  bool IsSymbol(const Token& t, std::string_view s) const {
    return t.kind == Token::kSymbol && t.text == s;
  }
  Status Expect(std::string_view symbol) {
    if (!IsSymbol(Peek(), symbol)) return Error(Peek(), "expected '" + std::string(symbol) + "'");
    ++pos_;
    return OkStatus();
  }

  int AddNode(Rule::Node n) {
    rule_.nodes_.push_back(std::move(n));
    return static_cast<int>(rule_.nodes_.size()) - 1;
  }

  Result<int> ParseOr() {
    QT_ASSIGN_OR_RETURN(int first, ParseAnd());
    if (!IsWord(Peek(), "or")) return first;
    Rule::Node n{Rule::Node::kOr, {first}, -1};
    while (IsWord(Peek(), "or")) {
      ++pos_;
      QT_ASSIGN_OR_RETURN(int next, ParseAnd());
      n.children.push_back(next);
    }
    return AddNode(std::move(n));
  }

  Result<int> ParseAnd() {
    QT_ASSIGN_OR_RETURN(int first, ParseUnary());
    if (!IsWord(Peek(), "and")) return first;
    Rule::Node n{Rule::Node::kAnd, {first}, -1};
    while (IsWord(Peek(), "and")) {
      ++pos_;
      QT_ASSIGN_OR_RETURN(int next, ParseUnary());
      n.children.push_back(next);
    }
    return AddNode(std::move(n));
  }

  Result<int> ParseUnary() {
    if (++depth_ > 32) return Error(Peek(), "nested deeper than 32");
    Result<int> out = 0;
    if (IsWord(Peek(), "not")) {
      ++pos_;
      QT_ASSIGN_OR_RETURN(int inner, ParseUnary());
      out = AddNode({Rule::Node::kNot, {inner}, -1});
    } else if (IsSymbol(Peek(), "(")) {
      ++pos_;
      QT_ASSIGN_OR_RETURN(out, ParseOr());
      QT_RETURN_IF_ERROR(Expect(")"));
    } else {
      QT_ASSIGN_OR_RETURN(int clause, ParseClause());
      out = AddNode({Rule::Node::kLeaf, {}, clause});
    }
    --depth_;
    return out;
  }

  // A literal of the clause's type.
  Result<double> ValueOf(const Token& t, const Clause& c) {
    switch (c.years_since ? Type::kNumber : c.type) {
      case Type::kNumber:
        if (t.kind != Token::kNumber) return Error(t, "expected a number");
        return t.number;
      case Type::kMoney: {
        if (t.kind != Token::kNumber) return Error(t, "expected an amount in yuan");
        auto fen = Schema::YuanToFen(t.text, t.power, Schema::Rounding::kExact);
        if (!fen) return Error(t, "expected yuan to the fen (two decimals at most)");
        return static_cast<double>(*fen);
      }
      case Type::kDate:
        if (t.kind != Token::kDate) return Error(t, "expected a date YYYY-MM-DD");
        return t.number;
      case Type::kBool:
        if (!IsWord(t, "true") && !IsWord(t, "false")) return Error(t, "expected true or false");
        return IsWord(t, "true") ? 1.0 : 0.0;
      default:
        return Error(t, "expected a value");
    }
  }

  Result<std::vector<int32_t>> StringList() {
    QT_RETURN_IF_ERROR(Expect("["));
    std::vector<int32_t> ids;
    while (true) {
      const Token& t = Peek();
      if (t.kind != Token::kString) return Error(t, "expected a string in the list");
      ids.push_back(schema_.Intern(t.text));
      ++pos_;
      if (IsSymbol(Peek(), "]")) break;
      QT_RETURN_IF_ERROR(Expect(","));
    }
    ++pos_;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
  }

  Result<int> ParseClause() {
    if (rule_.clauses_.size() >= Rule::kMaxClauses) return Error(Peek(), "more than 64 clauses");
    const size_t begin = Peek().begin;
    Clause c;
    Token name = Peek();
    if (IsWord(name, "years_since")) {
      ++pos_;
      QT_RETURN_IF_ERROR(Expect("("));
      name = Peek();
      c.years_since = true;
    }
    if (name.kind != Token::kWord) return Error(name, "expected an attribute");
    auto index = schema_.Find(name.text);
    if (!index) return Error(name, "unknown attribute '" + name.text + "'");
    ++pos_;
    c.attribute = *index;
    c.slot = schema_.Slot(*index);
    c.type = schema_.TypeOf(*index);
    if (c.years_since) {
      if (c.type != Type::kDate) return Error(name, "years_since needs a date attribute");
      QT_RETURN_IF_ERROR(Expect(")"));
    }
    const Type t = c.years_since ? Type::kNumber : c.type;
    const Token& op = Peek();
    if (op.kind == Token::kSymbol && (op.text == "=" || op.text == "!=" || op.text == "<" ||
                                      op.text == "<=" || op.text == ">" || op.text == ">=")) {
      ++pos_;
      c.op = op.text == "="    ? Op::kEq
             : op.text == "!=" ? Op::kNe
             : op.text == "<"  ? Op::kLt
             : op.text == "<=" ? Op::kLe
             : op.text == ">"  ? Op::kGt
                               : Op::kGe;
      if (t == Type::kSet) return Error(op, "a set attribute is compared with 'has'");
      if ((t == Type::kString || t == Type::kBool) && c.op != Op::kEq && c.op != Op::kNe) {
        return Error(op, "a " + std::string(TypeName(t)) + " attribute is compared with = or !=");
      }
      if (t == Type::kString) {
        if (Peek().kind != Token::kString) return Error(Peek(), "expected a string");
        c.ids = {schema_.Intern(Peek().text)};
        ++pos_;
      } else {
        QT_ASSIGN_OR_RETURN(c.a, ValueOf(Peek(), c));
        ++pos_;
      }
    } else if (IsWord(op, "between")) {
      if (t != Type::kNumber && t != Type::kMoney && t != Type::kDate)
        return Error(op, "between needs a number, an amount or a date");
      ++pos_;
      c.op = Op::kBetween;
      QT_ASSIGN_OR_RETURN(c.a, ValueOf(Peek(), c));
      ++pos_;
      if (!IsWord(Peek(), "and")) return Error(Peek(), "expected 'and' in between");
      ++pos_;
      QT_ASSIGN_OR_RETURN(c.b, ValueOf(Peek(), c));
      ++pos_;
      if (c.b < c.a) return Error(tokens_[pos_ - 1], "the upper bound is below the lower");
    } else if (IsWord(op, "in") || (IsWord(op, "not") && IsWord(tokens_[pos_ + 1], "in"))) {
      if (t != Type::kString) return Error(op, "in needs a string attribute (sets use 'has any')");
      c.op = IsWord(op, "in") ? Op::kIn : Op::kNotIn;
      pos_ += c.op == Op::kIn ? 1 : 2;
      QT_ASSIGN_OR_RETURN(c.ids, StringList());
    } else if (IsWord(op, "has")) {
      if (t != Type::kSet) return Error(op, "has needs a set attribute");
      ++pos_;
      if (IsWord(Peek(), "any") || IsWord(Peek(), "all")) {
        c.op = IsWord(Peek(), "any") ? Op::kHasAny : Op::kHasAll;
        ++pos_;
        QT_ASSIGN_OR_RETURN(c.ids, StringList());
      } else {
        if (Peek().kind != Token::kString) return Error(Peek(), "expected a string after has");
        c.op = Op::kHas;
        c.ids = {schema_.Intern(Peek().text)};
        ++pos_;
      }
    } else if (t == Type::kBool) {
      c.op = Op::kTrue;
      c.a = 1;
    } else {
      return Error(op, "expected a comparison after '" + name.text + "'");
    }
    c.text = std::string(text_.substr(begin, tokens_[pos_ - 1].end - begin));
    rule_.clauses_.push_back(std::move(c));
    return static_cast<int>(rule_.clauses_.size()) - 1;
  }

  std::string_view text_;
  Schema& schema_;
  Rule& rule_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
};

Result<Rule> Rule::Compile(std::string_view text, Schema& schema) {
  if (text.size() > kMaxText) return InvalidArgument("rule: longer than 4000 bytes");
  Rule rule;
  rule.text_ = std::string(text);
  RuleParser parser(text, schema, rule);
  QT_RETURN_IF_ERROR(parser.Parse());
  return rule;
}

namespace {

double YearsSince(double date, double today) { return (today - date) / 365.2425; }

bool Contains(const std::vector<int32_t>& sorted, int32_t id) {
  return std::binary_search(sorted.begin(), sorted.end(), id);
}

// The numeric value a clause reads (NaN when missing).
double NumberOf(const Clause& c, const Entity& e, double today) {
  const double v = e.numbers[c.slot];
  return c.years_since ? YearsSince(v, today) : v;
}

// How far a failed numeric clause's value is from passing (NaN if not numeric).
double Gap(const Clause& c, double v) {
  if (std::isnan(v)) return std::nan("");
  switch (c.op) {
    case Op::kLt:
    case Op::kLe:
      return v - c.a;
    case Op::kGt:
    case Op::kGe:
      return c.a - v;
    case Op::kEq:
      return std::abs(c.a - v);
    case Op::kBetween:
      return v < c.a ? c.a - v : v - c.b;
    default:
      return std::nan("");
  }
}

}  // namespace

bool Rule::ClauseHolds(int i, const Entity& e, double today) const {
  const Clause& c = clauses_[i];
  switch (c.type == Type::kSet      ? Type::kSet
          : c.type == Type::kString ? Type::kString
                                    : Type::kNumber) {
    case Type::kString: {
      const int32_t v = e.strings[c.slot];
      if (v < 0) return false;
      switch (c.op) {
        case Op::kEq:
          return v == c.ids[0];
        case Op::kNe:
          return v != c.ids[0];
        case Op::kIn:
          return Contains(c.ids, v);
        case Op::kNotIn:
          return !Contains(c.ids, v);
        default:
          return false;
      }
    }
    case Type::kSet: {
      const std::vector<int32_t>& have = e.sets[c.slot];
      switch (c.op) {
        case Op::kHas:
          return Contains(have, c.ids[0]);
        case Op::kHasAny:
          return std::any_of(c.ids.begin(), c.ids.end(),
                             [&](int32_t id) { return Contains(have, id); });
        case Op::kHasAll:
          return std::includes(have.begin(), have.end(), c.ids.begin(), c.ids.end());
        default:
          return false;
      }
    }
    default: {
      const double v = NumberOf(c, e, today);
      if (std::isnan(v)) return false;
      switch (c.op) {
        case Op::kEq:
          return v == c.a;
        case Op::kNe:
          return v != c.a;
        case Op::kLt:
          return v < c.a;
        case Op::kLe:
          return v <= c.a;
        case Op::kGt:
          return v > c.a;
        case Op::kGe:
          return v >= c.a;
        case Op::kBetween:
          return v >= c.a && v <= c.b;
        case Op::kTrue:
          return v != 0;
        default:
          return false;
      }
    }
  }
}

bool Rule::EvalNode(int node, const Entity& e, double today,
                    const std::vector<int8_t>* forced) const {
  const Node& n = nodes_[node];
  switch (n.kind) {
    case Node::kLeaf:
      if (forced != nullptr && (*forced)[n.clause] >= 0) return (*forced)[n.clause] == 1;
      return ClauseHolds(n.clause, e, today);
    case Node::kNot:
      return !EvalNode(n.children[0], e, today, forced);
    case Node::kAnd:
      for (int child : n.children) {
        if (!EvalNode(child, e, today, forced)) return false;
      }
      return true;
    case Node::kOr:
      for (int child : n.children) {
        if (EvalNode(child, e, today, forced)) return true;
      }
      return false;
  }
  return false;
}

bool Rule::Matches(const Entity& e, double today) const {
  return EvalNode(root_, e, today, nullptr);
}

namespace {

std::string_view OpName(Op op) {
  switch (op) {
    case Op::kEq:
      return "=";
    case Op::kNe:
      return "!=";
    case Op::kLt:
      return "<";
    case Op::kLe:
      return "<=";
    case Op::kGt:
      return ">";
    case Op::kGe:
      return ">=";
    case Op::kBetween:
      return "between";
    case Op::kIn:
      return "in";
    case Op::kNotIn:
      return "not in";
    case Op::kHas:
      return "has";
    case Op::kHasAny:
      return "has any";
    case Op::kHasAll:
      return "has all";
    case Op::kTrue:
      return "true";
  }
  return "?";
}

// The clause's literals: numbers, dates as YYYY-MM-DD, booleans, strings
// (sorted).
nlohmann::json Operands(const Clause& c, const Schema& schema) {
  nlohmann::json out = nlohmann::json::array();
  if (c.op == Op::kTrue) return out;
  if (c.type == Type::kString || c.type == Type::kSet) {
    std::vector<std::string> texts;  // ids are in interning order: show them sorted
    for (int32_t id : c.ids) texts.push_back(schema.Text(id));
    std::sort(texts.begin(), texts.end());
    for (std::string& t : texts) out.push_back(std::move(t));
    return out;
  }
  auto literal = [&](double v) -> nlohmann::json {
    if (c.type == Type::kDate && !c.years_since) return Schema::FormatDate(v);
    if (c.type == Type::kMoney) return v / 100;  // yuan, as written
    if (c.type == Type::kBool) return v != 0;
    return v;
  };
  out.push_back(literal(c.a));
  if (c.op == Op::kBetween) out.push_back(literal(c.b));
  return out;
}

}  // namespace

Explanation Rule::Explain(const Entity& e, const Schema& schema, double today) const {
  Explanation out;
  out.passed = Matches(e, today);
  for (size_t i = 0; i < clauses_.size(); ++i) {
    const Clause& c = clauses_[i];
    ClauseResult r{.text = c.text,
                   .passed = ClauseHolds(static_cast<int>(i), e, today),
                   .actual = "missing",
                   .gap = std::nan(""),
                   .attribute = schema.attributes()[c.attribute].name,
                   .op = std::string(OpName(c.op)),
                   .years_since = c.years_since,
                   .operands = Operands(c, schema),
                   .value = std::nan("")};
    switch (c.type) {
      case Type::kString:
        if (e.strings[c.slot] >= 0) r.actual = schema.Text(e.strings[c.slot]);
        break;
      case Type::kSet: {
        std::string items;
        for (int32_t id : e.sets[c.slot]) items += (items.empty() ? "" : ", ") + schema.Text(id);
        r.actual = "[" + items + "]";
        break;
      }
      default: {
        const double v = NumberOf(c, e, today);
        // Years since a date read to the tenth below (3.39 years is "3.3"),
        // and the gap is measured from what is read: "3.3, short by 1.7".
        // Money reads in yuan, as the rule is written.
        const double shown = c.years_since            ? std::floor(v * 10) / 10
                             : c.type == Type::kMoney ? v / 100
                                                      : v;
        if (c.type == Type::kNumber || c.type == Type::kMoney || c.years_since)
          r.value = c.type == Type::kMoney ? v / 100 : v;
        if (!std::isnan(v)) {
          r.actual = c.type == Type::kDate && !c.years_since ? Schema::FormatDate(v)
                     : c.type == Type::kBool                 ? (v != 0 ? "true" : "false")
                                                             : FormatNumber(shown);
        }
        if (!r.passed) {
          const double gap = c.type == Type::kMoney ? Gap(c, v) / 100 : Gap(c, shown);
          r.gap = c.years_since ? std::round(gap * 10) / 10 : gap;
        }
      }
    }
    out.clauses.push_back(std::move(r));
  }
  return out;
}

std::vector<ClauseResult> Rule::NearMisses(const Entity& e, const Schema& schema,
                                           double today) const {
  std::vector<ClauseResult> out;
  if (Matches(e, today)) return out;
  Explanation ex = Explain(e, schema, today);
  std::vector<int8_t> forced(clauses_.size(), -1);
  for (size_t i = 0; i < clauses_.size(); ++i) {
    if (ex.clauses[i].passed) continue;
    forced[i] = 1;
    if (EvalNode(root_, e, today, &forced)) out.push_back(ex.clauses[i]);
    forced[i] = -1;
  }
  return out;
}

std::vector<int> Rule::RequiredClauses() const {
  const Node& root = nodes_[root_];
  if (root.kind == Node::kLeaf) return {root.clause};
  std::vector<int> out;
  if (root.kind == Node::kAnd) {
    for (int child : root.children) {
      if (nodes_[child].kind == Node::kLeaf) out.push_back(nodes_[child].clause);
    }
  }
  return out;
}

}  // namespace qt::match
