// Usage policies of digital contracts (数字合约), after ODRL 2.2's
// information model: permissions and prohibitions of actions, each with
// constraints, and duties attached to permissions. Deny by default: an action
// is allowed only if a permission for it has every constraint satisfied and
// no prohibition for it applies; anything the model does not know (an action,
// a left operand, an operator) is rejected when the policy is defined.
//
// JSON (ODRL's JSON-LD terms, without the @context):
//   {"permission": [{"action": "aggregate_query",
//                    "constraint": [{"leftOperand": "purpose", "operator": "isAnyOf",
//                                    "rightOperand": ["research", "credit"]},
//                                   {"leftOperand": "epsilon", "operator": "lteq",
//                                    "rightOperand": 2.0},
//                                   {"leftOperand": "groupSize", "operator": "gteq",
//                                    "rightOperand": 10}],
//                    "duty": [{"action": "inform"}]}],
//    "prohibition": [{"action": "delivery"}]}
//
// Actions: aggregate_query (the channel), psi, delivery.
// Left operands and their operators:
//   purpose    isAnyOf [text]      the purpose the consumer declares for a use
//   spatial    isAnyOf [text]      the region the consumer declares ("330100")
//   field      isAnyOf [name]      every field a use touches
//   count      lteq N              uses of this action over the contract's life
//   dateTime   gteq|lt RFC 3339    when a use may happen
//   epsilon    lteq E              total differential-privacy budget (0 < E <= 10,
//                                  in steps of 0.001)
//   groupSize  gteq K              smallest group an answer may describe (K >= 2)
//   psiOutput  isAnyOf [intersection, size]  what a PSI may tell the consumer
//   psiClientSize lteq N           psi: the consumer's set per session, at most
//                                  N items (1 to 16,777,216; 100,000 if absent)
//   psiSessionsPerDay lteq N       psi: sessions the consumer starts on the
//                                  product in any 24 hours, under any of its
//                                  contracts (1 to 10^6; 10 if absent);
//                                  counted by the PSI service
//   psiIntersectionField isAnyOf [name]  psi: the fields whose intersection
//                                  (not only its size) the consumer may learn
// An aggregate_query permission must constrain epsilon and groupSize; a psi
// permission must constrain psiOutput and field (the columns it may match).
// Identifying fields may be named by psi and delivery rules only.
//
// PSI on protected fields (sensitivity identifying or sensitive: phone
// numbers, ID numbers, names): a consumer could send every candidate of a
// masked value (10,000 guesses for 137****0000) and learn the value from the
// intersection. So the output on such a field is the size only, unless the
// permission names the field in psiIntersectionField, and even then a
// session's set has at most kProtectedIntersectionItems items.
// Duties: inform (the provider sees every use: met by the journal),
// attribute (results name the provider), delete (results deleted after the
// contract's end; recorded, not technically enforceable).
//
// Thread-safety: value types and pure functions.
#ifndef QIANTANG_DATASPACE_POLICY_H_
#define QIANTANG_DATASPACE_POLICY_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "dataspace/schema.h"

namespace qt::dataspace {

enum class Action { kAggregateQuery, kPsi, kDelivery };
std::string_view ActionName(Action a);
std::optional<Action> ParseAction(std::string_view name);

struct Constraint {
  enum class Left {
    kPurpose,
    kSpatial,
    kField,
    kCount,
    kDateTime,
    kEpsilon,
    kGroupSize,
    kPsiOutput,
    kPsiClientSize,
    kPsiSessionsPerDay,
    kPsiIntersectionField
  };
  Left left;
  std::string op{};                // "isAnyOf", "lteq", "gteq", "lt"
  std::vector<std::string> set{};  // isAnyOf
  int64_t number = 0;  // count, groupSize, psi limits; epsilon in thousandths; dateTime in ms
};

// PSI limits (see above): the consumer's set per session when the contract
// names none, sessions per day when it names none, and the most items a
// session may have when it returns the intersection of a protected field.
inline constexpr int64_t kDefaultPsiClientSize = 100'000;
inline constexpr int64_t kMaxPsiClientSize = int64_t{1} << 24;
inline constexpr int64_t kDefaultPsiSessionsPerDay = 10;
inline constexpr int64_t kProtectedIntersectionItems = 1'000;

struct Rule {
  Action action;
  std::vector<Constraint> constraints{};
  std::vector<std::string> duties{};  // permissions only
};

struct Policy {
  std::vector<Rule> permissions{};
  std::vector<Rule> prohibitions{};
};

// Parses and validates; fields named in `field` constraints must be in
// `schema` and not identifying. Errors name the place:
// "permission[0].constraint[1].operator: purpose takes isAnyOf".
Result<Policy> ParsePolicy(const nlohmann::json& j, const Schema& schema);
// The canonical JSON of a policy (ParsePolicy(PolicyJson(p)) == p).
nlohmann::json PolicyJson(const Policy& p);

// One intended use, as the consumer declares it and the contract's meter knows it.
struct Use {
  Action action;
  std::string purpose{};
  std::string region{};
  std::vector<std::string> fields{};
  UnixMillis now = 0;
  int64_t uses_before = 0;        // uses of this action so far
  int64_t epsilon_spent = 0;      // thousandths, so far
  int64_t epsilon_requested = 0;  // thousandths, by this use
  std::string psi_output{};       // psi: "intersection" or "size"
  int64_t psi_client_size = 0;    // psi: items the consumer's set holds
  // psi: the fields of `fields` whose sensitivity is identifying or sensitive.
  std::vector<std::string> protected_fields{};
};

// What the matching permission grants.
struct Grant {
  int64_t epsilon_budget = 0;  // thousandths (0 when unconstrained: not a channel use)
  int64_t min_group_size = 0;
  std::optional<int64_t> max_uses{};
  int64_t psi_sessions_per_day = 0;  // psi: the cap the PSI service enforces (else 0)
};

// The permission this use satisfies, or permission_denied naming the exact
// constraint that failed ("constraint purpose isAnyOf [research]: 'marketing'
// is not one of them") or the prohibition that applies. A psi use is also
// checked against the PSI limits above (each refusal names its limit);
// sessions per day are returned in the Grant, not checked.
Result<Grant> Evaluate(const Policy& policy, const Use& use);

// 1.5 -> 1500; invalid_argument unless a positive multiple of 0.001 up to 10.
Result<int64_t> EpsilonMillis(const nlohmann::json& value, const std::string& at);

}  // namespace qt::dataspace

#endif  // QIANTANG_DATASPACE_POLICY_H_
