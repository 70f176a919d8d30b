// Eligibility rules: a small expression language over an entity's attributes
// (schema.h), compiled once against a schema, evaluated fast, and explained
// clause by clause.
//
//   rule      := or
//   or        := and ("or" and)*
//   and       := unary ("and" unary)*
//   unary     := "not" unary | "(" or ")" | clause
//   clause    := operand ("=" | "!=" | "<" | "<=" | ">" | ">=") literal
//              | operand "between" literal "and" literal
//              | attr ["not"] "in" "[" literal ("," literal)* "]"
//              | attr "has" string | attr "has" ("any" | "all") "[" string, ... "]"
//              | attr                                   (a bool attribute is true)
//   operand   := attr | "years_since" "(" attr ")"      (a date attribute, in years)
//   literal   := number | "string" | true | false | YYYY-MM-DD
//
// Numbers may end in 万 (x10^4) or 亿 (x10^8): `revenue >= 2000万`.
// A money attribute (kept in fen) is written in yuan, converted exactly to
// fen when the rule is compiled: `revenue >= 4999999.99`; a literal finer
// than a fen, or beyond Schema::kMaxFen, is refused. Its explanation is in
// yuan too (operands, actual, value and gap), as the rule reads.
// Types are checked at compile time: numbers and money compare with numbers,
// dates with dates, strings with = != in, sets with has, bools with = or alone.
// Errors give the position (1-based character) and what was expected.
//
// A missing value fails every clause that reads it (also "!=" and "not in").
//
// Thread-safety: a compiled Rule is immutable; evaluate from many threads.
#ifndef QIANTANG_MATCH_RULE_H_
#define QIANTANG_MATCH_RULE_H_

#include <cmath>
#include <string>
#include <vector>

#include "core/status.h"
#include "match/schema.h"

namespace qt::match {

enum class Op {
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kBetween,
  kIn,
  kNotIn,
  kHas,
  kHasAny,
  kHasAll,
  kTrue
};

// One clause of a rule, compiled.
struct Clause {
  std::string text;  // as written
  int attribute = 0;
  int slot = 0;  // in the entity's storage for this type
  Type type = Type::kNumber;
  Op op = Op::kEq;
  bool years_since = false;  // the operand is years since a date attribute
  double a = 0, b = 0;       // number/date/bool operands (between: a..b)
  std::vector<int32_t> ids;  // string/set operands, sorted
};

// How one clause fared for one entity. `attribute`, `op` and `operands` say
// what the clause asks, for a reader to phrase it in its own language.
struct ClauseResult {
  std::string text;
  bool passed = false;
  std::string actual;         // the entity's value, as text ("missing" if none)
  double gap = std::nan("");  // numeric clauses that failed: how far the value is from passing
  std::string attribute;      // empty for a condition that is not a rule's clause
  std::string op;             // = != < <= > >= between in "not in" has "has any" "has all" true
  bool years_since = false;   // the operand is the years since the attribute's date
  nlohmann::json operands = nlohmann::json::array();  // numbers, dates and strings as written
  double value = std::nan("");                        // the entity's value when a number (or years)
};

struct Explanation {
  bool passed = false;
  std::vector<ClauseResult> clauses;  // in the order written
};

// {"clause", "passed", "actual", "gap" (null unless a failed numeric clause),
//  "attribute", "op", "years_since", "operands", "value" (null unless a number)}.
nlohmann::json ClauseResultJson(const ClauseResult& c);
nlohmann::json ExplanationJson(const Explanation& e);  // the clauses, as an array

class Rule {
 public:
  static constexpr size_t kMaxText = 4000;
  static constexpr size_t kMaxClauses = 64;

  // Interns the rule's strings in `schema`. invalid_argument:
  // "rule:COL: <what>" (COL counts characters from 1).
  static Result<Rule> Compile(std::string_view text, Schema& schema);

  const std::string& text() const { return text_; }
  const std::vector<Clause>& clauses() const { return clauses_; }

  // `today` is days since the epoch (for years_since).
  bool Matches(const Entity& e, double today) const;
  Explanation Explain(const Entity& e, const Schema& schema, double today) const;
  // The clauses that alone keep the entity out: the rule would pass if that
  // one clause passed (empty if it passes, or if no single clause suffices).
  std::vector<ClauseResult> NearMisses(const Entity& e, const Schema& schema, double today) const;

  // The clauses every match must satisfy: the top-level conjunction's
  // clauses (all of them when the rule is one clause), for indexing.
  std::vector<int> RequiredClauses() const;

  // Evaluates clause `i` alone.
  bool ClauseHolds(int i, const Entity& e, double today) const;

 private:
  struct Node {
    enum Kind { kAnd, kOr, kNot, kLeaf } kind = kLeaf;
    std::vector<int> children;  // node indices (kLeaf: none)
    int clause = -1;            // kLeaf
  };
  friend class RuleParser;

  bool EvalNode(int node, const Entity& e, double today, const std::vector<int8_t>* forced) const;

  std::string text_;
  std::vector<Clause> clauses_;
  std::vector<Node> nodes_;
  int root_ = 0;
};

}  // namespace qt::match

#endif  // QIANTANG_MATCH_RULE_H_
